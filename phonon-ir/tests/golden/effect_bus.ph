-- an input-less chain in a bus, applied with `# ~fx`; events as a signal
~fx: lpf 1000 0.8 # delay 0.25 0.4 0.3
out: s "bd*4" # gain "1 0.8" # ~fx
