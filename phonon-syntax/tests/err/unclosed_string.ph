out: sine "440 880
o1: s "bd sn" # n "0 1
o2: sine 440
