tempo: 0.5
out: saw 110 # lpf (~lfo * 2000 + 600 0.7
~lfo: sine 0.5
o2: stack [s "bd", s "sn"
o3: sine 440
