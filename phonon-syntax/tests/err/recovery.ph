-- five broken statements among good ones: each is reported, the good ones parse
tempo: 0.5
~a: sine 440 +
~b: saw 55
~c: lpf (~b 800
out: ~a + ~b
o1: s "bd
o2: 3 4
o3: ~b # lpf 800 0.7
o4 sine 3
o5: ~b
