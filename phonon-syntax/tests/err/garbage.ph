out: sine 440 × 2
o1: a , b
o2: ~ a
o3: sine(440, 2)
out:: 3
~: 3
===
o4: a = b
o5: s "bd" ~* s "sn"
o6: 0.2 ~/ ~drums
o7: fast 9 $ "<300 990>"
