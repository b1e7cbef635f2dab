"""The `oppbot` command: web, socket, console, worker, db."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys

from bot.config import ConfigError, Settings

log = logging.getLogger("oppbot")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="oppbot", description="oppbot: opportunity management in Slack.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    web = sub.add_parser("web", help="serve Slack's HTTP requests (POST /slack/events, GET /healthz) with gunicorn")
    web.add_argument("--port", type=int, help="port to listen on (default: $PORT, else 3000)")
    web.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")), help="worker processes (default: $WEB_CONCURRENCY or 2)")
    web.add_argument("--threads", type=int, default=4, help="threads per worker (default 4)")

    sub.add_parser("socket", help="connect to Slack over Socket Mode (needs SLACK_APP_TOKEN)")

    console = sub.add_parser("console", help="a terminal stand-in for Slack: type /opp commands as a chosen user")
    console.add_argument("--as", dest="user", default="alice", help="who you are (a name; default alice)")
    console.add_argument("--demo", action="store_true", help="load a small sample pipeline first")

    sub.add_parser("worker", help="run the scheduler process")

    db = sub.add_parser("db", help="database schema")
    db.add_argument("action", choices=["upgrade", "current"], help="upgrade: migrate to the latest schema; current: show the revision")

    args = parser.parse_args(argv)
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env()
    try:
        return COMMANDS[args.command](args, settings)
    except ConfigError as exc:
        print(f"oppbot: {exc}", file=sys.stderr)
        return 2


def cmd_web(args, settings: Settings) -> int:
    from bot.app import build_runtime, create_app
    from bot.web import Server, wsgi_app

    _require(settings, "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
    rt = build_runtime(settings)
    app = create_app(rt, settings)
    port = args.port or int(os.environ.get("PORT", "3000"))
    Server(wsgi_app(app, rt), rt, port=port, workers=args.workers, threads=args.threads).run()
    return 0


def cmd_socket(args, settings: Settings) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.app import build_runtime, create_app

    _require(settings, "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")
    rt = build_runtime(settings)
    SocketModeHandler(create_app(rt, settings), settings.app_token).start()
    return 0


def cmd_console(args, settings: Settings) -> int:
    from bot.console import run_console

    return run_console(settings, user=args.user, demo=args.demo)


def cmd_worker(args, settings: Settings) -> int:
    from bot.app import build_runtime

    build_runtime(settings)  # checks config and upgrades the schema, as the web process does
    log.info("worker started; no scheduled jobs are configured yet")
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    try:
        while not stop:
            signal.pause() if hasattr(signal, "pause") else None
    except KeyboardInterrupt:
        pass
    log.info("worker stopped")
    return 0


def cmd_db(args, settings: Settings) -> int:
    from store.db import current_revision, head_revision, make_engine, upgrade

    engine = make_engine(settings.database_url)
    if args.action == "upgrade":
        upgrade(engine)
    print(f"schema revision: {current_revision(engine) or 'none'} (latest: {head_revision(engine)})")
    return 0


ENV_NAMES = {"SLACK_BOT_TOKEN": "bot_token", "SLACK_SIGNING_SECRET": "signing_secret", "SLACK_APP_TOKEN": "app_token"}


def _require(settings: Settings, *names: str) -> None:
    missing = [n for n in names if not getattr(settings, ENV_NAMES[n])]
    if missing:
        raise ConfigError(f"environment: {', '.join(missing)} not set (see README: Slack setup)")


COMMANDS = {"web": cmd_web, "socket": cmd_socket, "console": cmd_console, "worker": cmd_worker, "db": cmd_db}


if __name__ == "__main__":
    sys.exit(main())
