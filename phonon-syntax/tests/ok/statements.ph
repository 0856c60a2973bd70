-- every statement form
tempo: 0.5
cps: 0.75
bpm: 120
~lfo: sine 0.5
~bass $ saw 55
out: ~bass * ~lfo
out $ ~bass
o1: sine 220
o16 $ sine 330
out2: noise
out12 $ pink
d1: s "bd sn"
d3 $ s "hh*8"
hush
