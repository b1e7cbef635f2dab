"""The tables, as typed SQLAlchemy 2.0 models:

    workspaces          one per Slack workspace; its deal-number counter
    members             people by Slack user id: profile, role, manager, territory, capacity
    opportunities       the deals
    activities          calls, meetings, notes and stage changes logged on a deal
    events              every change to a deal: who, when, what, old -> new
    win_stats           closed-deal counts the win probability is learned from
    leases              which worker process acts
    outbox              Slack messages that must not be lost, and their delivery
    alerts              one open alert per deal and condition, and what was done about it
    risks               risk flags raised and cleared
    reminders           reminders due at a time
    digest_runs         which digest went to whom for which period (never twice)
    assignment_offers   deals offered to a person, answered, declined or expired
    assignment_cursors  where each round-robin rule stands
    member_events       every change to a person: who, when, what, old -> new
    processed_requests  Slack requests already handled (a retry or a double submit is not done twice)
    deal_threads        a deal's thread in a channel: its live card (the parent) and the last change shown

 The schema itself is owned by the Alembic migrations in
``store/migrations``; these classes must match them (a test compares the two).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """Timezone-aware datetimes in, timezone-aware UTC datetimes out, on SQLite and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class Workspace(Base):
    """One Slack workspace (team). Holds the counter for short deal numbers (#42)."""

    __tablename__ = "workspaces"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    next_number: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    uninstalled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the app was removed (bot.installs); data kept until the retention ends


class Member(Base):
    """A person in the workspace, known by Slack user id; display data cached from users.info."""

    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("workspace_id", "slack_user_id", name="uq_members_slack_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(32), ForeignKey("workspaces.id"))
    slack_user_id: Mapped[str] = mapped_column(String(32))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(200))  # from users.info (users:read.email), for imports
    role: Mapped[str] = mapped_column(String(32), default="ae")
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    timezone: Mapped[str | None] = mapped_column(String(64))
    locale: Mapped[str | None] = mapped_column(String(16))
    profile_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # how this person wants alerts: "each" (the default: a DM per deal, one DM listing them when
    # several deals need attention in one scan), "dm" (always a DM per deal), "dm_only" (as the
    # default, never in channels), "bundle" (one daily DM), "channel"; muted until a time; the
    # morning brief on or off
    alert_mode: Mapped[str] = mapped_column(String(10), default="each", server_default="each")
    muted_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    brief_enabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # when they last opened oppbot's Home tab (app_home_opened): only a Home seen lately is redrawn after a change
    home_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # assignment: where and what this person sells, how many open deals they should hold at most
    # (None = no limit), and out of office until (inclusive)
    regions: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    industries: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    capacity: Mapped[int | None] = mapped_column(Integer)
    away_until: Mapped[date | None] = mapped_column(Date)
    # the config.toml [[team]] entry for this person as last applied (role, manager, regions,
    # industries, capacity), or None if config never seeded them: what a start compares config with
    seed_applied: Mapped[dict | None] = mapped_column(JSON)

    manager: Mapped[Member | None] = relationship(remote_side=[id])


class Opportunity(Base):
    """A deal (商机). Never deleted: ``status`` is open, won, lost, merged (into another deal)
    or deleted."""

    __tablename__ = "opportunities"
    __table_args__ = (
        UniqueConstraint("workspace_id", "number", name="uq_opportunities_number"),
        UniqueConstraint("workspace_id", "request_key", name="uq_opportunities_request_key"),
        # Lists page in index order: (filter columns…, expected_close, number) matches their ORDER BY.
        Index("ix_opportunities_ws_stage_list", "workspace_id", "status", "stage", "expected_close", "number"),
        Index("ix_opportunities_ws_owner_list", "workspace_id", "owner_id", "status", "expected_close", "number"),
        Index("ix_opportunities_owner_status", "owner_id", "status"),
        Index("ix_opportunities_ws_close_list", "workspace_id", "status", "expected_close", "number"),
        Index("ix_opportunities_ws_next_due", "workspace_id", "status", "next_step_due"),
        Index("ix_opportunities_ws_touch", "workspace_id", "status", "next_touch_due"),
        Index("ix_opportunities_ws_grade", "workspace_id", "status", "grade"),
        Index("ix_opportunities_ws_pooled", "workspace_id", "pooled_at"),
        Index("ix_opportunities_responsible_status", "responsible_id", "status"),
        Index("ix_opportunities_ws_account_key", "workspace_id", "account_key", "status"),
        Index("uq_opportunities_external_id", "workspace_id", "external_id", unique=True),
        Index("ix_opportunities_followon_of", "followon_of"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(32), ForeignKey("workspaces.id"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    account: Mapped[str | None] = mapped_column(String(200))
    # the account as compared for duplicates (bot.deals.duplicates.account_key), kept with it
    account_key: Mapped[str | None] = mapped_column(String(200))
    contact: Mapped[str | None] = mapped_column(String(200))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    currency: Mapped[str] = mapped_column(String(3))
    stage: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10), default="open")
    expected_close: Mapped[date | None] = mapped_column(Date)
    next_step: Mapped[str | None] = mapped_column(String(500))
    next_step_due: Mapped[date | None] = mapped_column(Date)
    owner_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    creator_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    source: Mapped[str | None] = mapped_column(String(100))
    industry: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(100))
    budget: Mapped[str | None] = mapped_column(String(500))
    authority: Mapped[str | None] = mapped_column(String(500))
    need: Mapped[str | None] = mapped_column(String(500))
    timing: Mapped[str | None] = mapped_column(String(500))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    won_reason: Mapped[str | None] = mapped_column(String(500))
    lost_reason: Mapped[str | None] = mapped_column(String(500))
    request_key: Mapped[str | None] = mapped_column(String(100))
    # the deal's id in the system it was imported from (a re-import updates the same deal)
    external_id: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime())
    stage_entered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # qualification: answers {criterion key: choice key}, the score they give, the grade
    qualification: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, server_default="{}")
    score: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    grade: Mapped[str] = mapped_column(String(1), default="C", server_default="C")
    grade_pinned: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    strategic: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    next_touch_due: Mapped[datetime | None] = mapped_column(UTCDateTime())
    auto_tags: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    win_probability: Mapped[float | None] = mapped_column(Float)
    probability_override: Mapped[float | None] = mapped_column(Float)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    # responsibility: the person responsible in the current stage when its role is not the owner's
    # (None = the owner); in the public pool (公海) since, or None. A pooled deal belongs to nobody:
    # owner_id keeps its last owner (or creator) for the record.
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", name="fk_opportunities_responsible"))
    pooled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # the pool's clock (bot.deals.recycle): a deal returns after its grade's days without a customer
    # touch since the later of its last touch and pool_clock_at (its owner got it, or was allowed to
    # keep it); pool_warned_at: when its owner was last warned.
    pool_clock_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    pool_warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # a follow-on deal (二次商机): the id of the won deal it grew from (no constraint: SQLite adds
    # the column in place only without one)
    followon_of: Mapped[int | None] = mapped_column(Integer)
    # the stage playbook's actions ticked: {stage key: {action key: ISO time ticked}}
    playbook: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    # commit, best_case, pipeline: the owner's call; none means the stage's default
    forecast_category: Mapped[str | None] = mapped_column(String(12))
    # the deal's room (`/opp room`): the Slack channel id made for it, and when it was archived
    room_channel: Mapped[str | None] = mapped_column(String(40))
    room_archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    owner: Mapped[Member] = relationship(foreign_keys=[owner_id], lazy="joined")
    responsible: Mapped[Member | None] = relationship(foreign_keys=[responsible_id], lazy="joined")
    creator: Mapped[Member] = relationship(foreign_keys=[creator_id], lazy="joined")

    __mapper_args__ = {"version_id_col": version}


class WinStat(Base):
    """Closed-deal counts per (feature, value) for the learned win probability; feature "_all"
    holds the totals."""

    __tablename__ = "win_stats"

    workspace_id: Mapped[str] = mapped_column(String(32), ForeignKey("workspaces.id"), primary_key=True)
    feature: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[str] = mapped_column(String(200), primary_key=True)
    won: Mapped[int] = mapped_column(Integer, default=0)
    lost: Mapped[int] = mapped_column(Integer, default=0)


class Activity(Base):
    """Something a person did on a deal: a note, call, meeting, email, or a stage change."""

    __tablename__ = "activities"
    __table_args__ = (Index("ix_activities_opportunity_at", "opportunity_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    member: Mapped[Member] = relationship(lazy="joined")


class Event(Base):
    """Append-only log: who changed what on a deal, when, from what to what."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_opportunity_id", "opportunity_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(20))
    field: Mapped[str | None] = mapped_column(String(40))
    old: Mapped[str | None] = mapped_column(Text)
    new: Mapped[str | None] = mapped_column(Text)

    actor: Mapped[Member] = relationship(lazy="joined")


# --- the worker: lease, outbox, alerts, risks, reminders; digests ---------------------------


class Lease(Base):
    """Who may act as the scheduler: one row per lease name, taken and renewed atomically."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class QueuedJob(Base):
    """A job's task on the queue, for one workspace (``workspace_id`` "" for the deployment's):
    queued by the scheduler, removed when done. While it is there no second one is queued, so a
    slow task or a burst never piles copies on the queue (bot.worker.queue)."""

    __tablename__ = "queued_jobs"

    job: Mapped[str] = mapped_column(String(50), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    task_id: Mapped[str] = mapped_column(String(200))


class OutboxMessage(Base):
    """A Slack message that must not be lost, written in the same transaction as its cause and
    delivered by the sender. ``key`` makes each message unique (idempotency)."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("key", name="uq_outbox_key"),
        Index("ix_outbox_pending", "sent_at", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))
    channel: Mapped[str] = mapped_column(String(40))  # channel id/name, or a user id for a DM
    text: Mapped[str] = mapped_column(Text)
    blocks: Mapped[list | None] = mapped_column(JSON)
    update_of: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))  # chat.update of that message
    thread_of: Mapped[int | None] = mapped_column(Integer)  # a reply in the thread of that row's message (also shown in the channel)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # a send is in flight
    claimed_by: Mapped[str | None] = mapped_column(String(200))  # the queue's task sending it (bot.worker.queue), if any
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    slack_channel: Mapped[str | None] = mapped_column(String(40))
    slack_ts: Mapped[str | None] = mapped_column(String(40))


class Alert(Base):
    """One watched condition on one deal (stalled, overdue...), open until it clears."""

    __tablename__ = "alerts"
    __table_args__ = (
        Index(
            "uq_alerts_open",
            "opportunity_id",
            "condition",
            unique=True,
            sqlite_where=text("cleared_at IS NULL"),
            postgresql_where=text("cleared_at IS NULL"),
        ),
        Index("ix_alerts_ws_open", "workspace_id", "cleared_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(32))
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id"))
    condition: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str | None] = mapped_column(Text)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acted_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    action: Mapped[str | None] = mapped_column(String(30))
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))  # the message to update in place


class Risk(Base):
    """A risk flag a rep raised on a deal (客户沉默, 关键决策人变动, 预算调整, 竞争对手介入)."""

    __tablename__ = "risks"
    __table_args__ = (Index("ix_risks_opportunity", "opportunity_id", "cleared_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id"))
    kind: Mapped[str] = mapped_column(String(30))
    note: Mapped[str | None] = mapped_column(Text)
    raised_by_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime())
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Handover(Base):
    """A won deal handed over to delivery (交接): who delivers it, what and by when, the checklist
    ([handover] checklist in config.toml: {step key: ISO time ticked}) and the customer's
    acceptance (验收). ``progress_at``: the last thing done on it, for the stall alert."""

    __tablename__ = "handovers"
    __table_args__ = (
        UniqueConstraint("opportunity_id", name="uq_handovers_opportunity"),
        Index("ix_handovers_open", "accepted_on", "progress_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id"))
    delivery_owner_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    scope: Mapped[str | None] = mapped_column(Text)
    key_dates: Mapped[str | None] = mapped_column(String(500))
    notes: Mapped[str | None] = mapped_column(Text)
    checklist: Mapped[dict] = mapped_column(JSON, default=dict)
    accepted_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    progress_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PaymentMilestone(Base):
    """One planned payment (回款节点) of a won deal: an amount (or a share of the deal's amount,
    kept for display) due on a day; ``received``: what payments have covered of it so far,
    ``paid_on``: the day it was covered in full."""

    __tablename__ = "payment_milestones"
    __table_args__ = (
        Index("ix_payment_milestones_deal", "opportunity_id", "position"),
        Index("ix_payment_milestones_due", "paid_on", "due_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id"))
    position: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    currency: Mapped[str] = mapped_column(String(3))
    share: Mapped[Decimal | None] = mapped_column(Numeric(7, 4))  # 0.3 for "30%", as planned
    due_on: Mapped[date] = mapped_column(Date)
    received: Mapped[Decimal] = mapped_column(Numeric(18, 2), default=Decimal(0))
    paid_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Payment(Base):
    """Money received on a won deal (`/opp pay 42 received 15万 2026-12-20`)."""

    __tablename__ = "payments"
    __table_args__ = (Index("ix_payments_deal", "opportunity_id", "received_on"), Index("ix_payments_received", "received_on"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id"))
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    currency: Mapped[str] = mapped_column(String(3))
    received_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(500))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Review(Base):
    """The review (复盘) of a won or lost deal: asked for at the close (``status`` asked), then
    done or skipped; what it teaches is searchable (`/opp lessons`)."""

    __tablename__ = "reviews"
    __table_args__ = (
        UniqueConstraint("opportunity_id", name="uq_reviews_opportunity"),
        Index("ix_reviews_status", "status", "asked_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id"))
    outcome: Mapped[str] = mapped_column(String(10))  # won, lost
    status: Mapped[str] = mapped_column(String(10))  # asked, done, skipped
    reason: Mapped[str | None] = mapped_column(String(500))
    competitor: Mapped[str | None] = mapped_column(String(100))
    worked: Mapped[str | None] = mapped_column(Text)
    didnt: Mapped[str | None] = mapped_column(Text)
    lesson: Mapped[str | None] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Target(Base):
    """A team (``member_id`` none) or personal target for a month (2027-03) or a quarter
    (2027-Q1) in the workspace currency. Setting it again replaces the row (``replaced_at``) and
    adds a new one, so the history stays; ``split`` says a personal target came from splitting the
    team's (even, capacity)."""

    __tablename__ = "targets"
    __table_args__ = (Index("ix_targets_period", "workspace_id", "period", "replaced_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(32), ForeignKey("workspaces.id"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    period: Mapped[str] = mapped_column(String(10))
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    currency: Mapped[str] = mapped_column(String(3))
    split: Mapped[str | None] = mapped_column(String(12))
    set_by_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime())
    replaced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ForecastSnapshot(Base):
    """An owner's forecast for a period as it stood when the period began: amounts per category
    (commit, best_case, pipeline) and weighted, each {currency: "amount"}; forecast accuracy
    compares it with what was won."""

    __tablename__ = "forecast_snapshots"
    __table_args__ = (UniqueConstraint("workspace_id", "period", "owner_id", name="uq_forecast_snapshots_owner"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(32), ForeignKey("workspaces.id"))
    period: Mapped[str] = mapped_column(String(10))
    owner_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime())
    figures: Mapped[dict] = mapped_column(JSON)


class SupportRequest(Base):
    """A question about a deal for the role its stage consults (pre-sales support …), from the
    card's Ask button or `/opp ask 42 …`; an answer (reply button or logged activity) closes it."""

    __tablename__ = "support_requests"
    __table_args__ = (
        Index("ix_support_requests_asked", "workspace_id", "asked_at"),
        Index("ix_support_requests_deal", "opportunity_id", "answered_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(32), ForeignKey("workspaces.id"))
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id"))
    role: Mapped[str] = mapped_column(String(32))
    question: Mapped[str] = mapped_column(Text)
    asked_by_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answer: Mapped[str | None] = mapped_column(Text)


class MeetingAction(Base):
    """An action the weekly review meeting (商机评审会) assigned on a deal: it becomes the deal's
    next step and stays on the agenda until done."""

    __tablename__ = "meeting_actions"
    __table_args__ = (Index("ix_meeting_actions_open", "workspace_id", "done_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(32), ForeignKey("workspaces.id"))
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id"))
    text: Mapped[str] = mapped_column(String(500))
    assignee_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    due_on: Mapped[date] = mapped_column(Date)
    meeting_on: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))


class Reminder(Base):
    """`/opp remind 42 明天上午10点 call the CFO`: a DM at that time."""

    __tablename__ = "reminders"
    __table_args__ = (Index("ix_reminders_due", "sent_at", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(32))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    opportunity_id: Mapped[int | None] = mapped_column(ForeignKey("opportunities.id"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class DigestRun(Base):
    """A digest sent for one period to one recipient: recorded so it is sent once."""

    __tablename__ = "digest_runs"
    __table_args__ = (UniqueConstraint("workspace_id", "kind", "period", "recipient", name="uq_digest_runs"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(20))
    period: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


# --- roles and assignment: offers and round-robin cursors ------------------------------------


class AssignmentOffer(Base):
    """An automatic assignment waiting for its assignee's answer: offered, then accepted, declined
    (with a reason), expired (no answer in time) or withdrawn (someone else took the deal)."""

    __tablename__ = "assignment_offers"
    __table_args__ = (
        Index("ix_assignment_offers_open", "status", "expires_at"),
        Index("ix_assignment_offers_opportunity", "opportunity_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(32))
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    kind: Mapped[str] = mapped_column(String(20))  # "owner" or "responsible"
    rule: Mapped[str] = mapped_column(String(100))
    explanation: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="offered")
    reason: Mapped[str | None] = mapped_column(Text)
    passed_over: Mapped[list[int]] = mapped_column(JSON, default=list, server_default="[]")  # declined or let expire
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    member: Mapped[Member] = relationship(lazy="joined")


class AssignmentCursor(Base):
    """Where round robin stopped for one rule: the member who got the last deal."""

    __tablename__ = "assignment_cursors"

    workspace_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    rule: Mapped[str] = mapped_column(String(100), primary_key=True)
    last_member_id: Mapped[int | None] = mapped_column(Integer)


# --- people's history and requests handled once ----------------------------------------------


class MemberEvent(Base):
    """Append-only log: who changed what about a person (role, manager, regions, industries,
    capacity, time away), when, from what to what. ``actor_id`` None: config.toml's [[team]]."""

    __tablename__ = "member_events"
    __table_args__ = (Index("ix_member_events_member", "member_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(32))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    field: Mapped[str] = mapped_column(String(20))
    old: Mapped[str | None] = mapped_column(Text)
    new: Mapped[str | None] = mapped_column(Text)


class ProcessedRequest(Base):
    """A Slack request that changed something, by its key (trigger id, view id, event id), written
    in the same transaction as the change; a replay finds it and is answered with ``answer`` (the
    first answer, JSON) instead of being done again."""

    __tablename__ = "processed_requests"
    __table_args__ = (
        UniqueConstraint("workspace_id", "key", name="uq_processed_requests_key"),
        Index("ix_processed_requests_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answer: Mapped[dict | None] = mapped_column(JSON)


class DealThread(Base):
    """A deal's thread in one channel: everything oppbot posts about the deal there replies to
    ``parent_id`` (the outbox row of the deal's live card, kept current by chat.update);
    ``event_seen`` is the deal's last event the thread has been told about."""

    __tablename__ = "deal_threads"
    __table_args__ = (UniqueConstraint("opportunity_id", "channel", name="uq_deal_threads_channel"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(32))
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id"))
    channel: Mapped[str] = mapped_column(String(40))  # as configured ("#deal-alerts") or a channel id (a room)
    parent_id: Mapped[int] = mapped_column(ForeignKey("outbox.id"))
    event_seen: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WorkspaceConfig(Base):
    """A workspace's own config (`oppbot config load`): the TOML text as loaded, read in place of the
    shipped config.toml for that workspace (bot.core.workspace_configs). ``source`` None: back to the
    default (`oppbot config reset`). ``version`` goes up with each load or reset, so every process
    can tell its copy is old by reading one number; who and when is the last load or reset."""

    __tablename__ = "workspace_configs"

    workspace_id: Mapped[str] = mapped_column(String(32), ForeignKey("workspaces.id"), primary_key=True)
    source: Mapped[str | None] = mapped_column(Text)
    file_name: Mapped[str | None] = mapped_column(String(300))
    version: Mapped[int] = mapped_column(Integer)
    loaded_by: Mapped[str] = mapped_column(String(200))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime())


# slack_sdk's installation and OAuth state tables (migration 0016): its SQLAlchemy stores own their
# shape, so they are not described here (bot.installs)
INSTALL_TABLES = ("slack_installations", "slack_bots", "slack_oauth_states")
