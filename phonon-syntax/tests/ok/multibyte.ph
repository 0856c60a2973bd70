-- spans are byte offsets: multibyte text before a node shifts them
~voice: s "bd → sn" -- naïve ♫
out: ~voice # lpf 800 0.7 -- 𝄞
o1: s "é" + s "ü"
