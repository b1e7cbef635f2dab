"""The web pages, read-only, behind Sign in with Slack: a deal's page (``/deals/42``) and the
pipeline board (``/board``), in the signed-in person's language, under the same view rules as in
Slack (bot.deals.permissions).

- ``site``: the routes (a WSGI app bot.web hands page paths to) and their refusals;
- ``signin``: Sign in with Slack (OpenID Connect) through slack_sdk;
- ``cookies``: the signed session and sign-in state cookies;
- ``reading``: what a page shows, read from the database by the deal services and store.queries;
- ``render``: the Jinja2 templates (``templates/``, autoescaped) and the texts they show.
"""
