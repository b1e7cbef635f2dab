"""What every request needs: the config, the database, the clock and the date reader."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from bot.core.clock import Clock
from bot.core.config import Config
from bot.core.dates import DateReader
from bot.core.errors import Conflict
from store.db import transaction


@dataclass
class Runtime:
    config: Config
    sessions: sessionmaker[Session]
    clock: Clock
    dates: DateReader

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work; a concurrent edit detected at commit becomes a Conflict for the user."""
        try:
            with transaction(self.sessions) as session:
                yield session
        except StaleDataError:
            raise Conflict("conflict") from None
