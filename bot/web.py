"""HTTP mode: gunicorn serving POST /slack/events (Bolt), GET /healthz and GET /metrics, and the
web pages behind Sign in with Slack (bot.pages: /deals/<number>, /board, /login, /auth/callback,
/logout) when ``wsgi_app`` is given them.

How a request travels, and why a slow or huge one cannot stall the others:

1. gunicorn's ``asgi`` worker: one event loop per process reads every connection as its bytes
   come. A client that sends its headers and then stalls costs a socket, not a thread.
   gunicorn's request limits refuse long request lines and too many or too long headers.
2. ``BufferedFront`` (the ASGI app): refuses before reading the body an unknown path (404), a
   POST without a Content-Length (411) or with one larger than any Slack payload (``MAX_BODY``,
   413); reads the body whole within ``BODY_TIMEOUT`` (else 408); only then hands the request to
   a pool of ``threads`` threads.
3. ``wsgi_app`` (the WSGI app, also what the tests call in-process): the same refusals, the
   request made current (its id on every log line and in the ``X-Request-Id`` answer header),
   then /healthz, /metrics or Bolt; every Slack request is counted (bot.observability).
"""

from __future__ import annotations

import asyncio
import gc
import io
import logging
import os
import re
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor

from gunicorn.app.base import BaseApplication
from prometheus_client import multiprocess
from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from sqlalchemy import text

from bot.core import payloads
from bot.core.request_context import RequestInfo, answering, run_afterwards, serving
from bot.core.runtime import Runtime
from bot.observability import DatabaseCollector, exposition, observe_request
from bot.pages.install import PATHS as INSTALL_PATHS
from bot.pages.site import METHODS as PAGE_METHODS
from bot.pages.site import is_page

log = logging.getLogger(__name__)

TIMESTAMP = re.compile(r"[0-9]{1,15}")

SLACK_PATH = "/slack/events"
ROUTES = {SLACK_PATH: ("POST",), "/healthz": ("GET", "HEAD"), "/metrics": ("GET",)}
ROUTES.update(dict.fromkeys(INSTALL_PATHS, ("GET",)))  # installing by OAuth (bot.pages.install); without it, not found
MAX_BODY = 1_000_000  # bytes; Slack's largest payloads (view submissions) are well under this
BODY_TIMEOUT = 10.0  # seconds for a whole body to arrive once its headers have
ARRIVED = "oppbot.arrived"  # environ key: time.monotonic() when the front received the request

Answer = tuple[str, list[tuple[str, str]], list[bytes]]


def plain(status: str, body: bytes, *extra: tuple[str, str]) -> Answer:
    return status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body))), *extra], [body]


def refusal(method: str, path: str, content_length: str | None) -> Answer | None:
    """The answer to a request refused before its body is read, or None to go on."""
    allowed = ROUTES.get(path) or (PAGE_METHODS if is_page(path) else None)
    if allowed is None:
        return plain("404 Not Found", b"not found\n")
    if method not in allowed:
        return plain("405 Method Not Allowed", b"method not allowed\n", ("Allow", ", ".join(allowed)))
    if method != "POST":
        return None
    if not content_length:
        return plain("411 Length Required", b"a Content-Length is required\n")
    if not (content_length.isascii() and content_length.isdigit()):
        return plain("400 Bad Request", b"bad request\n")
    if int(content_length) > MAX_BODY:
        return plain("413 Content Too Large", b"request body too large\n", ("Connection", "close"))
    return None


class CheckedRequestHandler(SlackRequestHandler):
    """Bolt's WSGI adapter, answering 400 to a request Slack could not have sent, before any of it
    runs: a body that is not UTF-8, a length that is not a number, an interactive payload or event
    body that is not a JSON object or not shaped as Slack shapes it (bot/core/payloads.py), an
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


def wsgi_app(app: App, rt: Runtime, *, database: DatabaseCollector | None = None, pages: Callable[[dict], Answer] | None = None) -> Callable:
    """The WSGI application; ``database`` adds the figures read from the database to /metrics;
    ``pages`` (bot.pages.site.Site) answers the web pages' paths (without it they are not found)."""
    slack = CheckedRequestHandler(app, path=SLACK_PATH)

    def healthz() -> Answer:
        try:
            with rt.reading() as session:  # never waits behind SQLite's writers
                session.execute(text("SELECT 1"))
            return plain("200 OK", b"ok\n")
        except Exception:  # the database is unreachable: tell the load balancer
            return plain("503 Service Unavailable", b"database unavailable\n")

    def metrics() -> Answer:
        page, content_type = exposition(database)
        return "200 OK", [("Content-Type", content_type), ("Content-Length", str(len(page)))], [page]

    def to_bolt(environ: dict) -> Answer:
        answer: dict = {}

        def start_response(status, headers, exc_info=None):
            answer.update(status=status, headers=list(headers))

        body = list(slack(environ, start_response))
        return answer["status"], answer["headers"], body

    def application(environ: dict, start_response: Callable) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD", "")
        with serving(RequestInfo(arrived=environ.get(ARRIVED) or time.monotonic())) as info:
            answer = refusal(method, path, environ.get("CONTENT_LENGTH"))
            if answer is None and path == "/healthz":
                answer = healthz()
            elif answer is None and path == "/metrics":
                answer = metrics()
            elif answer is None and is_page(path):
                answer = pages(environ) if pages is not None else plain("404 Not Found", b"not found\n")
                if method == "HEAD":
                    answer = (answer[0], answer[1], [b""])
            elif answer is None:
                answer = to_bolt(environ)
            status, headers, body = answer
            if path == SLACK_PATH:
                observe_request(info, int(status.split()[0]))
            start_response(status, [*headers, ("X-Request-Id", info.id)])
            return body

    return application


# --- the asyncio front ------------------------------------------------------------------------


class ClientGone(Exception):
    """The client went away (or stalled past BODY_TIMEOUT) before its body was complete."""


async def read_body(receive: Callable) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def wsgi_environ(scope: dict, body: bytes, arrived: float) -> dict:
    """A WSGI environ for an ASGI HTTP request whose body has been read."""
    server = scope.get("server") or ("localhost", 80)
    environ = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": "",
        "PATH_INFO": scope["path"],
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1]),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "REMOTE_ADDR": (scope.get("client") or ("", 0))[0],
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        ARRIVED: arrived,
    }
    for raw_name, raw_value in scope["headers"]:
        name, value = raw_name.decode("latin-1").upper().replace("-", "_"), raw_value.decode("latin-1")
        key = name if name in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + name
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    return environ


def call_wsgi(application: Callable, environ: dict) -> Answer:
    """Run the WSGI app to the end, in a pool thread; a crash becomes a bare 500, never a traceback."""
    answer: dict = {}

    def start_response(status, headers, exc_info=None):
        answer.update(status=status, headers=list(headers))

    try:
        body = list(application(environ, start_response))
        return answer["status"], answer["headers"], body
    except Exception:
        log.exception("the web application failed")
        return plain("500 Internal Server Error", b"internal error\n")


def _settle(answered: asyncio.Future, answer: Answer) -> None:
    if not answered.done():  # not if the connection was dropped and the wait cancelled
        answered.set_result(answer)


class BufferedFront:
    """The ASGI app gunicorn's asgi worker runs: each request is read whole on the event loop,
    then the WSGI ``application`` answers it on one of ``threads`` threads."""

    def __init__(self, application: Callable, *, threads: int):
        self.application = application
        self.threads = threads
        self._pool: ThreadPoolExecutor | None = None  # made in the worker process, after the fork

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)

    async def _http(self, scope: dict, receive: Callable, send: Callable) -> None:
        arrived = time.monotonic()
        length = next((v.decode("latin-1") for k, v in scope["headers"] if k.lower() == b"content-length"), None)
        answer = refusal(scope["method"], scope["path"], length)
        if answer is None:
            try:
                body = await asyncio.wait_for(read_body(receive), BODY_TIMEOUT)
            except (TimeoutError, ClientGone):
                answer = plain("408 Request Timeout", b"the request body did not arrive in time\n", ("Connection", "close"))
        if answer is None:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="oppbot-web")
            loop = asyncio.get_running_loop()
            answered = loop.create_future()
            self._pool.submit(self._answer, wsgi_environ(scope, body, arrived), loop, answered)
            answer = await answered
        status, headers, chunks = answer
        encoded = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]
        await send({"type": "http.response.start", "status": int(status.split()[0]), "headers": encoded})
        await send({"type": "http.response.body", "body": b"".join(chunks)})

    def _answer(self, environ: dict, loop: asyncio.AbstractEventLoop, answered: asyncio.Future) -> None:
        """In a pool thread: answer the request, hand the answer to the event loop, then do in this
        thread the work the request left for after its answer (bot.core.request_context)."""
        answer = plain("500 Internal Server Error", b"internal error\n")
        try:
            with answering() as afterwards:
                answer = call_wsgi(self.application, environ)
        finally:
            loop.call_soon_threadsafe(_settle, answered, answer)
        run_afterwards(afterwards)

    async def _lifespan(self, receive: Callable, send: Callable) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._pool is not None:
                    self._pool.shutdown(wait=True)
                await send({"type": "lifespan.shutdown.complete"})
                return


def _forget_process(_server, worker) -> None:
    """A finished process's live gauges leave the multiprocess metrics (its counters stay summed)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)


class Server(BaseApplication):
    """gunicorn, configured in code; the app is built once in the master and shared by forks."""

    def __init__(self, application: Callable, rt: Runtime | None, *, port: int, workers: int, threads: int):
        """``rt`` None: an application without a database (the benchmark's bare Bolt app)."""
        self.application = BufferedFront(application, threads=threads)
        engine = rt.sessions.kw["bind"] if rt is not None else None
        self.options = {
            "bind": f"0.0.0.0:{port}",
            "workers": workers,
            "worker_class": "asgi",  # an event loop reads requests: a slow client pins no thread
            "asgi_loop": "auto",  # uvloop (a dependency where it runs), else asyncio's own
            "worker_connections": 1000,  # open connections per process, idle or slow ones included
            "keepalive": 5,
            "timeout": 30,  # a worker silent this long is restarted; also the longest wait for more body
            "graceful_timeout": 20,
            "limit_request_line": 2048,
            "limit_request_fields": 50,
            "limit_request_field_size": 8190,
            "accesslog": "-",
            "access_log_format": '%(h)s "%(r)s" %(s)s %(b)s %(M)sms id=%({x-request-id}o)s',
            "preload_app": True,
            "control_socket_disable": True,  # no gunicornc socket under ~/.gunicorn: nothing here uses it
            # connections opened in the master (migrations) must not be shared by forked workers
            "post_fork": lambda _server, _worker: engine is not None and engine.dispose(close=False),
            "child_exit": _forget_process,
        }
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Callable:
        # what the master built (the app, its modules, caches) is frozen out of the collector's
        # scans before the workers fork: they share those pages and never walk them
        gc.collect()
        gc.freeze()
        return self.application
