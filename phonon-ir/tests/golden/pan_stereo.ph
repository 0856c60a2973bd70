-- pan makes stereo; the filter after it runs once per channel
out: saw 110 # pan -0.5 # lpf 1200 0.7 * 0.2
