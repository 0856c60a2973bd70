-- # chains and $ transforms read left to right
d1: s "bd sn" $ fast 2 $ every 4 rev
o1: saw 55 # lpf 800 0.7 # delay 0.25 0.4 0.3
o2: saw 110 # ~fx
~fx: lpf 1000 0.8 # delay 0.25 0.4 0.3
o3: s "bd*4" # gain "1 0.8" # speed 2
o4: s "bd sn" $ every 3 (fast 2) $ off 0.125 (add 12) $ superimpose (fast 2)
o5: "0 1 2" $ rev
o6: note ("<c6 e2>" $ fast 9) # s saw
o7: sine $ segment 4 $ range 200 800
o8: ~drums $ rev # lpf 800 0.7 $ fast 2
