-- * and / bind tighter than + and -, all left-associative
out: 1 + 2 * 3
out: 1 - 2 - 3
out: 8 / 2 / 2
out: (1 + 2) * 3
out: 2 * 3 + 4 * 5 - 6 / 2
-- a step's arithmetic: before it is the input, after it applies to the chain
out: a * 2 # lpf 800 0.7 * 0.1 + b
out: x # f * 2 + 3 * 4
out: x + y # g 1
