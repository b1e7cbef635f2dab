"""oppbot: a Slack app for opportunity (商机) management. The packages, top to bottom (each
imports only what is below it; `lint-imports` checks it):

    cli, console               the `oppbot` command; the terminal stand-in for Slack
    app, web, worker           composition root: the Bolt app, the HTTP server, the scheduler
    (handlers/)                the Slack tier: listeners by area
    imports, demo              bringing deals in; the sample pipeline
    alerts, reporting          what the worker watches; digests, reports, figures
    deals                      the deal services: create, move, close, qualify, the pool
    team                       members, assignment, offers
    delivery                   the outbox
    blocks                     all Block Kit, from view objects
    core                       config, clock, errors, i18n, money, dates, periods, runtime
    (store/)                   tables, migrations, queries
"""
