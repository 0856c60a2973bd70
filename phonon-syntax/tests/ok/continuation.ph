-- indented lines and open brackets continue a statement
~mix: ~a * 0.3 +
      ~b * 0.2 +

      -- a comment inside the statement
      ~c * 0.1
out: stack [s "bd*4",
s "hh*8",
  s "~ sn"]
o1: lpf (saw 55
+ saw 55.5) 800 0.7
o2: sine 440
  # lpf 800 0.7
  $ fast 2
