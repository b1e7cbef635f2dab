"""`oppbot console`: typed lines go through the real app; the transcript and the database show it.
The app runs on the tests' fixed clock (Wednesday 2026-11-25 10:00 in Shanghai)."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.console.repl import run_console
from bot.console.text import render_blocks
from bot.core.config import Settings
from bot.demo.pipeline import SAMPLES
from store.db import make_engine, make_sessions
from store.models import Activity, Event, Handover, Opportunity, PaymentMilestone
from tests.conftest import SHANGHAI

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def env(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path}/console.db"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("OPPBOT_CONFIG", str(ROOT / "config.toml"))
    for name in ("LOG_LEVEL", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_API_URL", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    engine = make_engine(url)
    yield make_sessions(engine)
    engine.dispose()


@pytest.fixture
def console(env, clock):
    """Runs a console session with ``lines`` as its input, on the app's fixed clock; returns the transcript."""

    def run(*lines: str, demo: bool = False, user: str = "alice") -> str:
        out = io.StringIO()
        stdin = io.StringIO("".join(f"{line}\n" for line in lines))
        status = run_console(Settings.from_env(), user=user, demo=demo, stdin=stdin, stdout=out, clock=clock)
        text = out.getvalue()
        assert status == 0, text
        assert "Traceback" not in text
        return text

    return run


def deals(sessions) -> list[Opportunity]:
    with sessions() as s:
        return list(s.scalars(select(Opportunity).order_by(Opportunity.number)).unique())


def deal(sessions, number: int) -> Opportunity:
    with sessions() as s:
        return s.scalars(select(Opportunity).where(Opportunity.number == number)).unique().one()


def after(text: str, marker: str) -> str:
    """The transcript from the line that echoes ``marker`` on."""
    start = text.index(marker)
    return text[start:]


def reply_to(text: str, marker: str) -> str:
    """What the console showed for the input line echoed as ``marker`` (up to the next prompt)."""
    rest = after(text, marker)[len(marker) :]
    match = re.search(r"^\w+> ", rest, re.MULTILINE)
    return rest[: match.start()] if match else rest


def replies_to(text: str, marker: str) -> list[str]:
    """Every reply to input lines starting with ``marker``, in order."""
    out = []
    while marker in text:
        out.append(reply_to(text, marker))
        text = text[text.index(marker) + len(marker) :]
    return out


def test_readme_session(env, console):
    n = len(SAMPLES) + 1
    out = console(
        "/opp new Acme ERP rollout 50万 close 下周五 stage proposal",
        "/opp list",
        f"/opp move {n} negotiation",
        f"/opp qualify {n} budget:approved authority:decision_maker need:urgent",
        f"/opp move {n} negotiation",
        f"/opp log {n} called the CFO next send quote by friday",
        f"/opp won {n}",
        "@li",  # the handover form: delivery owner, scope, key dates
        "MES rollout at the Suzhou plant, 3 lines",
        "kickoff 12月7日, go-live 2027-03-31",
        "/submit",
        f"/opp history {n}",
        demo=True,
    )
    assert f"loaded the demo pipeline: {len(SAMPLES)} deals" in out

    created = reply_to(out, "alice> /opp new Acme ERP rollout")
    assert f"Created #{n}" in created
    assert f"*#{n} Acme ERP rollout*" in created
    assert "Stage: Proposal (0 days in stage)" in created
    assert "Amount: ¥500k" in created
    assert "Owner: @alice" in created
    assert "[Move to…: Lead | Contacted | Needs confirmed | Technical review | Negotiation | Contract] [Log activity] [Edit] [History]" in created
    assert "*Key actions in Proposal* (0 of 2)\n⬜ Solution demo\n⬜ Proposal sent\n[✓ Solution demo] [✓ Proposal sent]" in created

    listed = reply_to(out, "alice> /opp list")
    assert f"*#{n}* Acme ERP rollout" in listed
    assert "Customer portal redesign — Stark Industries" in listed  # alice's demo deals
    assert "@bob" not in listed  # "mine" by default
    assert f"[#{n}]" in listed

    refused, moved = replies_to(out, f"alice> /opp move {n}")
    assert f"#{n} scores 0, below the 60 needed to move past Needs confirmed" in refused
    qualified = reply_to(out, f"alice> /opp qualify {n}")
    assert f"Qualification of #{n} updated: score 70, grade B" in qualified
    assert "Score 70/100* · Budget 25/25 · Authority 20/20 · Need 25/25 · Timing 0/15" in qualified
    assert f"Moved #{n} to Negotiation" in moved
    logged = reply_to(out, f"alice> /opp log {n}")
    assert f"Logged activity on #{n}" in logged
    assert "Next step: send quote" in logged
    won = reply_to(out, f"alice> /opp won {n}")
    assert f"🎉 #{n} won!" in won
    assert "Stage: won · Negotiation" in won
    assert "[Move to…" not in won
    assert f"── Handover #{n} ──" in won  # the win opens the handover form
    assert f"#{n} is handed over to delivery: @li delivers it." in won
    assert "[✓ Requirements handed over] [✓ Scope confirmed] [✓ Key dates agreed] [✓ Customer acceptance] [Edit handover]" in won

    history = reply_to(out, f"alice> /opp history {n}")
    assert f"History of #{n} (newest first)" in history
    lines = [line for line in history.splitlines() if line.startswith("`")]
    assert "@alice handed it over to delivery (@li)" in lines[0]
    assert "@alice changed the status from open to won" in lines[1]
    assert "@alice created the deal" in lines[-1]
    assert any("moved the stage from Proposal to Negotiation" in line for line in lines)
    assert any("logged a note: called the CFO" in line for line in lines)

    opp = deal(env, n)
    assert (opp.title, opp.status, opp.stage, opp.amount) == ("Acme ERP rollout", "won", "negotiation", Decimal("500000"))
    assert opp.next_step == "send quote"


def test_new_deal_modal_filled_from_stdin_with_an_inline_error(env, console):
    out = console(
        "/opp new",
        "Big deal",  # title
        "Acme 集团",  # account
        "",  # contact
        "lots",  # amount: unreadable, the app answers with an inline error
        "4",  # stage: Proposal
        "2027-3-31",  # not YYYY-MM-DD: asked again
        "2027-03-31",
        "@wang",  # owner
        "Send the proposal",  # next step
        "/submit",  # the rest stays empty
        "3.5亿",  # only the amount is asked again
        "/opp list all",
    )
    form = reply_to(out, "alice> /opp new")
    assert "── New deal ──" in form
    assert "  1) Lead  2) Contacted  3) Needs confirmed  4) Proposal" in form
    assert "Stage [Lead]: 4" in form
    assert "Owner (@name) [@alice]: @wang" in form
    assert "⚠️ a date as YYYY-MM-DD" in form
    error = form.index("⚠️ Amount: Couldn't read the amount “lots”")
    again = form.index("Amount (optional; e.g. 50k, 1.2M, 50万, $20k, 300000 CNY) [lots]: 3.5亿")
    saved = form.index("(only you) Created #1")
    assert error < again < saved
    assert "Title" not in form[error:saved]  # only the field in error is asked again
    assert "Owner: @wang" in form[saved:]

    (opp,) = deals(env)
    assert (opp.title, opp.account, opp.contact, opp.stage) == ("Big deal", "Acme 集团", None, "proposal")
    assert opp.amount == Decimal("350000000")
    assert opp.expected_close == date(2027, 3, 31)
    assert opp.next_step == "Send the proposal"
    assert opp.owner.slack_user_id == "U0WANG" and opp.creator.slack_user_id == "U0ALICE"
    assert "#1* Big deal — Acme 集团" in reply_to(out, "alice> /opp list all")


def test_cancel_closes_the_form_without_saving(env, console):
    out = console("/opp new", "Never saved", "/cancel", "/opp list all")
    assert "(form closed; nothing was sent)" in out
    assert deals(env) == []


def test_click_card_buttons_and_menu(env, console):
    out = console(
        "/opp new Pilot 5万 budget:approved authority:decision_maker need:urgent",
        "/click Move to… Negotiation",
        "/click deal_move contract",
        "/click History",
        "/click Log activity",
        "2",  # type: call
        "Called the buyer",
        "Book the demo",
        "2027-01-15",
        "/opp list",
        "/click #1",
    )
    assert "(updated) Moved #1 to Negotiation" in reply_to(out, "alice> /click Move to… Negotiation")
    assert "(updated) Moved #1 to Contract" in reply_to(out, "alice> /click deal_move contract")
    assert "History of #1" in reply_to(out, "alice> /click History")
    logged = reply_to(out, "alice> /click Log activity")
    assert "── Log activity #1 ──" in logged
    assert "(only you) Logged activity on #1" in logged
    assert "Next step: Book the demo" in logged
    assert "*#1 Pilot*" in reply_to(out, "alice> /click #1")

    opp = deal(env, 1)
    assert (opp.stage, opp.next_step, opp.next_step_due) == ("contract", "Book the demo", date(2027, 1, 15))
    with env() as s:
        kinds = [a.kind for a in s.scalars(select(Activity).where(Activity.opportunity_id == opp.id).order_by(Activity.id))]
    assert kinds == ["stage_change", "stage_change", "call"]


def test_demo_twice_seeds_once(env, console, clock):
    first = console("/opp list all", demo=True)
    second = console(demo=True)
    assert f"loaded the demo pipeline: {len(SAMPLES)} deals" in first
    assert "no demo data loaded" in second
    rows = deals(env)
    assert len(rows) == len(SAMPLES)
    assert {o.status for o in rows} == {"open", "won", "lost"}
    assert {o.stage for o in rows if o.status == "open"} >= {"lead", "contacted", "needs", "proposal", "tech_review", "negotiation", "contract"}
    assert {o.owner.slack_user_id for o in rows} == {"U0ALICE", "U0BOB", "U0LI", "U0WANG"}
    today = clock.now().astimezone(SHANGHAI).date()
    assert any(o.next_step_due and o.next_step_due < today for o in rows if o.status == "open")
    with env() as s:
        kinds = set(s.scalars(select(Event.kind)))
    assert {"created", "stage", "activity", "status", "payment_plan", "payment"} <= kinds  # made through the services


def test_the_demos_won_deals_have_payment_plans_and_handovers_and_the_console_shows_them(env, console):
    """Each won sample was handed over and has a plan (30% a week after the win, the rest in two months); the first
    payment of the one won longest ago came in; `/opp pay N` shows it in the console."""
    console(demo=True)
    won = [o for o in deals(env) if o.status == "won"]
    assert won
    with env() as s:
        plans = {
            o.number: [
                (m.share, m.paid_on is not None)
                for m in s.scalars(select(PaymentMilestone).where(PaymentMilestone.opportunity_id == o.id).order_by(PaymentMilestone.position))
            ]
            for o in won
        }
    assert all([share for share, _ in plan] == [Decimal("0.3000"), Decimal("0.7000")] for plan in plans.values()), plans
    assert any(plan[0][1] for plan in plans.values())  # a first payment came in
    first = min(won, key=lambda o: o.closed_at)
    out = console(f"/opp pay {first.number}")
    assert "✅" in out and "payments" in out
    with env() as s:  # and each was handed over to delivery, its first step ticked
        handovers = {h.opportunity_id: h.checklist for h in s.scalars(select(Handover))}
    assert set(handovers) == {o.id for o in won} and all(list(c) == ["requirements"] for c in handovers.values())
    assert "📦" in console(f"/opp handover {first.number}")


def test_mention_makes_bob_the_owner_and_text_is_escaped(env, console):
    out = console("/opp new A&B <Co> rollout 8万 owner @bob", "/as bob", "/opp list", "/as carol", "/opp list")
    assert "Owner: @bob" in reply_to(out, "alice> /opp new")
    assert "*#1* A&B <Co> rollout" in reply_to(out, "bob> /opp list")
    assert "@carol joined the workspace" in out
    assert "No deals match" in reply_to(out, "carol> /opp list")
    opp = deal(env, 1)
    assert opp.title == "A&B <Co> rollout"
    assert opp.owner.slack_user_id == "U0BOB"


def test_console_commands_and_bad_input(env, console):
    out = console("/help", "", "hello", "/home", "/click Edit", "/opp move 9 nowhere", "/quit", "/opp list")
    assert "/click LABEL [OPTION]" in out
    assert "only slash commands reach the app" in out
    assert "== My deals ==" in out  # /home shows the App Home tab
    assert "nothing to click yet" in out
    assert "⚠️ There is no stage “nowhere”" in out
    assert "alice> /opp list" not in out  # /quit ended the session
    assert "alice> \n" not in out  # empty lines are not echoed


def test_render_blocks():
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Pipeline"}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "*#7 A &lt;b&gt; &amp; c* for <@U0ALICE>"},
            "accessory": {"type": "button", "action_id": "open", "text": {"type": "plain_text", "text": "#7"}, "value": "7"},
        },
        {"type": "section", "fields": [{"type": "mrkdwn", "text": "*Stage*\nProposal"}, {"type": "mrkdwn", "text": "*Owner*\n<@U0BOB>"}]},
        {"type": "divider"},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "see <https://example.com|the docs>"}]},
        {
            "type": "actions",
            "elements": [
                {
                    "type": "static_select",
                    "action_id": "m",
                    "placeholder": {"type": "plain_text", "text": "Move to…"},
                    "options": [
                        {"text": {"type": "plain_text", "text": "Lead"}, "value": "1:lead"},
                        {"text": {"type": "plain_text", "text": "Won"}, "value": "1:won"},
                    ],
                },
                {"type": "button", "action_id": "log", "text": {"type": "plain_text", "text": "Log activity"}, "value": "7"},
            ],
        },
    ]
    assert render_blocks(blocks, {"U0ALICE": "alice", "U0BOB": "bob"}) == (
        "== Pipeline ==\n"
        "*#7 A <b> & c* for @alice  [#7]\n"
        "Stage: Proposal\n"
        "Owner: @bob\n"
        "------------------------\n"
        "see the docs (https://example.com)\n"
        "[Move to…: Lead | Won] [Log activity]"
    )


def test_entry_point_with_piped_stdin(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OPPBOT_", "LOG_LEVEL"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path}/cli.db", OPPBOT_CONFIG=str(ROOT / "config.toml"), PYTHONIOENCODING="utf-8")
    oppbot = Path(sys.executable).with_name("oppbot")
    result = subprocess.run(
        f"printf '/opp new Test deal 5万\\n/opp list\\n' | {oppbot} console --demo",
        shell=True,
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    n = len(SAMPLES) + 1
    assert f"alice> /opp new Test deal 5万\nCreated #{n}" in result.stdout
    assert f"*#{n}* Test deal" in reply_to(result.stdout, "alice> /opp list")
    assert "Traceback" not in result.stderr


def test_scan_dry_run_at_monday_morning_lists_each_message_and_the_count_per_recipient(env, console, clock, capsys):
    """`oppbot scan --dry-run --at`: the demo pipeline on Monday 09:05 — one line per message, then the messages per recipient."""
    from bot.cli import main

    console("/opp list", demo=True)
    capsys.readouterr()
    assert main(["scan", "--dry-run", "--at", "2026-11-30T09:05"]) == 0
    lines = capsys.readouterr().out.splitlines()
    messages = [line.split(": ", 1)[1] for line in lines if ": -> " in line]
    assert messages, lines
    dms = Counter((m.split()[2], m.split()[4]) for m in messages if m.startswith("-> dm "))
    posts = Counter(m.split()[4] for m in messages if m.startswith("-> channel "))
    assert all(n == 1 for n in dms.values()) and all(n == 1 for n in posts.values())  # one message per deal and reader
    [summary] = [line for line in lines if "messages; per recipient:" in line]
    assert summary.split(": ", 1)[1].startswith(f"{len(messages)} messages; per recipient: ")
    assert lines[-1] == f"{len([line for line in lines if ' — ' in line])} new alert(s) would be raised; nothing was changed or sent"
    assert main(["scan", "--dry-run", "--at", "2026-11-29T09:05"]) == 0  # a Sunday
    assert "nothing is sent at Sun 2026-11-29 09:05: outside working time" in capsys.readouterr().out
