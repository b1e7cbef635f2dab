"""Overload, as a person sees it: someone who floods is told to slow down, in their language, and
nothing they sent meanwhile is run; a request that has waited too long for a thread is answered
"busy" at once instead of late; a request that cannot have a database connection fails inside
Slack's 3 s. The per-person limit counts on the injected clock."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from prometheus_client import REGISTRY

from bot.app import SHED_AFTER, THROTTLE_LIMIT, THROTTLE_WINDOW, Throttle, create_app, web_client
from bot.clients import InlineExecutor
from bot.core.config import Settings
from bot.core.runtime import Runtime
from bot.web import ARRIVED, wsgi_app
from store.db import POOL_TIMEOUT, make_engine, make_sessions
from store.models import Opportunity
from tests.conftest import ROOT, SECRET, SlackClient
from tests.test_shortcuts import labels, options

SLOW_DOWN_EN = "Slow down a little"
SLOW_DOWN_ZH = "请慢一点"


def wired(rt: Runtime, fake, *, throttle: Throttle | None = None) -> SlackClient:
    """Slack talking to the app wired as `oppbot web` wires it: with the per-person limit."""
    slack = SlackClient(rt, fake)
    settings = Settings(
        bot_token="xoxb-test", signing_secret=SECRET, app_token=None, database_url=None, slack_api_url=fake.api_url, config_path=str(ROOT / "config.toml")
    )
    slack.app = create_app(rt, settings, client=web_client(settings), after_answer=InlineExecutor(), throttle=throttle or Throttle(rt.clock))
    slack.wsgi = wsgi_app(slack.app, rt)
    return slack


@pytest.fixture
def limited(rt, fake):
    return wired(rt, fake)


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_a_person_who_floods_is_told_to_slow_down_and_nothing_more_is_run(limited, db, clock):
    rejected = sample("oppbot_request_seconds_count", surface="command", outcome="rejected")
    for i in range(THROTTLE_LIMIT):
        assert f"Created #{i + 1}" in limited.command("alice", f"new Deal {i} 5万").text
    answer = limited.command("alice", "new One too many 5万")
    assert answer.status == 200 and answer.json["response_type"] == "ephemeral"
    assert SLOW_DOWN_EN in answer.text and "nothing was changed" in answer.text
    assert db.count(Opportunity) == THROTTLE_LIMIT
    assert sample("oppbot_request_seconds_count", surface="command", outcome="rejected") == rejected + 1
    assert "Created #11" in limited.command("bob", "new Bob's deal 5万").text  # others are not held up
    clock.advance(seconds=THROTTLE_WINDOW.total_seconds())
    assert "Created #12" in limited.command("alice", "new After a pause 5万").text


def test_the_slow_down_is_in_the_persons_language(limited, db):
    for i in range(THROTTLE_LIMIT):
        limited.command("li", f"list {i}")
    answer = limited.command("li", "new 太多了 5万")
    assert SLOW_DOWN_ZH in answer.text
    assert db.count(Opportunity) == 0


def test_a_form_submitted_while_over_the_limit_stays_open_with_the_reason(limited, db):
    limited.command("alice", "new")
    view = limited.opened_view()
    for _ in range(THROTTLE_LIMIT - 1):
        limited.command("alice", "list")
    answer = limited.submit("alice", view, {"title": "Flooded form", "amount": "5万"})
    assert answer.json["response_action"] == "errors"
    assert SLOW_DOWN_EN in " ".join(answer.json["errors"].values())
    assert db.count(Opportunity) == 0


def test_a_request_that_waited_too_long_for_a_thread_is_answered_busy_at_once(slack, db):
    serve = slack.wsgi
    slack.command("alice", "list")  # this process has seen alice: it answers her in English

    def held(seconds: float):
        """As the front hands over a request that arrived ``seconds`` ago and waited for a thread."""
        slack.wsgi = lambda environ, start_response: serve({**environ, ARRIVED: time.monotonic() - seconds}, start_response)

    held(SHED_AFTER + 0.5)
    answer = slack.command("alice", "new Late 5万")
    assert "too busy" in answer.text and "nothing was changed" in answer.text
    assert db.count(Opportunity) == 0
    held(SHED_AFTER - 0.5)
    assert "Created #1" in slack.command("alice", "new In time 5万").text


@pytest.fixture
def one_connection(rt, clean_db):
    """The runtime on a pool sized for one thread (one connection, one more after answers)."""
    engine = make_engine(clean_db.url.render_as_string(hide_password=False), threads=1)
    yield replace(rt, sessions=make_sessions(engine))
    engine.dispose()


def test_a_request_that_cannot_have_a_connection_fails_inside_slacks_three_seconds(one_connection, fake):
    slack = SlackClient(one_connection, fake)
    slack.command("alice", "list")  # alice is known, and the pool has made its connection
    engine = one_connection.sessions.kw["bind"]
    timeouts = sample("oppbot_db_errors_total", kind="pool_timeout")
    with engine.connect(), engine.connect():  # every connection the pool may open is taken
        started = time.monotonic()
        answer = slack.command("alice", "new Starved 5万")
        took = time.monotonic() - started
    assert "Something went wrong and nothing was changed" in answer.text
    assert POOL_TIMEOUT <= took < 3.0, f"answered after {took:.2f}s"
    assert sample("oppbot_db_errors_total", kind="pool_timeout") == timeouts + 1
    assert "Created #1" in slack.command("alice", "new Fed again 5万").text


def test_typing_in_a_deal_picker_is_not_counted_against_the_persons_limit(limited):
    """Slack asks for a picker's options as the person types: a dozen keystrokes are a dozen
    requests, each answered, and they leave the person's budget for real requests untouched."""
    limited.command("alice", "new Acme ERP 50万")
    for typed in "acme erp proj":  # 13 keystrokes, more than the limit
        assert [o["value"] for o in options(limited, "bob", typed)] in ([], ["1"])
    assert labels(options(limited, "bob", "acme")) == ["#1 Acme ERP"]
    for i in range(THROTTLE_LIMIT):
        assert f"Created #{i + 2}" in limited.command("bob", f"new Deal {i} 5万").text
