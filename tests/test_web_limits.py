"""`oppbot web` under abuse, through its real socket: slow clients and huge bodies must not stall
it. Slack's own signed requests keep being answered quickly while 50 connections hang half-sent,
and a body larger than any Slack payload is refused before it is read. Every test here bounds
its own time (socket timeouts) and closes what it opened."""

from __future__ import annotations

import socket
import time
from contextlib import ExitStack

import pytest

from tests.webserver import command, post, running_web, signed

SLOW_CLIENTS = 50


@pytest.fixture
def web(tmp_path):
    with running_web(tmp_path, "--threads", "4") as server:
        yield server


def raw_request(port: int, head: bytes, *, timeout: float = 3) -> bytes:
    """Send ``head`` (request line and headers, maybe a little body) and read what comes back."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(head)
        return s.recv(4096)


STALLED_IN_BODY = b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\nabc"
STALLED_IN_HEADERS = b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Le"


def stalled(port: int, stack: ExitStack, head: bytes) -> socket.socket:
    """A connection that sends ``head`` (the start of a request) and then nothing."""
    s = stack.enter_context(socket.create_connection(("127.0.0.1", port), timeout=3))
    s.sendall(head)
    return s


def test_signed_requests_are_answered_while_slow_clients_hang(web):
    with ExitStack() as stack:
        for i in range(SLOW_CLIENTS):  # most promise 100 kB and send 3 bytes of it, some stop inside the headers
            stalled(web.port, stack, STALLED_IN_HEADERS if i % 5 == 0 else STALLED_IN_BODY)
        took = []
        for i in range(5):
            body = command(f"new Deal {i} 5万", web.fake)
            started = time.monotonic()
            status, answer, _ = post(web.base, body, signed(body), timeout=5)
            took.append(time.monotonic() - started)
            assert status == 200, answer
            assert f"Created #{i + 1}" in answer
        assert max(took) < 1.5, f"answers took {', '.join(f'{t:.2f}s' for t in took)} with {SLOW_CLIENTS} slow clients connected"


def test_a_body_larger_than_any_slack_payload_is_refused_unread(web):
    started = time.monotonic()
    answer = raw_request(web.port, b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200000000\r\n\r\n{")
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert time.monotonic() - started < 2


def test_a_post_without_a_length_is_refused(web):
    head = b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"
    answer = raw_request(web.port, head)
    assert answer.startswith(b"HTTP/1.1 411"), answer[:200]


def test_an_oversized_header_is_refused_by_the_server(web):
    head = b"POST /slack/events HTTP/1.1\r\nHost: x\r\nX-Junk: " + b"a" * 20000 + b"\r\nContent-Length: 0\r\n\r\n"
    answer = raw_request(web.port, head)
    assert answer.startswith(b"HTTP/1.1 4"), answer[:200]
    assert b"Traceback" not in answer


def test_unknown_paths_are_not_found_without_reading_the_body(web):
    answer = raw_request(web.port, b"POST /elsewhere HTTP/1.1\r\nHost: x\r\nContent-Length: 50000\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 404"), answer[:200]
