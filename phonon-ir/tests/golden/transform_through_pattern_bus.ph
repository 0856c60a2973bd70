-- `$` on a signal reaches the patterns inside it, through pattern buses too
tempo: 1
~notes: "100 200"
out: sine ~notes $ fast 2
o2: saw ~notes # lpf "300 900" 0.5 $ rev
