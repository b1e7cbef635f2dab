"""The web pages through the front door, in-process: GET requests into the WSGI app with a cookie
jar, signed in through the Web API stand-in's Sign in with Slack (tests/pagesite.py). Deals are
made by signed Slack commands; the pages show them under the same rules as Slack does."""

from __future__ import annotations

import os
from dataclasses import replace
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from bot.blocks.ids import Action
from bot.console.signing import SlackRequests
from bot.console.slack_api import APP_ID
from bot.pages.cookies import SESSION, STATE
from tests.conftest import PUBLIC_URL, SECRET, SlackClient
from tests.pagesite import CLIENT_ID, PageClient, page_settings


@pytest.fixture
def pages(slack):
    return PageClient(slack)


def deal(slack, who="alice", text="new Acme ERP 50万 account Acme Corp close 2026-12-31 stage proposal"):
    assert "#" in slack.command(who, text).text


# --- signing in -------------------------------------------------------------------------------


def test_a_page_signed_out_sends_the_browser_to_slack_with_the_apps_client_id_redirect_state_and_openid(pages):
    first = pages.get("/deals/1")
    assert (first.status, first.location) == (302, "/login?next=/deals/1")
    to_slack = pages.get(first.location)
    assert to_slack.status == 302
    url = urlsplit(to_slack.location)
    assert f"{url.scheme}://{url.netloc}{url.path}" == pages.slack.fake.base_url + "/openid/connect/authorize"
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert query["client_id"] == CLIENT_ID
    assert query["redirect_uri"] == PUBLIC_URL + "/auth/callback"
    assert query["response_type"] == "code"
    assert set(query["scope"].replace(",", " ").split()) == {"openid", "profile"}
    assert len(query["state"]) >= 32
    [state_cookie] = to_slack.set_cookies()
    assert state_cookie.startswith(STATE + "=") and query["state"] not in state_cookie  # signed, not readable as is
    # another start gets another state
    assert parse_qs(urlsplit(pages.get("/login").location).query)["state"][0] != query["state"]


def test_signing_in_lands_back_on_the_deal_asked_for_with_a_session_cookie_of_the_right_flags(slack, pages, fake):
    deal(slack)
    _, query = pages.start_sign_in("/deals/1")
    code = fake.openid.issue("U0ALICE")
    back = pages.get(f"/auth/callback?{urlencode({'code': code, 'state': query['state']})}")
    assert (back.status, back.location) == (302, "/deals/1")
    session = next(c for c in back.set_cookies() if c.startswith(SESSION + "="))
    flags = [part.strip() for part in session.split(";")[1:]]
    assert {"HttpOnly", "SameSite=Lax", "Secure", "Path=/", "Max-Age=43200"} <= set(flags)  # the public URL is https
    assert any(c.startswith(STATE + "=;") or c.startswith(STATE + "=") and "Max-Age=0" in c for c in back.set_cookies())
    token = fake.last("openid.connect.token")
    assert (token.args["code"], token.args["client_id"], token.args["redirect_uri"]) == (code, CLIENT_ID, PUBLIC_URL + "/auth/callback")
    page = pages.get("/deals/1")
    assert page.status == 200
    assert "#1 Acme ERP" in page.plain and "Acme Corp" in page.plain and "Proposal" in page.plain


def test_without_an_https_public_url_the_cookie_is_not_marked_secure(slack, fake):
    slack.rt = replace(slack.rt, default_config=replace(slack.rt.config, public_url="http://localhost:3000"))
    pages = PageClient(slack)
    _, query = pages.start_sign_in()
    back = pages.get(f"/auth/callback?{urlencode({'code': fake.openid.issue('U0ALICE'), 'state': query['state']})}")
    assert query["redirect_uri"] == "http://localhost:3000/auth/callback"
    assert all("Secure" not in c for c in back.set_cookies())


def test_a_forged_altered_or_expired_session_is_sent_to_sign_in_again(slack, pages, clock):
    deal(slack)
    assert pages.sign_in("alice").status == 200
    good = pages.cookies[SESSION]
    payload, _, signature = good.rpartition(".")
    for forged in (good[:-2] + ("AA" if good[-2:] != "AA" else "BB"), "eyJ1c2VyX2lkIjoiVTBCT0IifQ.abc.def", payload + "." + signature[::-1]):
        page = pages.get("/deals/1", cookie=f"{SESSION}={forged}")
        assert (page.status, page.location) == (302, "/login?next=/deals/1"), forged
    pages.cookies[SESSION] = good  # (each refusal cleared the jar's cookie)
    assert pages.get("/deals/1").status == 200
    clock.advance(hours=12, seconds=1)
    page = pages.get("/deals/1")
    assert (page.status, page.location) == (302, "/login?next=/deals/1")
    assert any(c.startswith(SESSION + "=") and "Max-Age=0" in c for c in page.set_cookies())


def test_a_callback_whose_state_is_not_the_one_sent_is_refused_in_the_browsers_language(slack, pages, fake):
    _, query = pages.start_sign_in()
    code = fake.openid.issue("U0ALICE")
    page = pages.get(f"/auth/callback?{urlencode({'code': code, 'state': 'not-' + query['state']})}", headers={"Accept-Language": "en-US,en"})
    assert page.status == 400
    assert "Sign-in didn't complete" in page.plain and "Traceback" not in page.plain
    assert SESSION not in pages.cookies and not fake.calls("openid.connect.token")
    # no sign-in under way at all (no state cookie): the same, in Chinese for a Chinese browser
    pages.cookies.clear()
    page = pages.get(f"/auth/callback?{urlencode({'code': code, 'state': query['state']})}", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert page.status == 400 and "登录没有完成" in page.plain


def test_slack_refusing_the_code_gets_a_clear_page_and_no_session(pages, fake):
    _, query = pages.start_sign_in()
    page = pages.get(f"/auth/callback?{urlencode({'code': 'made-up', 'state': query['state']})}", headers={"Accept-Language": "en"})
    assert page.status == 403
    assert "Slack refused this sign-in (invalid_code)" in page.plain and 'href="/login"' in page.plain
    assert SESSION not in pages.cookies
    assert fake.last("openid.connect.token").error == "invalid_code"
    _, query = pages.start_sign_in()
    page = pages.get(f"/auth/callback?{urlencode({'error': 'access_denied', 'state': query['state']})}")
    assert page.status == 403 and "access_denied" in page.plain


def test_sign_in_not_set_up_says_so(slack):
    pages = PageClient(slack, page_settings(slack.fake.api_url, client_id=None))
    page = pages.get("/login")
    assert page.status == 503 and "SLACK_CLIENT_ID" in page.plain


@pytest.mark.parametrize("elsewhere", ["https://evil.example/steal", "//evil.example", "/logout?x=1"])
def test_sign_in_never_returns_to_another_site_or_the_sign_out(pages, fake, elsewhere):
    state = parse_qs(urlsplit(pages.get("/login?" + urlencode({"next": elsewhere})).location).query)["state"][0]
    back = pages.get(f"/auth/callback?{urlencode({'code': fake.openid.issue('U0ALICE'), 'state': state})}")
    assert back.location == "/board"


def test_signing_out_clears_the_session(slack, pages):
    deal(slack)
    pages.sign_in("alice")
    page = pages.get("/logout")
    assert page.status == 200 and "You are signed out" in page.plain
    assert SESSION not in pages.cookies
    assert pages.get("/deals/1").status == 302


def test_the_sign_in_credentials_in_the_environment_leave_slack_working(rt, fake, monkeypatch):
    """Bolt would take SLACK_CLIENT_ID and SLACK_CLIENT_SECRET for an OAuth install flow of its own
    and stop using the bot token: the app is built without it seeing them."""
    monkeypatch.setenv("SLACK_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "client-secret")
    slack = SlackClient(rt, fake)
    assert "Created #1" in slack.command("alice", "new Acme ERP 50万").text
    assert (os.environ["SLACK_CLIENT_ID"], os.environ["SLACK_CLIENT_SECRET"]) == (CLIENT_ID, "client-secret")


# --- who may see --------------------------------------------------------------------------------


def test_a_person_of_another_slack_team_is_refused_with_a_clear_page(slack, pages):
    deal(slack)
    page = pages.sign_in("alice", team_id="T0OTHER")
    assert page.status == 403
    assert "not a member of a workspace that uses oppbot" in page.plain
    assert "Acme" not in page.plain
    assert pages.get("/deals/1").status == 403


def test_a_person_of_the_team_oppbot_has_never_seen_is_refused(slack, pages, fake):
    deal(slack)
    fake.add_user("U0NEW", name="newcomer", locale="zh-CN")
    page = pages.sign_in("U0NEW")
    assert page.status == 403 and "不是这个工作区里使用 oppbot 的成员" in page.plain


def test_every_member_sees_a_deal_of_their_workspace_as_in_slack_and_nothing_of_another(slack, rt, fake):
    """bot.deals.permissions: every member may view a deal of their workspace (bob sees alice's,
    as `/opp show 1` shows it him); a deal of another workspace is as absent as one that doesn't
    exist."""
    deal(slack)
    assert "Acme ERP" in slack.command("bob", "show 1").text
    bob = PageClient(slack)
    assert "#1 Acme ERP" in bob.sign_in("bob", path="/deals/1").plain

    other = SlackClient(rt, fake)
    other.requests = SlackRequests(SECRET, team_id="T0TWO", team_domain="two", app_id=APP_ID, token="legacy")
    other.command("bob", "new Secret merger 900万")
    other.command("bob", "new Second secret 800万")
    assert "Secret merger" not in bob.get("/deals/1").plain
    page = bob.get("/deals/2")
    assert page.status == 404 and "Second secret" not in page.plain
    board = bob.get("/board")
    assert "Secret" not in board.plain and "Acme ERP" in board.plain
    theirs = PageClient(other)
    assert "Secret merger" in theirs.sign_in("bob", team_id="T0TWO", path="/deals/1").plain
    assert "Acme ERP" not in theirs.get("/board").plain


# --- the deal page --------------------------------------------------------------------------------


def test_the_deal_page_shows_the_card_its_stage_history_and_activities(slack, pages):
    deal(slack)
    slack.command("alice", "move 1 negotiation")
    slack.command("alice", "log 1 call: Met the CFO, budget confirmed next: send the contract by 2026-12-01")
    slack.command("alice", "risk 1 competitor they quoted <!channel> lower")
    page = pages.sign_in("alice", path="/deals/1")
    assert "Competitor involved — they quoted <!channel> lower" in page.plain
    board = pages.get("/board")
    assert 'title="at risk"' in board.text
    assert page.status == 200
    text = page.plain
    for shown in ("#1 Acme ERP", "Acme Corp", "¥500k", "Negotiation", "alice", "send the contract", "Thu 2026-12-31", "Grade", "Score", "Win probability"):
        assert shown in text, shown
    assert "created the deal" in text and "moved the stage from Proposal to Negotiation" in text
    assert "Met the CFO, budget confirmed" in text and "<strong>call</strong>" in text
    assert "stage change" not in text  # a move is in the stage history, not among the activities
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in text
    assert "Signed in as alice" in text


def test_a_chinese_speaking_person_reads_the_page_in_chinese(slack, pages):
    deal(slack, "li", "new 华东区 ERP 升级 50万 account 某某集团 close 2026-12-31 stage proposal")
    page = pages.sign_in("li", path="/deals/1")
    assert page.status == 200
    for shown in ('lang="zh-CN"', "¥50万", "方案提交", "阶段", "金额", "负责人", "阶段变化", "跟进记录", "创建了商机", "2026-12-31 (周四)"):
        assert shown in page.plain, shown
    board = pages.get("/board")
    assert "商机看板" in board.plain and "方案提交" in board.plain and "1 个" in board.plain


def test_a_won_deal_shows_its_review_and_payments(slack, pages, fake):
    deal(slack)
    slack.command("alice", "won 1 relationship")
    slack.click("alice", Action.REVIEW_WRITE, "1")
    slack.submit("alice", fake.last("views.open").args["view"], {"worked": "Weekly calls with the CFO", "lesson": "Meet finance early"})
    slack.command("alice", "pay 1 plan 30% 2026-12-31, 70% 2027-03-31")
    slack.command("alice", "pay 1 received 10万 2026-11-20")
    page = pages.sign_in("alice", path="/deals/1")
    text = page.plain
    assert "Review" in text and "Weekly calls with the CFO" in text and "Meet finance early" in text and "Relationship" in text
    assert "Payments" in text and "Received" in text and "¥100k" in text and "due 2026-12-31" in text
    assert "2026-11-20: ¥100k received" in text


def test_a_lost_deal_without_a_review_says_it_is_not_written(slack, pages):
    deal(slack)
    slack.command("alice", "lost 1 price they went cheaper")
    text = pages.sign_in("alice", path="/deals/1").plain
    assert "The review is not written yet" in text and "Payments" not in text


def test_a_deal_name_with_markup_is_shown_as_text(slack, pages):
    deal(slack, text='new <script>alert("x")</script> & <b>Co</b> 5万')
    page = pages.sign_in("alice", path="/deals/1")
    board = pages.get("/board")
    for text in (page.text, board.text):
        assert "<script>alert" not in text and "<b>Co</b>" not in text
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;Co&lt;/b&gt;" in text
    assert "script-src" not in (page.header("Content-Security-Policy") or "") and "default-src 'none'" in page.header("Content-Security-Policy")


@pytest.mark.parametrize(
    "path, status, says",
    [
        ("/deals/99", 404, "There is no deal #99, or you can't see it."),
        ("/deals/abc", 404, "“abc” isn't a deal number"),
        ("/deals/0", 404, "“0” isn't a deal number"),
        ("/deals/", 404, "“” isn't a deal number"),
        ("/deals/1/extra", 404, "isn't a deal number"),
        ("/deals/999999999", 404, "There is no deal #999999999"),
        ("/deals/2147483648", 404, "There is no deal #2147483648"),  # beyond the column's range: not looked up
        ("/deals/99999999999999999999999", 404, "There is no deal #99999999999999999999999"),
    ],
)
def test_a_deal_that_is_not_there_gets_a_clear_page(slack, pages, path, status, says):
    deal(slack)
    pages.sign_in("alice")
    page = pages.get(path)
    assert page.status == status and says in page.plain and "Traceback" not in page.plain
    assert 'href="/board"' in page.plain


def test_a_deleted_deal_is_as_absent_as_one_that_never_was(slack, pages, rt):
    deal(slack)
    with rt.transaction() as session:
        from store.models import Opportunity

        session.query(Opportunity).filter_by(number=1).update({"status": "deleted"})
    pages.sign_in("alice")
    page = pages.get("/deals/1")
    assert page.status == 404 and "Acme" not in page.plain


# --- the board ------------------------------------------------------------------------------------


def test_the_board_groups_open_deals_by_stage_with_count_total_and_links(slack, pages):
    deal(slack)
    deal(slack, "bob", "new Beta CRM 20万 stage proposal")
    deal(slack, "bob", "new Gamma BI 8万 stage negotiation")
    deal(slack, "bob", "new Delta lost 3万")
    slack.command("bob", "lost 4 price they went cheaper")
    page = pages.sign_in("alice")
    assert page.status == 200
    text = page.plain
    names = [s for s in ("Lead", "Contacted", "Needs confirmed", "Proposal", "Technical review", "Negotiation", "Contract")]
    assert [text.index(f"<h2>{n}</h2>") for n in names] == sorted(text.index(f"<h2>{n}</h2>") for n in names)
    proposal = text[text.index("<h2>Proposal</h2>") : text.index("<h2>Technical review</h2>")]
    assert "2 deals · ¥700k" in proposal and 'href="/deals/1"' in proposal and 'href="/deals/2"' in proposal
    negotiation = text[text.index("<h2>Negotiation</h2>") :]
    assert "1 deal · ¥80k" in negotiation and 'href="/deals/3"' in negotiation
    assert "Delta" not in text  # closed


def test_head_is_answered_without_a_body_and_other_methods_are_refused(slack, pages):
    deal(slack)
    pages.sign_in("alice")
    head = pages.get("/board", method="HEAD")
    assert head.status == 200 and head.text == ""
    post = pages.get("/board", method="POST")
    assert post.status == 405 and post.header("Allow") == "GET, HEAD"


def test_without_pages_the_paths_are_not_found(slack):
    assert slack.get("/board").status == 404
    assert slack.get("/deals/1").status == 404


# --- through the real server -------------------------------------------------------------------


def test_oppbot_web_serves_the_pages_behind_sign_in_through_gunicorn(tmp_path):
    """`oppbot web` for real (gunicorn, the asyncio front): a deal made by a signed command is
    shown to alice after she signs in through the stand-in; the front refuses other methods."""
    import urllib.error
    import urllib.request

    from tests.webserver import command, post, running_web, signed

    class Stay(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args):
            return None  # each redirect is looked at, not followed

    opener = urllib.request.build_opener(Stay)

    def get(url: str, cookie: str = "", method: str = "GET"):
        try:
            with opener.open(urllib.request.Request(url, headers={"Cookie": cookie}, method=method), timeout=5) as r:
                return r.status, r.headers, r.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, err.headers, err.read().decode()

    extra = {"SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": "s", "OPPBOT_SESSION_SECRET": "x" * 32}  # no public URL: the request's host
    with running_web(tmp_path, env=extra) as web:
        body = command("new Acme ERP 50万", web.fake)
        assert "Created #1" in post(web.base, body, signed(body))[1]
        status, headers, _ = get(web.base + "/deals/1")
        assert (status, headers["Location"]) == (302, "/login?next=/deals/1")
        status, headers, _ = get(web.base + headers["Location"])
        state_cookie = headers["Set-Cookie"].split(";")[0]
        web.fake.openid.signing_in = "U0ALICE"
        status, headers, _ = get(headers["Location"])  # the stand-in's authorize page
        assert status == 302 and headers["Location"].startswith(web.base + "/auth/callback?code=")
        status, headers, _ = get(headers["Location"], state_cookie)
        assert (status, headers["Location"]) == (302, "/deals/1")
        session = next(c.split(";")[0] for c in headers.get_all("Set-Cookie") if c.startswith(SESSION))
        status, headers, page = get(web.base + "/deals/1", session)
        assert status == 200 and "#1 Acme ERP" in page and headers["Content-Type"] == "text/html; charset=utf-8"
        assert get(web.base + "/board", session, method="POST")[0] == 405


def test_every_template_ships_with_the_package():
    import fnmatch
    import tomllib

    from tests.conftest import ROOT

    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["package-data"]["bot.pages"]
    templates = [p.relative_to(ROOT / "bot" / "pages").as_posix() for p in (ROOT / "bot" / "pages" / "templates").iterdir()]
    assert templates and all(any(fnmatch.fnmatch(t, pattern) for pattern in patterns) for t in templates)


def test_a_sign_in_left_on_slacks_page_too_long_must_start_again(pages, fake, clock):
    _, query = pages.start_sign_in()
    clock.advance(minutes=10, seconds=1)
    page = pages.get(f"/auth/callback?{urlencode({'code': fake.openid.issue('U0ALICE'), 'state': query['state']})}", headers={"Accept-Language": "en"})
    assert page.status == 400 and "Sign-in didn't complete" in page.plain
    assert SESSION not in pages.cookies and not fake.calls("openid.connect.token")


@pytest.mark.parametrize("asked", ["/deals/1。", "/deals/1\r\nSet-Cookie: x=1", "/deals/１"])
def test_an_address_a_header_cannot_carry_still_signs_in_and_returns_there_escaped(slack, pages, fake, asked):
    """A link pasted with 。 after it, or worse: the way back is kept escaped (ASCII, no line break),
    so the answer's Location header can carry it, and the sign-in completes."""
    deal(slack)
    _, query = pages.start_sign_in(asked)
    back = pages.get(f"/auth/callback?{urlencode({'code': fake.openid.issue('U0ALICE'), 'state': query['state']})}")
    assert back.status == 302 and back.location.isascii() and back.location.isprintable(), back.location
    assert back.location.startswith("/deals/") and SESSION in pages.cookies
    assert pages.get(back.location).status == 404  # not a deal's number: the page says so


def test_a_cookie_of_another_site_that_cannot_be_parsed_does_not_hide_ours(slack, pages):
    deal(slack)
    pages.sign_in("alice")
    ours = "; ".join(f"{k}={v}" for k, v in pages.cookies.items())
    for theirs in ('prefs={"k":"v"}', "x=a b", "broken"):
        assert pages.get("/deals/1", cookie=f"{theirs}; {ours}").status == 200, theirs


def test_a_guest_oppbot_has_seen_is_refused_at_sign_in_and_gets_no_session(slack, pages, fake):
    """A guest of the workspace (Slack's is_restricted) who once used /opp is known to oppbot, but
    the deal pages are for full members: refused when signing in, with no session to use later."""
    deal(slack)
    fake.add_user("U0GUEST", name="guest", locale="en-US", kind="guest")
    slack.send(
        slack.requests.command(
            user_id="U0GUEST", user_name="guest", channel_id="C0SALES", channel_name="sales", text="help", response_url=fake.response_url("g"), trigger_id="t.g"
        )
    )
    _, query = pages.start_sign_in("/deals/1")
    back = pages.get(f"/auth/callback?{urlencode({'code': fake.openid.issue('U0GUEST'), 'state': query['state']})}")
    assert back.status == 403 and "guests and people of other organisations" in back.plain
    assert SESSION not in pages.cookies and fake.last("users.info").args["user"] == "U0GUEST"
    assert pages.get("/deals/1").status == 302  # still signed out
