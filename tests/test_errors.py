"""The one error path: whatever fails, the person is told where they are looking, in their
language, with a reference the log also has; nothing half-saved, no empty answer that would close
a form as if it were saved. Failures are real ones: a database that rejects the write."""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import text

from store.models import Event, Opportunity
from tests.conftest import payload_text

REF = re.compile(r"(?:error ref|错误编号) ([0-9a-f]{8})")


@pytest.fixture
def fail_on(rt):
    """``fail_on("INSERT")``: from then on, that write to the deals table fails inside the database,
    as a full disk or a lost server would."""
    engine = rt.sessions.kw["bind"]
    # Fresh connections: after the SQLite claim races of test_assignment a pooled connection can
    # still read the schema from an older snapshot (writes there move to BEGIN IMMEDIATE separately).
    engine.dispose()
    pg = engine.dialect.name == "postgresql"
    made = []

    def install(op: str) -> None:
        name = f"oppbot_test_fail_{op.lower()}"
        with engine.begin() as conn:
            if pg:
                conn.execute(text(f"CREATE FUNCTION {name}() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'disk gone'; END $$ LANGUAGE plpgsql"))
                conn.execute(text(f"CREATE TRIGGER {name} BEFORE {op} ON opportunities FOR EACH ROW EXECUTE FUNCTION {name}()"))
            else:
                conn.execute(text(f"CREATE TRIGGER {name} BEFORE {op} ON opportunities BEGIN SELECT RAISE(ABORT, 'disk gone'); END"))
        made.append(name)

    yield install
    with engine.begin() as conn:
        for name in made:
            conn.execute(text(f"DROP TRIGGER {name}" + (" ON opportunities" if pg else "")))
            if pg:
                conn.execute(text(f"DROP FUNCTION {name}()"))


@pytest.fixture
def failing_writes(fail_on):
    fail_on("INSERT")


def logged_ref(caplog) -> str:
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR and r.exc_info]
    assert failures, "the failure is logged with its traceback"
    found = re.search(r"ref ([0-9a-f]{8})", failures[-1].getMessage())
    assert found
    return found.group(1)


def test_a_command_that_fails_says_so_with_the_logged_reference(slack, db, failing_writes, caplog):
    answer = slack.command("alice", "new Acme ERP 50万")
    assert answer.status == 200
    assert answer.json["response_type"] == "ephemeral"
    shown = REF.search(answer.text)
    assert shown and "Something went wrong and nothing was changed" in answer.text
    assert shown.group(1) == logged_ref(caplog)
    assert "Traceback" not in answer.text and "disk gone" not in answer.text
    assert db.count(Opportunity) == 0 and db.count(Event) == 0


def test_a_failure_is_explained_in_chinese_to_a_chinese_user(slack, failing_writes, caplog):
    answer = slack.command("li", "新建 华东制造 MES 50万")
    assert "出错了，什么都没有修改" in answer.text
    assert REF.search(answer.text).group(1) == logged_ref(caplog)


def test_a_form_that_cannot_be_saved_stays_open_with_the_error(slack, db, failing_writes, caplog):
    slack.command("alice", "new")
    view = slack.opened_view()
    answer = slack.submit("alice", view, {"title": "Acme ERP rollout", "amount": "50万"})
    assert answer.body, "an empty 200 would close the form as if it were saved"
    body = answer.json
    assert body["response_action"] == "errors"
    assert list(body["errors"]) == ["title"]
    assert REF.search(body["errors"]["title"]).group(1) == logged_ref(caplog)
    assert db.count(Opportunity) == 0
    assert slack.fake.calls("chat.postEphemeral") == [] and slack.fake.calls("chat.postMessage") == []


def test_a_button_that_fails_tells_the_clicker_alone(slack, db, fail_on, caplog):
    slack.command("alice", "new Acme ERP 50万")
    fail_on("UPDATE")
    slack.click("alice", "deal_move", selected="1:proposal")
    (response,) = slack.responses()
    assert db.deal(1).stage == "lead"
    assert response["response_type"] == "ephemeral" and response["replace_original"] is False
    assert REF.search(payload_text(response)).group(1) == logged_ref(caplog)


def test_a_mistake_in_a_button_value_is_a_clear_answer_not_a_failure(slack, caplog):
    slack.command("alice", "new Acme ERP 50万")
    slack.click("alice", "deal_open", "x")
    (response,) = slack.responses()
    assert "“x” is not a deal number" in payload_text(response)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
