-- a filtered saw through a delay
out: saw 55 # lpf 800 0.7 # delay 0.25 0.4 0.3 * 0.2
