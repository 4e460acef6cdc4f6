"""Stage 6, compose: a note's insights → one plan per output (what to say, in which order, in which slot).

`ideas` turns insights back into complete ideas (a lead-in with its list, a label with what it
names, sentences kept whole); `outline` reads the note as an argument (chapters, hook, closing,
question, attribution); `plan` holds the frozen plan values and the selection helpers each
channel's `plan()` uses (`tasks/channels/<name>.py`); `stage` is the stage function.
"""
