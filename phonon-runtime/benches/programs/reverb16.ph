-- sixteen independent outputs, each a filtered oscillator through its own reverb: the heaviest even split
tempo: 0.5
o1: saw "55 82.5" # lpf 700 0.6 # reverb 0.6 0.5 0.3 * 0.04
o2: square "65.4 98.1" # lpf 800 0.6 # reverb 0.7 0.5 0.3 * 0.04
o3: tri "73.4 110.1" # lpf 900 0.6 # reverb 0.8 0.5 0.3 * 0.04
o4: pulse "82.4 123.6" 0.3 # lpf 1000 0.6 # reverb 0.5 0.5 0.3 * 0.04
o5: saw "98 147.0" # lpf 1100 0.6 # reverb 0.6 0.5 0.3 * 0.04
o6: square "110 165.0" # lpf 1200 0.6 # reverb 0.7 0.5 0.3 * 0.04
o7: tri "123.5 185.2" # lpf 1300 0.6 # reverb 0.8 0.5 0.3 * 0.04
o8: pulse "130.8 196.2" 0.3 # lpf 1400 0.6 # reverb 0.5 0.5 0.3 * 0.04
o9: saw "110 165.0" # lpf 1500 0.6 # reverb 0.6 0.5 0.3 * 0.04
o10: square "130.8 196.2" # lpf 1600 0.6 # reverb 0.7 0.5 0.3 * 0.04
o11: tri "146.8 220.2" # lpf 1700 0.6 # reverb 0.8 0.5 0.3 * 0.04
o12: pulse "164.8 247.2" 0.3 # lpf 1800 0.6 # reverb 0.5 0.5 0.3 * 0.04
o13: saw "196 294.0" # lpf 1900 0.6 # reverb 0.6 0.5 0.3 * 0.04
o14: square "220 330.0" # lpf 2000 0.6 # reverb 0.7 0.5 0.3 * 0.04
o15: tri "247.0 370.5" # lpf 2100 0.6 # reverb 0.8 0.5 0.3 * 0.04
o16: pulse "261.6 392.4" 0.3 # lpf 2200 0.6 # reverb 0.5 0.5 0.3 * 0.04
