"""Which deals a request changed, for redrawing the Home tabs that show them after the answer
(handlers.home_refresh): every flush of a session notes the deals written (a deal itself, or an
event, activity or risk on it; events and activities, which bot.core.history inserts outside the
flush, are noted as they are written) and the owners a deal had before it moved to someone else (by the
ORM, or by a bulk UPDATE after the session read the deal); a committed transaction of the request
merges them into its ``Handling``."""

from __future__ import annotations

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from store.models import Opportunity

DEALS, OWNERS = "oppbot_touched_deals", "oppbot_touched_owners"


@event.listens_for(Session, "after_flush")
def _note(session: Session, _flush_context) -> None:
    """The session's new and changed objects are still listed in after_flush."""
    deals, owners = session.info.setdefault(DEALS, set()), session.info.setdefault(OWNERS, set())
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, Opportunity):
            deals.add(obj.id)
            owners.update(old for old in inspect(obj).attrs.owner_id.history.deleted if old is not None)
        else:
            deal = getattr(obj, "opportunity_id", None)
            if isinstance(deal, int):
                deals.add(deal)
                owners.update(_owner_in_memory(session, deal))


def written(session: Session, deal: int) -> None:
    """A row of ``deal``'s written outside the ORM's flush (bot.core.history): noted as a flush
    notes the rows it writes."""
    session.info.setdefault(DEALS, set()).add(deal)
    session.info.setdefault(OWNERS, set()).update(_owner_in_memory(session, deal))


def _owner_in_memory(session: Session, deal: int) -> tuple[int, ...]:
    """The owner the session last read for ``deal``, without reading it again: the one it had
    before a bulk UPDATE (a claim from the pool) changed it behind the session's back."""
    opp = session.identity_map.get(identity_key(Opportunity, deal))
    owner = inspect(opp).dict.get("owner_id") if opp is not None else None
    return (owner,) if isinstance(owner, int) else ()


def merge(session: Session, handling) -> None:
    """A transaction of ``handling``'s request committed: it changed something, and these deals."""
    handling.changed = True
    handling.deals |= session.info.pop(DEALS, set())
    handling.owners |= session.info.pop(OWNERS, set())
