-- keyword arguments by name and alias; omitted parameters take defaults
out: saw 55 # lpf 800 :resonance 2 # reverb :room_size 0.8 # delay 0.3 * 0.2
