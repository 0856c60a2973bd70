out: saw 55 # lpf "bd sn" 0.7
