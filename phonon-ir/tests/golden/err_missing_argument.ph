out: saw 55 # delay
