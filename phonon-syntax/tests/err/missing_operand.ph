out: saw 110 # lpf 800 0.7 +
out2: sine 440 *
o3: (1 + ) * 2
o4: [1, , 2]
o5: f (
  )
