"""A small sample pipeline for trying oppbot out (`oppbot console --demo`).

The deals are made through the deal services (create, move, log, close, review), each step at its
own moment in the past, so cards, lists, the event log and the lessons base look like a few weeks of
real work. Nothing is loaded into a workspace that already has deals.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from bot.core.clock import FixedClock
from bot.core.config import Config
from bot.core.money import parse_amount
from bot.core.runtime import Runtime
from bot.deals import handover, opportunities, payments, reviews
from bot.deals.handover import HandoverInput
from bot.deals.opportunities import DealInput
from bot.deals.payments import PlannedPart
from bot.deals.reviews import ReviewInput
from bot.team.members import Actor, ProfileFetcher, actor_for, ensure_member
from store.queries import DealFilter, search_deals

FIRST_PAYMENT_DAYS = 7  # a won sample's first payment falls due a week after the win
DEMO_HANDOVER = HandoverInput(scope="Rollout as signed: licences, setup, training", key_dates="kickoff in a week, go-live in two months", notes="")

# How the cast looks in Slack: (locale, real name). Anyone else is an English speaker.
PEOPLE = {
    "alice": ("en-US", "Alice Morgan"),
    "bob": ("en-US", "Bob Fischer"),
    "li": ("zh-CN", "李娜"),
    "wang": ("zh-CN", "王磊"),
}


@dataclass(frozen=True)
class Sample:
    key: str
    owner: str
    title: str
    account: str
    contact: str
    amount: str
    stage: int  # position in the pipeline reached (clamped to the configured stages)
    created: int  # days ago
    in_stage: int  # days in the current stage
    close: int  # expected close, days from today (negative: already past)
    notes: tuple[tuple[int, str, str], ...] = ()  # (days ago, kind, text), oldest first
    next_step: tuple[str, int] | None = None  # (text, due in days from today), set with the last note
    source: str | None = None
    industry: str | None = None
    region: str | None = None
    tags: tuple[str, ...] = ()
    outcome: tuple[str, str, str | None] | None = None  # ("won" | "lost", reason key, note)
    closed: int = 0  # days ago
    review: tuple[str | None, str | None, str | None, str] | None = None  # (competitor, what worked, what didn't, the lesson), the day after the close


def _answers(config: Config, *, advanced: bool) -> dict[str, str]:
    """Qualification answers: the strongest choice for deals far along, the next one otherwise."""
    pick = 0 if advanced else 1
    return {c.key: c.choices[min(pick, len(c.choices) - 1)].key for c in config.qualification.criteria}


SAMPLES: tuple[Sample, ...] = (
    Sample(
        "crm-migration",
        "alice",
        "CRM migration",
        "Northwind Traders",
        "Nancy Davolio",
        "35万",
        stage=0,
        created=3,
        in_stage=3,
        close=60,
        notes=((3, "note", "Inbound lead from the partner webinar; 40 sales seats"),),
        next_step=("Intro call with their sales ops lead", 2),
        source="webinar",
        industry="Retail",
        region="East",
    ),
    Sample(
        "smart-service",
        "alice",
        "智能客服平台",
        "深圳云帆科技",
        "陈静",
        "80万",
        stage=1,
        created=12,
        in_stage=5,
        close=45,
        notes=((10, "call", "首次电话沟通，客服团队 120 人，有明确预算"), (5, "email", "发送产品资料和两个同行案例")),
        next_step=("安排线上产品演示", 3),
        source="展会",
        industry="互联网",
        region="华南",
        tags=("高意向",),
    ),
    Sample(
        "fleet",
        "alice",
        "Fleet telematics rollout",
        "Initech",
        "Peter Gibbons",
        "60万",
        stage=3,
        created=30,
        in_stage=6,
        close=18,
        notes=(
            (26, "call", "Discovery call with the ops team: 200 trucks in scope"),
            (6, "email", "Sent proposal v1"),
            (2, "meeting", "Walked Peter through the proposal; they want a phased rollout"),
        ),
        next_step=("Send revised proposal with phase-1 pricing", -1),
        source="website",
        industry="Logistics",
        region="East",
    ),
    Sample(
        "portal",
        "alice",
        "Customer portal redesign",
        "Stark Industries",
        "Pepper Potts",
        "$120k",
        stage=5,
        created=50,
        in_stage=4,
        close=10,
        notes=(
            (44, "meeting", "Kick-off workshop with the digital team"),
            (21, "visit", "On-site demo; the CIO joined for the last half hour"),
            (4, "call", "Procurement is asking for 10% off a three-year term"),
        ),
        next_step=("Pricing call with procurement", -2),
        source="referral",
        industry="Manufacturing",
        region="North America",
        tags=("strategic",),
    ),
    Sample(
        "data-poc",
        "bob",
        "Data platform POC",
        "Globex",
        "Hank Scorpio",
        "120万",
        stage=4,
        created=35,
        in_stage=8,
        close=30,
        notes=((30, "call", "Scoped a 4-week POC on their sales data"), (8, "meeting", "POC kick-off with their data team")),
        next_step=("Return the security questionnaire", 1),
        source="outbound",
        industry="Energy",
        region="East",
    ),
    Sample(
        "security-renewal",
        "bob",
        "Security audit renewal",
        "Umbrella Corp",
        "Albert Wesker",
        "28万",
        stage=6,
        created=60,
        in_stage=3,
        close=4,
        notes=((55, "email", "Renewal notice sent"), (3, "email", "Contract sent for signature")),
        next_step=("Get the countersigned contract back", 1),
        source="existing customer",
        industry="Pharma",
        region="North",
    ),
    Sample(
        "finance-shared",
        "li",
        "集团财务共享中心",
        "北京中联集团",
        "刘洋",
        "300万",
        stage=2,
        created=20,
        in_stage=9,
        close=75,
        notes=((18, "visit", "拜访财务部，了解 12 家子公司的报销流程"), (9, "meeting", "需求调研会，对方 CFO 参加")),
        next_step=("确认需求清单并发给客户签字", -2),
        source="老客户推荐",
        industry="制造",
        region="华北",
        tags=("大客户", "需跟进"),
    ),
    Sample(
        "mes-upgrade",
        "li",
        "华东制造 MES 升级",
        "上海精工机械",
        "周敏",
        "150万",
        stage=5,
        created=70,
        in_stage=12,
        close=-2,
        notes=((64, "visit", "现场调研两条产线"), (30, "meeting", "方案评审通过"), (12, "call", "开始谈价格，对方预算 140 万")),
        next_step=("提交最终报价", -1),
        source="展会",
        industry="制造",
        region="华东",
    ),
    Sample(
        "pos-replace",
        "wang",
        "门店收银系统替换",
        "杭州悦购超市",
        "赵磊",
        "45万",
        stage=3,
        created=25,
        in_stage=7,
        close=21,
        notes=((22, "call", "门店 36 家，现有系统明年停保"), (7, "email", "提交方案和报价")),
        next_step=("参加客户方案评审会", 5),
        source="官网",
        industry="零售",
        region="华东",
    ),
    Sample(
        "vision-qc",
        "wang",
        "生产线视觉质检",
        "宁波海天精密",
        "孙婷",
        "180万",
        stage=4,
        created=40,
        in_stage=10,
        close=35,
        notes=((36, "visit", "看了质检工位，漏检率约 3%"), (10, "meeting", "技术交流：算法团队答疑")),
        next_step=("汇报 POC 结果", 0),
        source="合作伙伴",
        industry="制造",
        region="华东",
    ),
    Sample(
        "hr-saas",
        "alice",
        "HR SaaS subscription",
        "Wayne Enterprises",
        "Lucius Fox",
        "18万",
        stage=6,
        created=45,
        in_stage=9,
        close=-5,
        notes=((40, "call", "Needs a tool for 300 staff by year end"), (9, "email", "Sent the order form")),
        outcome=("won", "product", None),
        closed=5,
        source="website",
        industry="Finance",
        region="North America",
    ),
    Sample(
        "his-interface",
        "li",
        "医院 HIS 接口开发",
        "广州仁爱医院",
        "黄医生",
        "65万",
        stage=6,
        created=80,
        in_stage=20,
        close=-12,
        notes=((75, "visit", "信息科调研"), (20, "meeting", "合同条款确认")),
        outcome=("won", "relationship", None),
        closed=12,
        review=(None, "老客户推荐，信息科早期就参与", "合同条款谈了三周", "医院项目尽早拉信息科一起定接口范围"),
        source="老客户推荐",
        industry="医疗",
        region="华南",
    ),
    Sample(
        "robotics",
        "bob",
        "Warehouse robotics pilot",
        "Cyberdyne Systems",
        "Miles Dyson",
        "220万",
        stage=3,
        created=50,
        in_stage=15,
        close=-8,
        notes=((45, "meeting", "Pilot scope: one warehouse, 20 robots"), (15, "email", "Sent proposal")),
        outcome=("lost", "competitor", "Went with a cheaper local vendor"),
        closed=8,
        review=("Skynet Robotics", "The pilot scope was clear", "Our quote came a week after theirs", "Quote within two days of the pilot scope"),
        source="outbound",
        industry="Logistics",
    ),
    Sample(
        "campus-card",
        "wang",
        "高校一卡通改造",
        "江南理工大学",
        "吴老师",
        "90万",
        stage=2,
        created=30,
        in_stage=14,
        close=-6,
        notes=((28, "visit", "拜访信息中心"),),
        outcome=("lost", "no_budget", "预算推迟到明年"),
        closed=6,
        review=(None, "拜访及时", "没有确认预算批复时间", "高校项目先问清预算批复和招标时间"),
        source="招标网",
        industry="教育",
        region="华东",
    ),
)


def profile_for(name: str, user_id: str) -> dict:
    """What Slack's users.info says about a cast member (the console's fake Slack says the same)."""
    locale, real_name = PEOPLE.get(name, ("zh-CN" if not name.isascii() else "en-US", name))
    return {
        "id": user_id,
        "name": name,
        "real_name": real_name,
        "tz": "Asia/Shanghai",
        "locale": locale,
        "profile": {"display_name": name, "real_name": real_name},
    }


def load_demo(rt: Runtime, team_id: str, users: Mapping[str, str], *, fetch_profile: ProfileFetcher | None = None) -> int:
    """Seed the sample pipeline into an empty workspace; returns how many deals were created
    (0 when the workspace already has deals). ``users`` maps names to Slack user ids; deals of
    people not in it go to the first of them."""
    if not users:
        raise ValueError("load_demo needs at least one user")
    with rt.transaction() as session:
        total = search_deals(session, DealFilter(workspace_id=team_id, statuses=("open", "won", "lost", "deleted")), limit=1).total
    if total:
        return 0
    by_id = {uid: name for name, uid in users.items()}
    fetch = fetch_profile or (lambda uid: profile_for(by_id.get(uid, uid), uid))
    actors: dict[str, Actor] = {}
    with rt.transaction() as session:
        for name, uid in users.items():
            member = ensure_member(session, workspace_id=team_id, slack_user_id=uid, clock=rt.clock, fetch_profile=fetch)
            actors[name] = actor_for(member, rt.config)
    fallback = next(iter(actors.values()))
    now = rt.clock.now()
    today = now.astimezone(rt.config.tz).date()
    created = 0
    for sample in SAMPLES:
        actor = actors.get(sample.owner, fallback)
        if _load_one(rt, actor, sample, now, today):
            created += 1
    return created


def _load_one(rt: Runtime, actor: Actor, sample: Sample, now: datetime, today: date) -> bool:
    """Create one sample deal at its moment in the past, then replay its later steps, each at its
    own moment; False when another process created it first."""
    config: Config = rt.config
    clock = FixedClock(now)

    def at(days_ago: float, hour: int) -> datetime:
        day = today - timedelta(days=int(days_ago))
        moment = datetime.combine(day, time(hour, 0), tzinfo=config.tz) + timedelta(minutes=7 * (len(sample.key) % 5))
        return min(moment, now - timedelta(minutes=5))

    stages = [s.key for s in config.stages]
    target = min(sample.stage, len(stages) - 1)
    deal = _deal_input(config, sample, today, first_stage=stages[0], advanced=target >= 3)
    clock.set(at(sample.created, 9))
    with rt.transaction() as session:
        opp, made = opportunities.create(session, actor=actor, deal=deal, config=config, clock=clock, request_key=f"demo:{sample.key}")
        if not made:  # another process is loading the same sample right now
            return False
        number = opp.number

    for moment, _order, step in _steps(sample, stages, target, at):
        clock.set(moment)
        with rt.transaction() as session:
            _replay(session, config, actor, number, step, clock, today)
    return True


def _deal_input(config: Config, sample: Sample, today: date, *, first_stage: str, advanced: bool) -> DealInput:
    """The sample as a new deal in the first stage (it moves on in later steps)."""
    amount, currency = parse_amount(sample.amount, default_currency=config.currency)
    return DealInput(
        title=sample.title,
        account=sample.account,
        contact=sample.contact,
        amount=amount,
        currency=currency,
        stage=first_stage,
        expected_close=today + timedelta(days=sample.close),
        source=sample.source,
        industry=sample.industry,
        region=sample.region,
        tags=list(sample.tags) or None,
        qualification=_answers(config, advanced=advanced),
    )


def _steps(sample: Sample, stages: list[str], target: int, at: Callable[[float, int], datetime]) -> list[tuple[datetime, int, tuple]]:
    """Steps after creation, in time order: stage moves spread evenly, then notes, then closing and
    the review.
    ``at`` gives the moment of a step from its days ago and hour."""
    steps: list[tuple[datetime, int, tuple]] = []
    span = sample.created - sample.in_stage
    for j in range(1, target + 1):
        days_ago = sample.created - span * j / target
        steps.append((at(days_ago, 11), 1, ("move", stages[j])))
    for i, (days_ago, kind, text) in enumerate(sample.notes):
        last = i == len(sample.notes) - 1
        steps.append((at(days_ago, 15), 2, ("log", kind, text, sample.next_step if last else None)))
    if sample.outcome:
        steps.append((at(sample.closed, 17), 3, ("close", *sample.outcome)))
        if sample.outcome[0] == "won" and sample.closed > FIRST_PAYMENT_DAYS:  # the first 30% came in a day early
            steps.append((at(sample.closed - FIRST_PAYMENT_DAYS + 1, 10), 4, ("paid",)))
    if sample.outcome and sample.review:
        steps.append((at(sample.closed - 1, 10), 4, ("review", sample.outcome[1], *sample.review)))
    steps.sort(key=lambda s: (s[0], s[1]))
    return steps


def _replay(session, config: Config, actor: Actor, number: int, step: tuple, clock: FixedClock, today: date) -> None:
    """One step of ``_steps`` through the deal services: a stage move, a logged note, the close,
    its review or a payment."""
    if step[0] == "paid":
        standing = payments.show(session, actor=actor, number=number, config=config, now=clock.now())
        first = standing.milestones[0]
        payments.receive(
            session,
            actor=actor,
            number=number,
            amount=first.amount,
            currency=first.currency,
            day=clock.now().astimezone(config.tz).date(),
            note=None,
            config=config,
            now=clock.now(),
        )
    elif step[0] == "move":
        opportunities.move_stage(session, actor=actor, number=number, stage=step[1], config=config, clock=clock)
    elif step[0] == "log":
        _, kind, text, next_step = step
        step_text, due = (next_step[0], today + timedelta(days=next_step[1])) if next_step else (None, None)
        opportunities.log_activity(
            session, actor=actor, number=number, text=text, kind=kind, next_step=step_text, next_step_due=due, config=config, clock=clock
        )
    elif step[0] == "review":
        texts = dict(zip(("competitor", "worked", "didnt", "lesson"), step[2:], strict=True))
        reviews.submit(session, actor=actor, number=number, given=ReviewInput(reason=step[1], texts=texts), config=config, clock=clock)
    else:
        _, outcome, reason, note = step
        won = outcome == "won"
        reasons = config.won_reasons if won else config.lost_reasons
        keys = [r.key for r in reasons]
        reason = reason if reason in keys else (keys[-1] if keys and not won else None)
        opportunities.close(session, actor=actor, number=number, won=won, reason=reason, note=note, config=config, clock=clock)
        if won:  # handed over to delivery (the rules pick who delivers), its requirements handed over that day
            closed_on = clock.now().astimezone(config.tz).date()
            handover.save(session, actor=actor, number=number, given=DEMO_HANDOVER, config=config, now=clock.now())
            if config.after.handover_steps:
                first_step = config.after.handover_steps[0].key
                handover.tick(session, actor=actor, number=number, step_text=first_step, config=config, now=clock.now(), today=closed_on)
        if won:  # 回款: 30% a week after the win, the rest in two months
            closed = clock.now().astimezone(config.tz).date()
            plan = [
                PlannedPart(closed + timedelta(days=FIRST_PAYMENT_DAYS), share=Decimal("0.3")),
                PlannedPart(closed + timedelta(days=60), share=Decimal("0.7")),
            ]
            payments.plan(session, actor=actor, number=number, parts=plan, config=config, now=clock.now())
