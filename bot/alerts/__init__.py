"""What the worker watches on open deals and who hears about it (scan), and what the buttons on an
alert do (actions)."""
