-- number spellings, kept as written
o1: f 440 0.5 .5 1e3 1E-3 2.5e+2 007
