-- `$ fast 2` on a signal applies to the frequency pattern inside it
out: saw "55 110" # lpf 1000 0.7 $ fast 2
