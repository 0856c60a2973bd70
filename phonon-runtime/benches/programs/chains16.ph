-- sixteen outputs, each its own chain of oscillator and filters (no two of one shape, so none pack into f32x4): the compiled scheduler's even split
tempo: 0.5
~lfo: sine 0.2
o1: square "110 165" # hpf (~lfo * 250 + 1000) 0.6 # notch 300 0.7 # rhpf 1600 1.5 # hpf 900 2 # distortion 2 0.3 * 0.03
o2: tri "165 247.5" # bpf (~lfo * 300 + 1700) 0.7 # rhpf 1000 1.5 # bpf 300 2 # rhpf 1600 0.5 # bpf 900 0.6 # bitcrush 10 2 * 0.03
o3: pulse "220 330" 0.3 # notch (~lfo * 350 + 400) 1.5 # rlpf 1700 2 # rhpf 1000 0.5 # lpf 300 0.6 # hpf 1600 0.7 # bpf 900 1.5 * 0.03
o4: saw "275 412.5" # rlpf (~lfo * 400 + 1100) 2 # lpf 400 0.5 # bpf 1700 0.6 # tanh * 0.03
o5: square "330 495" # rhpf (~lfo * 450 + 1800) 0.5 # bpf 1100 0.6 # rhpf 400 0.7 # bpf 1700 1.5 # distortion 2 0.3 * 0.03
o6: tri "385 577.5" # lpf (~lfo * 500 + 500) 0.6 # hpf 1800 0.7 # bpf 1100 1.5 # notch 400 2 # rlpf 1700 0.5 # bitcrush 10 2 * 0.03
o7: pulse "55 82.5" 0.3 # hpf (~lfo * 550 + 1200) 0.7 # notch 500 1.5 # rhpf 1800 2 # hpf 1100 0.5 # notch 400 0.6 # rhpf 1700 0.7 * 0.03
o8: saw "110 165" # bpf (~lfo * 600 + 1900) 1.5 # rhpf 1200 2 # bpf 500 0.5 # tanh * 0.03
o9: square "165 247.5" # notch (~lfo * 650 + 600) 2 # rlpf 1900 0.5 # rhpf 1200 0.6 # lpf 500 0.7 # distortion 2 0.3 * 0.03
o10: tri "220 330" # rlpf (~lfo * 700 + 1300) 0.5 # lpf 600 0.6 # bpf 1900 0.7 # rlpf 1200 1.5 # lpf 500 2 # bitcrush 10 2 * 0.03
o11: pulse "275 412.5" 0.3 # rhpf (~lfo * 750 + 2000) 0.6 # bpf 1300 0.7 # rhpf 600 1.5 # bpf 1900 2 # rhpf 1200 0.5 # bpf 500 0.6 * 0.03
o12: saw "330 495" # lpf (~lfo * 800 + 700) 0.7 # hpf 2000 1.5 # bpf 1300 2 # tanh * 0.03
o13: square "385 577.5" # rhpf 2000 0.5 # notch 700 2 # hpf (~lfo * 850 + 1400) 1.5 # distortion 2 0.3 * 0.03
o14: tri "55 82.5" # rhpf 2000 0.7 # bpf 700 0.6 # rhpf 1400 0.5 # bpf (~lfo * 900 + 2100) 2 # bitcrush 10 2 * 0.03
o15: pulse "110 165" 0.3 # hpf 2000 2 # lpf 700 1.5 # rhpf 1400 0.7 # rlpf 2100 0.6 # notch (~lfo * 950 + 800) 0.5 * 0.03
o16: saw "165 247.5" # lpf 800 0.7 # rlpf (~lfo * 1000 + 1500) 0.6 # tanh * 0.03
