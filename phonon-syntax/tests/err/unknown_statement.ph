foo: 3
%speed: "1 2"
sine 440
let x = 3
ou: 3
o: 3
outer: 1
"bd sn"
tmepo: 0.5
hsuh
bmp: 120
outs: 3
