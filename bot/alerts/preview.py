"""What a scan at a given moment would send, without changing or sending anything (`oppbot scan
--dry-run --at ...`): one line per message — recipient, DM or channel, posted or updated, the deals
and their conditions (one line for a DM about several deals, bot.alerts.notices.plan) — then one
line counting messages per recipient."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.alerts import notices
from bot.blocks.alerts import condition_name, why_text
from bot.core.config import Config
from store.models import Alert, Opportunity


def _to_announce(session: Session, workspace_id: str, findings: dict, now: datetime) -> dict[int, list[str]]:
    """Per deal, the conditions a scan now would announce: newly found ones, and open ones not yet
    announced or whose snooze has ended, while their condition still holds."""
    open_rows = session.execute(
        select(Alert.opportunity_id, Alert.condition, Alert.notified_at, Alert.snoozed_until).where(
            Alert.workspace_id == workspace_id, Alert.cleared_at.is_(None)
        )
    ).all()
    known = {(oid, cond): (notified, snoozed) for oid, cond, notified, snoozed in open_rows}
    out: dict[int, list[str]] = {}
    for oid, cond in sorted(findings):
        state = known.get((oid, cond))
        if state is None or (state[1] is None and state[0] is None) or (state[1] is not None and state[1] <= now):
            out.setdefault(oid, []).append(cond)
    return out


def _names(conditions, lang: str = "en") -> str:
    return ", ".join(condition_name(c, lang) for c in sorted(conditions, key=lambda c: notices.ORDER.index(c) if c in notices.ORDER else 99))


def _found(session: Session, config: Config, announced: dict[int, list[str]], now: datetime) -> list[str]:
    """One line per condition to announce: the deal, the condition and why."""
    lines = []
    for oid, conditions in announced.items():
        opp = session.get(Opportunity, oid)
        for cond in sorted(conditions):
            alert = Alert(id=0, workspace_id=opp.workspace_id, opportunity_id=oid, condition=cond, opened_at=now, notified_at=now)
            reason = why_text(cond, notices.why(session, config, alert, opp), config, "en")
            lines.append(f"#{opp.number} {opp.title}: {condition_name(cond, 'en')} — {reason}")
    return lines


def preview(session: Session, config: Config, workspace_id: str, findings: dict, now: datetime) -> list[str]:
    """What was found and why, then the messages (``-> ...``), then the count per recipient."""
    local = notices.team_time(config, now)
    announced = _to_announce(session, workspace_id, findings, now)
    lines = _found(session, config, announced, now)
    if not config.alerts.working_time(local):
        return [*lines, f"nothing is sent at {local:%a %Y-%m-%d %H:%M}: outside working time; alerts wait for the next working hour"]
    sent: Counter[str] = Counter()
    sends, bundled = notices.plan(session, config, {oid: {c: findings[(oid, c)].since for c in cs} for oid, cs in announced.items()}, now)
    for oid, target, channel, update in sends:
        verb = "update" if update else "post"
        lines.append(f"-> {target} {channel} {verb} #{session.get(Opportunity, oid).number}: {_names(announced[oid])}")
        sent[channel] += 1
    for channel, oids in sorted(bundled.items()):
        shown = "; ".join(f"#{session.get(Opportunity, oid).number}: {_names(announced[oid])}" for oid in oids)
        lines.append(f"-> dm {channel} post one DM about {len(oids)} deals: {shown}")
        sent[channel] += 1
    lines += _bundles(session, config, workspace_id, announced, now, sent)
    total = sum(sent.values())
    per = ", ".join(f"{who} {n}" for who, n in sorted(sent.items())) or "nobody"
    lines.append(f"{total} messages; per recipient: {per}")
    return lines


def _bundles(session: Session, config: Config, workspace_id: str, announced: dict, now: datetime, sent: Counter) -> list[str]:
    at = notices.bundle_due(config, now)
    if at is None:
        return []
    lines = []
    for member in notices.bundle_members(session, workspace_id, now):
        deals = {v.number: [c for c, _ in v.items] for v in notices.bundle_views(session, config, member, at - timedelta(days=1))}
        for oid, conditions in announced.items():
            opp = session.get(Opportunity, oid)
            if opp.owner_id == member.id:
                deals[opp.number] = sorted(set(deals.get(opp.number, [])) | set(conditions))
        if deals:
            shown = "; ".join(f"#{n}: {_names(c)}" for n, c in sorted(deals.items()))
            lines.append(f"-> bundle {member.slack_user_id} post {shown}")
            sent[member.slack_user_id] += 1
    return lines
