-- A first Phonon program: a filtered bass line, a wobbling pad and drums.
-- Edit any line while `phonon run examples/first.ph` plays; the change is
-- heard within a block.
tempo: 0.5

~lfo: sine 0.25
~bass: saw "55 55 82.5 [110 73.4]" # lpf (~lfo * 700 + 1000) 0.8
~pad: tri "<220 261.6 293.7 196>" * 0.5 # reverb 0.7 0.5 0.4
~drums: s "bd*2 [~ sn] bd [~ sn]" # gain 0.9

out: ~bass * 0.3 + ~pad * 0.15 + ~drums * 0.5
