-- constant arithmetic folds; x * 1 and x + 0 disappear
out: sine (220 * 2) * (0.1 * 2) * 1 + 0
