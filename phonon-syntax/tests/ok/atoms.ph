o1: noise
o2: rev
o3: s "bd*2 [~ sn:2]"
o4: ~drums
o5: (~lfo)
o6: ((sine 3))
o7: lpf (saw 55) 800 0.7
o8: reverb ~drums 0.5 0.5 0.25
o9: s""
o10: sine"440" (1)[2]
