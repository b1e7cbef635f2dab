"""What every request needs: the config, the database, the clock and the date reader."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from bot.core.clock import Clock
from bot.core.config import Config
from bot.core.dates import DateReader
from bot.core.errors import Conflict
from store.db import read_sessions, transaction


@dataclass
class Runtime:
    config: Config
    sessions: sessionmaker[Session]
    clock: Clock
    dates: DateReader
    _reads: sessionmaker[Session] | None = field(default=None, repr=False)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A unit of work that mostly reads (a card, a list, a search): on SQLite it begins without
        the write lock, so it never waits behind a writer; a rare write in it (a person seen for
        the first time in a filter) takes the lock then."""
        if self._reads is None:
            self._reads = read_sessions(self.sessions.kw["bind"])
        with transaction(self._reads) as session:
            yield session

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work; a concurrent edit detected at commit becomes a Conflict for the user."""
        try:
            with transaction(self.sessions) as session:
                yield session
        except StaleDataError:
            raise Conflict("conflict") from None
