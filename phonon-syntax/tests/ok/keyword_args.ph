-- keyword arguments `:name value`, anywhere among the arguments
o1: lpf 1000 :q 0.8
o2: saw 55 # reverb :room_size 2.0 :damping 0.2 :mix 0.9
o3: f :a 1 2 :b "x" 3
o4: g :in ~bus :freq (~lfo * 2) :list [1, 2]
o5: lpf 800
  :q 0.7
