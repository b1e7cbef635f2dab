"""Forecast categories (commit 承诺 / best case 乐观 / pipeline 管道): the words people type for
them and the category a deal has when its owner has not set one.

The default is the stage's: its ``forecast`` key in ``[[stages]]`` when it has one, else derived:
a stage at or after ``[digest] commit_from`` is commit, one whose probability is at least 0.5 is
best case, any other pipeline. So by default "committed" is what it always was: the deals in the
stages from commit_from on."""

from __future__ import annotations

from bot.core.config_model import FORECAST_CATEGORIES, Config

COMMIT, BEST_CASE, PIPELINE = FORECAST_CATEGORIES
BEST_CASE_FROM = 0.5  # a stage this likely to win is best case by default
AUTO = "auto"  # back to the stage's default

WORDS = {
    COMMIT: ("commit", "committed", "承诺"),
    BEST_CASE: ("best", "best-case", "bestcase", "best_case", "乐观"),
    PIPELINE: ("pipeline", "管道"),
    AUTO: ("auto", "default", "默认", "自动"),
}
CATEGORY_OF = {word: key for key, words in WORDS.items() for word in words}


def read_category(text: str) -> str | None:
    """The category (or ``AUTO``) a person typed, in either language; None when it is none."""
    return CATEGORY_OF.get(text.strip().lower())


def stage_defaults(config: Config) -> dict[str, str]:
    """Each stage's default category."""
    commit_rank = config.stage_index(config.digest.commit_from) if config.digest.commit_from else len(config.stages)
    out = {}
    for rank, stage in enumerate(config.stages):
        if stage.forecast:
            out[stage.key] = stage.forecast
        elif rank >= commit_rank:
            out[stage.key] = COMMIT
        else:
            out[stage.key] = BEST_CASE if stage.probability >= BEST_CASE_FROM else PIPELINE
    return out


def category_of(config: Config, stage: str, chosen: str | None) -> str:
    """A deal's category: the one its owner chose, else its stage's default."""
    return chosen or stage_defaults(config).get(stage, PIPELINE)
