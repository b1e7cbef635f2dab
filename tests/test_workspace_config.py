"""A workspace's own config: `oppbot config load --team T… file.toml` makes it that workspace's (its
stages, reasons and team), checked as config.toml is at start-up; every other workspace keeps the
default (config.toml); `oppbot config reset` goes back to it. Through the command line and signed
/opp commands in two workspaces, A and B, with the same people."""

from __future__ import annotations

from sqlalchemy import select

from bot.cli import main
from bot.console.signing import SlackRequests
from bot.console.slack_api import APP_ID, TEAM_ID
from bot.core.workspace_configs import RECHECK
from store.models import Member, WorkspaceConfig
from tests.conftest import ROOT, SECRET, SlackClient, payload_text

A, B = TEAM_ID, "T0TWO"

PILOT = """[[stages]]
key = "pilot"
name = { zh = "试点", en = "Pilot run" }
probability = 0.5
stall_days = 10
owner_role = "ae"

"""
BOB_MANAGES = """
[[team]]
user = "U0BOB"
role = "manager"
"""


def own_config(tmp_path, *, extra_stage: str = PILOT, name: str = "acme.toml") -> str:
    """config.toml with a Pilot stage after Proposal, a lost reason more, and bob seeded as a manager
    (and no qualification gate, as the tests' default)."""
    text = (ROOT / "config.toml").read_text(encoding="utf-8").replace("\nthreshold = 60\n", "\nthreshold = 0\n", 1)
    text = text.replace('[[stages]]\nkey = "tech_review"', extra_stage + '[[stages]]\nkey = "tech_review"', 1)
    text = text.replace("lost = [\n", 'lost = [\n  { key = "budget_cut", name = { zh = "预算砍掉", en = "Budget cut" } },\n', 1)
    path = tmp_path / name
    path.write_text(text + BOB_MANAGES, encoding="utf-8")
    return str(path)


def client_of(rt, fake, team: str) -> SlackClient:
    client = SlackClient(rt, fake)
    client.requests = SlackRequests(SECRET, team_id=team, team_domain=team.lower(), app_id=APP_ID, token="legacy")
    return client


def oppbot(rt, monkeypatch, capsys, *argv: str) -> tuple[int, str, str]:
    """`oppbot …` on the test's database; (exit code, stdout, stderr)."""
    monkeypatch.setenv("DATABASE_URL", rt.sessions.kw["bind"].url.render_as_string(hide_password=False))
    monkeypatch.setenv("OPPBOT_CONFIG", str(ROOT / "config.toml"))
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def new_deal_form(client, fake) -> str:
    """The words of the New deal form (its stage options among them)."""
    client.command("alice", "new")
    return payload_text(fake.last("views.open").args["view"])


def role_of(rt, team: str, user: str) -> str | None:
    with rt.sessions() as s:
        return s.scalar(select(Member.role).where(Member.workspace_id == team, Member.slack_user_id == user))


def test_a_workspaces_own_config_is_its_alone_and_reset_brings_back_the_default(rt, fake, monkeypatch, capsys, tmp_path):
    a, b = client_of(rt, fake, A), client_of(rt, fake, B)
    for client in (a, b):
        assert "Pilot run" not in new_deal_form(client, fake)  # both on the default; their copies are now kept

    code, out, err = oppbot(rt, monkeypatch, capsys, "config", "load", "--team", A, own_config(tmp_path))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == f"{A}: loaded its own config from acme.toml (version 1); in effect everywhere within {RECHECK.seconds} seconds"
    assert lines[1].startswith("changed from the default config: stages lead, contacted, needs, proposal, tech_review")
    assert "-> lead, contacted, needs, proposal, pilot, tech_review" in lines[1] and "; lost reasons " in lines[1]
    assert lines[1].endswith("-> budget_cut, price, competitor, no_budget, no_decision, product_gap, timing, other; also qualification, team")
    assert any(line.startswith("team: ") and "U0BOB" in line for line in lines[2:]), out
    assert role_of(rt, A, "U0BOB") == "manager" and role_of(rt, B, "U0BOB") != "manager"  # A's [[team]] seeds A's members alone

    rt.clock.advance(seconds=RECHECK.total_seconds())  # another process's load: seen once the copy is older than RECHECK
    assert "Pilot run" in new_deal_form(a, fake)
    assert "Pilot run" not in new_deal_form(b, fake)
    assert "Created" in a.command("alice", "new Pilot line 10万 stage pilot").text
    refused = b.command("alice", "new Pilot line 10万 stage pilot").text
    assert "Created" not in refused and "Pilot run" not in refused, refused

    code, out, err = oppbot(rt, monkeypatch, capsys, "config", "show", "--team", A)
    assert code == 0 and out.startswith(f"{A}: its own config, from acme.toml (version 1, loaded by ") and "pilot" in out, out
    code, out, err = oppbot(rt, monkeypatch, capsys, "config", "show", "--team", B)
    assert code == 0 and out.startswith(f"{B}: the default config ({ROOT / 'config.toml'})"), out

    # a bad file: the same messages as at start-up, nothing stored, A keeps its own
    bad = own_config(tmp_path, extra_stage=PILOT.replace("probability = 0.5", "probability = 1.5"), name="bad.toml")
    code, out, err = oppbot(rt, monkeypatch, capsys, "config", "load", "--team", A, bad)
    assert code == 2 and f"oppbot: {bad}: stages[4].probability: must be a number from 0 to 1, got 1.5" in err.splitlines(), err
    assert oppbot(rt, monkeypatch, capsys, "config", "load", "--team", "T0NOBODY", own_config(tmp_path))[:3:2] == (
        2,
        "oppbot: --team T0NOBODY: no such workspace in the database (it appears once the app is installed there and used)\n",
    )
    rt.clock.advance(seconds=RECHECK.total_seconds())
    assert "Pilot run" in new_deal_form(a, fake)
    with rt.sessions() as s:
        assert s.scalars(select(WorkspaceConfig.version)).all() == [1]

    # back to the default: refused while an open deal is at A's own stage, done once it has moved on
    code, out, err = oppbot(rt, monkeypatch, capsys, "config", "reset", "--team", A)
    assert code == 2 and f"stages: pilot is the stage of 1 open deal(s) in {A}; keep it, or move those deals first" in err, err
    assert "Proposal" in a.command("alice", "move 1 proposal").text, "moved back"
    code, out, err = oppbot(rt, monkeypatch, capsys, "config", "reset", "--team", A)
    assert code == 0 and out.startswith(f"{A}: back on the default config ({ROOT / 'config.toml'}) (version 2)"), out
    assert "changed from its own config (version 1): stages lead, contacted, needs, proposal, pilot, tech_review" in out, out
    rt.clock.advance(seconds=RECHECK.total_seconds())
    assert "Pilot run" not in new_deal_form(a, fake)
    code, out, err = oppbot(rt, monkeypatch, capsys, "config", "show", "--team", A)
    assert out.startswith(f"{A}: the default config ({ROOT / 'config.toml'}); its own was reset by "), out
    assert "already on the default" in oppbot(rt, monkeypatch, capsys, "config", "reset", "--team", A)[1]


def test_a_request_reads_its_workspaces_config_once_and_another_process_s_load_is_seen_within_the_recheck(rt, fake, monkeypatch, capsys, tmp_path):
    a = client_of(rt, fake, A)
    assert "Pilot run" not in new_deal_form(a, fake)  # A's copy: the default, kept for RECHECK
    assert oppbot(rt, monkeypatch, capsys, "config", "load", "--team", A, own_config(tmp_path))[0] == 0
    rt.clock.advance(seconds=RECHECK.total_seconds() - 1)
    assert "Pilot run" not in new_deal_form(a, fake)  # within RECHECK: the copy
    rt.clock.advance(seconds=1)
    assert "Pilot run" in new_deal_form(a, fake)
    with rt.in_workspace(A) as config:  # outside a request (the worker)
        assert rt.config is config and "pilot" in [s.key for s in config.stages]
    assert "pilot" not in [s.key for s in rt.config.stages]  # the default, outside


def test_the_home_tab_redrawn_after_a_change_is_drawn_with_the_workspaces_config(rt, fake, monkeypatch, capsys, tmp_path):
    a = client_of(rt, fake, A)
    opened = {"type": "app_home_opened", "user": "U0ALICE", "channel": "D0HOME", "tab": "home", "event_ts": "1.1"}
    assert a.send(a.requests.event(opened, event_id="EvHomeAlice", event_time=1764000000)).status == 200
    assert oppbot(rt, monkeypatch, capsys, "config", "load", "--team", A, own_config(tmp_path))[0] == 0
    rt.clock.advance(seconds=RECHECK.total_seconds())
    assert "Created" in a.command("alice", "new Pilot line 10万 stage pilot").text
    redrawn = fake.calls("views.publish")[-1]  # after the answer, the actor's Home shows the change
    assert redrawn.args["user_id"] == "U0ALICE" and "Pilot run" in payload_text({"blocks": redrawn.args["view"]["blocks"]})


def test_commands_about_one_workspace_use_its_config(rt, fake, monkeypatch, capsys, tmp_path):
    a, b = client_of(rt, fake, A), client_of(rt, fake, B)
    for client in (a, b):
        assert "Created" in client.command("alice", "new Line 10万 stage proposal").text
    assert oppbot(rt, monkeypatch, capsys, "config", "load", "--team", A, own_config(tmp_path))[0] == 0
    funnel = {team: oppbot(rt, monkeypatch, capsys, "report", "funnel", "--team", team, "--lang", "en", "--print") for team in (A, B)}
    assert funnel[A][0] == 0 and "Pilot run" in funnel[A][1], funnel[A]
    assert funnel[B][0] == 0 and "Proposal" in funnel[B][1] and "Pilot run" not in funnel[B][1], funnel[B]


def test_the_worker_scans_each_workspace_with_its_own_config(rt, fake, clock, monkeypatch, capsys, tmp_path):
    """A deal at Proposal quiet for 12 days: stalled by the default (10 days) in B, not in A, whose
    own config gives Proposal 30 days. One pass of the worker, as `oppbot worker --once` runs it."""
    from bot.worker.jobs import tick
    from bot.worker.sender import sender_client
    from store.models import Alert

    slow = (ROOT / "config.toml").read_text(encoding="utf-8").replace("\nthreshold = 60\n", "\nthreshold = 0\n", 1)
    slow = slow.replace(
        'key = "proposal"\nname = { zh = "方案提交", en = "Proposal" }\nprobability = 0.4\nstall_days = 10',
        'key = "proposal"\nname = { zh = "方案提交", en = "Proposal" }\nprobability = 0.4\nstall_days = 30',
        1,
    )
    assert "stall_days = 30" in slow
    (tmp_path / "slow.toml").write_text(slow, encoding="utf-8")
    a, b = client_of(rt, fake, A), client_of(rt, fake, B)
    for client in (a, b):
        assert "Created" in client.command("alice", "new Quiet deal 10万 stage proposal").text
    assert oppbot(rt, monkeypatch, capsys, "config", "load", "--team", A, str(tmp_path / "slow.toml"))[0] == 0
    clock.advance(days=12)
    tick(rt, sender_client("xoxb-test", fake.api_url, retries=0), clock.now())
    with rt.sessions() as session:
        stalled = {(team, condition) for team, condition in session.execute(select(Alert.workspace_id, Alert.condition))}
    assert (B, "stalled") in stalled and (A, "stalled") not in stalled, stalled
