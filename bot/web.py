"""HTTP mode: Bolt's WSGI adapter for POST /slack/events, plus GET /healthz, served by gunicorn."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable

from gunicorn.app.base import BaseApplication
from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from sqlalchemy import text

from bot.core.runtime import Runtime
from handlers import payloads

log = logging.getLogger(__name__)

TIMESTAMP = re.compile(r"[0-9]{1,15}")


class CheckedRequestHandler(SlackRequestHandler):
    """Bolt's WSGI adapter, answering 400 to a request Slack could not have sent, before any of it
    runs: a body that is not UTF-8, a length that is not a number, an interactive payload or event
    body that is not a JSON object or not shaped as Slack shapes it (handlers/payloads.py), an
    X-Slack-Request-Timestamp that is not a whole number of seconds. (Bolt fails on each with a 500.)"""

    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        try:
            bolt_request = BoltRequest(body=request.get_body(), query=request.query_string, headers=request.get_headers())
        except (ValueError, TypeError, AttributeError, KeyError, IndexError) as error:  # JSON, UTF-8, length, shape
            return _bad_request(f"unreadable body ({type(error).__name__})")
        if not isinstance(bolt_request.body, dict):
            return _bad_request("body is not an object")
        wrong = payloads.problem(bolt_request.body)
        if wrong:
            return _bad_request(wrong)
        if not all(TIMESTAMP.fullmatch(value) for value in bolt_request.headers.get("x-slack-request-timestamp", [])):
            return _bad_request("timestamp is not a whole number")
        return self.app.dispatch(bolt_request)


def _bad_request(reason: str) -> BoltResponse:
    log.warning("refused a malformed request: %s", reason)
    return BoltResponse(status=400, body="bad request\n", headers={"content-type": "text/plain; charset=utf-8"})


def wsgi_app(app: App, rt: Runtime) -> Callable:
    slack = CheckedRequestHandler(app, path="/slack/events")

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
