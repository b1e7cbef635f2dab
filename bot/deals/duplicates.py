"""Duplicate deals (撞单): what makes two deals the same customer or the same deal, and finding the
open deals a new one would duplicate.

An account is compared by its key: NFKC (full-width letters and digits become half-width),
casefolded, with spaces and punctuation gone and company suffixes (有限公司, 股份有限公司, Co.,
Ltd., Inc. …) cut off the end, so 苏州恒通有限公司, ＳＵＺＨＯＵ hengtong and "Suzhou Hengtong Co., Ltd."
are each the same as their plain name. Titles are compared the same way but only for similarity
(difflib's ratio of at least ``SIMILAR``; titles that differ only in their numbers are different deals). The stored ``account_key`` column, indexed, lets the
database find same-account deals; titles are compared here among the workspace's newest open deals
(at most ``TITLE_CANDIDATES``)."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from sqlalchemy import Connection, bindparam, func, select
from sqlalchemy.orm import Session

from store.models import Opportunity

SIMILAR = 0.85
_DIGITS = re.compile(r"\d+")
TITLE_CANDIDATES = 500  # the newest open deals whose titles a new title is compared with
MATCH_LIMIT = 5  # matches shown
KEY_LIMIT = 200  # the column's width

# longest first, compared after normalising (so "Co., Ltd." is "coltd")
SUFFIXES = tuple(
    sorted(
        {
            "股份有限公司",
            "有限责任公司",
            "集团有限公司",
            "集团股份有限公司",
            "有限公司",
            "集团公司",
            "集团",
            "公司",
            "coltd",
            "colimited",
            "companylimited",
            "corporation",
            "company",
            "limited",
            "ltd",
            "inc",
            "incorporated",
            "corp",
            "llc",
            "gmbh",
            "plc",
            "co",
        },
        key=len,
        reverse=True,
    )
)


def _squash(text: str) -> str:
    """NFKC, casefolded, letters and digits only (spaces, punctuation and symbols dropped)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


def account_key(account: str | None) -> str | None:
    """The account as compared: ``None`` when nothing of a name is left."""
    key = _squash(account or "")
    cut = True
    while cut:  # the longest suffix first, again and again (苏州恒通集团有限公司); never the whole name
        cut = False
        suffix = next((s for s in SUFFIXES if key.endswith(s)), None)
        if suffix is not None and len(key) > len(suffix):
            key, cut = key[: -len(suffix)], True
    return key[:KEY_LIMIT] or None


def title_key(title: str | None) -> str:
    return _squash(title or "")


def _keys(title: str | None) -> tuple[str, str]:
    """A title's key, and the key with its numbers as ``#``."""
    key = title_key(title)
    return key, _DIGITS.sub("#", key)


def _keys_and_letters(title: str | None) -> tuple[str, str, int]:
    """``_keys``, and the letters of the title's key as a mask (``_letters``)."""
    key, numbered = _keys(title)
    return key, numbered, _letters(key)


MASK_BITS = 1021  # a prime: letters and digits each have a bit of their own, a CJK character one of these


def _letters(key: str) -> int:
    """The set of ``key``'s letters as bits of an integer, each letter at its code point modulo
    ``MASK_BITS``. Letters that share a bit count as one in ``_may_be_like``: that only loosens
    its bound, never rules out a title that is similar."""
    mask = 0
    for ch in set(key):
        mask |= 1 << (ord(ch) % MASK_BITS)
    return mask


# a new deal's title is compared with the same newest ones each time: their keys are kept
_stored_keys = lru_cache(maxsize=TITLE_CANDIDATES * 8)(_keys_and_letters)


def _may_be_like(wanted: str, letters: int, key: str, key_letters: int) -> bool:
    """A bound of difflib's quick_ratio from the two keys' letter masks (``_letters``; integer
    operations, no loop over the letters): each letter of one key that the other lacks is
    unmatched at least once."""
    matched = min(len(key) - (key_letters & ~letters).bit_count(), len(wanted) - (letters & ~key_letters).bit_count())
    return 2.0 * matched / (len(key) + len(wanted)) >= SIMILAR


@lru_cache(maxsize=256)
def _lengths_like(length: int) -> tuple[int, int]:
    """The shortest and longest keys that may be similar to a key of ``length`` (> 0) by their
    lengths alone (``_like``'s first bound, the same sum; a longer key than 2 × length / SIMILAR
    never is): every other key is ruled out by comparing two integers, before its letters are."""
    fit = [n for n in range(1, int(2 * length / SIMILAR) + 1) if 2.0 * min(n, length) / (n + length) >= SIMILAR]
    return fit[0], fit[-1]


def similar_titles(a: str | None, b: str | None) -> bool:
    """Whether two titles name very nearly the same thing (after normalising)."""
    wanted, numbered = _keys(a)
    return _like(_matcher(wanted), wanted, numbered, *_keys(b))


def _matcher(wanted: str) -> SequenceMatcher:
    """A matcher for comparing titles with ``wanted``: difflib keeps what it learns of its second
    sequence, so comparing many titles with one costs that once (as get_close_matches does)."""
    matcher = SequenceMatcher(None, autojunk=False)
    matcher.set_seq2(wanted)
    return matcher


def _like(matcher: SequenceMatcher, wanted: str, numbered: str, key: str, key_numbered: str) -> bool:
    """Whether the title key ``key`` is similar to ``wanted`` (``numbered``, ``key_numbered``: the
    keys with their numbers as #)."""
    if not wanted or not key:
        return False
    if key == wanted:
        return True
    # each bound is at least the next one: most titles are ruled out by their lengths (difflib's
    # real_quick_ratio, computed here without handing the matcher the title) or their letters
    if 2.0 * min(len(key), len(wanted)) / (len(key) + len(wanted)) < SIMILAR:
        return False
    if key_numbered == numbered:
        return False  # only their numbers differ: phase 1 and phase 2, the 2025 and the 2026 renewal
    matcher.set_seq1(key)
    return matcher.quick_ratio() >= SIMILAR and matcher.ratio() >= SIMILAR


_OPEN = (Opportunity.workspace_id == bindparam("ws"), Opportunity.status == "open")
# built once, the workspace and the key as parameters (building a statement cost more than running it)
_SAME_ACCOUNT = select(Opportunity.id).where(*_OPEN, Opportunity.account_key == bindparam("key")).order_by(Opportunity.number).limit(MATCH_LIMIT)
_NEWEST_ROWS = select(Opportunity.id, Opportunity.title).where(*_OPEN).order_by(Opportunity.number.desc()).limit(TITLE_CANDIDATES).subquery()
# the newest titles as one JSON array of [id, title] pairs, one value: fetched as 500 rows, they
# cost more than comparing them (a row at a time out of the driver, each turned into a Row)
_NEWEST = {
    "sqlite": select(func.json_group_array(func.json_array(_NEWEST_ROWS.c.id, _NEWEST_ROWS.c.title))),
    "postgresql": select(func.json_agg(func.json_build_array(_NEWEST_ROWS.c.id, _NEWEST_ROWS.c.title))),
}


# SQLite: the open deals added since a title was compared (``Compared``), newest first, the same way
_NEWER_ROWS = (
    select(Opportunity.id, Opportunity.title)
    .where(*_OPEN, Opportunity.id > bindparam("after"))
    .order_by(Opportunity.id.desc())
    .limit(TITLE_CANDIDATES)
    .subquery()
)
_NEWER = select(func.json_group_array(func.json_array(_NEWER_ROWS.c.id, _NEWER_ROWS.c.title)))


def _newest(connection: Connection, workspace_id: str, after: int | None = None) -> list[tuple[int, str]]:
    """(id, title) of the workspace's ``TITLE_CANDIDATES`` newest open deals; ``after``: of those
    with a higher id (SQLite)."""
    if after is None:
        value = connection.execute(_NEWEST[connection.dialect.name], {"ws": workspace_id}).scalar()
    else:
        value = connection.execute(_NEWER, {"ws": workspace_id, "after": after}).scalar()
    return json.loads(value) if isinstance(value, str) else value or []  # PostgreSQL's driver reads the JSON itself; no rows: NULL


def _similar(title: str | None, rows: list[tuple[int, str]]) -> set[int]:
    """The ids of ``rows`` (id, title) whose titles are very similar to ``title``."""
    wanted, numbered = _keys(title)
    if not wanted:
        return set()
    matcher = _matcher(wanted)
    letters = _letters(wanted)
    shortest, longest = _lengths_like(len(wanted))
    similar = set()
    for deal_id, stored in rows:
        key, key_numbered, key_letters = _stored_keys(stored)
        if shortest <= len(key) <= longest and _may_be_like(wanted, letters, key, key_letters) and _like(matcher, wanted, numbered, key, key_numbered):
            similar.add(deal_id)
    return similar


@dataclass(frozen=True)
class Compared:
    """A new deal's title compared with the newest open deals before the transaction that creates
    it, so that SQLite's one writer lock is not held for it: the highest id compared, and the ids
    of the deals found similar. In the transaction ``find`` compares only the deals added since
    (on SQLite, whose writers take turns, every deal added later has a higher id)."""

    after: int
    similar: frozenset[int]


def compare_titles(connection: Connection, workspace_id: str, title: str | None) -> Compared | None:
    """``title`` compared with the workspace's newest open deals, on ``connection`` outside any
    write transaction. None on PostgreSQL, where ids are taken before their transactions commit,
    in any order: there the transaction compares them all (and no writer lock is held meanwhile)."""
    if connection.dialect.name != "sqlite":
        return None
    rows = _newest(connection, workspace_id)
    return Compared(after=max((deal_id for deal_id, _ in rows), default=0), similar=frozenset(_similar(title, rows)))


def find(session: Session, workspace_id: str, *, account: str | None, title: str | None, compared: Compared | None = None) -> list[Opportunity]:
    """Open deals of the workspace with the same account or a very similar title, oldest first
    (at most ``MATCH_LIMIT``); ``compared``: the title compared before this transaction
    (``compare_titles``), so only the deals added since are compared here."""
    ids: set[int] = set()
    session.flush()  # the rows are read on the connection (plain tuples, no ORM loading): changes first
    connection = session.connection()
    key = account_key(account)
    if key:
        ids.update(connection.execute(_SAME_ACCOUNT, {"ws": workspace_id, "key": key}).scalars())
    if compared is not None:
        ids.update(compared.similar)
    if _keys(title)[0]:
        ids.update(_similar(title, _newest(connection, workspace_id, compared.after if compared is not None else None)))
    if not ids:
        return []
    # a deal found similar before this transaction may have been closed since
    matches = select(Opportunity).where(Opportunity.id.in_(ids), Opportunity.status == "open").order_by(Opportunity.number).limit(MATCH_LIMIT)
    return list(session.scalars(matches).unique())
