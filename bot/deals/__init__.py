"""The deal services: create, update, move, log, close and read (opportunities), who may do what
(permissions), score and grade (qualification), learned win probability (winprob), risk flags and
reminders (risks), the public pool and hand-overs (pool), and what a deal looks like to people
(views)."""
