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
from bot.team.members import Actor, ProfileFetcher, actor_for, ensure_member
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

    def actor(self, *, workspace_id: str, slack_user_id: str, fetch_profile: ProfileFetcher, lang: str | None = None) -> Actor:
        """The acting member, created on first sight (its profile read from Slack)."""
        with self.transaction() as session:
            member = ensure_member(session, workspace_id=workspace_id, slack_user_id=slack_user_id, clock=self.clock, fetch_profile=fetch_profile)
            return actor_for(member, self.config, lang=lang)
