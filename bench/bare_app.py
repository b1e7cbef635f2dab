"""The baseline for bench/commands.py: a bare Bolt app that acknowledges /opp with a fixed text,
served by the same gunicorn set-up as `oppbot web` (bot.web.Server: the asyncio front, the same
workers, threads and limits). What oppbot adds is measured against it.

    python bench/bare_app.py PORT WORKERS THREADS
"""

from __future__ import annotations

import os

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient


def bolt_app() -> App:
    """A Bolt app as oppbot's is set up for HTTP (the signing secret, the Web API's address, its
    answer before the response), with no listeners yet."""
    return App(
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        client=WebClient(token=os.environ.get("SLACK_BOT_TOKEN", "xoxb-bench"), base_url=os.environ.get("SLACK_API_URL") or WebClient.BASE_URL),
        token_verification_enabled=False,
        process_before_response=True,
    )


def serve(app: App) -> None:
    """Serve ``app`` at /slack/events (and /healthz) with oppbot's server set-up; argv: PORT WORKERS THREADS."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bot.web import Server

    slack = SlackRequestHandler(app, path="/slack/events")

    def application(environ, start_response):
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok\n"]
        return slack(environ, start_response)

    port, workers, threads = (int(x) for x in sys.argv[1:4])
    Server(application, None, port=port, workers=workers, threads=threads).run()


def main() -> None:
    app = bolt_app()

    @app.command("/opp")
    def opp(ack) -> None:
        ack(response_type="ephemeral", text="ok")

    serve(app)


if __name__ == "__main__":
    main()
