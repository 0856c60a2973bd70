o1: a #
o2: a # 3
o3: a $ (fast 2)
o4: a $ "bd"
o5: a $ [1]
o6: a # # b
o7: a $ -3
