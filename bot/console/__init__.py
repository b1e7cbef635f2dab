"""The terminal stand-in for Slack (`oppbot console`) and the local Web API stand-in it talks to.

repl        the loop and its commands (/opp, /click, /as, /home, ...)
terminal    lines in and out, TTY or piped
people      the session's users, and @names as Slack mentions
text        Block Kit rendered as terminal text (render_blocks)
controls    buttons and menus found by their labels
prompts     modals asked for as prompts, answers turned into view state
signing     the requests Slack sends, built and signed (shared with the tests and benchmarks)
logs        one-line logging while the console runs
slack_api   FakeSlack: the Web API stand-in's server and record of calls
slack_workspace  what the stand-in knows and how each Web API method answers
printing    digests and reports as terminal text (oppbot digest|report --print)
"""
