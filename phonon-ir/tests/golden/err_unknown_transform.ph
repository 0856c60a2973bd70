out: s "bd sn" $ fsat 2
