-- 120 beats per minute, one beat per cycle: 2 cycles per second
bpm: 120
out: sine "c4 e4 g4" * 0.1
