-- shapes taken from the earlier Phonon's programs
tempo: 2.83
~break_layer $ s "breaks152" $ loopAt 2 $ chop 8 # hpf 200 0.7
~chaos_drums $ s "[bd bd] sn" $ every 4 rev $ every 3 (fast 1.5)
~atmo_hats $ s "hh*8" $ degradeBy 0.3 # delay 0.25 0.5 0.3 * 0.4
~jungle_full $ ~jungle_drums # reverb 0.3 0.6 0.15 + ~jungle_sub
~output: if ~condition ~high_note ~low_note
~echo: (~src + ~echo * 0.6) # delay 0.375 0 1 # hpf 300 0.5
out $ ~kick + ~snare * 0.85 + ~ride * 0.45
