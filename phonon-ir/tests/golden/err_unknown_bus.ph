~drums: s "bd sn"
out: ~drum * 0.5
