"""`oppbot import deals.csv`: all rows checked first, all or nothing; ownerless deals handed out
by the assignment rules in one batch."""

from datetime import timedelta

from sqlalchemy import select

from bot.cli import main
from bot.console.slack_api import TEAM_ID
from bot.imports.importing import BadImport, Options, Progress, import_file
from store.models import AssignmentOffer, Event, Member, Opportunity, OutboxMessage

GOOD = """\ufeffnumber,title,account,amount,currency,stage,expected_close,owner,tags,status
,Acme ERP,Acme,50万,,proposal,2026-12-31,U0BOB,"战略, 高意向",open
,Globex CRM,Globex,20000,USD,lead,月底,,,open
,Initech 云迁移,Initech,3.5亿,,需求确认,下周五,,,open
"""


def imported(rt, path, **options):
    """What importing ``path`` into the test workspace did (progress lines kept out of the output)."""
    import io

    return import_file(rt, path, Options(TEAM_ID, **options), Progress(io.StringIO())).summary


def problems_of(rt, path, **options) -> list[str]:
    try:
        imported(rt, path, **options)
    except BadImport as exc:
        return exc.problems
    raise AssertionError("the file was imported")


def aes(rt, *ids):
    with rt.transaction() as s:
        from bot.team.members import ensure_member

        for slack_id in ids:
            member = ensure_member(s, workspace_id=TEAM_ID, slack_user_id=slack_id, clock=rt.clock, fetch_profile=lambda _: None)
            member.role = "ae"  # owners are account managers


def test_a_good_file_creates_every_deal_and_the_rules_share_out_the_ownerless_ones(rt, tmp_path):
    aes(rt, "U0AE1", "U0AE2")
    path = tmp_path / "deals.csv"
    path.write_text(GOOD, encoding="utf-8")
    result = imported(rt, path)
    assert (result.created, result.numbers, result.pooled) == ({"open": 3}, (1, 3), 0)
    assert sorted(result.assigned.values()) == [1, 1]  # round robin: two people, one each
    assert set(result.assigned) <= {"U0AE1", "U0AE2", "U0BOB"}
    with rt.sessions() as s:
        deals = {o.number: o for o in s.scalars(select(Opportunity)).unique()}
        assert deals[1].owner.slack_user_id == "U0BOB" and deals[1].amount == 500000 and deals[1].tags == ["战略", "高意向"]
        assert (deals[2].currency, str(deals[2].expected_close), deals[2].stage) == ("USD", "2026-11-30", "lead")
        assert (deals[3].stage, str(deals[3].expected_close), deals[3].amount) == ("needs", "2026-12-04", 350_000_000)
        assert all(o.score == 0 and o.grade in "ABC" for o in deals.values())  # assessed like any new deal
        kinds = {(e.opportunity_id, e.kind) for e in s.scalars(select(Event))}
        imports = {(e.opportunity_id, e.field, e.new) for e in s.scalars(select(Event).where(Event.kind == "imported"))}
        assert imports == {(o.id, "created", "deals.csv") for o in deals.values()}  # the import, not a made-up history
        assert not any(k == "created" for _, k in kinds)
        assert any(k == "assigned" for _, k in kinds)
        told = {m.channel for m in s.scalars(select(OutboxMessage))}
        assert set(result.assigned) <= told  # one summary DM each


def test_one_bad_row_stops_the_import_and_says_what_is_wrong(rt, tmp_path):
    aes(rt, "U0AE1")
    path = tmp_path / "bad.csv"
    path.write_text("title,amount,stage,expected_close,owner\nFine,5万,lead,,\n,lots,nowhere,someday,li\n", encoding="utf-8")
    problems = problems_of(rt, path)
    assert "row 3: title: is empty; every deal needs a title" in problems
    assert "row 3: amount: can't read 'lots' as an amount (e.g. 500000, 50万, $20k, 0)" in problems
    assert any(p.startswith("stage: 'nowhere' (row 3) is no stage here") for p in problems), problems
    assert any(p.startswith("row 3: expected_close: can't read 'someday'") for p in problems)
    assert problems[-1] == "nothing was imported"
    with rt.sessions() as s:
        assert s.scalars(select(Opportunity.id)).all() == []

    path.write_text("name,amount\nx,1\n", encoding="utf-8")
    problems = problems_of(rt, path)
    assert "needs a header row with a title column" in problems[0] and "unknown column 'name'" in problems[1]

    path.write_text("title,owner\nX,li\n", encoding="utf-8")  # nobody called li: named once, with the rows
    assert problems_of(rt, path)[0].startswith("owner: 'li' (row 2) is nobody here (by Slack id, email or display name)")


def test_the_command_line(tmp_path, monkeypatch, capsys):
    from tests.conftest import ROOT

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/import.db")
    monkeypatch.setenv("OPPBOT_CONFIG", str(ROOT / "config.toml"))
    path = tmp_path / "deals.csv"
    path.write_text(GOOD, encoding="utf-8")
    assert main(["import", str(path)]) == 2  # no workspace yet: which one?
    assert "give --team" in capsys.readouterr().err
    assert main(["import", str(path), "--team", "T0001"]) == 1  # no such workspace: refused, not made
    assert "no workspace 'T0001' here (none yet: use /opp once in Slack first)" in capsys.readouterr().err
    from bot.app import build_runtime
    from bot.core.config import Settings

    aes(build_runtime(Settings.from_env()), "U0BOB")  # the workspace, as someone's first /opp makes it
    assert main(["import", str(path), "--team", TEAM_ID, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "dry run, nothing changed: would be imported 3 deals (#1–#3): created 3 (open 3)" in out, out
    assert main(["import", str(path), "--team", TEAM_ID]) == 0
    out = capsys.readouterr().out
    assert out.startswith("read deals.csv (CSV, UTF-8): 3 deals\n")
    assert "imported 3 deals (#1–#3)" in out and "assigned by the rules: U0BOB 2; to the public pool: 0" in out  # bob is the only ae
    (tmp_path / "bad.csv").write_text("title,amount\nX,lots\n", encoding="utf-8")
    assert main(["import", str(tmp_path / "bad.csv")]) == 1
    assert "row 2: amount: can't read 'lots'" in capsys.readouterr().err
    assert main(["import", str(tmp_path / "missing.csv")]) == 1


OWNERLESS = "title,amount,stage\nOne,1万,lead\nTwo,2万,lead\nThree,3万,lead\nFour,4万,lead\n"


def test_the_batch_writes_each_imported_deals_owner_offer_and_event_to_the_database(rt, tmp_path):
    """An import's batch assignment is in the database: each ownerless deal's owner, an open
    owner offer to that person and an "assigned" event naming them (not only in the summary)."""
    aes(rt, "U0AE1", "U0AE2")
    path = tmp_path / "deals.csv"
    path.write_text(OWNERLESS, encoding="utf-8")
    result = imported(rt, path)
    assert result.created == {"open": 4}
    with rt.sessions() as s:
        people = dict(s.execute(select(Member.id, Member.slack_user_id).where(Member.slack_user_id.in_(["U0AE1", "U0AE2"]))).all())
        deals = list(s.scalars(select(Opportunity).order_by(Opportunity.number)).unique())
        offers = [(o.opportunity_id, o.member_id, o.kind, o.status) for o in s.scalars(select(AssignmentOffer).order_by(AssignmentOffer.opportunity_id))]
        events = {(e.opportunity_id, e.new) for e in s.scalars(select(Event).where(Event.kind == "assigned", Event.field == "owner"))}
    assert all(d.pooled_at is None and d.owner_id in people for d in deals), [(d.number, d.owner_id) for d in deals]
    assert sorted(people[d.owner_id] for d in deals) == ["U0AE1", "U0AE1", "U0AE2", "U0AE2"]  # round robin
    assert offers == [(d.id, d.owner_id, "owner", "offered") for d in deals]
    assert events == {(d.id, people[d.owner_id]) for d in deals}


# --- the batch's decisions, records and announcements --------------------------------------------


def batch_team(rt, *, strategy: str = "round_robin", capacity: int | None = None, rules=()):
    """U0AE1 and U0AE2 (in that order), account managers; the default rule uses ``strategy``."""
    from dataclasses import replace

    aes(rt, "U0AE1", "U0AE2")
    with rt.transaction() as s:
        for m in s.scalars(select(Member).where(Member.slack_user_id.in_(["U0AE1", "U0AE2"]))):
            m.capacity = capacity
    rt.config = replace(rt.config, assignment=replace(rt.config.assignment, default_strategy=strategy, rules=tuple(rules)))


def run_import(rt, tmp_path, text: str):
    path = tmp_path / "deals.csv"
    path.write_text(text, encoding="utf-8")
    return imported(rt, path)


def told(rt) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    with rt.sessions() as s:
        for m in s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)):
            out.setdefault(m.channel, []).append(m.text)
    return out


def test_least_loaded_batch_fills_people_to_capacity_and_pools_the_rest(rt, tmp_path):
    """Least loaded, capacity 2 each, U0AE1 already holding one: #2 to U0AE2, #3 to U0AE1 (a tie
    goes to the lower id), #4 to U0AE2, #5 to the pool; one DM each and one post, in Chinese,
    people with more deals first."""
    batch_team(rt, strategy="least_loaded", capacity=2)
    result = run_import(rt, tmp_path, "title,owner\nHeld,U0AE1\nA,\nB,\nC,\nD,\n")
    assert (result.assigned, result.pooled) == ({"U0AE2": 2, "U0AE1": 1}, 1)
    with rt.sessions() as s:
        deals = list(s.scalars(select(Opportunity).order_by(Opportunity.number)).unique())
        owners = [None if d.pooled_at else d.owner.slack_user_id for d in deals]
    assert owners == ["U0AE1", "U0AE2", "U0AE1", "U0AE2", None]
    messages = told(rt)
    assert messages["U0AE2"] == ["按分配规则，2 个新商机分配给了你，用 `/opp 列表` 查看。"]
    assert messages["U0AE1"] == ["按分配规则，1 个新商机分配给了你，用 `/opp 列表` 查看。"]
    assert messages["#sales-assign"][-1] == "批量分配 4 个商机：<@U0AE2> 2, <@U0AE1> 1；进入公海 1 个"


def test_the_batch_records_offers_events_versions_and_pool_marks(rt, tmp_path, clock):
    """Each deal given has an open owner offer (explained in Chinese, no one passed over, expiring
    after offer_hours); the pooled deal an "assigned" event to the pool at the import's time; each
    batch deal's version one above a deal the batch did not touch."""
    batch_team(rt, strategy="least_loaded", capacity=2)
    run_import(rt, tmp_path, "title,owner\nHeld,U0AE1\nA,\nB,\nC,\nD,\n")
    hours = rt.config.assignment.offer_hours
    with rt.sessions() as s:
        deals = list(s.scalars(select(Opportunity).order_by(Opportunity.number)).unique())
        offers = list(s.scalars(select(AssignmentOffer).order_by(AssignmentOffer.opportunity_id)))
        pool_events = [(e.opportunity_id, e.kind, e.field, e.old, e.new) for e in s.scalars(select(Event).where(Event.new == "pool"))]
    assert [o.opportunity_id for o in offers] == [d.id for d in deals[1:4]]
    assert all((o.status, o.passed_over, o.expires_at) == ("offered", [], clock.now() + timedelta(hours=hours)) for o in offers)
    assert all(o.explanation.startswith("按规则") and "负载最低" in o.explanation for o in offers), [o.explanation for o in offers]
    assert pool_events == [(deals[4].id, "assigned", "pool", None, "pool")]
    assert (deals[4].pooled_at, deals[4].updated_at) == (clock.now(), clock.now())
    assert [d.version for d in deals[1:]] == [deals[0].version + 1] * 4


def test_a_pooled_deal_early_in_a_batch_does_not_stop_the_rest(rt, tmp_path):
    """A manual rule pools the first deal; the deal after it is still assigned, recorded and counted."""
    from bot.core.config import Rule

    batch_team(rt, rules=(Rule(name="华东", strategy="manual", regions=("华东",)),))
    result = run_import(rt, tmp_path, "title,region\nEast,华东\nElsewhere,华南\n")
    assert (result.assigned, result.pooled) == ({"U0AE1": 1}, 1)
    with rt.sessions() as s:
        east, other = s.scalars(select(Opportunity).order_by(Opportunity.number)).unique().all()
        assert east.pooled_at is not None and (other.pooled_at, other.owner.slack_user_id) == (None, "U0AE1")
        assert s.scalars(select(AssignmentOffer.opportunity_id)).all() == [other.id]
    assert told(rt)["#sales-assign"][-1] == "批量分配 2 个商机：<@U0AE1> 1；进入公海 1 个"


def test_a_batch_with_nobody_to_give_to_says_so_and_each_import_is_announced(rt, tmp_path, clock):
    """When every deal goes to the pool the post names nobody ("—"); later imports giving deals to
    the same person DM them again and are posted again (each batch's messages are its own)."""
    from bot.core.config import Rule

    batch_team(rt, rules=(Rule(name="华东", strategy="manual", regions=("华东",)), Rule(name="一人", strategy="round_robin", people=("U0AE1",))))
    run_import(rt, tmp_path, "title,region\nEast,华东\n")
    assert told(rt)["#sales-assign"] == ["批量分配 1 个商机：—；进入公海 1 个"]
    for title in ("First", "Second"):
        clock.advance(hours=1)
        run_import(rt, tmp_path, f"title\n{title}\n")
    messages = told(rt)
    assert messages["U0AE1"] == ["按分配规则，1 个新商机分配给了你，用 `/opp 列表` 查看。"] * 2 and "U0AE2" not in messages
    assert messages["#sales-assign"][1:] == ["批量分配 1 个商机：<@U0AE1> 1；进入公海 0 个"] * 2


def test_who_is_away_is_judged_by_the_teams_calendar_day(rt, tmp_path, clock):
    """At 07:00 in Shanghai (still yesterday in UTC) someone away until yesterday is back and gets
    the deal."""
    from datetime import date, datetime

    from tests.conftest import SHANGHAI

    batch_team(rt)
    with rt.transaction() as s:
        for m in s.scalars(select(Member).where(Member.slack_user_id.in_(["U0AE1", "U0AE2"]))):
            m.away_until = date(2026, 11, 25) if m.slack_user_id == "U0AE1" else date(2026, 12, 31)
    clock.set(datetime(2026, 11, 26, 7, 0, tzinfo=SHANGHAI))
    result = run_import(rt, tmp_path, "title\nEarly\n")
    assert (result.assigned, result.pooled) == ({"U0AE1": 1}, 0)
