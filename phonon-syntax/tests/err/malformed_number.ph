o1: 3x
o2: f 1e
o3: 1.2.3
o4: 2.
o5: f 1e+
