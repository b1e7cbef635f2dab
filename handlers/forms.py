"""Reading a submitted form back: the deal form's values (with the fields that could not be read,
for inline errors), the log-activity form, the review form, the decline form, the handover form,
and what each form carried in its private_metadata. Text comes back cleaned (bot.core.text); a
picked date must be a real date within reach of today (bot.core.dates), else it is an inline
error, never silently dropped."""

from __future__ import annotations

import json
import re
from datetime import date

from bot.blocks.forms import BANT_FIELDS, TEXT_FIELDS, FormMeta
from bot.blocks.kit import clip
from bot.core import needs
from bot.core.config import Config
from bot.core.dates import reach, within_reach
from bot.core.errors import BadInput
from bot.core.money import UnreadableAmount, parse_amount
from bot.core.payloads import USER_ID
from bot.core.text import clean
from bot.deals.opportunities import DealInput
from bot.deals.reviews import TEXTS, ReviewInput

DATE_FIELDS = ("expected_close", "next_step_due")
PICKED_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # what a datepicker sends
# A number the app writes in a form's metadata (a deal's, its version, an offer's, a request's):
# no more digits than a typed deal number may have (handlers.args.NUMBER), so one no row can have
# is refused before it reaches the database (which could not hold it).
NUMBER_LIMIT = 10**9


def is_number(value: object) -> bool:
    """Whether ``value`` read from a form's metadata is a number the app could have written there."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < NUMBER_LIMIT


def read_meta(view: dict) -> FormMeta:
    """The form's private_metadata, as the app wrote it: a JSON object whose channel is text and
    whose deal number and version are whole numbers. Anything else can't be trusted to say which
    deal the form is about, so the form is refused (an inline error) and nothing is saved."""
    data = metadata_object(view)
    channel, number, version = data.get("channel"), data.get("number"), data.get("version")
    if any(value is not None and not isinstance(value, str) for value in (channel, data.get("source"))):
        raise BadInput("form_unreadable")
    if any(value is not None and not is_number(value) for value in (number, version)):
        raise BadInput("form_unreadable")
    return FormMeta(channel=channel, number=number, version=version, source=data.get("source"))


def metadata_object(view: dict) -> dict:
    """The form's private_metadata as the JSON object the app wrote; anything else is refused."""
    try:
        data = json.loads(view.get("private_metadata") or "")
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise BadInput("form_unreadable")
    return data


def deal_meta(view: dict) -> FormMeta:
    """The metadata of a form about one deal: refused unless it names the deal's number."""
    meta = read_meta(view)
    if meta.number is None:
        raise BadInput("form_unreadable")
    return meta


def values_of(view: dict) -> dict:
    return (view.get("state") or {}).get("values") or {}


def read_deal_form(values: dict, *, config: Config, today: date) -> tuple[DealInput, dict[str, tuple[str, dict]], str | None]:
    """Values from a submitted deal form -> (input, errors as {block_id: (message key, params)},
    owner's Slack id). An emptied text field comes back as "" so an edit can clear it; ``today``
    (the person's) bounds the dates picked."""
    errors: dict[str, tuple[str, dict]] = {}
    deal = DealInput()
    for name in (*TEXT_FIELDS, "next_step", *BANT_FIELDS):
        setattr(deal, name, (_value(values, name) or "").strip())
    amount_text = (_value(values, "amount") or "").strip()
    if amount_text:
        try:
            deal.amount, deal.currency = parse_amount(amount_text, default_currency=config.currency)
        except UnreadableAmount:
            errors["amount"] = ("unreadable_amount", {"value": clip(amount_text, 60)})
    else:
        deal.amount = ""  # emptied: like a text field, "" clears it on an edit
    stage = _selected(values, "stage")
    deal.stage = stage if stage and any(s.key == stage for s in config.stages) else None
    for name in DATE_FIELDS:
        try:
            setattr(deal, name, _date(values, name, today))
        except BadInput as error:
            errors[name] = (error.key, error.params)
    deal.tags = _listed(values, "tags") + needs.as_tags(_listed(values, "needs"))
    try:
        owner = _user(values, "owner")
    except BadInput as error:
        errors["owner"] = (error.key, error.params)
        owner = None
    answers = {c.key: _selected(values, f"q_{c.key}") for c in config.qualification.criteria}
    deal.qualification = {key: choice for key, choice in answers.items() if choice}
    deal.strategic = form_ticked(values, "strategic")
    return deal, errors, owner


def _listed(values: dict, name: str) -> list[str]:
    """The comma-separated items of text field ``name`` (either comma)."""
    return [item.strip() for item in (_value(values, name) or "").replace("，", ",").split(",") if item.strip()]


def read_handover_form(values: dict) -> tuple[str | None, dict[str, str]]:
    """A handover form's delivery owner (a Slack user id; None when left empty) and its texts."""
    return _user(values, "delivery_owner"), {name: (_value(values, name) or "").strip() for name in ("scope", "key_dates", "notes")}


def read_payment_plan(values: dict) -> str:
    """The handover form's payment plan as typed ("" when left empty)."""
    return (_value(values, "payment_plan") or "").strip()


def _user(values: dict, name: str) -> str | None:
    """The person picked in the users menu ``name`` (None: nobody); anything but a user id is refused."""
    user = (values.get(name) or {}).get(name, {}).get("selected_user")
    if user is not None and not (isinstance(user, str) and USER_ID.fullmatch(user)):
        raise BadInput("bad_user", field=name, value=clip(str(user), 40))
    return user


def form_ticked(values: dict, name: str) -> bool:
    """Whether the form's checkbox ``name`` (block and action id) has an option ticked."""
    chosen = ((values.get(name) or {}).get(name) or {}).get("selected_options")
    return bool(chosen) and isinstance(chosen, list)


def read_log_form(values: dict, *, today: date) -> tuple[str, str, str | None, date | None]:
    """(kind, text, next step, its due date); a bad date is a BadInput on its field."""
    return (
        _selected(values, "kind") or "note",
        (_value(values, "text") or "").strip(),
        (_value(values, "next_step") or "").strip() or None,
        _date(values, "next_step_due", today),
    )


def read_review_form(values: dict) -> ReviewInput:
    """The review form's reason (None when none is picked) and texts, stripped."""
    texts = {name: (_value(values, name) or "").strip() or None for name in TEXTS}
    return ReviewInput(reason=_selected(values, "reason"), texts=texts)


def _value(values: dict, name: str) -> str | None:
    value = (values.get(name) or {}).get(name, {}).get("value")
    return clean(value) if isinstance(value, str) else None


def _selected(values: dict, name: str) -> str | None:
    option = (values.get(name) or {}).get(name, {}).get("selected_option")
    value = option.get("value") if isinstance(option, dict) else None
    return value if isinstance(value, str) else None


def _date(values: dict, name: str, today: date) -> date | None:
    """The date picked (None if none), refused when it is no date (a datepicker sends YYYY-MM-DD)
    or more than ten years from ``today``, as a typed date would be."""
    raw = (values.get(name) or {}).get(name, {}).get("selected_date")
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw) if isinstance(raw, str) and PICKED_DATE.fullmatch(raw) else None
    except ValueError:
        day = None
    if day is None:
        raise BadInput("unreadable_date", field=name, value=clip(str(raw), 40))
    if not within_reach(day, today):
        earliest, latest = reach(today)
        raise BadInput("date_out_of_reach", field=name, value=day.isoformat(), earliest=earliest.isoformat(), latest=latest.isoformat())
    return day


def read_decline_form(view: dict) -> tuple[int | None, str]:
    """The offer the decline form is about, and the reason given."""
    try:
        offer_id = json.loads(view.get("private_metadata") or "{}").get("offer")
    except (ValueError, AttributeError):
        offer_id = None
    return (offer_id if is_number(offer_id) else None), (_value(values_of(view), "reason") or "")


def read_meeting_action_form(values: dict, *, today: date) -> tuple[str, str | None, date | None, dict[str, tuple[str, dict]]]:
    """The review meeting's action form: (text, assignee's Slack id, due day, errors as
    {block_id: (message key, params)}); each of the three is required."""
    errors: dict[str, tuple[str, dict]] = {}
    text = (_value(values, "mt_action") or "").strip()
    if not text:
        errors["mt_action"] = ("mt_action_required", {})
    try:
        assignee = _user(values, "mt_assignee")
    except BadInput as error:
        errors["mt_assignee"], assignee = (error.key, error.params), None
    if assignee is None and "mt_assignee" not in errors:
        errors["mt_assignee"] = ("mt_assignee_required", {})
    try:
        due = _date(values, "mt_due", today)
    except BadInput as error:
        errors["mt_due"], due = (error.key, error.params), None
    if due is None and "mt_due" not in errors:
        errors["mt_due"] = ("mt_due_required", {})
    return text, assignee, due, errors


def text_of(view: dict, name: str) -> str:
    """The text typed in a form's field ``name`` (block and action id alike), stripped."""
    return (_value(values_of(view), name) or "").strip()
