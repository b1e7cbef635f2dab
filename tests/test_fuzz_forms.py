"""Hostile input through every form oppbot opens, submitted as Slack submits it: the deal form (new,
edit, and as the New deal and Deal from message shortcuts open it), the log-activity form, Log to
deal's form, the review (复盘), handover, meeting action, support question and answer forms and the
offer decline form. Each field is given values nobody should type or Slack should send (empty,
5,000 characters, NUL and bidi controls, emoji, full-width digits, amounts out of reach, dates
that are not days, choices that are not among the options, people who are not users), blocks are
left out, and private_metadata is not JSON, JSON of the wrong shape, or names a deal, offer or
request that is not there or is another workspace's. Every answer is a 200: an inline error on a
field of the form in the person's language, or a clear reply — never the internal-error apology,
a traceback or an internal key — and a form refused changes nothing in the database."""

from __future__ import annotations

import itertools
import json
import logging
import re
from dataclasses import replace

import pytest
from sqlalchemy import select, text

from bot.blocks.ids import Shortcut
from bot.core.config import Rule
from store.models import AssignmentOffer, Base, Opportunity, SupportRequest
from tests.conftest import USERS, payload_text

BIDI = "\u202e\u2066"
TEXTS = ["", "   ", "x" * 5000, "a\x00b", f"{BIDI}Acme\u202c", "😀🔥", "１２３", "-5", "1e309", "99999999999999999999"]
DATES = ["0001-01-01", "9999-12-31", "2026-02-30", "bogus", ""]
CHOICES = ["bogus", "x" * 5000, ""]
USERS_PICKED = ["U0NOBODY", "bogus", "U" + "X" * 100]
PICKS = ["bogus", "0", "-1", "424242", "99999999999999999999", "#1\x00"]
HOSTILE = {
    "plain_text_input": TEXTS,
    "datepicker": DATES,
    "static_select": CHOICES,
    "users_select": USERS_PICKED,
    "external_select": PICKS,
    "checkboxes": [],
}
# in Chinese, the refusals' language is what is checked: a few values of each kind
HOSTILE_ZH = {
    "plain_text_input": ["", "x" * 5000, "a\x00b", "1e309", "-5"],
    "datepicker": ["bogus", "9999-12-31"],
    "static_select": ["bogus"],
    "users_select": ["U0NOBODY"],
    "external_select": ["424242"],
    "checkboxes": [],
}

# what each value of the metadata becomes; and whole metadata that is not the app's
NUMBERS = [-1, 0, 424242, 99999999999999999999, 1e309, 1.5, "1", True, None, [1], {"n": 1}]
STRINGS = [5, None, "x" * 5000, "\x00", ["C0SALES"]]
WHOLE = ["", "{not json", "[1]", "null", '"x"', "{}", "1e309", '{"number": NaN}']

INTERNAL = ("Something went wrong", "出错了", "出了点问题", "error ref", "错误编号", "Traceback")
CJK = re.compile(r"[\u4e00-\u9fff]")
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b|\b[a-z_]+=")
SAYS = ("response_url", "chat.postMessage", "chat.postEphemeral", "chat.update", "views.open", "views.push", "views.update")
OTHER_TEAM = "T0TWO"
# the deal form again, opened by a shortcut: its metadata is what differs, one value of each kind is enough
SAME_FORM = ("new_deal_shortcut", "deal_from_message")
HOSTILE_SAME = {"plain_text_input": ["", "x" * 5000], "datepicker": ["bogus"], "static_select": ["bogus"], "users_select": ["U0NOBODY"], "checkboxes": []}
_n = itertools.count(1)


# --- opening each form as Slack would, as ``who`` --------------------------------------------------


def opened(slack) -> dict:
    return slack.opened_view()


def on_message(slack, who: str, shortcut: str, words: str) -> dict:
    n = next(_n)
    message = {"type": "message", "user": "U0BOB", "ts": f"1764036000.{n:06d}", "text": words, "team": "T0001"}
    request = slack.requests.message_action(
        user=slack.user(who),
        callback_id=shortcut,
        channel={"id": "C0SALES", "name": "sales"},
        message=message,
        response_url=slack.fake.response_url(f"sc{n}"),
        trigger_id=f"trigger.sc{n}",
    )
    assert slack.send(request).status == 200
    return opened(slack)


def new_form(slack, rt, who):
    slack.command(who, "new")
    return opened(slack), {"title": "Acme"}


def new_shortcut(slack, rt, who):
    n = next(_n)
    assert slack.send(slack.requests.shortcut(user=slack.user(who), callback_id=Shortcut.NEW_DEAL, trigger_id=f"trigger.g{n}")).status == 200
    return opened(slack), {"title": "Acme"}


def from_message(slack, rt, who):
    return on_message(slack, who, Shortcut.DEAL_FROM_MESSAGE, "Acme ERP 50万 close 2026-12-31"), {}


def edit_form(slack, rt, who):
    slack.command(who, "edit 1")
    return opened(slack), {}


def log_form(slack, rt, who):
    slack.click(who, "deal_log", "1")
    return opened(slack), {"text": "called the CFO"}


def log_message(slack, rt, who):
    return on_message(slack, who, Shortcut.LOG_TO_DEAL, "They want a demo"), {"deal": "1"}


def review_form(slack, rt, who):
    slack.command(who, "new Beta CRM 30万")
    number = max(d.number for d in deals(rt) if d.workspace_id != OTHER_TEAM)
    slack.command(who, f"lost {number} price")
    return opened(slack), {"lesson": "Quote earlier"}


def handover_form(slack, rt, who):
    slack.command(who, "new Gamma WMS 30万 stage proposal")
    number = max(d.number for d in deals(rt) if d.workspace_id != OTHER_TEAM)
    slack.command(who, f"won {number}")
    return opened(slack), {"scope": "all of it"}


def meeting_form(slack, rt, who):
    slack.click(who, "meeting_assign", "1")
    return opened(slack), {"mt_action": "Meet the CFO"}


def ask_form(slack, rt, who):
    slack.click(who, "deal_ask", "1")
    return opened(slack), {"question": "Can we do SSO?"}


def answer_form(slack, rt, who):
    slack.command("bob", "new Delta 50万 stage proposal")  # proposal consults sales support: who is one
    number = max(d.number for d in deals(rt) if d.workspace_id != OTHER_TEAM)
    slack.command("bob", f"ask {number} Can we do SSO?")
    with rt.sessions() as s:
        request = s.scalars(select(SupportRequest.id).order_by(SupportRequest.id.desc())).first()
    slack.click(who, "support_answer", str(request))
    return opened(slack), {"answer": "yes"}


def decline_form(slack, rt, who):
    slack.command("boss", "new Epsilon 10万")
    number = max(d.number for d in deals(rt) if d.workspace_id != OTHER_TEAM)
    slack.command("boss", f"assign {number} auto")
    with rt.sessions() as s:
        offer = s.scalars(select(AssignmentOffer.id).order_by(AssignmentOffer.id.desc())).first()
    slack.click(who, "offer_decline", str(offer))
    return opened(slack), {"reason": "on leave"}


# name: (how it is opened, whether an accepted submission uses it up so it is opened again)
FORMS = {
    "deal_new": (new_form, False),
    "new_deal_shortcut": (new_shortcut, False),
    "deal_from_message": (from_message, False),
    "deal_edit": (edit_form, True),  # an edit moves the deal's version on: the form is opened again
    "deal_log": (log_form, False),
    "log_message": (log_message, False),
    "deal_review": (review_form, False),
    "handover": (handover_form, False),
    "meeting_action": (meeting_form, False),
    "support_ask": (ask_form, False),
    "support_answer": (answer_form, True),
    "offer_decline": (decline_form, True),
}


@pytest.fixture
def world(slack, rt):
    """Everyone is a member; alice and li are in sales support (asked about deals at proposal)."""
    for who in ("alice", "bob", "li", "boss"):
        slack.command(who, "help")
    for who in ("alice", "li"):
        slack.command("boss", f"team set <@{USERS[who]['user_id']}> role:support")
    return rt


def deals(rt) -> list[Opportunity]:
    with rt.sessions() as s:
        return list(s.scalars(select(Opportunity)).unique())


def setup_for(slack, rt, who: str) -> None:
    """``who``'s own deal #1, and offers going to ``who``."""
    slack.command(who, "new Acme ERP 50万 stage proposal")
    rule = Rule(name="one", strategy="round_robin", people=(USERS[who]["user_id"],), role="ae")
    rt.config = replace(rt.config, assignment=replace(rt.config.assignment, rules=(rule,)))


# --- submitting ----------------------------------------------------------------------------------


def field_of(element: dict, value):
    kind = element["type"]
    if kind == "plain_text_input":
        return {"type": kind, "value": value}
    if kind in ("static_select", "external_select"):
        option = {"text": {"type": "plain_text", "text": str(value)[:75] or " "}, "value": value} if value is not None else None
        return {"type": kind, "selected_option": option}
    if kind == "datepicker":
        return {"type": kind, "selected_date": value}
    if kind == "users_select":
        return {"type": kind, "selected_user": value}
    if kind == "checkboxes":
        return {"type": kind, "selected_options": value or []}
    raise AssertionError(f"unhandled element {kind}")


def initial(element: dict):
    kind = element["type"]
    if kind == "plain_text_input":
        return element.get("initial_value")
    if kind in ("static_select", "external_select"):
        return (element.get("initial_option") or {}).get("value")
    if kind == "datepicker":
        return element.get("initial_date")
    if kind == "users_select":
        return element.get("initial_user")
    return element.get("initial_options") or []


def inputs(view: dict) -> dict[str, dict]:
    return {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}


def submit(slack, who: str, view: dict, values: dict, *, drop=(), metadata: str | None = None):
    """``view`` submitted by ``who`` with ``values`` ({block_id: value}; the rest as opened), the
    blocks ``drop`` left out of its state; -> (the answer, what the person was told after)."""
    state = {}
    for block_id, element in inputs(view).items():
        if block_id in drop or "*" in drop:
            continue
        value = values[block_id] if block_id in values else initial(element)
        state[block_id] = {element["action_id"]: field_of(element, value)}
    n = next(_n)
    submitted = {**view, "id": f"VF{n:05d}", "team_id": slack.requests.team_id, "state": {"values": state}, "hash": "h"}
    if metadata is not None:
        submitted["private_metadata"] = metadata
    calls = len(slack.fake.calls())
    answer = slack.send(slack.requests.view_submission(user=slack.user(who), view=submitted, trigger_id=f"trigger.f{n}"))
    told = "\n".join(payload_text(c.args) for c in slack.fake.calls()[calls:] if c.method in SAYS)
    return answer, told


def state(rt) -> tuple:
    """Every table's row count and every deal's version, status and stage."""
    names = [t.name for t in Base.metadata.sorted_tables]
    counts = " , ".join(f"(SELECT count(*) FROM {name})" for name in names)
    with rt.sessions() as s:
        row = tuple(s.execute(text(f"SELECT {counts}")).one())
        opps = sorted(s.execute(select(Opportunity.workspace_id, Opportunity.number, Opportunity.version, Opportunity.status, Opportunity.stage)).all())
    return dict(zip(names, row, strict=True)), opps


def shown(said: str, typed: str) -> str:
    """What the person reads that is not theirs: without what was typed, quoted back, or code."""
    said = re.sub(r"“[^”]*”|「[^」]*」|`[^`]*`|<[@#!][^>]*>|<https?://[^>]*>", " ", said)
    for part in sorted({typed, typed[:40], typed[:60], typed.strip()} - {""}, key=len, reverse=True):
        said = said.replace(part, " ")
    return said


def problems(who: str, view: dict, answer, told: str, typed: str, before, after) -> list[str]:
    """What is wrong with the answer to one submission."""
    if answer.status != 200:
        return [f"HTTP {answer.status}: {answer.body[:200]}"]
    body = answer.json
    found = []
    if body and body.get("response_action") == "errors":
        errors = body.get("errors") or {}
        said = "\n".join(errors.values())
        found += [f"error on {k!r}, not a field of the form" for k in errors if k not in inputs(view)]
        if after != before:
            found.append("refused but changed the database: " + ", ".join(k for k in before[0] if before[0][k] != after[0][k]) or "deals")
    elif body:
        return [f"answered {body}"]
    else:
        said = told
        if not said.strip():
            found.append("said nothing")
    found += [f"says {s!r}" for s in INTERNAL if s in said + answer.body]
    mine = shown(said, typed)
    found += [f"shows key {k!r}" for k in SNAKE.findall(mine)]
    if body and who == "li" and not CJK.search(mine):
        found.append("not in Chinese")
    if body and who == "alice" and CJK.search(mine):
        found.append("not in English")
    return [f"{p} — {said[:200]!r}" for p in found]


def errors_logged(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def metadata_variants(view: dict) -> list[str]:
    """The form's own private_metadata with each of its values swapped for one of another kind,
    and metadata that is no object at all."""
    variants = list(WHOLE)
    try:
        data = json.loads(view.get("private_metadata") or "")
    except ValueError:
        return variants
    for key, value in data.items():
        for other in NUMBERS if isinstance(value, int) else STRINGS:
            variants.append(json.dumps({**data, key: other}, ensure_ascii=False))
    return variants


@pytest.mark.parametrize("who", ["alice", "li"])
@pytest.mark.parametrize("form", list(FORMS))
def test_every_form_answers_hostile_values_plainly_and_a_refusal_changes_nothing(slack, rt, world, caplog, form, who):
    setup_for(slack, rt, who)
    open_form, used_up = FORMS[form]
    view, valid = open_form(slack, rt, who)
    before = state(rt)
    answer, told = submit(slack, who, view, valid)  # the form is the real one, saved when filled in plainly
    assert answer.body == "" and state(rt) != before and told.strip(), (answer.body, told)
    if used_up:
        view, valid = open_form(slack, rt, who)
    values = HOSTILE_SAME if form in SAME_FORM else HOSTILE if who == "alice" else HOSTILE_ZH
    cases = [({block: value}, (), None, value) for block, element in inputs(view).items() for value in values[element["type"]]]
    cases += [({}, (block,), None, "") for block in inputs(view)] + [({}, ("*",), None, "")]
    cases += [({}, (), metadata, "") for metadata in metadata_variants(view)]
    found, before = [], state(rt)
    for changed, drop, metadata, typed in cases:
        answer, told = submit(slack, who, view, {**valid, **changed}, drop=drop, metadata=metadata)
        after = state(rt)
        bad = problems(who, view, answer, told, str(typed), before, after)
        before = after
        if bad:
            what = f"{changed}"[:80] if changed else (f"without {drop}" if drop else f"metadata {metadata[:80]!r}")
            found.append(f"{form} as {who}, {what} -> " + "; ".join(bad))
        if used_up and not answer.body:
            view, valid = open_form(slack, rt, who)
            before = state(rt)
    assert not found, "\n".join(found)
    assert errors_logged(caplog) == []


# the forms about one deal, offer or request, and the key of their metadata that names it
NAMED = {
    "deal_edit": "number",
    "deal_log": "number",
    "deal_review": "number",
    "handover": "number",
    "meeting_action": "number",
    "support_ask": "number",
    "support_answer": "request",
    "offer_decline": "offer",
}


def other_workspace(slack, rt) -> dict[str, int]:
    """In the other workspace: deals #1–#5 (this one has fewer), a support request, an offer."""
    for who in ("alice", "bob", "li", "boss"):
        slack.send(slack.command_request(who, "help", team_id=OTHER_TEAM))
    slack.send(slack.command_request("boss", "team set <@U0LI> role:support", team_id=OTHER_TEAM))
    for n in range(5):
        slack.send(slack.command_request("bob", f"new Other{n} 10万 stage proposal", team_id=OTHER_TEAM))
    slack.send(slack.command_request("bob", "ask 5 Can we do SSO?", team_id=OTHER_TEAM))
    slack.send(slack.command_request("boss", "assign 4 auto", team_id=OTHER_TEAM))
    with rt.sessions() as s:
        request = s.scalars(select(SupportRequest.id).where(SupportRequest.workspace_id == OTHER_TEAM)).one()
        offer = s.scalars(select(AssignmentOffer.id).where(AssignmentOffer.workspace_id == OTHER_TEAM)).one()
    return {"number": 5, "request": request, "offer": offer}


@pytest.mark.parametrize("who", ["alice", "li"])
@pytest.mark.parametrize("form", list(NAMED))
def test_a_form_naming_another_workspaces_deal_offer_or_request_is_refused_and_changes_nothing(slack, rt, world, caplog, form, who):
    setup_for(slack, rt, who)
    view, valid = FORMS[form][0](slack, rt, who)
    theirs = other_workspace(slack, rt)
    assert all(d.number < 5 for d in deals(rt) if d.workspace_id != OTHER_TEAM)
    key = NAMED[form]
    metadata = json.dumps({**json.loads(view["private_metadata"]), key: theirs[key]})
    before = state(rt)
    answer, told = submit(slack, who, view, valid, metadata=metadata)
    assert state(rt) == before
    assert not (bad := problems(who, view, answer, told, "", before, state(rt))), bad
    assert "Other" not in answer.body + told  # nothing of theirs is shown
    assert errors_logged(caplog) == []


@pytest.mark.parametrize(
    ("who", "form", "key", "said"),
    [
        ("alice", "deal_edit", "number", "This form can no longer be read"),
        ("li", "deal_log", "number", "这个表单已无法读取"),
        ("alice", "deal_log", "version", None),
        ("alice", "support_answer", "request", "This form can no longer be read"),
        ("li", "offer_decline", "offer", "这个分配已经处理过了"),
    ],
)
def test_a_number_in_a_forms_metadata_longer_than_any_rows_is_refused_plainly(slack, rt, world, caplog, who, form, key, said):
    """99999999999999999999 fits no column: refused before it reaches the database, not an internal error."""
    setup_for(slack, rt, who)
    view, valid = FORMS[form][0](slack, rt, who)
    metadata = json.dumps({**json.loads(view["private_metadata"]), key: 99999999999999999999})
    before = state(rt)
    answer, told = submit(slack, who, view, valid, metadata=metadata)
    assert state(rt) == before
    assert (said or "This form can no longer be read") in answer.body + told, (answer.body, told)
    assert errors_logged(caplog) == []
