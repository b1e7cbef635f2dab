"""Writers of one SQLite file take turns in store.db.WriterQueue: a unit of work that may write waits
for the one before it, in its own process (threads) and in others (a file lock), even before
either has sent SQLite a statement, and goes on as soon as that one is done."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import UTC, datetime

from sqlalchemy import select

from store.db import make_engine, make_sessions, read_sessions, transaction, upgrade
from store.models import Workspace
from tests.conftest import ROOT

BLOCKED = 0.5  # seconds a writer is given to get past a turn that is taken (it must not)


def write_in_thread(sessions, log: list[str], name: str) -> threading.Thread:
    def work():
        with transaction(sessions) as session:
            log.append(f"{name} in")
            session.add(Workspace(id=name, created_at=datetime(2026, 11, 29, tzinfo=UTC)))

    thread = threading.Thread(target=work)
    thread.start()
    return thread


def test_a_writer_waits_for_the_one_before_in_the_same_process(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/queue.db")
    upgrade(engine)
    sessions, log = make_sessions(engine), []
    with transaction(sessions):  # the turn is taken before any statement reached SQLite
        log.append("first in")
        second = write_in_thread(sessions, log, "T2")
        second.join(BLOCKED)
        assert second.is_alive() and log == ["first in"]
        with transaction(read_sessions(engine)) as reading:  # readers never queue
            assert reading.scalars(select(Workspace.id)).all() == []
        log.append("first done")
    second.join(10)
    assert log == ["first in", "first done", "T2 in"]
    with transaction(sessions) as session:
        assert session.scalars(select(Workspace.id)).all() == ["T2"]


def test_a_writer_waits_for_a_writer_of_another_process(tmp_path):
    url = f"sqlite:///{tmp_path}/queue.db"
    engine = make_engine(url)
    upgrade(engine)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_TURN, url], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        log: list[str] = []
        writer = write_in_thread(make_sessions(engine), log, "T2")
        writer.join(BLOCKED)
        assert writer.is_alive() and log == []
        holder.stdin.write("go\n")
        holder.stdin.flush()
        assert holder.wait(10) == 0
        writer.join(10)
        assert log == ["T2 in"]
    finally:
        holder.kill()


def test_a_nested_unit_in_the_same_thread_does_not_wait_for_itself(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/queue.db")
    upgrade(engine)
    sessions = make_sessions(engine)
    with transaction(sessions), transaction(sessions) as inner:  # the inner one only reads
        assert inner.scalars(select(Workspace.id)).all() == []


HOLD_TURN = """
import sys
from store.db import make_engine, make_sessions, transaction
with transaction(make_sessions(make_engine(sys.argv[1]))):
    print("holding", flush=True)
    sys.stdin.readline()
"""
