"""Importing history: closed deals stay closed with their dates and reasons, files come in the
encodings and forms people have, other CRMs' exports are read as they are, a re-import updates
instead of duplicating, a dry run changes nothing, and an export imported elsewhere exports again
to the same file. Runs on SQLite and on the PostgreSQL leg."""

from __future__ import annotations

import csv
import io
import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.console.slack_api import TEAM_ID
from bot.deals import winprob
from bot.imports.importing import BadImport, Options, Progress, import_file
from bot.imports.rows import UNMAPPED
from bot.reporting.export import csv_lines
from store.models import Alert, Event, Opportunity, OutboxMessage, WinStat, Workspace
from store.queries import DealFilter
from tests.conftest import NOW, database_url_for_tests
from tests.test_import import aes, imported, problems_of

HISTORY = """\
external_id,title,account,amount,currency,stage,status,created_at,closed_at,lost_reason,won_reason,owner,q_budget
A-1,Acme ERP,Acme,50万,,contract,won,2017-01-05,2017-03-01,,relationship,U0AE1,approved
A-2,Globex CRM,Globex,0,USD,proposal,lost,2017-02-01,2017-04-15,价格,,U0AE1,unknown
A-3,Initech Cloud,Initech,20000,USD,needs,open,2017-05-01,,,,U0AE1,planned
A-4,Umbrella WMS,Umbrella,,EUR,lead,lost,2016-11-30,2017-01-10,Budget frozen,,U0AE1,
"""


def deals(rt) -> dict[str, Opportunity]:
    with rt.sessions() as s:
        return {o.external_id: o for o in s.scalars(select(Opportunity)).unique()}


def write(tmp_path, text: str, name: str = "deals.csv", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_closed_deals_keep_their_status_dates_and_reasons_and_the_model_learns(rt, tmp_path):
    aes(rt, "U0AE1")
    result = imported(rt, write(tmp_path, HISTORY))
    assert result.created == {"won": 1, "lost": 2, "open": 1}
    got = deals(rt)
    won, lost, open_, frozen = got["A-1"], got["A-2"], got["A-3"], got["A-4"]
    shanghai = rt.config.tz
    assert (won.status, won.stage, won.won_reason, won.amount, won.currency) == ("won", "contract", "relationship", Decimal(500000), "CNY")
    assert won.created_at == datetime(2017, 1, 5, tzinfo=shanghai) and won.closed_at == datetime(2017, 3, 1, tzinfo=shanghai)
    assert won.last_activity_at == won.closed_at and won.stage_entered_at == won.created_at  # no made-up later activity
    assert (lost.status, lost.amount, lost.currency, lost.lost_reason, lost.win_probability) == ("lost", 0, "USD", "price", 0.0)
    assert (frozen.amount, frozen.currency, frozen.lost_reason) == (None, "EUR", "Budget frozen")  # a reason nobody configured: as written
    assert won.qualification == {"budget": "approved"} and won.score == 25  # the budget criterion's full weight
    assert (open_.status, open_.closed_at, open_.last_activity_at) == ("open", None, NOW)  # touched by the import, nothing since
    assert won.owner.slack_user_id == "U0AE1" and won.win_probability == 1.0
    with rt.sessions() as s:
        stats = s.get(WinStat, (TEAM_ID, winprob.TOTAL, ""))
        assert (stats.won, stats.lost) == (1, 2)  # learned as the import committed
        kinds = sorted((e.kind, e.field, e.new) for e in s.scalars(select(Event)))
    assert kinds == [("imported", "created", "deals.csv")] * 4


def test_closed_imported_deals_raise_no_alerts(rt, clean_db, tmp_path, monkeypatch, capsys):
    """`oppbot scan --dry-run` finds nothing to say about deals closed years ago (before, every one
    of them came in open and stalled); the open one is as new as its import."""
    from tests.conftest import ROOT

    aes(rt, "U0AE1")
    imported(rt, write(tmp_path, HISTORY))
    monkeypatch.setenv("OPPBOT_CONFIG", str(ROOT / "config.toml"))
    monkeypatch.setenv("DATABASE_URL", clean_db.url.render_as_string(hide_password=False))
    assert main(["scan", "--dry-run", "--at", (NOW + timedelta(hours=1)).isoformat()]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "0 new alert(s) would be raised; nothing was changed or sent"
    with rt.sessions() as s:
        assert s.scalar(select(func.count(Alert.id))) == 0


ENCODED = "标题,客户,金额,阶段,状态,创建时间,关闭时间,负责人\n苏州恒通 WMS,苏州恒通有限公司,50万,方案提交,赢单,2017年3月1日,2017/4/2,U0AE1\n"


@pytest.mark.parametrize(("encoding", "form"), [("utf-8-sig", "CSV, UTF-8"), ("utf-16", "CSV, UTF-16"), ("gb18030", "CSV, GB18030"), ("gbk", "CSV, GB18030")])
def test_files_in_the_encodings_excel_writes(rt, tmp_path, encoding, form):
    aes(rt, "U0AE1")
    path = write(tmp_path, ENCODED, encoding=encoding)
    report = import_file(rt, path, Options(TEAM_ID), Progress(io.StringIO()))
    assert report.form == form
    [deal] = deals(rt).values()
    assert (deal.title, deal.account, deal.stage, deal.status) == ("苏州恒通 WMS", "苏州恒通有限公司", "proposal", "won")
    assert deal.created_at.astimezone(rt.config.tz).date() == date(2017, 3, 1) and deal.closed_at.astimezone(rt.config.tz).date() == date(2017, 4, 2)


def test_an_excel_workbook_its_first_sheet_or_the_one_named(rt, tmp_path):
    from openpyxl import Workbook

    aes(rt, "U0AE1")
    book = Workbook()
    book.active.title = "Notes"
    book.active.append(["nothing here"])
    sheet = book.create_sheet("Deals")
    sheet.append(["Title", "Amount", "Status", "Created_At", "Closed_At", "Owner", "External_ID", "Number", "Stage"])
    sheet.append(["Acme ERP", 120000, "won", datetime(2017, 3, 1, 9, 30), date(2017, 6, 30), "U0AE1", 9001, 12, 3])
    book.save(tmp_path / "deals.xlsx")
    assert problems_of(rt, tmp_path / "deals.xlsx")[0].startswith("deals.xlsx: needs a header row with a title column")  # the first sheet
    assert problems_of(rt, tmp_path / "deals.xlsx", sheet="Other")[0] == "--sheet: no sheet 'Other' in deals.xlsx (sheets: Notes, Deals)"
    imported(rt, tmp_path / "deals.xlsx", sheet="Deals")
    [deal] = deals(rt).values()
    assert (deal.title, deal.amount, deal.status) == ("Acme ERP", Decimal(120000), "won")
    assert (deal.external_id, deal.number, deal.stage) == ("9001", 12, rt.config.stages[2].key)  # numbers as Excel keeps them
    assert deal.created_at == datetime(2017, 3, 1, 9, 30, tzinfo=rt.config.tz)  # a time of day on the team's clock


def test_a_quoted_newline_and_a_line_separator_stay_in_their_cells(rt, tmp_path):
    aes(rt, "U0AE1")
    imported(rt, write(tmp_path, 'title,next_step\n"Two\nlines","send\u2028the quote"\nSecond,x\n'))
    with rt.sessions() as s:
        got = sorted((o.title, o.next_step) for o in s.scalars(select(Opportunity)).unique())
    assert got == [("Second", "x"), ("Two\nlines", "send\u2028the quote")]


def test_dates_in_each_form_and_day_month_order_decided_for_the_whole_file(rt, tmp_path):
    aes(rt, "U0AE1")
    ambiguous = write(tmp_path, "title,status,closed_at\nA,lost,03/01/2017\nB,lost,04/02/2017\n")
    problems = problems_of(rt, ambiguous)
    assert problems[:2] == [
        "row 2: closed_at: '03/01/2017' could be day/month or month/day: give --date-format dmy or mdy",
        "row 3: closed_at: '04/02/2017' could be day/month or month/day: give --date-format dmy or mdy",
    ]
    mixed = write(tmp_path, "title,status,closed_at\nA,lost,13/01/2017\nB,lost,01/13/2017\n", name="mixed.csv")
    assert problems_of(rt, mixed)[0] == "the file writes dates both day first ('13/01/2017') and month first ('01/13/2017'): make them one way"
    told = write(tmp_path, "title,status,closed_at\nA,lost,03/01/2017\nB,lost,13/01/2017\n", name="told.csv")  # 13: day first, for both
    imported(rt, told)
    imported(rt, ambiguous, date_format="mdy")
    with rt.sessions() as s:
        days = sorted((o.title, o.closed_at.astimezone(rt.config.tz).date()) for o in s.scalars(select(Opportunity)).unique())
    assert days == [("A", date(2017, 1, 3)), ("A", date(2017, 3, 1)), ("B", date(2017, 1, 13)), ("B", date(2017, 4, 2))]
    with rt.sessions() as s:
        assert s.scalar(select(func.count(Opportunity.id))) == 4


def test_headers_in_any_case_and_in_chinese_and_the_problems_named_once(rt, tmp_path):
    aes(rt, "U0AE1")
    imported(rt, write(tmp_path, "TITLE,Amount,负责人,Status\nA,1万,U0AE1,OPEN\n"))
    assert [o.title for o in deals(rt).values()] == ["A"]
    rows = "".join(f"D{i},Prospecting\n" for i in range(30))
    problems = problems_of(rt, write(tmp_path, "title,stage\n" + rows, name="odd.csv"))  # one line a value, not one a row
    assert problems == ["stage: 'Prospecting' (30 rows: 2, 3, 4, 5, 6, …) " + UNMAPPED["stage"], "nothing was imported"]
    rows = "".join(f"D{i},Jane Doe\n" for i in range(30))
    problems = problems_of(rt, write(tmp_path, "title,owner\n" + rows, name="odd.csv"))
    assert problems == ["owner: 'Jane Doe' (30 rows: 2, 3, 4, 5, 6, …) " + UNMAPPED["owner"], "nothing was imported"]


def test_owners_by_email_or_display_name(slack, rt, tmp_path):
    slack.command("alice", "help")  # alice@example.com, display name alice
    imported(rt, write(tmp_path, "title,owner\nBy mail,ALICE@example.com\nBy name,Alice\n"))
    with rt.sessions() as s:
        owners = {o.title: o.owner.slack_user_id for o in s.scalars(select(Opportunity)).unique()}
    assert owners == {"By mail": "U0ALICE", "By name": "U0ALICE"}


def test_a_workspace_that_does_not_exist_is_refused(rt, tmp_path):
    aes(rt, "U0AE1")
    with pytest.raises(BadImport) as refused:
        import_file(rt, write(tmp_path, HISTORY), Options("T0TYPO"), Progress(io.StringIO()))
    assert refused.value.problems == [f"no workspace 'T0TYPO' here (workspaces: {TEAM_ID}); nothing was imported"]
    with rt.sessions() as s:
        assert s.scalars(select(Workspace.id)).all() == [TEAM_ID]


def counts(rt) -> tuple[int, int, int, int]:
    with rt.sessions() as s:
        return (
            s.scalar(select(func.count(Opportunity.id))),
            s.scalar(select(func.count(Event.id))),
            s.scalar(select(func.count(OutboxMessage.id))),
            s.get(Workspace, TEAM_ID).next_number,
        )


def test_a_second_import_updates_the_same_deals_and_a_dry_run_changes_nothing(rt, tmp_path):
    aes(rt, "U0AE1", "U0AE2")
    path = write(tmp_path, HISTORY + "A-5,No owner,Hooli,1万,,lead,open,2017-06-01,,,,,\n")
    before = counts(rt)
    dry = imported(rt, path, dry_run=True)
    assert dry.created == {"won": 1, "lost": 2, "open": 2} and sum(dry.assigned.values()) == 1  # what would happen
    assert counts(rt) == before  # and nothing did
    imported(rt, path)
    first = {k: (o.id, o.number, o.version) for k, o in deals(rt).items()}
    again = imported(rt, path)
    assert (again.created, again.updated, again.unchanged) == ({}, {}, 5)
    changed = imported(rt, write(tmp_path, HISTORY.replace("Acme ERP", "Acme ERP phase 1").replace("50万", "60万"), name="v2.csv"))
    assert (changed.created, changed.updated, changed.unchanged) == ({}, {"won": 1}, 3)
    now = deals(rt)
    assert {k: (o.id, o.number) for k, o in now.items()} == {k: v[:2] for k, v in first.items()}  # the same deals, same numbers
    assert (now["A-1"].title, now["A-1"].amount, now["A-1"].version) == ("Acme ERP phase 1", Decimal(600000), first["A-1"][2] + 1)
    with rt.sessions() as s:
        [update] = s.scalars(select(Event).where(Event.field == "updated")).all()
    assert (update.opportunity_id, update.kind, update.old, update.new) == (now["A-1"].id, "imported", "amount, title", "v2.csv")


SALESFORCE = """\
"Id","Name","Account Name","StageName","Amount","CloseDate","CreatedDate","IsClosed","IsWon","OwnerId","Probability","LeadSource","NextStep","Type","Description"
"0061","Acme renewal","Acme","Closed Won","250000","2017-03-31","2017-01-10T08:00:00.000Z","true","true","0055A","100","Web","","Existing Business","x"
"0062","Globex rollout","Globex","Closed Lost","0","2017-04-30","2017-02-11T08:00:00.000Z","true","false","0055A","0","Partner","","New Business",""
"0063","Initech pilot","Initech","Negotiation/Review","80000","2027-01-31","2026-10-01T08:00:00.000Z","false","false","0055B","90","Web","Send contract","New Business",""
"0064","Hooli trial","Hooli","Discovery","5000","2027-02-28","2026-11-01T08:00:00.000Z","false","false","0055B","10","","","",""
"""


def test_a_salesforce_export_with_a_map_for_its_owners_and_a_custom_stage(slack, rt, tmp_path):
    slack.command("alice", "help")
    slack.command("bob", "help")
    path = write(tmp_path, SALESFORCE, name="opportunities.csv")
    problems = problems_of(rt, path, source="salesforce")
    assert any(p.startswith("stage: 'Discovery' (row 5) is no stage here: name it in --map [stages]") for p in problems), problems
    assert not any("0055A" in p for p in problems)  # owners are looked for once the file is otherwise fine
    mapping = write(tmp_path, '[stages]\n"Discovery" = "needs"\n[owners]\n"0055A" = "alice@example.com"\n"0055B" = "U0BOB"\n', name="map.toml")
    report = import_file(rt, path, Options(TEAM_ID, source="salesforce", mapping=mapping), Progress(io.StringIO()))
    assert report.unread == ["Description"]
    got = {o.external_id: o for o in deals(rt).values()}
    won, lost, open_, custom = got["0061"], got["0062"], got["0063"], got["0064"]
    assert (won.status, won.stage, won.amount, won.owner.slack_user_id, won.source, won.tags) == (
        "won",
        "contract",
        250000,
        "U0ALICE",
        "Web",
        ["Existing Business"],
    )
    assert won.closed_at == datetime(2017, 3, 31, tzinfo=rt.config.tz) and won.created_at == datetime(2017, 1, 10, 8, tzinfo=UTC)
    assert (lost.status, lost.stage, lost.amount) == ("lost", rt.config.stages[0].key, 0)  # "Closed Lost" names no stage: the first
    assert (open_.status, open_.stage, open_.expected_close, open_.next_step, open_.owner.slack_user_id) == (
        "open",
        "negotiation",
        date(2027, 1, 31),
        "Send contract",
        "U0BOB",
    )
    assert open_.probability_override is None  # Salesforce's stage percentage is not ours to freeze
    assert custom.stage == "needs"


HUBSPOT = """\
Record ID,Deal Name,Deal Stage,Amount,Close Date,Create Date,Deal owner,Pipeline,Associated Company
9001,Big deal,closedwon,120000,2017-05-02 10:00,2017-01-02 09:00,Alice,Sales Pipeline,BigCo
9002,Small deal,Appointment Scheduled,3000,2027-01-15,2026-11-20,Alice,Sales Pipeline,SmallCo
"""


def test_a_hubspot_export_with_its_owner_names_and_stage_ids(slack, rt, tmp_path):
    slack.command("alice", "help")
    imported(rt, write(tmp_path, HUBSPOT, name="hubspot.csv"), source="hubspot")
    got = {o.external_id: o for o in deals(rt).values()}
    big, small = got["9001"], got["9002"]
    assert (big.status, big.amount, big.account, big.owner.slack_user_id, big.tags) == ("won", 120000, "BigCo", "U0ALICE", ["Sales Pipeline"])
    assert big.closed_at == datetime(2017, 5, 2, 10, tzinfo=rt.config.tz)
    assert (small.status, small.stage, small.expected_close) == ("open", "contacted", date(2027, 1, 15))


def test_a_mapping_file_that_names_nothing_we_have_is_refused(rt, tmp_path):
    aes(rt, "U0AE1")
    mapping = write(tmp_path, '[columns]\n"Deal" = "tittle"\n[stages]\n"X" = "nowhere"\n[extra]\n', name="map.toml")
    problems = problems_of(rt, write(tmp_path, "Deal\nA\n"), mapping=mapping)
    assert problems[0] == f"--map {mapping}: unknown section [extra] (sections: columns, stages, owners)"
    assert problems[1].startswith(f"--map {mapping}: [columns] 'Deal' = 'tittle': no column 'tittle'")
    assert problems[2].startswith(f"--map {mapping}: [stages] 'X' = 'nowhere': no stage 'nowhere'")


def test_progress_on_a_long_import_then_a_summary(rt, tmp_path, monkeypatch, capsys):
    """Not a terminal: a line every tenth of the rows (or 1,000 rows); the command ends with what
    happened, by status, stage and owner."""
    aes(rt, "U0AE1")
    rows = "".join(f"Deal {i},lost,2017-01-0{1 + i % 9},U0AE1\n" for i in range(2500))
    path = write(tmp_path, "title,status,closed_at,owner\n" + rows)
    stream = io.StringIO()
    import_file(rt, path, Options(TEAM_ID), Progress(stream))
    lines = stream.getvalue().splitlines()
    assert lines[:2] == ["checked 1,000 of 2,500 rows", "checked 2,000 of 2,500 rows"] and "checked 2,500 of 2,500 rows" in lines
    assert "written 2,500 of 2,500 rows" in lines


def generated_history(rnd: random.Random, count: int) -> str:
    """Closed deals over 2017–2019 in two currencies (and a few without an amount)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["external_id", "title", "account", "amount", "currency", "stage", "status", "created_at", "closed_at", "owner", "lost_reason", "source"])
    for i in range(count):
        created = datetime(2017, 1, 1, tzinfo=UTC) + timedelta(hours=rnd.randrange(24 * 700))
        status = rnd.choice(["won", "lost"])
        writer.writerow(
            [
                f"H-{i}",
                f"History {i}",
                f"Account {rnd.randrange(40)}",
                "" if i % 7 == 0 else rnd.randrange(1000, 900000),
                rnd.choice(["CNY", "USD"]),
                rnd.choice(["proposal", "negotiation", "contract"]),
                status,
                created.isoformat(),
                (created + timedelta(days=rnd.randrange(1, 200))).isoformat(),
                rnd.choice(["U0ALICE", "U0BOB"]),
                "price" if status == "lost" else "",
                rnd.choice(["web", "partner", ""]),
            ]
        )
    return out.getvalue()


def test_an_export_imported_into_a_fresh_database_exports_the_same_file(slack, rt, clean_db, tmp_path, tmp_path_factory, monkeypatch, capsys):
    """The demo pipeline and 120 generated closed deals in two currencies, exported with `oppbot
    export`, imported with `oppbot import` into a new database and exported again: the same file."""
    from bot.demo.pipeline import load_demo
    from tests.conftest import ROOT

    load_demo(rt, TEAM_ID, {"alice": "U0ALICE", "bob": "U0BOB", "li": "U0LI"})
    imported(rt, write(tmp_path, generated_history(random.Random(3), 120), name="history.csv"))
    with rt.transaction() as s:  # the nightly job: every open deal's probability from today's model
        winprob.learn(s, TEAM_ID)
        winprob.refresh_open(s, TEAM_ID, rt.config)
    monkeypatch.setenv("OPPBOT_CONFIG", str(ROOT / "config.toml"))
    monkeypatch.setenv("DATABASE_URL", clean_db.url.render_as_string(hide_password=False))
    assert main(["export", str(tmp_path / "first.csv"), "--team", TEAM_ID]) == 0
    first = (tmp_path / "first.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(first.lstrip("\ufeff"))))
    assert {r["status"] for r in rows} == {"open", "won", "lost"} and {r["currency"] for r in rows} >= {"CNY", "USD"}
    assert len(rows) > 120 and any(r["amount"] == "" for r in rows) and any(r["q_budget"] for r in rows)

    with database_url_for_tests(tmp_path_factory) as other:
        monkeypatch.setenv("DATABASE_URL", other)
        assert main(["import", str(tmp_path / "first.csv"), "--team", TEAM_ID]) == 1  # a new database: no workspace yet
        assert "no workspace 'T0001' here (none yet: use /opp once in Slack first)" in capsys.readouterr().err
        from bot.app import build_runtime
        from bot.core.config import Settings

        fresh = build_runtime(Settings.from_env())
        fresh.clock = rt.clock
        aes(fresh, "U0ALICE")
        assert main(["import", str(tmp_path / "first.csv"), "--team", TEAM_ID]) == 0
        assert f"imported {len(rows)} deals" in capsys.readouterr().out
        assert main(["export", str(tmp_path / "second.csv"), "--team", TEAM_ID]) == 0
        fresh.sessions.kw["bind"].dispose()
    assert (tmp_path / "second.csv").read_text(encoding="utf-8") == first


def test_export_writes_every_deal_of_a_filter_in_number_order(rt, tmp_path):
    aes(rt, "U0AE1")
    imported(rt, write(tmp_path, HISTORY))
    with rt.sessions() as s:
        text = "".join(csv_lines(s, DealFilter(workspace_id=TEAM_ID, statuses=("won", "lost")), rt.config, limit=None))
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [(r["external_id"], r["status"], r["closed_at"]) for r in rows] == [
        ("A-1", "won", "2017-02-28T16:00:00+00:00"),
        ("A-2", "lost", "2017-04-14T16:00:00+00:00"),
        ("A-4", "lost", "2017-01-09T16:00:00+00:00"),
    ]


def test_imported_deals_are_found_by_search_and_so_are_the_ones_made_after(slack, rt, tmp_path):
    """On SQLite the import indexes its deals in one statement and puts the per-deal trigger back."""
    slack.command("alice", "help")
    imported(rt, write(tmp_path, HISTORY))
    assert "Initech Cloud" in slack.command("alice", "find Initech").text
    assert "Globex CRM" in slack.command("alice", "find Globex").text
    slack.command("alice", "new Contoso rollout 5万")
    assert "Contoso rollout" in slack.command("alice", "find Contoso").text
