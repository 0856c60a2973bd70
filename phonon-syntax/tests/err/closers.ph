out: a )
o1: (a ]
o2: [a, (b ])
o3: sine 440
