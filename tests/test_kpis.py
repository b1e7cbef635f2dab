"""Role KPIs (`/opp report kpi`, 考核) against an independent computation: a month of generated
history made through the front door (BDRs create deals, whoever is responsible moves, wins and
loses them, people ask support and are answered by the form or by logging, offers are accepted,
alerts acted on), the clock moved between steps and the worker's tick run; every figure of every
person and team is then worked out again in plain Python from a journal of what the test did (and,
for offers and alerts, from their rows) and compared with what the report says."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from statistics import median

import pytest
from sqlalchemy import select

from bot.core.money import format_amount
from store.models import Alert, AssignmentOffer, Member, Opportunity, SupportRequest, Target, Workspace
from tests import test_alerts, test_console
from tests.conftest import SHANGHAI, USERS, payload_text
from tests.test_console import reply_to
from tests.test_reports import uploads

client, run = test_alerts.client, test_alerts.run  # fixtures: the sender's client, one worker pass
env, console = test_console.env, test_console.console  # fixtures: a console session
EXTRA = {"dan": "U0DAN", "eve": "U0EVE", "sam": "U0SAM", "max": "U0MAX"}
ROLES = {"bob": "bdr", "dan": "bdr", "alice": "ae", "eve": "ae", "li": "support", "sam": "support", "nyc": "manager", "max": "manager"}
MANAGERS = {"alice": "nyc", "bob": "nyc", "eve": "max", "dan": "max"}
STAGES = ["lead", "contacted", "needs", "proposal", "tech_review", "negotiation", "contract"]
GATE = STAGES.index("needs")
NOVEMBER = (datetime(2026, 11, 1, tzinfo=SHANGHAI), datetime(2026, 12, 1, tzinfo=SHANGHAI))
CONSULTED = {"needs": "bdr", "proposal": "support", "tech_review": "ae", "negotiation": "manager", "contract": "manager"}


@pytest.fixture
def team(slack, fake, monkeypatch):
    """Two BDRs, two account managers, two in pre-sales support, two managers (nyc: alice and
    bob; max: eve and dan); boss is the admin. Returns their names by Slack id."""
    for name, user_id in EXTRA.items():
        monkeypatch.setitem(USERS, name, dict(user_id=user_id, name=name, tz="Asia/Shanghai", locale="en-US"))
        fake.add_user(user_id, name=name, tz="Asia/Shanghai", locale="en-US")
    for name in ROLES:
        slack.command(name, "help")
    for name, role in ROLES.items():
        assert "Updated" in slack.command("boss", f"team set <@{USERS[name]['user_id']}> role:{role}").text
    for name, boss in MANAGERS.items():
        assert "Updated" in slack.command("boss", f"team set <@{USERS[name]['user_id']}> manager:<@{USERS[boss]['user_id']}>").text
    return {spec["user_id"]: name for name, spec in USERS.items()}


# --- what the test did, as it did it -----------------------------------------------------------


@dataclass
class Deal:
    number: int
    creator: str
    created: datetime
    amount: Decimal
    stage: str = "lead"
    status: str = "open"


@dataclass
class Journal:
    deals: dict[int, Deal] = field(default_factory=dict)
    moves: list[tuple[str, int, str, str, datetime]] = field(default_factory=list)  # who, deal, from, to, when
    closes: list[tuple[str, int, str, datetime]] = field(default_factory=list)  # who, deal, won/lost, when
    asks: dict[int, list] = field(default_factory=dict)  # request id -> [deal, role, asker, asked, answerer, answered]


def owner_of(session, opportunity_id: int) -> Member:
    return session.get(Opportunity, opportunity_id).owner


def who_acts(db, team, number: int) -> str:
    """The person responsible for the deal's stage, else its owner: who may move and close it."""
    deal = db.deal(number)
    return team[(deal.responsible or deal.owner).slack_user_id]


def create(slack, clock, journal: Journal, rng) -> None:
    creator = rng.choice(["bob", "dan"])
    amount = rng.randrange(5, 90)
    slack.command(creator, f"new Deal {len(journal.deals) + 1} {amount}万")
    number = len(journal.deals) + 1
    journal.deals[number] = Deal(number, creator, clock.now(), Decimal(amount * 10000))


def move(slack, db, team, clock, journal: Journal, rng, deal: Deal) -> None:
    here = STAGES.index(deal.stage)
    there = here - 1 if here > 1 and rng.random() < 0.15 else min(here + rng.choice([1, 1, 2]), len(STAGES) - 1)
    if there == here:
        return
    actor = who_acts(db, team, deal.number)
    slack.command(actor, f"move {deal.number} {STAGES[there]}")
    assert db.deal(deal.number).stage == STAGES[there]
    journal.moves.append((actor, deal.number, deal.stage, STAGES[there], clock.now()))
    deal.stage = STAGES[there]


def close(slack, db, team, clock, journal: Journal, rng, deal: Deal) -> None:
    actor = who_acts(db, team, deal.number)
    outcome = "won" if rng.random() < 0.6 else "lost"
    slack.command(actor, f"won {deal.number}" if outcome == "won" else f"lost {deal.number} price")
    assert db.deal(deal.number).status == outcome
    journal.closes.append((actor, deal.number, outcome, clock.now()))
    deal.status = outcome


def ask(slack, db, team, clock, journal: Journal, deal: Deal) -> None:
    actor = who_acts(db, team, deal.number)
    if "Asked" not in slack.command(actor, f"ask {deal.number} What about SSO?").text:
        return  # nobody of the role besides the asker
    with db.rt.sessions() as s:
        request = s.scalars(select(SupportRequest).order_by(SupportRequest.id.desc())).first()
    journal.asks[request.id] = [deal.number, request.role, actor, clock.now(), None, None]


def log_activity(slack, clock, journal: Journal, deal: Deal, who: str) -> None:
    """``who`` logs on the deal; the open requests to their role (asked by others) close."""
    assert not slack.command(who, f"log {deal.number} call went well").text.startswith("⚠️")
    for entry in journal.asks.values():
        if entry[0] == deal.number and entry[4] is None and entry[1] == ROLES.get(who, "ae") and entry[2] != who:
            entry[4], entry[5] = who, clock.now()


def answer(slack, db, clock, journal: Journal, rng, request_id: int) -> None:
    """An open request answered: through its Answer form, or, where the role may log on the deal,
    by logging an activity."""
    entry = journal.asks[request_id]
    deal = journal.deals[entry[0]]
    people = sorted(name for name, role in ROLES.items() if role == entry[1] and name != entry[2])
    who = rng.choice(people)
    if deal.status == "open" and CONSULTED.get(deal.stage) == entry[1] and rng.random() < 0.5:
        log_activity(slack, clock, journal, deal, who)
        return
    slack.click(who, "support_answer", str(request_id))
    slack.submit(who, slack.opened_view(), {"answer": "Yes, with SAML"})
    entry[4], entry[5] = who, clock.now()


def accept_offers(slack, db, team, clock, rng) -> None:
    """Some of the offers made before now are accepted (an offer is answered a while after it came)."""
    with db.rt.sessions() as s:
        waiting = s.execute(
            select(AssignmentOffer.id, Member.slack_user_id)
            .join(Member, Member.id == AssignmentOffer.member_id)
            .where(AssignmentOffer.status == "offered", AssignmentOffer.created_at < clock.now())
        ).all()
    for offer_id, user in waiting:
        if rng.random() < 0.5:
            slack.click(team[user], "offer_accept", str(offer_id))


def act_on_alerts(slack, db, team, clock, rng) -> None:
    """Owners act on some of the alerts they were sent before now."""
    with db.rt.sessions() as s:
        alerts = s.scalars(
            select(Alert).where(Alert.acted_at.is_(None), Alert.cleared_at.is_(None), Alert.notified_at.is_not(None), Alert.notified_at < clock.now())
        ).all()
        owners = {a.id: owner_of(s, a.opportunity_id).slack_user_id for a in alerts}
    for alert in alerts:
        if rng.random() < 0.6:
            slack.click(team[owners[alert.id]], "alert_log", str(alert.id))


def generate(slack, db, team, clock, run, seed: int) -> Journal:
    """About five weeks of work, from 20 October to early December (Shanghai)."""
    rng = random.Random(seed)
    journal = Journal()
    clock.set(datetime(2026, 10, 20, 9, 13, 17, tzinfo=SHANGHAI))
    while clock.now() < datetime(2026, 12, 4, tzinfo=SHANGHAI):
        clock.advance(hours=rng.randrange(2, 20), minutes=rng.randrange(60), seconds=17)
        open_deals = [d for d in journal.deals.values() if d.status == "open"]
        roll = rng.random()
        if roll < 0.25 or not open_deals:
            create(slack, clock, journal, rng)
        elif roll < 0.6:
            move(slack, db, team, clock, journal, rng, rng.choice(open_deals))
        elif roll < 0.72 and (late := [d for d in open_deals if STAGES.index(d.stage) >= 3]):
            close(slack, db, team, clock, journal, rng, rng.choice(late))
        elif roll < 0.84:
            ask(slack, db, team, clock, journal, rng.choice(open_deals))
        elif waiting := [i for i, e in journal.asks.items() if e[4] is None]:
            answer(slack, db, clock, journal, rng, rng.choice(waiting))
        run()  # the worker's tick: alerts scanned, messages sent
        accept_offers(slack, db, team, clock, rng)
        act_on_alerts(slack, db, team, clock, rng)
    return journal


# --- the figures, worked out again ---------------------------------------------------------------


def within(at: datetime) -> bool:
    return NOVEMBER[0] <= at < NOVEMBER[1]


def pct(part, whole) -> str:
    return "—" if not whole else f"{part / whole:.0%}"


def days(values) -> str:
    return "—" if not values else f"{median(values):.1f} days"


def hours(values) -> str:
    return "—" if not values else f"{median(values):.1f} h"


def gate_passes(journal: Journal) -> dict[int, tuple[str, datetime]]:
    """Each deal's first move from the gate stage or before to a stage after it: who, when."""
    passes = {}
    for who, number, old, new, at in journal.moves:
        if number not in passes and STAGES.index(old) <= GATE < STAGES.index(new):
            passes[number] = (who, at)
    return passes


def bdr_figures(journal: Journal, people: list[str]) -> dict:
    passes = gate_passes(journal)
    made = [d for d in journal.deals.values() if d.creator in people and within(d.created)]
    waits = [(p.created, at) for n, (who, at) in passes.items() if who in people and within(at) for p in [journal.deals[n]]]
    return {
        "created": len(made),
        "qualified": len(waits),
        "conversion": pct(sum(1 for d in made if d.number in passes), len(made)),
        "median": days([(at - made_at).total_seconds() / 86400 for made_at, at in waits]),
    }


def ae_figures(journal: Journal, people: list[str]) -> dict:
    advanced = sum(1 for who, _, old, new, at in journal.moves if who in people and within(at) and STAGES.index(new) > STAGES.index(old))
    wins = [(n, at) for who, n, outcome, at in journal.closes if who in people and within(at) and outcome == "won"]
    lost = sum(1 for who, _, outcome, at in journal.closes if who in people and within(at) and outcome == "lost")
    cycle = [(at - journal.deals[n].created).total_seconds() / 86400 for n, at in wins]
    value = sum((journal.deals[n].amount for n, _ in wins), Decimal(0))
    return {
        "conversion": pct(advanced + len(wins), advanced + len(wins) + lost),
        "advanced": advanced,
        "won": len(wins),
        "lost": lost,
        "win_rate": pct(len(wins), len(wins) + lost),
        "cycle": "—" if not cycle else f"{sum(cycle) / len(cycle):.1f} days",
        "value": format_amount(value, "CNY", "en"),
    }


def support_figures(journal: Journal, people: list[str]) -> dict:
    answered = [(e[5] - e[3]).total_seconds() / 3600 for e in journal.asks.values() if e[4] in people and within(e[5])]
    return {"answered": len(answered), "median": hours(answered)}


def manager_figures(db, people: list[str]) -> dict:
    """From the offers' and alerts' rows: those of the people who report to ``people``."""
    with db.rt.sessions() as s:
        manager_of = {m.id: m.manager_id for m in s.scalars(select(Member))}
        ids = {m.id for m in s.scalars(select(Member).where(Member.slack_user_id.in_([USERS[p]["user_id"] for p in people])))}
        offers = [
            (o.answered_at - o.created_at).total_seconds() / 3600
            for o in s.scalars(select(AssignmentOffer).where(AssignmentOffer.status == "accepted"))
            if manager_of[o.member_id] in ids and within(o.answered_at)
        ]
        alerts = [
            (a.acted_at - (a.notified_at or a.opened_at)).total_seconds() / 3600
            for a in s.scalars(select(Alert).where(Alert.acted_at.is_not(None)))
            if owner_of(s, a.opportunity_id).manager_id in ids and within(a.acted_at)
        ]
    return {"offers": len(offers), "offer_median": hours(offers), "alerts": len(alerts), "alert_median": hours(alerts)}


def line(text: str, who: str) -> str:
    """The report's line for ``who`` (a name, or "Team"/"All teams")."""
    head = f"• @{who}: " if who not in ("Team", "All teams") else f"*{who}*: "
    found = [x for x in text.split("\n") if x.startswith(head)]
    assert len(found) == 1, (who, text)
    return found[0]


@pytest.fixture
def history(slack, db, team, clock, run):
    """The generated month, with targets for November: alice ¥100万, the team ¥300万 (eve has none)."""
    journal = generate(slack, db, team, clock, run, seed=7)
    with db.rt.transaction() as s:
        ids = {m.slack_user_id: m.id for m in s.scalars(select(Member))}
        workspace = s.scalars(select(Workspace.id)).one()
        for member, amount in ((ids["U0ALICE"], 1_000_000), (None, 3_000_000)):
            s.add(
                Target(
                    workspace_id=workspace,
                    member_id=member,
                    period="2026-11",
                    amount=Decimal(amount),
                    currency="CNY",
                    set_by_id=ids["U0ADMIN"],
                    set_at=clock.now(),
                )
            )
    return journal


def test_every_figure_of_every_person_and_team_matches_the_history(slack, db, history, clock):
    journal = history
    text = slack.command("boss", "report kpi 2026-11").text
    assert "Role KPIs · 2026-11" in text
    for name in ("bob", "dan"):
        assert line(text, name) == "• @{0}: created {created} · qualified {qualified} · lead→qualified {conversion} · median time to qualify {median}".format(
            name, **bdr_figures(journal, [name])
        )
    sections = text.split("*Business development (BDR)*")[1].split("*Account managers*")
    assert line(sections[0], "Team").endswith(
        "created {created} · qualified {qualified} · lead→qualified {conversion} · median time to qualify {median}".format(
            **bdr_figures(journal, ["bob", "dan"])
        )
    )
    ae_line = "stage conversion {conversion} (advanced {advanced} · won {won} · lost {lost}) · win rate {win_rate} · average cycle {cycle} · won {value}"
    for name in ("alice", "eve", "boss"):
        assert line(text, name).startswith(f"• @{name}: " + ae_line.format(**ae_figures(journal, [name])))
    team = ae_figures(journal, ["alice", "eve", "boss"])
    share = _share(journal, ["alice", "eve", "boss"], 3_000_000)
    assert line(sections[1].split("*Pre-sales support*")[0], "Team").endswith(ae_line.format(**team) + f", target ¥3M, {share:.0%} reached")
    alice = ae_figures(journal, ["alice"])
    assert line(text, "alice").endswith(f"won {alice['value']}, target ¥1M, {_share(journal, ['alice'], 1_000_000):.0%} reached")
    assert line(text, "eve").endswith(", no target")
    support_part = text.split("*Pre-sales support*")[1].split("*Managers*")[0]
    for name in ("li", "sam"):
        assert line(support_part, name) == "• @{0}: answered {answered} · median response time {median}".format(name, **support_figures(journal, [name]))
    still_open = sum(1 for e in journal.asks.values() if e[4] is None and e[1] == "support")
    assert line(support_part, "Team") == "*Team*: answered {answered} · median response time {median} · open now {0}".format(
        still_open, **support_figures(journal, ["li", "sam"])
    )
    manager_line = "accepted {offers} assignments, median response {offer_median} · acted on {alerts} alerts, median response {alert_median}"
    for name in ("nyc", "max"):
        assert line(text, name) == f"• @{name}: team " + manager_line.format(**manager_figures(db, [name]))
    assert line(text, "All teams") == "*All teams*: " + manager_line.format(**manager_figures(db, ["nyc", "max"]))


def _share(journal: Journal, people: list[str], target: int) -> float:
    wins = [n for who, n, outcome, at in journal.closes if who in people and within(at) and outcome == "won"]
    return float(sum(journal.deals[n].amount for n in wins) / target)


def test_the_work_is_credited_to_who_did_it_not_to_the_deals_owner(slack, db, team, clock):
    """bob (BDR) creates and owns the deal; the account manager responsible from 需求确认 on
    takes it past the gate and wins it: the qualification and the win are theirs, bob's lead
    converted."""
    slack.command("bob", "new Acme ERP 50万")
    clock.advance(hours=5)
    slack.command("bob", "move 1 needs")
    ae = team[db.deal(1).responsible.slack_user_id]
    assert ROLES.get(ae, "ae") == "ae"
    clock.advance(days=2)
    slack.command(ae, "move 1 proposal")
    clock.advance(days=1)
    slack.command(ae, "won 1")
    assert db.deal(1).owner.slack_user_id == USERS["bob"]["user_id"]
    text = slack.command("boss", "report kpi").text
    assert line(text, "bob") == "• @bob: created 1 · qualified 0 · lead→qualified 100% · median time to qualify —"
    assert line(text, ae).startswith(f"• @{ae}: stage conversion 100% (advanced 1 · won 1 · lost 0) · win rate 100% · average cycle 3.2 days · won ¥500k")
    bdr_part = text.split("*Account managers*")[0]
    assert line(bdr_part, "Team") == "*Team*: created 1 · qualified 0 · lead→qualified 100% · median time to qualify —"


def test_one_role_in_chinese_with_its_definitions(slack, db, team, clock):
    slack.command("bob", "new Acme ERP 50万 stage proposal")
    slack.command("bob", "ask 1 支持单点登录吗")
    clock.advance(hours=4, minutes=30)
    slack.click("li", "support_answer", "1")
    slack.submit("li", slack.opened_view(), {"answer": "支持"})
    text = slack.command("alice", "报表 考核 售前 本月").text
    assert text.startswith("考核 · ")
    assert "*售前支持*（2 人）" in text
    assert "• @li：回答 1 · 响应时间中位数 4.5 小时" in text
    assert "• @sam：回答 0 · 响应时间中位数 —" in text
    assert "*团队*：回答 1 · 响应时间中位数 4.5 小时 · 现在未回答 0" in text
    assert "响应时间：从求助到回答。" in text
    for other in ("商务拓展（BDR）", "客户经理", "*经理*"):
        assert other not in text
    assert "*Business development (BDR)*" in slack.command("alice", "report kpi BDR").text
    assert "*Managers*" not in slack.command("alice", "report kpi bdr last-month").text


@pytest.mark.parametrize(
    "command, said",
    [
        ("report kpi sales-ops", "Couldn't read “sales-ops”: after `/opp report kpi` give a role (`bdr`, `ae`, `support`, `manager`) and a period"),
        ("报表 考核 财务", "看不懂「财务」：`/opp 报表 考核` 后面可以写角色（商务拓展、客户经理、售前、经理）和时间段"),
        ("report kpi ae someday", "Couldn't read the period “someday”"),
    ],
)
def test_a_word_that_is_neither_a_role_nor_a_period_is_refused_in_the_users_language(slack, team, command, said):
    answer = slack.command("alice", command)
    assert answer.text.startswith("⚠️") and said in answer.text, answer.text


def test_a_span_that_is_not_a_month_or_quarter_has_no_target_and_a_long_team_is_clipped(slack, db, team, clock):
    with db.rt.transaction() as s:
        workspace = s.scalars(select(Workspace.id)).one()
        for i in range(25):
            s.add(Member(workspace_id=workspace, slack_user_id=f"U0AE{i:02d}", display_name=f"ae{i:02d}", role="ae", created_at=clock.now()))
        ids = {m.slack_user_id: m.id for m in s.scalars(select(Member))}
        s.add(
            Target(
                workspace_id=workspace, member_id=None, period="2026-11", amount=Decimal(10**6), currency="CNY", set_by_id=ids["U0ADMIN"], set_at=clock.now()
            )
        )
    answer = slack.command("alice", "report kpi ae this-week")  # checked against Slack's limits as it is sent
    assert "*Account managers* (28)" in answer.text
    assert answer.text.count("\n• @") == 20 and "8 more not shown" in answer.text
    assert line(answer.text, "Team").endswith("won ¥0, no target")
    assert line(slack.command("alice", "report kpi ae this-month").text, "Team").endswith("won ¥0, target ¥1M, 0% reached")


def test_the_console_shows_it_as_text(console):
    text = console("/opp new Acme ERP 50万", "/opp move 1 contacted", "/opp report kpi ae", "/opp 报表 考核 经理 上月")
    shown = reply_to(text, "/opp report kpi ae")
    assert "Role KPIs · 2026-11" in shown and "Account managers (1)" in shown.replace("*", "")
    assert "@alice: stage conversion 100% (advanced 1 · won 0 · lost 0) · win rate —" in shown
    assert "团队里还没有经理。" in reply_to(text, "/opp 报表 考核 经理 上月")


def test_shared_to_the_channel_with_its_role_and_period(slack, team):
    reply = slack.command("alice", "report kpi support last-month")
    (share,) = [e for b in reply.json["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert share["value"] == "kpi support last-month"
    slack.click("alice", "report_share", share["value"], ephemeral=False)
    shared = slack.responses()[-1]
    assert shared["response_type"] == "in_channel"
    text = payload_text(shared)
    assert "Role KPIs · 2026-10" in text and "*Pre-sales support* (2)" in text and "Account managers" not in text
    assert "<@" not in text.replace("<@U0ALICE>", "")  # people by name: sharing pings nobody but says who shared


def test_the_account_managers_chart_comes_with_their_section_only(slack, db, team, clock, fake):
    slack.command("alice", "new Acme ERP 50万 stage negotiation")
    slack.command("alice", "won 1")
    with db.rt.transaction() as s:
        ids = {m.slack_user_id: m.id for m in s.scalars(select(Member))}
        workspace = s.scalars(select(Workspace.id)).one()
        s.add(
            Target(
                workspace_id=workspace,
                member_id=ids["U0ALICE"],
                period="2026-11",
                amount=Decimal(10**6),
                currency="CNY",
                set_by_id=ids["U0ADMIN"],
                set_at=clock.now(),
            )
        )
    answer = slack.command("alice", "report kpi ae")
    assert "The chart is in your DM with oppbot." in answer.text
    ((channel, title, png),) = uploads(fake)
    assert channel == "DU0ALICE" and title == "Role KPIs · 2026-11" and png.startswith(b"\x89PNG")
    assert "chart" not in slack.command("alice", "report kpi support").text
    assert len(fake.calls("files.completeUploadExternal")) == 1
