-- a comment line
   -- an indented comment line is nothing too
tempo: 2.8  -- ~168 BPM
out: s "bd -- sn" -- the first `--` is inside the string
o1: a --b is a comment
o2: "--" # f "a--b"
