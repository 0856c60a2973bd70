-- a bus nobody reads makes no nodes; a chain multiplied by 0 folds away
~unused: saw 30 # lpf 100 0.7
out: (saw 30 # lpf 100 0.7) * 0 + sine 440 * 0.2
