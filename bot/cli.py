"""The `oppbot` command: web, socket, console, worker, scan, db, digest, report, import, export, init, config, tasks."""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

from bot.core.config import SHIPPED_CONFIG, ConfigError, Settings
from bot.core.request_context import RequestIdFilter

log = logging.getLogger("oppbot")

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"  # the id of the request being served, or -


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"), format=LOG_FORMAT)
    for handler in logging.getLogger().handlers:
        handler.addFilter(RequestIdFilter())
    if not log.isEnabledFor(logging.DEBUG):  # Alembic reports every step (plugins, each migration) at INFO: shown with LOG_LEVEL=DEBUG only
        logging.getLogger("alembic").setLevel(logging.WARNING)
    settings = Settings.from_env()
    if settings.config_path == str(SHIPPED_CONFIG) and not os.environ.get("OPPBOT_CONFIG") and args.command not in ("init", "db"):
        print(
            f"oppbot: no ./config.toml and OPPBOT_CONFIG is not set: using the shipped default config ({SHIPPED_CONFIG}); `oppbot init` writes one here to edit",
            file=sys.stderr,
        )
    try:
        return COMMANDS[args.command](args, settings)
    except ConfigError as exc:
        for line in str(exc).splitlines():
            print(f"oppbot: {line}", file=sys.stderr)
        return 2


def build_parser() -> argparse.ArgumentParser:
    """The command line: one subcommand per process or task."""
    parser = argparse.ArgumentParser(prog="oppbot", description="oppbot: opportunity management in Slack.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    web = sub.add_parser("web", help="serve Slack's HTTP requests (POST /slack/events, GET /healthz) with gunicorn")
    web.add_argument("--port", type=int, help="port to listen on (default: $PORT, else 3000)")
    web.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")), help="worker processes (default: $WEB_CONCURRENCY or 2)")
    web.add_argument("--threads", type=int, default=4, help="requests each worker process serves at once (default 4; also its database connections)")

    sub.add_parser("socket", help="connect to Slack over Socket Mode (needs SLACK_APP_TOKEN)")

    console = sub.add_parser("console", help="a terminal stand-in for Slack: type /opp commands as a chosen user")
    console.add_argument("--as", dest="user", default="alice", help="who you are (a name; default alice)")
    console.add_argument("--demo", action="store_true", help="load a small sample pipeline first")
    console.add_argument(
        "--fresh",
        action="store_true",
        help="start from an empty database: a new SQLite file for this session only, deleted at exit (DATABASE_URL is left untouched)",
    )

    worker = sub.add_parser(
        "worker",
        help="run the scheduler (alerts, reminders, digests, outbox); one acts at a time; with OPPBOT_BROKER_URL it queues the work for `oppbot tasks`",
    )
    worker.add_argument("--once", action="store_true", help="run one pass of scan, reminders, bundles and sending, then exit")
    worker.add_argument("--metrics-port", type=int, help="serve the worker's metrics (Prometheus format) on this port at /metrics")

    tasks = sub.add_parser("tasks", help="take the worker's tasks off the queue at OPPBOT_BROKER_URL and do them (start as many as the load needs)")
    tasks.add_argument("--concurrency", type=int, default=1, help="tasks done at once, each in a process of its own (default 1)")
    tasks.add_argument("--metrics-port", type=int, help="serve this process's metrics (Prometheus format) on this port at /metrics")

    scan = sub.add_parser("scan", help="scan open deals for alerts now")
    scan.add_argument("--dry-run", action="store_true", help="print what would be alerted and why; change and send nothing")
    scan.add_argument("--at", metavar="ISO_DATETIME", help="scan as of this moment, e.g. 2026-12-07T09:05 (team timezone unless it carries an offset)")

    db = sub.add_parser("db", help="database schema")
    db.add_argument("action", choices=["upgrade", "current"], help="upgrade: migrate to the latest schema; current: show the revision")

    digest = sub.add_parser("digest", help="render a digest in the terminal (the worker sends them)")
    digest.add_argument("kind", choices=["daily", "weekly", "brief"])
    digest.add_argument("--team", help="workspace (team) id; default: the first one")
    digest.add_argument("--date", help="the local day it is for, YYYY-MM-DD (default: today)")
    digest.add_argument("--user", help="brief: whose (Slack user id)")
    digest.add_argument("--lang", choices=["zh", "en"], help="default: the workspace language")
    digest.add_argument("--print", action="store_true", required=True, help="print it as text")

    report = sub.add_parser("report", help="render a report in the terminal")
    report.add_argument("name", help="a report as /opp report names it: funnel, forecast, reps, losses, cycle, trend, payments … (or its Chinese name)")
    report.add_argument(
        "words", nargs="*", help="what /opp report takes after the name: a period (this-month, 2017-Q2, 2017-06, 2017年第二季度 …) and the report's own words"
    )
    report.add_argument("--team", help="workspace (team) id; default: the first one")
    report.add_argument("--lang", choices=["zh", "en"], help="default: the workspace language")
    report.add_argument("--chart", metavar="FILE.png", help="also write the chart (funnel, forecast, trend) to this file")
    report.add_argument("--print", action="store_true", required=True, help="print it as text")

    imp = sub.add_parser(
        "import", help="import deals with their history from a CSV or .xlsx file (the columns oppbot export writes, or another CRM's); all or nothing"
    )
    imp.add_argument("file", help="CSV (UTF-8, UTF-16, GB18030/GBK …) or .xlsx; a header row with at least a title column")
    imp.add_argument("--team", help="workspace (team) id; default: the only one in the database")
    imp.add_argument("--from", dest="source", choices=["salesforce", "hubspot"], help="the file is that system's opportunity (deal) export")
    imp.add_argument("--map", metavar="MAP.toml", help="names of columns, stages and owners in the file: [columns], [stages], [owners]")
    imp.add_argument("--date-format", choices=["dmy", "mdy"], help="how dates like 03/01/2017 are written: day first or month first")
    imp.add_argument("--sheet", help="the .xlsx sheet to read (default: the first)")
    imp.add_argument("--encoding", help="the CSV's encoding, when it isn't recognised (e.g. gb18030, utf-16)")
    imp.add_argument("--dry-run", action="store_true", help="check everything and say what would happen; change nothing")

    exp = sub.add_parser("export", help="write every deal (open, won and lost) as CSV, in the columns oppbot import reads")
    exp.add_argument("file", help="where to write it; - for standard output")
    exp.add_argument("--team", help="workspace (team) id; default: the only one in the database")

    sub.add_parser("init", help="write a commented config.toml to edit into the current directory (never overwrites one)")

    conf = sub.add_parser("config", help="a workspace's own config (stages, reasons, team …) in place of config.toml, the default")
    conf_sub = conf.add_subparsers(dest="action", required=True, metavar="ACTION")
    conf_load = conf_sub.add_parser("load", help="check a config file as at start-up and make it the workspace's own; seeds its [[team]]")
    conf_load.add_argument("file", help="a config.toml-shaped file (oppbot init writes one to start from)")
    for action in (
        conf_load,
        conf_sub.add_parser("show", help="which config the workspace has: its own or the default"),
        conf_sub.add_parser("reset", help="back to the default config (config.toml); seeds the default's [[team]]"),
    ):
        action.add_argument("--team", required=True, help="workspace (team) id, T…")
    return parser


def start_runtime(settings: Settings, *required: str, threads: int | None = None):
    """The runtime of a long-running process (web, socket, worker): config checked, schema upgraded,
    the ``required`` environment present, then config.toml's [[team]] reconciled with what was last
    applied (changed entries only). ``threads``: requests served at once (the pool is sized for it)."""
    from bot.app import build_runtime
    from bot.team.roster import reconcile_all

    rt = build_runtime(settings, **({"threads": threads} if threads else {}))
    _require(settings, *required)
    reconcile_all(rt)
    return rt


def cmd_web(args, settings: Settings) -> int:
    from bot.pages.install import distributed

    _require(settings, *(() if distributed(settings) else ("SLACK_BOT_TOKEN",)), "SLACK_SIGNING_SECRET")  # installed by OAuth: no bot token
    master, made = os.getpid(), metrics_directory()
    try:
        from bot.app import Throttle, create_app, person_limit  # after metrics_directory: prometheus_client reads it on import
        from bot.observability import DatabaseCollector
        from bot.pages.site import Site
        from bot.web import Server, wsgi_app
        from bot.worker.lease import LEASE_TTL

        rt = start_runtime(settings, threads=args.threads)
        app = create_app(rt, settings, throttle=Throttle(rt.clock, limit=person_limit()))
        port = args.port or int(os.environ.get("PORT", "3000"))
        database = DatabaseCollector(rt.sessions, rt.clock, LEASE_TTL)
        pages = Site(rt, settings)  # the web pages (bot.pages), behind Sign in with Slack
        Server(wsgi_app(app, rt, database=database, pages=pages), rt, port=port, workers=args.workers, threads=args.threads).run()
    finally:
        if made and os.getpid() == master:  # gunicorn's forked workers unwind through here too
            shutil.rmtree(made, ignore_errors=True)
    return 0


def metrics_directory() -> str | None:
    """Where the web processes keep their counters for /metrics to add up (prometheus_client's
    multiprocess mode): $PROMETHEUS_MULTIPROC_DIR, emptied of old counters, else a temporary
    directory made here (returned, for removal at exit)."""
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if given:
        os.makedirs(given, exist_ok=True)
        for name in os.listdir(given):
            if name.endswith(".db"):
                os.remove(os.path.join(given, name))
        return None
    made = tempfile.mkdtemp(prefix="oppbot-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = made
    return made


def cmd_socket(args, settings: Settings) -> int:
    _require(settings, "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")
    socket_handler(start_runtime(settings), settings).start()
    return 0


def socket_handler(rt, settings: Settings, **options):
    """What `oppbot socket` runs: the app on Bolt's Socket Mode handler (slack_sdk's built-in
    client), which asks apps.connections.open for a WebSocket URL with SLACK_APP_TOKEN, acknowledges
    each envelope with the listener's answer and reconnects when the socket goes. ``options`` go to
    the handler (the tests shorten ``ping_interval``, how often a dead socket is looked for)."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.app import Throttle, create_app, person_limit

    app = create_app(rt, settings, throttle=Throttle(rt.clock, limit=person_limit()))
    return SocketModeHandler(app, settings.app_token, **options)


def cmd_console(args, settings: Settings) -> int:
    from bot.console.repl import run_console

    if not args.fresh:
        return run_console(settings, user=args.user, demo=args.demo)
    with tempfile.TemporaryDirectory(prefix="oppbot-console-") as scratch:
        fresh = Path(scratch) / "oppbot.db"
        print(f"oppbot console: --fresh: starting from an empty database ({fresh}, deleted at exit)", file=sys.stderr)
        return run_console(replace(settings, database_url=f"sqlite:///{fresh}"), user=args.user, demo=args.demo)


def cmd_init(args, settings: Settings) -> int:
    target = Path.cwd() / "config.toml"
    try:
        with open(target, "xb") as out:
            out.write(SHIPPED_CONFIG.read_bytes())
    except FileExistsError:
        print(f"oppbot: init: {target} already exists; left as it is (edit it, or move it away and run oppbot init again)", file=sys.stderr)
        return 1
    print(f"wrote {target}: edit it, then run oppbot from {target.parent} (or set OPPBOT_CONFIG={target})")
    return 0


def cmd_worker(args, settings: Settings) -> int:
    from bot.worker import run_worker
    from bot.worker.jobs import tick
    from bot.worker.limits import limiter_from_env
    from bot.worker.queue import Dispatcher, broker_url, celery_app

    rt, client = _worker_runtime(args, settings)
    limiter = limiter_from_env()  # OPPBOT_LIMITS_URL: shared by every worker through Redis
    if args.once:
        tick(rt, client, rt.clock.now(), limiter=limiter)
        return 0
    broker = broker_url()
    dispatcher = Dispatcher(rt, celery_app(broker)) if broker else None
    if broker:
        log.info("the due work goes to the task queue at %s (oppbot tasks does it)", _without_password(broker))
    return run_worker(rt, client, dispatcher=dispatcher, limiter=limiter)


def cmd_tasks(args, settings: Settings) -> int:
    from bot.worker.limits import limiter_from_env
    from bot.worker.queue import TaskContext, broker_url, celery_app, serve_tasks

    broker = broker_url()
    if not broker:
        print(
            "oppbot: tasks: set OPPBOT_BROKER_URL to the broker the scheduler queues on (redis://… or amqp://…); without one `oppbot worker` does the work itself",
            file=sys.stderr,
        )
        return 2
    rt, client = _worker_runtime(args, settings)
    app = celery_app(broker)
    serve_tasks(TaskContext(rt, client, limiter_from_env()))
    engine = rt.sessions.kw["bind"]

    from celery.signals import worker_process_init

    # each pool process opens connections of its own, never the parent's (SQLAlchemy's rule after fork)
    worker_process_init.connect(lambda **_: engine.dispose(close=False), weak=False)
    pool = ["--pool", "solo"] if args.concurrency <= 1 else ["--pool", "prefork", "--concurrency", str(args.concurrency)]
    app.worker_main(["worker", "--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat", *pool])
    return 0


def _worker_runtime(args, settings: Settings):
    """The runtime and the Slack client of a worker or task process (each workspace's own token
    when installed by OAuth), and its metrics server when asked for."""
    os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)  # one process: it serves its own counters
    from prometheus_client import start_http_server

    from bot.observability import count_retries
    from bot.pages.install import distributed, installation_store
    from bot.worker.installed import WorkspaceClients
    from bot.worker.sender import sender_client

    many = distributed(settings)  # installed by OAuth: each workspace's row sent with its own token
    rt = start_runtime(settings, *(() if many else ("SLACK_BOT_TOKEN",)))  # a bad config.toml is reported before a missing token
    client = count_retries(sender_client(settings.bot_token, settings.slack_api_url))
    if many:
        client = WorkspaceClients(client, installation_store(rt, settings))
    if args.metrics_port:
        start_http_server(args.metrics_port)
        log.info("metrics at http://0.0.0.0:%s/metrics", args.metrics_port)
    return rt, client


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()


def cmd_scan(args, settings: Settings) -> int:
    from bot.alerts import scan as watch
    from bot.app import build_runtime
    from bot.team.uninstall import served

    rt = build_runtime(settings)
    now = _moment(args.at, rt.config.tz) if args.at else rt.clock.now()
    total = 0
    with rt.sessions() as session:
        ids = served(session)
    for workspace_id in ids:
        with rt.in_workspace(workspace_id), rt.transaction() as session:
            result = watch.scan(session, config=rt.config, workspace_id=workspace_id, now=now, dry_run=args.dry_run)
            if not args.dry_run:
                print(
                    f"{workspace_id}: {len(result.opened)} opened, {result.cleared} cleared, {result.notified} announced, "
                    f"{result.escalated} escalated, {result.pending} waiting for working hours (sent by the worker)"
                )
                continue
            for line in result.lines:
                print(f"{workspace_id}: {line}")
            total += len(result.opened)
            if result.cleared:
                print(f"{workspace_id}: {result.cleared} open alert(s) would clear")
    if args.dry_run:
        print(f"{total} new alert(s) would be raised; nothing was changed or sent")
    return 0


def _moment(text: str, tz):
    """``--at``: an ISO date and time; without an offset it is read on the team's clock."""
    from datetime import datetime

    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise SystemExit(f"--at: not an ISO date and time: {text!r} (e.g. 2026-12-07T09:05)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def cmd_import(args, settings: Settings) -> int:
    from bot.app import build_runtime
    from bot.imports.importing import BadImport, Options, import_file, report_lines

    rt = build_runtime(settings)
    team = args.team or _only_team(rt, "import")
    if team is None:
        return 2
    options = Options(
        team,
        source=args.source,
        mapping=Path(args.map) if args.map else None,
        date_format=args.date_format,
        sheet=args.sheet,
        encoding=args.encoding,
        dry_run=args.dry_run,
    )
    try:
        with rt.in_workspace(team):
            report = import_file(rt, Path(args.file), options)
    except BadImport as exc:
        for problem in exc.problems:
            print(f"oppbot: import: {problem}", file=sys.stderr)
        return 1
    print("\n".join(report_lines(report, Path(args.file))))
    return 0


def cmd_export(args, settings: Settings) -> int:
    from bot.app import build_runtime
    from bot.reporting.export import csv_lines
    from store.queries import DealFilter

    rt = build_runtime(settings)
    team = args.team or _only_team(rt, "export")
    if team is None:
        return 2
    every = DealFilter(workspace_id=team, statuses=("open", "won", "lost"))
    with rt.in_workspace(team), rt.reading() as session:
        out = sys.stdout if args.file == "-" else open(args.file, "w", encoding="utf-8", newline="")  # noqa: SIM115 - closed below
        count = -1  # the header is a line too
        try:
            for line in csv_lines(session, every, rt.config, limit=None):
                out.write(line)
                count += 1
        finally:
            if out is not sys.stdout:
                out.close()
    print(f"exported {count} deals", file=sys.stderr)
    return 0


def _only_team(rt, command: str) -> str | None:
    """The database's one workspace; None (and a message) when there are none or several."""
    from bot.team.uninstall import served

    with rt.sessions() as session:
        teams = served(session)
    if len(teams) == 1:
        return teams[0]
    print(
        f"oppbot: {command}: give --team T… (the database has "
        + (f"{len(teams)} workspaces: {', '.join(teams)})" if teams else "no workspace yet: use /opp once in Slack first)"),
        file=sys.stderr,
    )
    return None


def cmd_config(args, settings: Settings) -> int:
    """`oppbot config load|show|reset --team T…` (bot.team.workspace_config); a fault is a ConfigError (exit 2)."""
    import getpass

    from bot.app import build_runtime
    from bot.team import workspace_config

    rt = build_runtime(settings)
    if args.action == "load":
        lines = workspace_config.load(rt, args.team, Path(args.file), by=getpass.getuser())
    elif args.action == "reset":
        lines = workspace_config.reset(rt, args.team, by=getpass.getuser())
    else:
        lines = workspace_config.show(rt, args.team)
    print("\n".join(lines))
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


def cmd_digest(args, settings: Settings) -> int:
    from bot.app import build_runtime
    from bot.console.printing import print_digest

    print(print_digest(build_runtime(settings), args.kind, team=args.team, day=args.date, user=args.user, lang=args.lang))
    return 0


def cmd_report(args, settings: Settings) -> int:
    from bot.app import build_runtime
    from bot.console.printing import print_report

    print(print_report(build_runtime(settings), args.name, " ".join(args.words), team=args.team, lang=args.lang, chart=args.chart))
    return 0


COMMANDS = {
    "import": cmd_import,
    "export": cmd_export,
    "web": cmd_web,
    "socket": cmd_socket,
    "console": cmd_console,
    "worker": cmd_worker,
    "tasks": cmd_tasks,
    "scan": cmd_scan,
    "db": cmd_db,
    "digest": cmd_digest,
    "report": cmd_report,
    "init": cmd_init,
    "config": cmd_config,
}


if __name__ == "__main__":
    sys.exit(main())
