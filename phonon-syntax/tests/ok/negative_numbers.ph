-- a `-` glued to a digit after whitespace in an argument list is a number
o1: curve 1 0 3 -3
o2: f -3 4
o3: a - 3
o4: a-3
o5: a -x
o6: -1
o7: - 1
o8: -x
o9: -sine 3
o10: f (-3)
o11: 2 * -3
o12: [1, -2, - 3]
o13: pan -0.5 :width -1e-2
o14: 3 -2 + ~lfo -1
o15: --3 is all comment after the colon
  4
