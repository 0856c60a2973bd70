out: fast 2
