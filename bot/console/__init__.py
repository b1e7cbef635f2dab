"""`oppbot console`: the terminal stand-in for Slack, with the local Web API stand-in it talks to,
and digests and reports printed as text."""
