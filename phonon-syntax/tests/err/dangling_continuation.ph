o1: s "bd sn"
# reverb 0.5 0.5 0.3
o2: sine 440
* 0.5
o3: sine 3
$ fast 2
