o1: 3 4
o2: ~lfo 2
o3: "bd sn" 2
o4: (fast 2) 3
o5: [1, 2] 3
o6: f (1 2)
o7: "a very long string that goes on and on" 1
