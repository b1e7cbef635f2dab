"""Deal services: create, update, move, log, close, and read. One call = one unit of work in the
session the caller gives; each checks permission first and writes an event for every change.
Text people give is cleaned (bot.core.text) before it is checked or stored."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal

from sqlalchemy import bindparam, inspect
from sqlalchemy.orm import ColumnProperty, Session, make_transient_to_detached
from sqlalchemy.orm.exc import StaleDataError

from bot.core import history as written
from bot.core import needs, touched
from bot.core.clock import Clock
from bot.core.config import GRADES, Config
from bot.core.deal_fields import ACTIVITY_KINDS, LIMITS, MAX_TAG_LENGTH, MAX_TAGS
from bot.core.errors import BadInput, Conflict, NotFound, PermissionDenied
from bot.core.text import clean, clean_optional
from bot.deals import duplicates, permissions, qualification, risk_watch, support_replies, winprob
from bot.team import assignment
from bot.team.members import Actor
from store import queries
from store.db import wrote_outside
from store.models import Event, Member, Opportunity, Review


@dataclass
class DealInput:
    """Fields a person gives for a new deal or an edit; None means "not given", "" means "clear it"."""

    title: str | None = None
    account: str | None = None
    contact: str | None = None
    amount: Decimal | None = None
    currency: str | None = None
    stage: str | None = None
    expected_close: date | None = None
    next_step: str | None = None
    next_step_due: date | None = None
    owner_id: int | None = None
    source: str | None = None
    industry: str | None = None
    region: str | None = None
    budget: str | None = None
    authority: str | None = None
    need: str | None = None
    timing: str | None = None
    tags: list[str] | None = field(default=None)
    qualification: dict[str, str] | None = field(default=None)  # {criterion key: choice key}
    strategic: bool | None = None

    def given(self) -> dict:
        """The fields given, with text cleaned and stripped; an empty text field means "clear it" (None)."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            if isinstance(value, str):
                value = clean(value).strip() or None
            elif f.name == "tags":  # a need spelt 需求:… kept as need:…, once
                value = list(dict.fromkeys(tag for tag in (needs.normalise(clean(t).strip()) for t in value) if tag))
            out[f.name] = value
        return out


REQUEST_KEY_LIMIT = 100  # the column's width (store.models.Opportunity.request_key)


def storable_key(request_key: str) -> str:
    """``request_key`` as stored: itself when it fits the column as plain ASCII, else a digest of it
    (the same key always gives the same digest, so a repeat is still recognised)."""
    if len(request_key) <= REQUEST_KEY_LIMIT and request_key.isascii() and request_key.isprintable():
        return request_key
    return "sha256:" + hashlib.sha256(request_key.encode("utf-8", "surrogatepass")).hexdigest()


def find_by_request_key(session: Session, actor: Actor, request_key: str) -> Opportunity | None:
    """The deal a request with this key created before, if any."""
    return queries.deal_by_request_key(session, actor.workspace_id, storable_key(request_key))


def _check_text(values: dict) -> None:
    for name, value in values.items():
        limit = LIMITS.get(name)
        if limit and isinstance(value, str) and len(value) > limit:
            raise BadInput("too_long", field=name, name=name, length=len(value), limit=limit)
    tags = values.get("tags")
    if tags is not None and (len(tags) > MAX_TAGS or any(len(t) > MAX_TAG_LENGTH for t in tags)):
        raise BadInput("bad_tags", field="tags", max_tags=MAX_TAGS, max_length=MAX_TAG_LENGTH)


def _check_answers(config: Config, answers: dict[str, str]) -> None:
    for key, choice in answers.items():
        criterion = next((c for c in config.qualification.criteria if c.key == key), None)
        if criterion is None or criterion.choice(choice) is None:
            raise BadInput("unknown_choice", field="qualification", criterion=key, value=choice)


def _reassess(session: Session, opp: Opportunity, actor: Actor, config: Config, now, *, quiet: bool = False) -> None:
    """Recompute score, grade, next touch, rule tags and win probability after any change;
    a change of score or grade is an event (except on creation, where it is the start)."""
    a = qualification.assess(
        config,
        answers=opp.qualification or {},
        amount=opp.amount,
        strategic=opp.strategic,
        stage=opp.stage,
        last_activity_at=opp.last_activity_at,
        pinned_grade=opp.grade if opp.grade_pinned else None,
    )
    for name, value in (("score", a.score), ("grade", a.grade)):
        if getattr(opp, name) != value:
            if not quiet:
                _record(session, opp, actor, now, "updated", name, getattr(opp, name), value)
            setattr(opp, name, value)
    opp.next_touch_due = a.next_touch_due if opp.status == "open" else None
    if list(opp.auto_tags or []) != list(a.auto_tags):
        opp.auto_tags = list(a.auto_tags)
    if opp.status == "open":
        with session.no_autoflush:  # one UPDATE (one version) per service call
            model = winprob.cached_model(session, opp.workspace_id)
        opp.win_probability = winprob.probability(opp, model, config).value
    else:
        opp.win_probability = 1.0 if opp.status == "won" else 0.0


_DEALS = Opportunity.__table__
# the SET clause is made of the parameters given (the columns that changed, and version)
_SAVE = _DEALS.update().where(_DEALS.c.id == bindparam("saved_id"), _DEALS.c.version == bindparam("saved_version"))


def _save(session: Session, opp: Opportunity) -> None:
    """Write the deal's changed columns and move its version on in one UPDATE that matches the row
    only at the version read: a deal changed meanwhile by another transaction is a StaleDataError
    (a Conflict for the user, bot.core.runtime), as with the ORM's versioned flush. Then whatever
    else the change added or changed is flushed. The deal's UPDATE skips the unit of work (its
    bookkeeping cost more than the statement; with it, the flush was a third of a logged
    activity's time), is noted as a flush notes it (bot.core.touched, store.db.wrote), and leaves
    the deal as a flush leaves it: clean, at its new version. A change of owner or of a
    relationship goes through the flush, which also notes the owner the deal had before; so does
    a change inside a savepoint, whose rollback restores only the objects its flushes wrote."""
    state = inspect(opp)
    keys = list(state.committed_state)
    if session.in_nested_transaction() or "owner_id" in keys or not all(isinstance(state.mapper.attrs.get(key), ColumnProperty) for key in keys):
        session.flush()
        return
    changes = {key: state.dict[key] for key in keys if state.attrs[key].history.has_changes()}
    if changes:
        version = opp.version
        params = {**changes, "version": version + 1, "saved_id": opp.id, "saved_version": version}
        if session.connection().execute(_SAVE, params).rowcount != 1:
            raise StaleDataError(f"deal #{opp.number} was changed since version {version} was read")
        state.dict["version"] = version + 1
        touched.written(session, opp.id)
        wrote_outside(session)
    state._commit_all(state.dict, session.identity_map)  # as a flush does with the objects it wrote
    session.flush()


def _record(session: Session, opp: Opportunity, actor: Actor, at, kind: str, field_: str | None = None, old=None, new=None):
    written.event(session, opportunity_id=opp.id, actor_id=actor.member_id, at=at, kind=kind, field=field_, old=_as_text(old), new=_as_text(new))


def _as_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return ", ".join(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def get(session: Session, *, actor: Actor, number: int, for_update: bool = False) -> Opportunity:
    opp = queries.deal_by_number(session, actor.workspace_id, number, for_update=for_update)
    if for_update and opp is not None and session.bind.dialect.name == "postgresql" and not _people_as_named(opp):
        # after waiting for the row lock, PostgreSQL re-checks the deal's row but not the joined
        # people: when the row now names others (a pass-on committed while we waited), read them
        # again now that the lock is ours (the columns, and so the version the caller saw, stay
        # as they were)
        session.refresh(opp, ["owner", "creator", "responsible"])
    if opp is None or opp.status == "deleted":
        raise NotFound("deal_not_found", number=number)
    return opp


def _people_as_named(opp: Opportunity) -> bool:
    """Whether the people loaded with ``opp`` are the ones its row names (owner, creator, responsible)."""
    pairs = ((opp.owner, opp.owner_id), (opp.creator, opp.creator_id), (opp.responsible, opp.responsible_id))
    return all((person.id if person is not None else None) == named for person, named in pairs)


def may_change(actor: Actor, opp: Opportunity) -> bool:
    """Whether ``actor`` may edit ``opp`` (bot.deals.permissions has the whole rule)."""
    return permissions.allowed(actor, "edit", opp)


def require_change(actor: Actor, opp: Opportunity, action: str = "edit", config: Config | None = None) -> None:
    permissions.require(actor, action, opp, config)


def _require_open(opp: Opportunity) -> None:
    if opp.status != "open":
        raise BadInput("deal_closed", number=opp.number, status=opp.status)


def _require_version(opp: Opportunity, expected_version: int | None) -> None:
    if expected_version is not None and opp.version != expected_version:
        raise Conflict("stale_edit", number=opp.number)


def create(
    session: Session,
    *,
    actor: Actor,
    deal: DealInput,
    config: Config,
    clock: Clock,
    request_key: str | None = None,
) -> tuple[Opportunity, bool]:
    """A new open deal; returns (deal, created). A repeated request_key returns the first deal."""
    if request_key:
        request_key = storable_key(request_key)
        existing = queries.deal_by_request_key(session, actor.workspace_id, request_key)
        if existing is not None:
            return existing, False
    values = deal.given()
    title = values.pop("title", None)
    if not title:
        raise BadInput("title_required", field="title")
    _check_text({"title": title, **values})
    _check_answers(config, values.get("qualification") or {})
    stage = values.pop("stage", None) or config.stages[0].key
    config.stage(stage)  # callers resolve names; an unknown key here is a programming error
    now = clock.now()
    number = queries.next_deal_number(session, actor.workspace_id)
    if request_key:  # a concurrent duplicate may have committed while we waited for the number
        existing = queries.deal_by_request_key(session, actor.workspace_id, request_key)
        if existing is not None:
            return existing, False
    opp = Opportunity(
        workspace_id=actor.workspace_id,
        number=number,
        title=title,
        currency=values.pop("currency", None) or config.currency,
        stage=stage,
        status="open",
        owner_id=values.pop("owner_id", None) or actor.member_id,
        creator_id=actor.member_id,
        tags=values.pop("tags", None) or [],
        qualification=values.pop("qualification", None) or {},
        strategic=bool(values.pop("strategic", False)),
        auto_tags=[],
        score=0,
        grade="C",
        request_key=request_key,
        account_key=duplicates.account_key(values.get("account")),
        created_at=now,
        updated_at=now,
        last_activity_at=now,
        stage_entered_at=now,
        **values,
    )
    _reassess(session, opp, actor, config, now, quiet=True)  # before the insert: one version
    _insert(session, opp)
    _record(session, opp, actor, now, "created", None, None, f"#{number} {title}")
    return opp, True


_COLUMNS = tuple(column for column in Opportunity.__table__.columns if column.key != "id")
_INSERT = Opportunity.__table__.insert().returning(Opportunity.__table__.c.id)


def _insert(session: Session, opp: Opportunity) -> None:
    """Write the new deal ``opp`` by one Core INSERT and make it the session's, as a flush of it
    would: the ORM's unit of work for this one row cost more than the statement. Every column is
    written (those ``opp`` was not given take the model's default, or NULL) and stays loaded on
    the object, its version is the first, and the request is noted as one that wrote this deal
    (bot.core.history says why the session must be told)."""
    session.flush()  # anything pending first, as the flush did
    given = opp.__dict__
    row = {column.key: given[column.key] if column.key in given else _default(column) for column in _COLUMNS}
    row["version"] = 1
    deal_id = session.connection().execute(_INSERT, row).scalar_one()
    touched.written(session, deal_id)
    wrote_outside(session)
    inspect(opp).dict.update(row, id=deal_id)
    make_transient_to_detached(opp)  # what it holds now is what the database holds: its row, unchanged
    session.add(opp)


def _default(column):
    """What a flush writes for a column not given: the model's default, a value or a function
    (``tags=[]``), or NULL."""
    default = column.default
    if default is None:
        return None
    return default.arg(None) if default.is_callable else default.arg


def update(
    session: Session,
    *,
    actor: Actor,
    number: int,
    changes: DealInput,
    config: Config,
    clock: Clock,
    expected_version: int | None = None,
) -> tuple[Opportunity, list[str]]:
    """Apply the given fields; returns the deal and the names of fields that really changed."""
    opp = get(session, actor=actor, number=number, for_update=True)
    values = changes.given()
    giving = "owner_id" in values and values["owner_id"] != opp.owner_id
    permissions.require(actor, "assign" if giving else "edit", opp, config)  # who may assign may edit
    _require_version(opp, expected_version)
    if "title" in values and not values["title"]:
        raise BadInput("title_required", field="title")
    _check_text(values)
    _check_answers(config, values.get("qualification") or {})
    now = clock.now()
    new_stage = values.pop("stage", None)
    changed = []
    for name, value in values.items():
        old = getattr(opp, name)
        if old == value:
            continue
        if name == "qualification":  # one event per criterion that changed
            for key in sorted(set(old or {}) | set(value)):
                if (old or {}).get(key) != value.get(key):
                    _record(session, opp, actor, now, "updated", f"q:{key}", (old or {}).get(key), value.get(key))
        elif name == "owner_id":  # the log names people by Slack id, not by row id
            new_owner = session.get(Member, value)
            _record(session, opp, actor, now, "updated", "owner", opp.owner.slack_user_id, new_owner.slack_user_id)
            opp.pooled_at = None
        else:
            _record(session, opp, actor, now, "updated", name, old, value)
        setattr(opp, name, value)
        changed.append(name)
    opp.account_key = duplicates.account_key(opp.account)
    if new_stage and new_stage != opp.stage:
        _require_open(opp)
        _move(session, opp, actor, new_stage, config, now)
        changed.append("stage")
    if changed:
        opp.updated_at = now
        _reassess(session, opp, actor, config, now)
        session.flush()
        if "owner_id" in changed:
            session.refresh(opp, ["owner"])
    return opp, changed


def move_stage(session: Session, *, actor: Actor, number: int, stage: str, config: Config, clock: Clock) -> Opportunity:
    opp = get(session, actor=actor, number=number, for_update=True)
    permissions.require(actor, "move", opp, config)
    _require_open(opp)
    if opp.stage == stage:
        raise BadInput("already_in_stage", number=number, stage=stage)
    now = clock.now()
    _move(session, opp, actor, stage, config, now)
    _reassess(session, opp, actor, config, now)
    _save(session, opp)
    return opp


def _not_qualified(config: Config, answers: dict, *, number: int, key: str = "not_qualified") -> BadInput:
    """ "#42 scores 35 of the 60 needed to move past 需求确认; missing: Need 0/25, ..." (``key``
    "not_qualified_to_win": "... needed to be marked won ...")."""
    q = config.qualification
    total, parts = qualification.score(q, answers or {})
    gaps = qualification.missing(q, parts)[:4]
    return BadInput(
        key,
        field="stage",
        number=number,
        score=total,
        threshold=q.threshold,
        gate=q.gate_stage,
        gaps=[(p.key, p.earned, p.weight) for p in gaps],
    )


def _move(session: Session, opp: Opportunity, actor: Actor, stage: str, config: Config, now) -> None:
    config.stage(stage)
    if qualification.blocks_move(config, qualification.score(config.qualification, opp.qualification or {})[0], stage):
        raise _not_qualified(config, opp.qualification, number=opp.number)
    old = opp.stage
    opp.stage = stage
    opp.stage_entered_at = now
    opp.updated_at = now
    opp.last_activity_at = now
    written.activity(session, opportunity_id=opp.id, member_id=actor.member_id, kind="stage_change", text=f"{old} -> {stage}", created_at=now)
    _record(session, opp, actor, now, "stage", "stage", old, stage)

    assignment.stage_entered(session, opp, actor=actor, config=config, now=now)


def log_activity(
    session: Session,
    *,
    actor: Actor,
    number: int,
    text: str,
    config: Config,
    clock: Clock,
    kind: str = "note",
    next_step: str | None = None,
    next_step_due: date | None = None,
) -> Opportunity:
    """Record what happened; optionally set the next step and its due date."""
    opp = get(session, actor=actor, number=number, for_update=True)
    permissions.require(actor, "log", opp, config)
    text = clean(text).strip()
    next_step = clean_optional(next_step)
    if not text:
        raise BadInput("activity_required", field="text")
    if kind not in ACTIVITY_KINDS:
        raise BadInput("bad_activity_kind", field="kind", kind=kind, kinds=", ".join(ACTIVITY_KINDS))
    _check_text({"activity": text, "next_step": next_step})
    now = clock.now()
    written.activity(session, opportunity_id=opp.id, member_id=actor.member_id, kind=kind, text=text, created_at=now)
    _record(session, opp, actor, now, "activity", kind, None, text[:500])
    risk_watch.clear_silent(session, opp, actor.member_id, kind, now)  # a customer touch ends 客户沉默
    support_replies.activity_logged(session, config, opp, actor, text, now)  # an open 求助 to their role is answered
    if next_step is not None and next_step != opp.next_step:
        _record(session, opp, actor, now, "updated", "next_step", opp.next_step, next_step)
        opp.next_step = next_step
    if next_step_due is not None and next_step_due != opp.next_step_due:
        _record(session, opp, actor, now, "updated", "next_step_due", opp.next_step_due, next_step_due)
        opp.next_step_due = next_step_due
    opp.last_activity_at = now
    opp.updated_at = now
    _reassess(session, opp, actor, config, now)
    _save(session, opp)
    return opp


def close(
    session: Session,
    *,
    actor: Actor,
    number: int,
    won: bool,
    reason: str | None,
    note: str | None,
    config: Config,
    clock: Clock,
    override: str | None = None,
) -> Opportunity:
    """Mark a deal won or lost. A lost deal needs a reason (a configured reason key). A deal below
    the qualification threshold is marked won only with ``override``, a manager's reason, which
    is an event of its own; where the gate doesn't apply, an override's words join the note."""
    opp = get(session, actor=actor, number=number, for_update=True)
    permissions.require(actor, "close", opp, config)
    _require_open(opp)
    if not won and not reason:
        raise BadInput("lost_reason_required", number=number)
    if reason and reason not in {r.key for r in (config.won_reasons if won else config.lost_reasons)}:  # a menu's value is not trusted
        raise BadInput("unknown_lost_reason", value=clean(reason)[:80])
    note, override = clean_optional(note), clean_optional(override)
    override = override.strip() if override is not None else None
    _check_text({"reason": note or "", "override": override or ""})
    gate = _win_gate(opp, actor, config, override) if won else None
    if gate is None and override:
        note = f"{note} {override}" if note else override
    now = clock.now()
    if gate is not None:
        _record(session, opp, actor, now, "override", "qualification", gate, override)
    status = "won" if won else "lost"
    _record(session, opp, actor, now, "status", "status", opp.status, status)
    opp.status = status
    opp.closed_at = now
    opp.updated_at = now
    opp.last_activity_at = now
    if reason:
        name = "won_reason" if won else "lost_reason"
        setattr(opp, name, reason)
        _record(session, opp, actor, now, "updated", name, None, reason)
    if note:
        written.activity(session, opportunity_id=opp.id, member_id=actor.member_id, kind="note", text=note, created_at=now)
    _reassess(session, opp, actor, config, now)
    session.flush()
    winprob.record_close(session, opp)  # the learned probability counts it at once
    _ask_review(session, opp, now)
    return opp


def _ask_review(session: Session, opp: Opportunity, now) -> None:
    """A just-closed deal is asked for its review (复盘), prefilled with the close's reason
    (bot.deals.reviews writes it, skips it, and reminds the owner)."""
    session.add(Review(opportunity_id=opp.id, outcome=opp.status, status="asked", reason=opp.won_reason or opp.lost_reason, asked_at=now))


def _win_gate(opp: Opportunity, actor: Actor, config: Config, override: str | None) -> str | None:
    """None when the deal may be marked won as it is; "35/60" (its score of the threshold) when a
    manager overrides the gate with a reason. Otherwise refused, saying why."""
    q = config.qualification
    total = qualification.score(q, opp.qualification or {})[0]
    if not qualification.blocks_win(config, total):
        return None
    if override is None:
        raise _not_qualified(config, opp.qualification, number=opp.number, key="not_qualified_to_win")
    if not permissions.allowed(actor, "override", opp, config):
        raise PermissionDenied("override_not_allowed", number=opp.number, score=total, threshold=q.threshold)
    if not override:
        raise BadInput("override_reason_required", field="override", number=opp.number)
    return f"{total}/{q.threshold}"


def pin_grade(session: Session, *, actor: Actor, number: int, grade: str | None, config: Config, clock: Clock) -> Opportunity:
    """A manager fixes the grade (``None`` lets the rules decide again)."""
    opp = get(session, actor=actor, number=number, for_update=True)
    permissions.require(actor, "grade", opp, config)
    if grade is not None and grade not in GRADES:
        raise BadInput("bad_grade", value=grade)
    now = clock.now()
    _record(session, opp, actor, now, "updated", "grade_pinned", opp.grade if opp.grade_pinned else None, grade)
    opp.grade_pinned = grade is not None
    if grade is not None:
        if opp.grade != grade:
            _record(session, opp, actor, now, "updated", "grade", opp.grade, grade)
        opp.grade = grade
    opp.updated_at = now
    _reassess(session, opp, actor, config, now)
    session.flush()
    return opp


def set_probability(session: Session, *, actor: Actor, number: int, value: float | None, config: Config, clock: Clock) -> Opportunity:
    """Override the win probability (0..1), or clear the override with ``None``."""
    opp = get(session, actor=actor, number=number, for_update=True)
    permissions.require(actor, "edit", opp, config)
    _require_open(opp)
    now = clock.now()
    _record(session, opp, actor, now, "updated", "probability_override", opp.probability_override, value)
    opp.probability_override = value
    opp.updated_at = now
    _reassess(session, opp, actor, config, now)
    session.flush()
    return opp


def history(session: Session, *, actor: Actor, number: int, limit: int = 25) -> tuple[Opportunity, list[Event], int]:
    opp = get(session, actor=actor, number=number)
    events, total = queries.deal_events(session, opp.id, limit=limit)
    return opp, events, total
