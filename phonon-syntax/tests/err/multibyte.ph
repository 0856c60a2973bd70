o1: sine 440 + éé * 2
o2: s "café" # → 3
o3: 𝄞
