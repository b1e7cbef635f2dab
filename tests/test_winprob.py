"""Learned win probability: counts built by SQL, incremental updates, and a check of the model on
a generated history with known structure (held-out AUC above the stage default's)."""

import random
from decimal import Decimal

import pytest
from sqlalchemy import insert, select

from bot.deals import winprob
from store.db import transaction
from store.models import Member, Opportunity, WinStat, Workspace

WS = "T0001"


def seed(rt, rows):
    now = rt.clock.now()
    with transaction(rt.sessions) as s:
        s.execute(insert(Workspace), [{"id": WS, "next_number": len(rows) + 1, "created_at": now}])
        s.execute(
            insert(Member),
            [{"id": i, "workspace_id": WS, "slack_user_id": f"U{i}", "display_name": f"u{i}", "role": "ae", "created_at": now} for i in range(1, 6)],
        )
        s.execute(
            insert(Opportunity),
            [
                {
                    "workspace_id": WS,
                    "number": n,
                    "title": f"d{n}",
                    "currency": "CNY",
                    "tags": [],
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                    "last_activity_at": now,
                    "stage_entered_at": now,
                    "creator_id": r["owner_id"],
                    **r,
                }
                for n, r in enumerate(rows, start=1)
            ],
        )


def history(n, rnd, stages):
    """Referral deals win 80%, cold calls 10%; everything else is noise."""
    rows = []
    for _ in range(n):
        source = rnd.choice(["referral", "cold"])
        won = rnd.random() < (0.8 if source == "referral" else 0.1)
        rows.append(
            {
                "source": source,
                "industry": rnd.choice(["制造", "金融", "零售"]),
                "region": rnd.choice(["华东", "华北"]),
                "stage": rnd.choice(stages),
                "grade": rnd.choice("ABC"),
                "amount": Decimal(rnd.randrange(10_000, 3_000_000)),
                "owner_id": rnd.randrange(1, 6),
                "status": "won" if won else "lost",
            }
        )
    return rows


def auc(scores, labels):
    """Probability that a random won deal scores above a random lost one (ties count half)."""
    pos = [s for s, y in zip(scores, labels, strict=True) if y]
    neg = [s for s, y in zip(scores, labels, strict=True) if not y]
    wins = sum((p > q) + 0.5 * (p == q) for p in pos for q in neg)
    return wins / (len(pos) * len(neg))


def test_learned_probability_ranks_held_out_deals_better_than_stage_default(rt):
    rnd = random.Random(42)
    stages = [s.key for s in rt.config.stages]
    train, held_out = history(1500, rnd, stages), history(400, rnd, stages)
    seed(rt, train)
    with transaction(rt.sessions) as s:
        assert winprob.learn(s, WS) == 1500
        model = winprob.load_model(s, WS)
    q = rt.config.qualification
    learned = [model.estimate(winprob.features_of(_Row(r)), min_examples=q.min_examples) for r in held_out]
    default = [rt.config.stage(r["stage"]).probability for r in held_out]
    labels = [r["status"] == "won" for r in held_out]
    learned_auc, default_auc = auc(learned, labels), auc(default, labels)
    print(f"held-out AUC: learned {learned_auc:.3f}, stage default {default_auc:.3f}")
    assert learned_auc > default_auc + 0.2
    assert learned_auc > 0.8
    referral = model.estimate({"source": "referral"}, min_examples=q.min_examples)
    cold = model.estimate({"source": "cold"}, min_examples=q.min_examples)
    assert referral == pytest.approx(0.8, abs=0.05) and cold == pytest.approx(0.1, abs=0.05)


class _Row:
    def __init__(self, values):
        self.__dict__.update(values)


def test_counts_match_an_independent_count_and_incremental_updates_agree(rt):
    rnd = random.Random(1)
    rows = history(300, rnd, [s.key for s in rt.config.stages]) + [
        {"source": None, "industry": None, "region": None, "stage": "lead", "grade": "C", "amount": None, "owner_id": 1, "status": "open"}
    ]
    seed(rt, rows)
    with transaction(rt.sessions) as s:
        winprob.learn(s, WS)
        stats = {(w.feature, w.value): (w.won, w.lost) for w in s.scalars(select(WinStat))}
    closed = [r for r in rows if r["status"] != "open"]
    assert stats[("_all", "")] == (sum(r["status"] == "won" for r in closed), sum(r["status"] == "lost" for r in closed))
    for source in ("referral", "cold"):
        subset = [r for r in closed if r["source"] == source]
        assert stats[("source", source)] == (sum(r["status"] == "won" for r in subset), sum(r["status"] == "lost" for r in subset))
    band = winprob.amount_band(Decimal(100_000))
    subset = [r for r in closed if winprob.amount_band(r["amount"]) == band]
    assert stats[("amount", band)][0] + stats[("amount", band)][1] == len(subset)

    # closing the open deal incrementally gives the same counts as relearning from scratch
    with transaction(rt.sessions) as s:
        opp = s.scalars(select(Opportunity).where(Opportunity.status == "open")).unique().one()
        opp.status = "won"
        s.flush()
        winprob.record_close(s, opp)
        incremental = {(w.feature, w.value): (w.won, w.lost) for w in s.scalars(select(WinStat))}
    with transaction(rt.sessions) as s:
        winprob.learn(s, WS)
        relearned = {(w.feature, w.value): (w.won, w.lost) for w in s.scalars(select(WinStat))}
    assert incremental == relearned


def test_stage_default_until_enough_closed_deals_then_learned_and_override_sticks(rt):
    rnd = random.Random(3)
    rows = history(49, rnd, ["lead"]) + [
        {"source": "referral", "industry": None, "region": None, "stage": "proposal", "grade": "B", "amount": Decimal(500_000), "owner_id": 1, "status": "open"}
    ]
    seed(rt, rows)
    with transaction(rt.sessions) as s:
        winprob.learn(s, WS)
        opp = s.scalars(select(Opportunity).where(Opportunity.status == "open")).unique().one()
        p = winprob.probability(opp, winprob.load_model(s, WS), rt.config)
        assert (p.value, p.source) == (0.4, "stage")  # 49 closed < 50
        other = s.scalars(select(Opportunity).where(Opportunity.status == "lost")).unique().first()
        other.status = "open"
        s.flush()
        other.status = "lost"
        winprob.record_close(s, other)  # one more closed deal: 50
        p = winprob.probability(opp, winprob.load_model(s, WS), rt.config)
        assert p.source == "learned" and p.closed == 50 and p.value != 0.4
        opp.probability_override = 0.65
        assert winprob.probability(opp, winprob.load_model(s, WS), rt.config) == winprob.Probability(0.65, "override")
        assert winprob.refresh_open(s, WS, rt.config) == 1
    with rt.sessions() as s:
        assert s.scalar(select(Opportunity.win_probability).where(Opportunity.status == "open")) == 0.65


def test_no_closed_deals_learns_nothing(rt):
    seed(rt, [{"source": None, "industry": None, "region": None, "stage": "lead", "grade": "C", "amount": None, "owner_id": 1, "status": "open"}])
    with transaction(rt.sessions) as s:
        assert winprob.learn(s, WS) == 0
        assert winprob.load_model(s, WS).closed == 0


EDGES = [Decimal(49_999), Decimal(50_000), Decimal(200_000), Decimal(1_000_000), Decimal(5_000_000), Decimal(6_000_000), None]


def test_every_count_matches_the_features_a_deal_is_scored_by(rt):
    """learn()'s SQL counts agree, value by value, with features_of() (what a deal is scored by):
    amounts exactly on a band's bound, above the top band and missing, missing industry and region,
    values seen only on lost deals; another workspace's deals and a second learning change nothing."""
    rnd = random.Random(3)
    rows = history(200, rnd, [s.key for s in rt.config.stages])
    for i, amount in enumerate(EDGES * 3):
        rows.append({"source": "event", "industry": None if i % 2 else "能源", "region": None if i % 3 else "西南", "stage": "lead", "grade": "C"})
        rows[-1].update({"amount": amount, "owner_id": 1 + i % 5, "status": "lost" if i % 4 else "won"})
    seed(rt, rows)
    other = {**rows[0], "workspace_id": "T0OTHER", "number": 1, "title": "elsewhere", "owner_id": 9, "creator_id": 9, "status": "won", "tags": []}
    now = rt.clock.now()
    with transaction(rt.sessions) as s:
        s.execute(insert(Workspace), [{"id": "T0OTHER", "next_number": 2, "created_at": now}])
        s.execute(insert(Member), [{"id": 9, "workspace_id": "T0OTHER", "slack_user_id": "U9", "display_name": "u9", "role": "ae", "created_at": now}])
        s.execute(
            insert(Opportunity),
            [{**other, "currency": "CNY", "version": 1, **dict.fromkeys(("created_at", "updated_at", "last_activity_at", "stage_entered_at"), now)}],
        )
    expected: dict[tuple[str, str], list[int]] = {("_all", ""): [0, 0]}
    for r in rows:
        won = r["status"] == "won"
        for key in [("_all", "")] + list(winprob.features_of(_Row(r)).items()):
            expected.setdefault(key, [0, 0])[0 if won else 1] += 1
    for _ in range(2):  # learning again rebuilds the same counts
        with transaction(rt.sessions) as s:
            assert winprob.learn(s, WS) == len(rows)
            stats = {(w.feature, w.value): [w.won, w.lost] for w in s.scalars(select(WinStat).where(WinStat.workspace_id == WS))}
        assert stats == expected
    assert ("amount", "500万+") in stats and ("amount", "none") in stats and ("industry", "") in stats
    assert stats[("source", "event")][0] < stats[("source", "event")][1]


def test_the_daily_refresh_scores_open_deals_with_their_own_workspace_model(rt):
    """refresh_open stores the learned probability on this workspace's open deals and no other's."""
    rnd = random.Random(5)
    rows = history(300, rnd, [s.key for s in rt.config.stages])
    rows += [{**r, "status": "open"} for r in history(5, rnd, [s.key for s in rt.config.stages])]
    seed(rt, rows)
    with transaction(rt.sessions) as s:
        assert winprob.cached_model(s, WS).closed == 0  # read before learning ...
        winprob.learn(s, WS)
        assert winprob.cached_model(s, WS).closed == 300  # ... and not kept past it
        model = winprob.load_model(s, WS)
        s.execute(Opportunity.__table__.update().values(win_probability=None))
        assert winprob.refresh_open(s, WS, rt.config) == 5
        assert winprob.refresh_open(s, "T0NONE", rt.config) == 0
    with rt.sessions() as s:
        opened = s.scalars(select(Opportunity).where(Opportunity.status == "open").order_by(Opportunity.number)).unique().all()
        closed = s.scalars(select(Opportunity.win_probability).where(Opportunity.status != "open")).all()
    q = rt.config.qualification
    assert [o.win_probability for o in opened] == [pytest.approx(model.estimate(winprob.features_of(o), min_examples=q.min_examples)) for o in opened]
    assert set(closed) == {None}
