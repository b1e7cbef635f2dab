"""One name for each concept, in each language: the terms the messages use and the names they must
not use for the same thing (a reader who sees 赢率 in one place and 赢单概率 in another wonders
whether they differ). A message names a concept with ``{g_<term>}``, which bot.core.i18n fills
in from here; tests/test_plain_words.py checks that no message or configured name uses a name
to avoid.

    TERMS[term] = (Chinese, English, names to avoid in either language)
"""

from __future__ import annotations

TERMS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "deal": ("商机", "deal", ("机会", "项目机会")),
    "stage": ("阶段", "stage", ()),
    "owner": ("负责人", "owner", ("所有人", "拥有者")),
    "amount": ("金额", "amount", ()),
    "expected_close": ("预计成交日", "close date", ("成交日期", "预计成交日期", "expected close")),
    "next_step": ("下一步", "next step", ()),
    "win_probability": ("赢单概率", "win probability", ("赢率", "成交概率", "赢单几率", "chance to win")),
    "win_rate": ("赢单率", "win rate", ("胜率",)),
    "score": ("评分", "score", ("得分",)),
    "grade": ("评级", "grade", ()),
    "authority": ("决策人", "Authority", ("决策权",)),
    "pool": ("公海", "public pool", ("商机池",)),
    "stalled": ("停滞", "stalled", ()),
    "overdue": ("逾期", "overdue", ()),
    "weighted": ("加权", "weighted", ()),
    "pipeline": ("管道", "pipeline", ("管线",)),
}

PARAMS = {lang: {f"g_{term}": names[i] for term, names in TERMS.items()} for i, lang in enumerate(("zh", "en"))}
AVOID = {variant: term for term, (_zh, _en, avoid) in TERMS.items() for variant in avoid}
