out: saw 110 # lfp 800 0.7
