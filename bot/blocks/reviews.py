"""Block Kit for reviews (复盘) and the lessons base (经验库): a closed deal's review buttons, the
lessons hint on a new or moved deal's card, the lessons found, the owner's reminder and the review
meeting's post. The review form is with the other modals (bot.blocks.forms)."""

from __future__ import annotations

from bot.blocks.ids import Action
from bot.blocks.kit import Page, Reply, button, clip, esc, fmt_day, fmt_money, message, section, stage_name
from bot.blocks.links import number_link
from bot.blocks.views import LessonLine, MeetingView, ReviewView
from bot.core.config import Config
from bot.core.i18n import field_label, t

LESSON_CLIP = 400  # characters of a lesson a list shows
QUOTE_CLIP = 900  # characters of a review's text a meeting post shows


def review_buttons(number: int, review: str | None, lang: str) -> list[dict]:
    """A won or lost deal's card: write (or change) its review, skip one still asked, and the
    review meeting (managers)."""
    value = str(number)
    elements = [button(t(lang, "rv_edit" if review == "done" else "rv_write"), Action.REVIEW_WRITE, value, None if review == "done" else "primary")]
    if review == "asked":
        elements.append(button(t(lang, "rv_skip"), Action.REVIEW_SKIP, value))
    elements.append(button(t(lang, "rv_meeting"), Action.REVIEW_MEETING, value))
    return elements


def lessons_hint(number: int, count: int, lang: str) -> dict:
    """ "💡 2 lessons from similar deals" with the button that lists them."""
    text = t(lang, "ls_hint_one" if count == 1 else "ls_hint", count=count)
    return section(text, button(t(lang, "ls_show"), Action.LESSONS_SIMILAR, str(number)))


def _reason_name(config: Config, outcome: str, key: str | None, lang: str) -> str | None:
    reasons = config.won_reasons if outcome == "won" else config.lost_reasons
    return next((r.name(lang) for r in reasons if r.key == key), key)


def _lesson_line(line: LessonLine, config: Config, lang: str) -> str:
    facts = [t(lang, f"status_{line.outcome}")]
    reason = _reason_name(config, line.outcome, line.reason, lang)
    if reason:
        facts[0] += f"（{esc(reason)}）" if lang == "zh" else f" ({esc(reason)})"
    if line.competitor:
        facts.append(t(lang, "ls_competitor", name=esc(clip(line.competitor, 60))))
    if line.industry:
        facts.append(esc(clip(line.industry, 60)))
    facts.append(fmt_day(line.done_on))
    head = f"*{number_link(config, line.number)}* {esc(clip(line.title, 120))} · " + " · ".join(facts)
    return f"{head}\n> {esc(clip(' '.join(line.lesson.split()), LESSON_CLIP))}"


def lessons_reply(title: str, lines: list[LessonLine], total: int, config: Config, lang: str) -> Reply:
    """A page of lessons under ``title`` (newest first), and how many more there are."""
    page = Page(lang)
    page.section(f"*{title}*")
    for line in lines:
        page.section(_lesson_line(line, config, lang))
    if total > len(lines):
        page.context(t(lang, "ls_more", more=total - len(lines)))
    return Reply(clip(title, 3000), page.done())


def found_lessons(word: str, lines: list[LessonLine], total: int, config: Config, lang: str) -> Reply:
    """The answer to `/opp lessons <word>`."""
    shown = esc(clip(word, 80))
    if not lines:
        return message(t(lang, "ls_none", word=shown))
    return lessons_reply(t(lang, "ls_title", word=shown, total=total), lines, total, config, lang)


def similar_lessons(number: int, lines: list[LessonLine], total: int, config: Config, lang: str) -> Reply:
    """The lessons of deals like ``number`` (its card's button)."""
    if not lines:
        return message(t(lang, "ls_similar_none", number=number))
    return lessons_reply(t(lang, "ls_similar_title", number=number, total=total), lines, total, config, lang)


def reminder_message(review: ReviewView, days: int, lang: str) -> Reply:
    """The owner's DM when a closed deal's review is still missing, with Write and Skip."""
    text = t(lang, "rv_remind", number=review.number, title=esc(clip(review.title, 200)), outcome=t(lang, f"status_{review.outcome}"), days=days)
    value = str(review.number)
    buttons = [button(t(lang, "rv_write"), Action.REVIEW_WRITE, value, "primary"), button(t(lang, "rv_skip"), Action.REVIEW_SKIP, value)]
    return Reply(text, [section(text), {"type": "actions", "block_id": f"review_remind_{review.number}", "elements": buttons}])


def meeting_message(view: MeetingView, config: Config, lang: str) -> Reply:
    """The team channel's post calling a review meeting: the deal's stages with their days, its
    activities, amount and reason, and its review when written."""
    outcome = t(lang, f"status_{view.outcome}")
    title = t(lang, "rv_meeting_title", number=view.number, title=esc(clip(view.title, 200)), outcome=outcome)
    stages = " → ".join(f"{esc(stage_name(config, key, lang))} {fmt_day(day)}" for key, day in view.stages)
    amount = fmt_money(view.amount, view.currency, lang)
    lines = [
        t(lang, "rv_meeting_asked", asked_by=view.asked_by, owner=view.owner),
        t(lang, "rv_meeting_facts", amount=amount, activities=view.activities, outcome=outcome, day=fmt_day(view.closed_on)),
        t(lang, "rv_meeting_stages", stages=stages),
    ]
    review = view.review
    reason = _reason_name(config, view.outcome, review.reason, lang)
    if reason:
        lines.append(t(lang, "rv_meeting_field", label=field_label(lang, "reason"), value=esc(reason)))
    page = Page(lang)
    page.section(f"*{title}*")
    page.section("\n".join(lines))
    if review.status == "done":
        said = [
            t(lang, "rv_meeting_field", label=field_label(lang, name), value=esc(clip(getattr(review, name), QUOTE_CLIP)))
            for name in ("competitor", "worked", "didnt", "lesson")
            if getattr(review, name)
        ]
        page.section("\n".join(said))
    else:
        page.context(t(lang, "rv_meeting_no_review", number=view.number))
    return Reply(clip(title, 3000), page.done())
