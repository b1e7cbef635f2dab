"""Slack sends a request twice: a retry (X-Slack-Retry-Num, X-Slack-Retry-Reason), a double-clicked
Submit, a click that arrives again. Each is done once, and the repeat is answered like the first."""

from __future__ import annotations

import threading
import time

from sqlalchemy import select

from bot.console.slack_api import TEAM_ID
from store.models import Activity, Event, Opportunity, ProcessedRequest
from tests.test_assignment import run_together
from tests.test_modals import opened


def test_the_same_command_sent_twice_creates_one_deal(slack, db):
    request = slack.command_request("alice", "new Acme ERP 50万 close 下周五")
    first = slack.send(request)
    second = slack.send(request)
    assert "Created #1" in first.text
    assert second.body == first.body  # the same card, once more
    assert [d.number for d in db.deals()] == [1]
    assert [e.kind for e in db.events(1)] == ["created"]


def test_slacks_retries_of_a_command_are_done_once(slack, db):
    request = slack.command_request("alice", "new Acme ERP 50万")
    answers = [slack.send(request)]
    for n in (1, 2):
        answers.append(slack.send(request, headers={"X-Slack-Retry-Num": str(n), "X-Slack-Retry-Reason": "http_timeout"}))
    assert {a.status for a in answers} == {200}
    assert answers[1].body == answers[2].body == answers[0].body
    assert db.count(Opportunity) == 1
    # a new command (a trigger of its own) is a new deal
    assert "Created #2" in slack.command("alice", "new Acme ERP 50万").text


def test_a_command_that_only_adds_to_a_deals_history_sent_twice_adds_once(slack, db):
    """Clearing a risk that is not open changes no row but writes the deal's history (an event):
    a retry of that command is answered as the first and writes nothing more."""
    slack.command("alice", "new Acme 10万")
    request = slack.command_request("alice", "risk 1 clear competitor")
    first = slack.send(request)
    second = slack.send(request, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert "Cleared the risk on #1" in first.text and second.body == first.body
    assert [(e.kind, e.new) for e in db.events(1)] == [("created", "#1 Acme"), ("risk", "cleared")]


def test_a_log_form_submitted_twice_logs_once(slack, db, fake):
    slack.command("alice", "new Acme 10万")
    slack.click("alice", "deal_log", "1")
    view = opened(slack, callback="deal_log")
    first = slack.submit("alice", view, {"text": "Called the CFO"}, view_id="V0LOG")
    second = slack.submit("alice", view, {"text": "Called the CFO"}, view_id="V0LOG")
    assert (first.status, first.body) == (second.status, second.body) == (200, "")  # the modal closes
    with db.rt.sessions() as s:
        assert s.scalars(select(Activity.text)).all() == ["Called the CFO"]
    assert [e.kind for e in db.events(1)] == ["created", "activity"]
    told = [c.args["text"] for c in fake.calls("chat.postEphemeral")]
    assert len(told) == 2 and told[0] == told[1] and told[0].startswith("Logged activity on #1")
    # the same form again, as another view: a second activity
    slack.submit("alice", view, {"text": "Called the CFO"})
    with db.rt.sessions() as s:
        assert len(s.scalars(select(Activity.id)).all()) == 2


def test_a_click_that_arrives_twice_moves_once(slack, db, fake):
    slack.command("alice", "new Acme 10万")
    request = slack.click_request("alice", "deal_move", selected="1:proposal")
    slack.send(request)
    slack.send(request, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"})
    assert [(e.kind, e.new) for e in db.events(1)] == [("created", "#1 Acme"), ("stage", "proposal")]
    told = [c.args.get("text") or "" for c in fake.calls("response_url")]
    assert len([t for t in told if "Moved #1" in t]) == 1
    assert not [t for t in told if "already in that stage" in t]  # the repeat is not answered as a second move


def test_a_refused_request_is_not_remembered(slack, db):
    request = slack.command_request("alice", "new 10万")  # no title
    assert "Give the deal a title" in slack.send(request).text
    assert "Give the deal a title" in slack.send(request).text
    with db.rt.sessions() as s:
        assert s.scalars(select(ProcessedRequest)).all() == []


def test_a_replay_with_a_bad_signature_is_refused_and_shows_nothing(slack, db):
    request = slack.command_request("alice", "new Acme 10万")
    assert "Created #1" in slack.send(request).text
    forged = slack.requests.sign(request.body, request.headers["content-type"], signature="v0=" + "0" * 64)
    answer = slack.send(forged)
    assert answer.status == 401 and "Acme" not in answer.body


def test_the_same_command_arriving_twice_at_once_creates_one_deal(slack, db):
    slack.command("alice", "show 1")  # alice and her workspace are known
    request = slack.command_request("alice", "new Acme ERP 50万")
    results = run_together([lambda: slack.send(request), lambda: slack.send(request)])
    assert all(kind == "ok" for kind, _ in results), results
    answers = [answer for _, answer in results]
    assert {a.status for a in answers} == {200}
    assert db.count(Opportunity) == 1
    with db.rt.sessions() as s:
        assert len(s.scalars(select(Event.id)).all()) == 1
    for answer in answers:
        assert "Created #1" in answer.text or "That request was already handled" in answer.text, answer.text


def test_the_worker_forgets_requests_handled_a_week_ago(slack, rt, db):
    from bot.worker.jobs import forget_requests

    old = slack.command_request("alice", "new Old deal 10万")
    slack.send(old)
    rt.clock.advance(days=6)
    slack.command("alice", "new Recent deal 10万")
    assert forget_requests(rt, None, rt.clock.now()) == 0
    rt.clock.advance(days=1, seconds=1)
    assert forget_requests(rt, None, rt.clock.now()) == 1
    with rt.sessions() as s:
        assert len(s.scalars(select(ProcessedRequest.id)).all()) == 1


def test_a_form_saved_whose_answer_failed_is_not_saved_again_nor_answered_with_the_failure(slack, db, fake):
    slack.command("alice", "new Acme 10万")
    slack.click("alice", "deal_log", "1")
    view = opened(slack, callback="deal_log")
    fake.fail("chat.postEphemeral", error="channel_not_found")
    fake.fail("chat.postMessage", error="channel_not_found")
    first = slack.submit("alice", view, {"text": "Called the CFO"}, view_id="V0LOG")
    assert first.json["response_action"] == "errors"  # saved, but telling her failed
    second = slack.submit("alice", view, {"text": "Called the CFO"}, view_id="V0LOG")
    assert (second.status, second.body) == (200, "")  # the modal closes: it was saved
    with db.rt.sessions() as s:
        assert s.scalars(select(Activity.text)).all() == ["Called the CFO"]


def test_a_copy_that_reaches_another_process_gets_the_first_answer_from_the_database(slack, rt, fake):
    from tests.conftest import SlackClient

    request = slack.command_request("alice", "new Acme ERP 50万")
    first = slack.send(request)
    other_process = SlackClient(rt, fake)  # an app of its own: nothing of the first's in memory
    second = other_process.send(request)
    assert "Created #1" in first.text and second.body == first.body
    with rt.sessions() as s:
        assert s.scalars(select(ProcessedRequest.answer)).one()["body"] == first.body


def test_answers_kept_while_one_is_being_written_go_in_together(slack, rt):
    """With requests in flight a change costs one write transaction: answers that arrive while one
    waits for SQLite's writer lock are written with the next, in one statement."""
    from sqlalchemy import event

    from handlers.replays import AnswerKeeper

    for n in (1, 2, 3):
        slack.command("alice", f"new Deal {n}")  # three keys recorded
    with rt.sessions() as s:
        keys = s.scalars(select(ProcessedRequest.key).order_by(ProcessedRequest.id)).all()
    keeper, updates = AnswerKeeper(rt), []
    engine = rt.sessions.kw["bind"]

    def listener(_conn, _cursor, statement, params, _context, many):
        if "UPDATE processed" in statement:
            updates.append((many, len(params) if many else 1))

    event.listen(engine, "before_cursor_execute", listener)
    try:
        with rt.writing() as connection:  # another writer holds SQLite's lock (PostgreSQL: the rows'): the first keep waits for it
            connection.execute(select(ProcessedRequest.id).with_for_update())
            waiting = threading.Thread(target=keeper.keep, args=(TEAM_ID, keys[0], {"n": 1}))
            waiting.start()
            for _ in range(10_000):  # until that thread has taken its answer and waits to write it
                if keeper._writing and not keeper._pending:  # noqa: SLF001
                    break
                time.sleep(0.001)
            keeper.keep(TEAM_ID, keys[1], {"n": 2})  # returns at once: the writing thread takes them
            keeper.keep(TEAM_ID, keys[2], {"n": 3})
            assert keeper.answer(TEAM_ID, keys[2]) == {"n": 3}  # in memory already
        waiting.join(timeout=10)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert updates == [(False, 1), (True, 2)]
    with rt.sessions() as s:
        stored = dict(s.execute(select(ProcessedRequest.key, ProcessedRequest.answer)).all())
    assert [stored[k] for k in keys] == [{"n": 1}, {"n": 2}, {"n": 3}]


def test_the_thread_that_keeps_an_answer_does_not_wait_for_the_writer_lock(slack, rt):
    """Under `oppbot web` an answer is written on the after-answer pool: while another transaction
    holds SQLite's writer lock (PostgreSQL: the row), keeping it returns at once, the answer is
    served from memory meanwhile, and it is in the database once the lock is let go."""
    from concurrent.futures import ThreadPoolExecutor

    from handlers.replays import AnswerKeeper

    slack.command("alice", "new Deal 1")
    with rt.sessions() as s:
        key = s.scalars(select(ProcessedRequest.key)).one()
    pool = ThreadPoolExecutor(max_workers=1)
    keeper = AnswerKeeper(rt, pool)
    try:
        with rt.writing() as connection:
            connection.execute(select(ProcessedRequest.id).with_for_update())
            started = time.monotonic()
            keeper.keep(TEAM_ID, key, {"n": 1})
            assert time.monotonic() - started < 1.0  # the lock is still held: the keeper did not wait for it
            assert keeper.answer(TEAM_ID, key) == {"n": 1}
    finally:
        pool.shutdown(wait=True)  # the pool's write, after the lock was let go
    with rt.sessions() as s:
        assert s.scalars(select(ProcessedRequest.answer).where(ProcessedRequest.key == key)).one() == {"n": 1}


def test_answers_kept_while_the_writer_pauses_go_in_one_statement(slack, rt):
    """On the app's pool the writer first pauses (50 ms): the answers kept meanwhile are written
    with it, three answers in one statement of one transaction."""
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy import event

    from handlers.replays import AnswerKeeper

    for n in (1, 2, 3):
        slack.command("alice", f"new Deal {n}")
    with rt.sessions() as s:
        keys = s.scalars(select(ProcessedRequest.key).order_by(ProcessedRequest.id)).all()
    go, updates, engine = threading.Event(), [], rt.sessions.kw["bind"]
    pool = ThreadPoolExecutor(max_workers=1)
    keeper = AnswerKeeper(rt, pool, pause=lambda: go.wait(30))

    def listener(_conn, _cursor, statement, params, _context, many):
        if "UPDATE processed" in statement:
            updates.append((many, len(params) if many else 1))

    event.listen(engine, "before_cursor_execute", listener)
    try:
        for n, key in enumerate(keys, start=1):
            keeper.keep(TEAM_ID, key, {"n": n})
        go.set()
        pool.shutdown(wait=True)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert updates == [(True, 3)]
    with rt.sessions() as s:
        stored = dict(s.execute(select(ProcessedRequest.key, ProcessedRequest.answer)).all())
    assert [stored[k] for k in keys] == [{"n": 1}, {"n": 2}, {"n": 3}]
