"""Win probability learned from the workspace's own closed deals: a naive Bayes estimate over
stage reached, source, industry, region, grade, amount band and owner, Laplace-smoothed, with
rarely seen values ignored. Counts live in ``win_stats`` and are built by SQL aggregates."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import Integer, String, bindparam, case, cast, delete, func, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.core.config import Config
from store.models import Opportunity, WinStat

# Amount bands (upper bounds, in the deal's currency) and their labels.
BANDS = ((50_000, "<5万"), (200_000, "5-20万"), (1_000_000, "20-100万"), (5_000_000, "100-500万"))
TOP_BAND = "500万+"
TOTAL = "_all"


def amount_band(amount) -> str:
    if amount is None:
        return "none"
    for bound, label in BANDS:
        if amount < bound:
            return label
    return TOP_BAND


def _band_sql():
    return case(
        (Opportunity.amount.is_(None), literal("none")),
        *[(Opportunity.amount < bound, literal(label)) for bound, label in BANDS],
        else_=literal(TOP_BAND),
    )


def _feature_sql():
    """Each feature as an SQL expression over opportunities (text, '' when missing)."""
    return {
        "stage": Opportunity.stage,
        "source": func.coalesce(Opportunity.source, ""),
        "industry": func.coalesce(Opportunity.industry, ""),
        "region": func.coalesce(Opportunity.region, ""),
        "grade": Opportunity.grade,
        "amount": _band_sql(),
        "owner": cast(Opportunity.owner_id, String),
    }


FEATURES = tuple(_feature_sql())


def features_of(opp: Opportunity) -> dict[str, str]:
    return {
        "stage": opp.stage,
        "source": opp.source or "",
        "industry": opp.industry or "",
        "region": opp.region or "",
        "grade": opp.grade,
        "amount": amount_band(opp.amount),
        "owner": str(opp.owner_id),
    }


@dataclass
class WinModel:
    won: int = 0
    lost: int = 0
    stats: dict[str, dict[str, tuple[int, int]]] = field(default_factory=lambda: defaultdict(dict))

    @property
    def closed(self) -> int:
        return self.won + self.lost

    def estimate(self, features: dict[str, str], *, min_examples: int) -> float:
        """P(won | features), naive Bayes in log-odds with add-one smoothing."""
        logit = math.log((self.won + 1) / (self.lost + 1))
        for name, value in features.items():
            values = self.stats.get(name) or {}
            won, lost = values.get(value, (0, 0))
            if won + lost < min_examples:
                continue  # too few examples to say anything
            k = len(values)
            logit += math.log((won + 1) / (self.won + k)) - math.log((lost + 1) / (self.lost + k))
        return min(0.99, max(0.01, 1 / (1 + math.exp(-logit))))


_MODEL = select(WinStat.feature, WinStat.value, WinStat.won, WinStat.lost).where(WinStat.workspace_id == bindparam("ws"))


def load_model(session: Session, workspace_id: str) -> WinModel:
    """The workspace's counts, read as plain rows on the session's connection (no ORM objects, and
    nothing pending is flushed first: a deal being changed is written once, after its reassessment)."""
    model = WinModel()
    for row in session.connection().execute(_MODEL, {"ws": workspace_id}):
        if row.feature == TOTAL:
            model.won, model.lost = row.won, row.lost
        else:
            model.stats[row.feature][row.value] = (row.won, row.lost)
    return model


def cached_model(session: Session, workspace_id: str) -> WinModel:
    """The model, read once per session (many deals changed in one transaction share it)."""
    cache = session.info.setdefault("win_models", {})
    if workspace_id not in cache:
        cache[workspace_id] = load_model(session, workspace_id)
    return cache[workspace_id]


def model_read(session: Session, workspace_id: str) -> WinModel | None:
    """The model if this session has read it already, else None."""
    return session.info.get("win_models", {}).get(workspace_id)


def _forget(session: Session, workspace_id: str) -> None:
    session.info.get("win_models", {}).pop(workspace_id, None)


@dataclass(frozen=True)
class Probability:
    value: float
    source: str  # "override", "learned" or "stage"
    closed: int = 0


def probability(opp: Opportunity, model: WinModel, config: Config) -> Probability:
    if opp.probability_override is not None:
        return Probability(opp.probability_override, "override")
    if model.closed >= config.qualification.min_closed:
        return Probability(model.estimate(features_of(opp), min_examples=config.qualification.min_examples), "learned", model.closed)
    return Probability(config.stage(opp.stage).probability, "stage")


def learn(session: Session, workspace_id: str) -> int:
    """Rebuild the counts from every closed deal, in the database. Returns closed deals seen."""
    _forget(session, workspace_id)
    session.execute(delete(WinStat).where(WinStat.workspace_id == workspace_id))
    closed = (Opportunity.workspace_id == workspace_id, Opportunity.status.in_(("won", "lost")))
    columns = ["workspace_id", "feature", "value", "won", "lost"]
    for name, expr in {TOTAL: literal(""), **_feature_sql()}.items():
        deals = select(expr.label("value"), Opportunity.status).where(*closed).subquery()
        won = func.coalesce(func.sum(case((deals.c.status == "won", 1), else_=0)), 0)
        lost = func.coalesce(func.sum(case((deals.c.status == "lost", 1), else_=0)), 0)
        query = select(literal(workspace_id), literal(name), deals.c.value, cast(won, Integer), cast(lost, Integer)).group_by(deals.c.value)
        session.execute(WinStat.__table__.insert().from_select(columns, query))
    totals = session.get(WinStat, (workspace_id, TOTAL, ""))
    return totals.won + totals.lost if totals else 0


def record_close(session: Session, opp: Opportunity) -> None:
    """Add one closed deal to the counts (the incremental refresh)."""
    _forget(session, opp.workspace_id)
    won, lost = (1, 0) if opp.status == "won" else (0, 1)
    rows = [
        {"workspace_id": opp.workspace_id, "feature": name, "value": value, "won": won, "lost": lost} for name, value in {TOTAL: "", **features_of(opp)}.items()
    ]
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(WinStat).values(rows)
    stmt = stmt.on_conflict_do_update(
        index_elements=["workspace_id", "feature", "value"],
        set_={"won": WinStat.won + stmt.excluded.won, "lost": WinStat.lost + stmt.excluded.lost},
    )
    session.execute(stmt)


def refresh_open(session: Session, workspace_id: str, config: Config, *, batch: int = 5000) -> int:
    """Store a fresh probability on every open deal (the daily job). Returns deals updated."""
    model = load_model(session, workspace_id)
    cols = (
        Opportunity.id,
        Opportunity.stage,
        Opportunity.source,
        Opportunity.industry,
        Opportunity.region,
        Opportunity.grade,
        Opportunity.amount,
        Opportunity.owner_id,
        Opportunity.probability_override,
    )
    table = Opportunity.__table__
    stmt = update(table).where(table.c.id == bindparam("b_id")).values(win_probability=bindparam("b_p"))
    rows = session.execute(select(*cols).where(Opportunity.workspace_id == workspace_id, Opportunity.status == "open")).all()
    updates = [{"b_id": row.id, "b_p": probability(row, model, config).value} for row in rows]
    for start in range(0, len(updates), batch):
        session.execute(stmt, updates[start : start + batch])
    return len(updates)
