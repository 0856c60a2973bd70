~lfo sine 3
tempo 3
tempo $ 3
bpm
hush now
out 3
o1 = 3
~a:
out:
