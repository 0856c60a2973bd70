tempo: 0.5
out: sine 440 +
  sine 441
