"""A close counts in the learned win probability at once: the workspace's model a transaction has
already read is dropped when a deal of that workspace closes, so a later estimate in the same
transaction (several changes in one unit of work) reflects the close."""

from __future__ import annotations

import random
from decimal import Decimal

from sqlalchemy import select

from bot.deals import winprob
from store.db import transaction
from store.models import Opportunity
from tests.test_winprob import WS, history, seed


def test_a_won_deal_changes_a_similar_open_deals_estimate_in_the_same_transaction(rt):
    """50 closed deals (enough to learn from) and two open referral deals: the model is read, one
    of them is won, and the other's estimate, asked again, counts 51 closed deals and rises."""
    rows = history(50, random.Random(7), ["lead"])
    for n in range(2):
        rows.append({"source": "referral", "industry": "制造", "region": "华东", "stage": "lead", "grade": "C"})
        rows[-1].update({"amount": Decimal(100_000), "owner_id": 1, "status": "open", "title": f"open{n}"})
    seed(rt, rows)
    with transaction(rt.sessions) as s:
        winprob.learn(s, WS)
    with transaction(rt.sessions) as s:
        first, second = s.scalars(select(Opportunity).where(Opportunity.status == "open").order_by(Opportunity.number)).unique().all()
        before = winprob.probability(second, winprob.cached_model(s, WS), rt.config)
        assert before.closed == 50
        first.status = "won"
        s.flush()
        winprob.record_close(s, first)
        after = winprob.probability(second, winprob.cached_model(s, WS), rt.config)
    assert (after.source, after.closed) == ("learned", 51)
    assert after.value > before.value
