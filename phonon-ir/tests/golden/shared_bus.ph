-- one bus read by two outputs is computed once, in an earlier stage
~lfo: sine 0.5
o1: saw 110 # lpf (~lfo * 1000 + 1500) 0.7 * 0.1
o2: square 220 # hpf (~lfo * 200 + 400) 0.7 * 0.1
