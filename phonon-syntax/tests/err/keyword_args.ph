o1: lpf 800 :
o2: lpf 800 :q
o3: lpf 800 : q 3
o4: lpf 800 :q # hpf 3
