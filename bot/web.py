"""HTTP mode: Bolt's WSGI adapter for POST /slack/events, plus GET /healthz, served by gunicorn."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from gunicorn.app.base import BaseApplication
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import text

from bot.core.runtime import Runtime


def wsgi_app(app: App, rt: Runtime) -> Callable:
    slack = SlackRequestHandler(app, path="/slack/events")

    def application(environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            try:
                with rt.sessions() as session:
                    session.execute(text("SELECT 1"))
                status, body = "200 OK", b"ok\n"
            except Exception:  # the database is unreachable: tell the load balancer
                status, body = "503 Service Unavailable", b"database unavailable\n"
            start_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))])
            return [body]
        return slack(environ, start_response)

    return application


class Server(BaseApplication):
    """gunicorn, configured in code; the app is built once in the master and shared by forks."""

    def __init__(self, application: Callable, rt: Runtime, *, port: int, workers: int, threads: int):
        self.application = application
        engine = rt.sessions.kw["bind"]
        self.options = {
            "bind": f"0.0.0.0:{port}",
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread",
            "timeout": 30,
            "accesslog": "-",
            "preload_app": True,
            # connections opened in the master (migrations) must not be shared by forked workers
            "post_fork": lambda _server, _worker: engine.dispose(close=False),
        }
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Callable:
        return self.application
