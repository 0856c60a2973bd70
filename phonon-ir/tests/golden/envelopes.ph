-- Envelopes outside a voice read the cycle gate; after events they set per-event parameters
tempo: 0.5
~env: adsr 0.01 0.1 0.5 0.2
o1: sine 440 * ad 0.001 0.2 * 0.3
o2: saw 110 * ~env * 0.2
o3: note "c4 e4" # s saw # adsr 0.01 0.1 0.5 0.2 # pan "-0.5 0.5"
