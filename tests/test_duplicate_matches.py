"""Which open deals a new one is said to duplicate (撞单): at most five, the oldest by deal number
whatever order the rows were stored in, and titles compared only among the 500 newest open deals."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import insert, update

from bot.console.slack_api import TEAM_ID
from bot.deals.duplicates import MATCH_LIMIT, TITLE_CANDIDATES, account_key
from store.models import Opportunity, Workspace

pytestmark = pytest.mark.duplicates


def stored(rt, db, deals: list[tuple[int, str, str | None]]) -> None:
    """alice's open deals (number, title, account) written straight into the table in the order
    given (so row order need not be number order); the workspace numbers on after the highest."""
    owner = db.member("U0ALICE").id
    now = rt.clock.now()
    rows = [
        dict(
            workspace_id=TEAM_ID,
            number=number,
            title=title,
            account=account,
            account_key=account_key(account),
            currency="CNY",
            stage="lead",
            status="open",
            owner_id=owner,
            creator_id=owner,
            tags=[],
            created_at=now,
            updated_at=now,
            last_activity_at=now,
            stage_entered_at=now,
        )
        for number, title, account in deals
    ]
    with rt.transaction() as s:
        s.execute(insert(Opportunity), rows)
        s.execute(update(Workspace).where(Workspace.id == TEAM_ID).values(next_number=max(n for n, _, _ in deals) + 1))


def listed(answer: str) -> list[int]:
    return [int(n) for n in re.findall(r"\*#(\d+)\*", answer)]


def test_at_most_five_same_account_deals_are_listed_the_oldest_first(slack, rt, db):
    """Seven open deals of one customer, stored newest number first: a new deal for that customer
    lists #2 to #6 (the five oldest, in order), not the seven nor the last stored."""
    slack.command("alice", "help")
    stored(rt, db, [(n, f"Project {chr(ord('A') + n)}{n * 7919}", "Suzhou Hengtong") for n in range(8, 1, -1)])
    answer = slack.command("alice", "new Scanners account Suzhou Hengtong Co., Ltd.").text
    assert "Possible duplicate" in answer
    assert MATCH_LIMIT == 5 and listed(answer) == [2, 3, 4, 5, 6]


def test_same_account_and_similar_title_matches_are_listed_together_the_oldest_first(slack, rt, db):
    """Six same-customer deals stored newest first and an older one with a similar title: the
    similar title, #1, and the four oldest of the customer's, #2 to #5, are listed."""
    slack.command("alice", "help")
    stored(
        rt,
        db,
        [(n, f"Project {chr(ord('A') + n)}{n * 7919}", "Suzhou Hengtong") for n in range(7, 1, -1)] + [(1, "Hengtong warehouse scanners", "Wuxi Huaguang")],
    )
    answer = slack.command("alice", "new Hengtong warehouse scanner account Suzhou Hengtong").text
    assert listed(answer) == [1, 2, 3, 4, 5]


def test_a_similar_title_older_than_the_newest_500_open_deals_is_not_found(slack, rt, db):
    """#1 has the same title but 500 newer open deals came after it: the new deal is created
    without asking. With one deal fewer in between, #1 is found."""
    slack.command("alice", "help")
    stored(rt, db, [(1, "Hengtong warehouse scanners", None)] + [(n, f"Filler {n * 7919}", None) for n in range(2, TITLE_CANDIDATES + 2)])
    assert TITLE_CANDIDATES == 500
    assert "Created #502" in slack.command("alice", "new Hengtong warehouse scanners").text
    slack.command("alice", "lost 502 price")
    slack.command("alice", "lost 501 price")  # now #1 is among the 500 newest open deals
    assert listed(slack.command("alice", "new Hengtong warehouse scanners").text) == [1]


@pytest.mark.parametrize(
    ("titles", "typed"),
    [
        (["abcdefghijklmnopqrstuvw", "abcdefghijklmnopqrstuvwx"], "abcdefghijklmnopq"),  # a new title inside longer ones
        (["abcdefghijklmnopq", "abcdefghijklmnop"], "abcdefghijklmnopqrstuvw"),  # stored titles inside a longer new one
    ],
)
def test_titles_are_ruled_out_by_length_exactly_at_the_threshold(slack, rt, db, titles, typed):
    """Stored titles whose lengths alone rule them out are not compared letter by letter: a title
    of 17 characters inside one of 23 (2 × 17 / 40 = 0.85) is still found, one of 16 or 24 is not."""
    slack.command("alice", "help")
    stored(rt, db, [(n, title, None) for n, title in enumerate(titles, start=1)])
    assert listed(slack.command("alice", f"new {typed}").text) == [1]


def test_the_titles_found_are_exactly_the_similar_ones_among_many(slack, rt, db):
    """Titles are ruled out cheaply (by length, then by their letters as bits, two letters that
    share a bit counting as one) before difflib compares them: whatever is ruled out must not be
    similar. Hundreds of random titles of a few letters, digits and CJK characters (恒 and 塘 share
    a bit) are each looked for among the others, and found exactly when similar_titles says so."""
    from random import Random

    from bot.deals.duplicates import MASK_BITS, find, similar_titles

    assert ord("恒") % MASK_BITS == ord("塘") % MASK_BITS
    rnd = Random(5)
    alphabet = "abcde12恒塘通苏"
    base = ["".join(rnd.choice(alphabet) for _ in range(rnd.randrange(6, 16))) for _ in range(12)]
    titles = [_typo(rnd, rnd.choice(base), alphabet) for _ in range(150)]
    slack.command("alice", "help")
    stored(rt, db, [(n, title, None) for n, title in enumerate(titles, start=1)])
    wanted = [_typo(rnd, rnd.choice(base), alphabet) for _ in range(40)]
    compared = 0
    with rt.transaction() as session:
        for title in wanted:
            similar = [n for n, t in enumerate(titles, start=1) if similar_titles(title, t)]
            compared += len(similar)
            assert [d.number for d in find(session, TEAM_ID, account=None, title=title)] == similar[:MATCH_LIMIT], title
    assert compared > 40  # the titles are alike enough that many are found


def _typo(rnd, title: str, alphabet: str) -> str:
    """``title`` with a letter or two changed, dropped or added."""
    chars = list(title)
    for _ in range(rnd.randrange(0, 3)):
        at = rnd.randrange(len(chars))
        kind = rnd.randrange(3)
        if kind == 0:
            chars[at] = rnd.choice(alphabet)
        elif kind == 1 and len(chars) > 3:
            del chars[at]
        else:
            chars.insert(at, rnd.choice(alphabet))
    return "".join(chars)


@pytest.mark.parametrize("title", ['Acme "ERP" rollout \\ phase', "恒通 云迁移 🚀 项目", '["Acme", 1] {"erp": true}'])
def test_titles_with_quotes_backslashes_emoji_or_json_are_read_back_as_typed(slack, rt, db, title):
    """The newest titles are read as one JSON array: whatever a title holds comes back as it was."""
    slack.command("alice", "help")
    stored(rt, db, [(1, title, None), (2, "Something else entirely", None)])
    assert listed(slack.command("alice", f"new {title}").text) == [1]
