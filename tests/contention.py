"""Two transactions that contend for a row lock (PostgreSQL): the first holds its transaction open,
its locks held, while the second runs in another thread and must wait for it."""

from __future__ import annotations

import threading
from contextlib import contextmanager

from store.db import wrote


class HeldOpen:
    """The runtime the first side is given: its first transaction that writes, its work done, waits
    before committing (its locks held) until the test releases it; ``hold()`` may be called earlier,
    inside the work, to wait there instead."""

    def __init__(self, rt):
        self._rt = rt
        self.holding, self.release = threading.Event(), threading.Event()

    def __getattr__(self, name):
        return getattr(self._rt, name)

    def hold(self) -> None:
        if not self.holding.is_set():
            self.holding.set()
            assert self.release.wait(30)

    @contextmanager
    def transaction(self):
        with self._rt.transaction() as session:
            yield session
            session.flush()
            if wrote(session):
                self.hold()


def hold_after_first(monkeypatch, owner, name: str, held: HeldOpen) -> None:
    """Patch ``owner.name`` so that its first call, once done, holds its transaction open (``held``)
    until the test releases it; later calls (the second side's) run as they are."""
    original = getattr(owner, name)

    def first_holds(*args, **kwargs):
        out = original(*args, **kwargs)
        if not held.holding.is_set():
            held.hold()
        return out

    monkeypatch.setattr(owner, name, first_holds)


def contend(rt, first, second, *, held: HeldOpen | None = None) -> dict:
    """``first(held)`` runs until it holds its transaction open; ``second(rt)`` then runs in another
    thread, and must still be waiting a second later (``blocked``); then the first commits. The
    results (or the exceptions raised) are ``first`` and ``second``."""
    held = held or HeldOpen(rt)
    out: dict = {}

    def run(name, job, arg):
        try:
            out[name] = job(arg)
        except Exception as exc:  # noqa: BLE001 - reported by the test
            out[name] = exc
        finally:
            held.holding.set()

    holder = threading.Thread(target=run, args=("first", first, held))
    holder.start()
    assert held.holding.wait(30) and "first" not in out, out
    waiter = threading.Thread(target=run, args=("second", second, rt))
    waiter.start()
    waiter.join(timeout=1.0)
    out["blocked"] = waiter.is_alive()
    held.release.set()
    holder.join(30)
    waiter.join(30)
    assert not holder.is_alive() and not waiter.is_alive()
    return out
