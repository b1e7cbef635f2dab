"""Customer needs (客户需求) for the product team: a need is a deal tag with the ``need:`` prefix
(`/opp tag 42 need:报表导出`; ``需求:`` is read as ``need:``), also given as the deal form's
comma-separated "Customer needs" field. The needs report ranks them (bot.reporting.needs)."""

from __future__ import annotations

import re

NEED_PREFIX = "need:"
_TYPED_PREFIX = re.compile(r"^(?:need|需求)\s*[:：]\s*", re.IGNORECASE)


def normalise(tag: str) -> str:
    """``tag`` with a need prefix spelt any way (``需求：``, ``Need:``) written ``need:``; a need
    with nothing after its prefix is no tag ("")."""
    match = _TYPED_PREFIX.match(tag)
    if match is None:
        return tag
    name = tag[match.end() :].strip()
    return NEED_PREFIX + name if name else ""


def is_need(tag: str) -> bool:
    return tag.startswith(NEED_PREFIX)


def need_name(tag: str) -> str:
    """The need a ``need:`` tag names, without its prefix."""
    return tag.removeprefix(NEED_PREFIX)


def split(tags: list[str]) -> tuple[list[str], list[str]]:
    """(the other tags, the needs' names) of a deal's tags, for the form's two fields."""
    return [tag for tag in tags if not is_need(tag)], [need_name(tag) for tag in tags if is_need(tag)]


def as_tags(names: list[str]) -> list[str]:
    """The ``need:`` tags for needs named in the form's field."""
    return [tag for tag in (normalise(NEED_PREFIX + name.strip()) for name in names) if tag]
