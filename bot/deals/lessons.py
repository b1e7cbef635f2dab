"""The lessons base (经验库): what written reviews (复盘) teach, with their deals.

- ``search``: the reviews a word finds in the review's text (what worked, what didn't, the lesson),
  its competitor, the deal's industry, or its reason (the word in a reason's key or in its name in
  either language: 价格, price, Price), newest first, a page and how many in all.
- ``similar``: the lessons of deals like an open one, for its card: deals of the same industry,
  or whose review names a competitor the open deal names (in its title, account, tags, next step
  or an open risk's note).

Each is a statement or two in the database (LIKE; ILIKE on PostgreSQL), never a loop over reviews.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, String, and_, bindparam, false, func, literal, or_, select
from sqlalchemy.orm import Session

from bot.blocks.views import LessonLine
from bot.core.config import Config
from bot.deals.risk_watch import open_risks
from store.models import Opportunity, Review
from store.queries import like_pattern

LIMIT = 10  # lessons shown in one answer; the rest are counted
NAMED_MIN = 2  # characters of a competitor's name before a deal's words are searched for it
WRITTEN = (Review.lesson, Review.worked, Review.didnt)


def _lessons(workspace_id: str) -> list[ColumnElement]:
    """The workspace's written reviews, of deals still won or lost."""
    return [Opportunity.workspace_id == workspace_id, Opportunity.status.in_(("won", "lost")), Review.status == "done"]


def matching(config: Config, word: str) -> ColumnElement:
    """``word`` in a review's texts, its competitor, its deal's industry, or its reason (a reason
    of its outcome whose key or name, in either language, holds the word); any case."""
    pattern = like_pattern(word)
    said = [column.ilike(pattern, escape="\\") for column in (*WRITTEN, Review.competitor, Opportunity.industry)]
    wanted = word.casefold()
    reasons = []
    for outcome, listed in (("won", config.won_reasons), ("lost", config.lost_reasons)):
        keys = [r.key for r in listed if any(wanted in label.casefold() for label in (r.key, *r.names.values()))]
        if keys:
            reasons.append(and_(Review.outcome == outcome, Review.reason.in_(keys)))
    return or_(*said, *reasons)


def search(session: Session, config: Config, workspace_id: str, word: str, *, limit: int = LIMIT) -> tuple[list[LessonLine], int]:
    """The lessons ``word`` finds, newest first: up to ``limit`` and how many in all."""
    return _page(session, config, [*_lessons(workspace_id), matching(config, word)], limit)


def count(session: Session, config: Config, workspace_id: str, word: str) -> int:
    """How many lessons ``search`` finds for ``word``."""
    return _count(session, [*_lessons(workspace_id), matching(config, word)])


def similar(session: Session, config: Config, opp: Opportunity, *, limit: int = LIMIT) -> tuple[list[LessonLine], int]:
    """The lessons of deals like ``opp``, newest first: up to ``limit`` and how many in all."""
    return _page(session, config, _like(session, opp), limit)


def similar_count(session: Session, opp: Opportunity, risks: tuple[tuple[str, str | None], ...] | None = None) -> int:
    """How many lessons ``similar`` finds for ``opp``: one COUNT. ``risks``: its open flags, when
    the caller has read them (``risk_watch.open_risks``)."""
    notes = (note for _, note in (open_risks(session, opp.id) if risks is None else risks))
    params = {"ws": opp.workspace_id, "words": _words(opp, notes), "industry": (opp.industry or "").strip().lower() or None}
    return session.scalar(_SIMILAR_COUNT, params) or 0


def _like(session: Session, opp: Opportunity) -> list[ColumnElement]:
    """Lessons of ``opp``'s industry, or naming a competitor ``opp``'s words name."""
    notes = (note for _, note in open_risks(session, opp.id))
    industry = func.lower(Opportunity.industry) == opp.industry.strip().lower() if (opp.industry or "").strip() else false()
    return [*_lessons(opp.workspace_id), or_(industry, _named(literal(_words(opp, notes), String)))]  # an open deal has no written review of its own


def _words(opp: Opportunity, notes) -> str:
    """``opp``'s words a competitor's name is looked for in: title, account, next step, tags, risks' notes."""
    return " ".join(filter(None, (opp.title, opp.account, opp.next_step, *(opp.tags or ()), *notes))).lower()


def _named(words: ColumnElement[str]) -> ColumnElement[bool]:
    """A review's competitor (of at least ``NAMED_MIN`` characters) is named in ``words``."""
    competitor = func.lower(Review.competitor)
    escaped = func.replace(func.replace(func.replace(competitor, "\\", "\\\\"), "%", "\\%"), "_", "\\_")
    return and_(func.length(Review.competitor) >= NAMED_MIN, words.contains(escaped, escape="\\"))


def _joined(*columns) -> Select:
    return select(*columns).select_from(Review).join(Opportunity, Opportunity.id == Review.opportunity_id)


# ``similar_count``'s statement, built once (a card of a new deal or one entering a stage counts
# them): an industry of None matches nothing, as ``false()`` does in ``_like``
_SIMILAR_COUNT = _joined(func.count(Review.id)).where(
    *_lessons(bindparam("ws")),
    or_(func.lower(Opportunity.industry) == bindparam("industry", type_=String), _named(bindparam("words", type_=String))),
)


def _count(session: Session, where: list[ColumnElement]) -> int:
    return session.scalar(_joined(func.count(Review.id)).where(*where)) or 0


def _page(session: Session, config: Config, where: list[ColumnElement], limit: int) -> tuple[list[LessonLine], int]:
    """A page of the lessons ``where`` picks, newest first, and how many in all (counted only when
    the page is full)."""
    columns = (Opportunity.number, Opportunity.title, Opportunity.industry, Review.outcome, Review.reason, Review.competitor, *WRITTEN, Review.done_at)
    rows = session.execute(_joined(*columns).where(*where).order_by(Review.done_at.desc(), Review.id.desc()).limit(limit)).all()
    lines = [
        LessonLine(
            number=row.number,
            title=row.title,
            outcome=row.outcome,
            reason=row.reason,
            competitor=row.competitor,
            industry=row.industry,
            lesson=row.lesson or row.didnt or row.worked or "",
            done_on=row.done_at.astimezone(config.tz).date(),
        )
        for row in rows
    ]
    return lines, len(lines) if len(lines) < limit else _count(session, where)
