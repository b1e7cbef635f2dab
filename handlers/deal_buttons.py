"""Buttons, menus and modal submissions: each reads what Slack sent, calls one deal service and
says what to show. Failures a user caused come back as messages (or inline modal errors)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import forms
from bot.deals import opportunities
from bot.blocks import deals as render
from bot.deals import risks
from handlers.router import edit_modal
from handlers.args import Modal, card_for, error_reply, error_text
from bot.core.errors import UserError
from bot.core.i18n import field_label, t
from bot.team.members import Actor, ProfileFetcher, ensure_member
from bot.blocks.deals import DealView, Reply
from bot.core.runtime import Runtime

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FormErrors:
    """Inline errors for ``response_action: errors``: {block_id: message}."""

    errors: dict[str, str]


@dataclass(frozen=True)
class Saved:
    """A modal was saved: tell the person with ``reply`` where they opened it."""

    reply: Reply
    channel: str | None


def guarded(rt: Runtime, actor: Actor, work: Callable[[], object]):
    """Run ``work``; a UserError becomes its message, anything else a logged, apologetic reply."""
    try:
        return work()
    except UserError as err:
        return error_reply(err, rt.config, actor.lang)
    except Exception:
        ref = uuid.uuid4().hex[:8]
        log.exception("unexpected error (ref %s)", ref)
        return render.message("⚠️ " + t(actor.lang, "internal_error", ref=ref))


def guarded_form(rt: Runtime, actor: Actor, work: Callable[[], FormErrors | Saved]) -> FormErrors | Saved:
    """Like ``guarded`` for modal submissions: an unexpected failure closes the form and says so."""
    try:
        return work()
    except Exception:
        ref = uuid.uuid4().hex[:8]
        log.exception("modal submission failed (ref %s)", ref)
        return Saved(render.message("⚠️ " + t(actor.lang, "internal_error", ref=ref)), None)


def submit_deal_form(rt: Runtime, actor: Actor, view: dict, fetch_profile: ProfileFetcher) -> FormErrors | Saved:
    meta = forms.FormMeta.load(view.get("private_metadata"))
    deal, problems, owner = forms.read_deal_form(view["state"]["values"], config=rt.config)
    if problems:
        return FormErrors({block: error_text(UserError(key, **params), rt.config, actor.lang) for block, (key, params) in problems.items()})
    try:
        with rt.transaction() as session:
            if owner:
                deal.owner_id = ensure_member(session, workspace_id=actor.workspace_id, slack_user_id=owner, clock=rt.clock, fetch_profile=fetch_profile).id
            if meta.number is None:
                opp, created = opportunities.create(session, actor=actor, deal=deal, config=rt.config, clock=rt.clock, request_key=f"view:{view['id']}")
                headline = t(actor.lang, "created" if created else "already_created", number=opp.number)
            else:
                opp, changed = opportunities.update(
                    session, actor=actor, number=meta.number, changes=deal, config=rt.config, clock=rt.clock, expected_version=meta.version
                )
                labels = ", ".join(field_label(actor.lang, name) for name in changed)
                headline = t(actor.lang, "updated", number=opp.number, fields=labels) if changed else t(actor.lang, "nothing_changed", number=opp.number)
            deal_view = DealView.of(opp)
    except UserError as err:
        return FormErrors({err.field if err.field in _blocks(view) else "title": error_text(err, rt.config, actor.lang)})
    return Saved(card_for(rt, actor, deal_view, headline), meta.channel)


def submit_log_form(rt: Runtime, actor: Actor, view: dict) -> FormErrors | Saved:
    meta = forms.FormMeta.load(view.get("private_metadata"))
    kind, text, next_step, due = forms.read_log_form(view["state"]["values"])
    try:
        with rt.transaction() as session:
            opp = opportunities.log_activity(
                session, actor=actor, number=meta.number, text=text, kind=kind, next_step=next_step, next_step_due=due, config=rt.config, clock=rt.clock
            )
            deal_view = DealView.of(opp)
    except UserError as err:
        return FormErrors({err.field if err.field in _blocks(view) else "text": error_text(err, rt.config, actor.lang)})
    return Saved(card_for(rt, actor, deal_view, t(actor.lang, "logged", number=meta.number)), meta.channel)


def _blocks(view: dict) -> set[str]:
    return {b["block_id"] for b in view.get("blocks", []) if b.get("block_id")}


def move_from_card(rt: Runtime, actor: Actor, value: str) -> tuple[Reply, bool]:
    """(the updated card, True), or (a message saying why not, False): the card stays as it was."""
    number, _, stage = value.partition(":")

    def work():
        with rt.transaction() as session:
            opp = opportunities.move_stage(session, actor=actor, number=int(number), stage=stage, config=rt.config, clock=rt.clock)
            deal_view = DealView.of(opp)
        return card_for(rt, actor, deal_view, t(actor.lang, "moved", number=number, stage=rt.config.stage(stage).name(actor.lang))), True

    outcome = guarded(rt, actor, work)
    return outcome if isinstance(outcome, tuple) else (outcome, False)


def show_card(rt: Runtime, actor: Actor, number: int) -> Reply:
    def work():
        with rt.transaction() as session:
            deal_view = DealView.of(opportunities.get(session, actor=actor, number=number))
        return card_for(rt, actor, deal_view)

    return guarded(rt, actor, work)


def show_history(rt: Runtime, actor: Actor, number: int) -> Reply:
    def work():
        with rt.transaction() as session:
            opp, events, total = opportunities.history(session, actor=actor, number=number)
            return render.history(opp.number, events, total, rt.config, actor.lang, actor.tz)

    return guarded(rt, actor, work)


def open_edit(rt: Runtime, actor: Actor, number: int, channel: str | None) -> Modal | Reply:
    return guarded(rt, actor, lambda: edit_modal(rt, actor, number, channel=channel))


def open_log(rt: Runtime, actor: Actor, number: int, channel: str | None) -> Modal | Reply:
    def work():
        with rt.transaction() as session:
            opportunities.require_change(actor, opportunities.get(session, actor=actor, number=number), "log", rt.config)
        return Modal(forms.log_modal(actor.lang, number=number, meta=forms.FormMeta(channel=channel, number=number)))

    return guarded(rt, actor, work)


def post_private(client: WebClient, user: str, channel: str | None, reply: Reply) -> None:
    """Show ``reply`` to one person: ephemeral in the channel they were in, else by DM."""
    if channel:
        try:
            client.chat_postEphemeral(channel=channel, user=user, **reply.payload())
            return
        except SlackApiError as exc:  # e.g. not_in_channel: fall back to a DM
            log.info("chat.postEphemeral to %s failed (%s); sending a DM", channel, exc.response.get("error"))
    client.chat_postMessage(channel=user, **reply.payload())


def flag_risk(rt: Runtime, actor: Actor, value: str) -> Reply:
    """The card's "Flag risk" menu: value "<number>:<kind>"."""
    number, _, kind = value.partition(":")

    def work():
        if kind not in risks.RISK_KINDS:
            raise UserError("need_risk", kinds=", ".join(risks.RISK_KINDS))
        with rt.transaction() as session:
            risks.flag(session, actor=actor, number=int(number), kind=kind, note=None, clearing=False, now=rt.clock.now())
        label = t(actor.lang, "risk_" + kind.replace("-", "_"))
        return render.message(t(actor.lang, "risk_raised", number=number, risk=label))

    return guarded(rt, actor, work)
