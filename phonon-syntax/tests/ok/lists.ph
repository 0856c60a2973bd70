o1: stack [s "bd", s "hh*2"]
o2: f []
o3: f [1, 2,]
o4: [[1, 2], [3]]
o5: cat [
  s "bd",
  s "sn"
]
o6: [sine 1 * 2, ~x # g]
