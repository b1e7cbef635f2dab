"""The web pages in a real browser: headless Chromium (Debian's chromium and chromedriver) driven
by Selenium against the app served on a local port, signing in through the Web API stand-in's
Sign in with Slack (its authorize page sends the browser straight back with a code).

Skipped only where Chromium is missing and not on CI (CI=true: it must run; `./dev test`
installs chromium, chromium-driver and fonts-noto-cjk when it can).

With OPPBOT_SCREENSHOTS=<directory> the test also saves the pages it looked at there, in English
and Chinese (deal-en.png, deal-zh.png, board-en.png, board-zh.png): the screenshots in
docs/screens are made with `OPPBOT_SCREENSHOTS=docs/screens pytest tests/test_pages_browser.py`.
"""

from __future__ import annotations

import base64
import os
import shutil
import threading
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

from bot.console.slack_api import TEAM_ID
from bot.pages.site import Site
from bot.web import wsgi_app
from tests.conftest import SlackClient
from tests.pagesite import page_settings

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
HAVE_BROWSER = Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()

if not HAVE_BROWSER and os.environ.get("CI") != "true":
    pytest.skip("Chromium and chromedriver are not installed (apt-get install chromium chromium-driver)", allow_module_level=True)

try:
    from selenium import webdriver
    from selenium.webdriver.common.by import By
except ImportError:  # the test extra is not installed
    if os.environ.get("CI") == "true":
        raise
    pytest.skip("selenium is not installed (pip install -e '.[test]')", allow_module_level=True)


class _Quiet(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        pass


class _Threaded(WSGIServer):
    """One thread a request: the browser opens several connections at once."""

    daemon_threads = True

    def process_request(self, request, client_address):
        threading.Thread(target=self._serve_one, args=(request, client_address), daemon=True).start()

    def _serve_one(self, request, client_address):
        try:
            self.finish_request(request, client_address)
        finally:
            self.shutdown_request(request)


@contextmanager
def serving(slack: SlackClient):
    """The app (Slack's endpoint and the pages) on a free local port; its public URL is that port."""
    server = make_server("127.0.0.1", 0, lambda e, s: None, server_class=_Threaded, handler_class=_Quiet)
    base = f"http://127.0.0.1:{server.server_port}"
    rt = replace(slack.rt, default_config=replace(slack.rt.config, public_url=base))
    server.set_app(wsgi_app(slack.app, rt, pages=Site(rt, page_settings(slack.fake.api_url))))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,900", "--lang=en-US"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=webdriver.ChromeService(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def seed(slack: SlackClient) -> None:
    """A small team's pipeline: deals in several stages, in English and Chinese, one with history."""
    for who, text in (
        ("alice", "new Acme ERP rollout 120万 account Acme Corp contact Dana Lee close 2026-12-31 stage proposal"),
        ("li", "new 华东区 CRM 升级 80万 account 上海某某集团 contact 王经理 close 2027-01-15 stage needs"),
        ("bob", "new Globex data platform 45万 account Globex close 2027-02-28 stage tech_review"),
        ("li", "new 深圳工厂 MES 二期 200万 account 深圳某制造 close 2027-03-31 stage negotiation"),
        ("alice", "new Initech renewal 12万 account Initech stage contract"),
        ("bob", "new Umbrella pilot 6万 account Umbrella stage lead"),
    ):
        assert "#" in slack.command(who, text).text
    slack.command("alice", "move 1 negotiation")
    slack.command("alice", "log 1 meeting: Workshop with the CFO; budget approved next: send the contract draft by 2026-12-02")
    slack.command("li", "move 2 proposal")
    slack.command("li", "记录 2 电话：王经理确认预算，下周安排演示 下一步：12月3日前准备演示环境")


def screenshot(driver, name: str, width: int) -> None:
    """The whole page (beyond the window's height), ``width`` CSS pixels wide, saved as ``name``."""
    target = os.environ.get("OPPBOT_SCREENSHOTS")
    if not target:
        return
    driver.set_window_size(width, 300)  # the content's own height, not the window's
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    clip = {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 4000), "scale": 1}
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip})
    Path(target).mkdir(parents=True, exist_ok=True)
    (Path(target) / name).write_bytes(base64.b64decode(shot["data"]))


def sign_out(driver, base: str) -> None:
    driver.get(base + "/logout")
    driver.delete_all_cookies()


def test_a_deal_page_asks_for_sign_in_and_lands_back_on_the_deal_then_the_board_links_to_it(slack, fake, browser):
    seed(slack)
    fake.openid.signing_in = "U0ALICE"
    with serving(slack) as base:
        browser.get(base + "/deals/1")
        assert browser.current_url == base + "/deals/1"  # /login -> Slack's page -> /auth/callback -> back here
        assert [c.method for c in fake.calls() if c.method.startswith("openid")] == [
            "openid.connect.authorize",
            "openid.connect.token",
            "openid.connect.userInfo",
        ]
        assert browser.find_element(By.TAG_NAME, "h1").text == "#1 Acme ERP rollout"
        body = browser.find_element(By.TAG_NAME, "body").text
        for shown in (
            "Acme Corp · Dana Lee",
            "Negotiation",
            "¥1.2M",
            "send the contract draft",
            "moved the stage from Proposal to Negotiation",
            "Workshop with the CFO",
        ):
            assert shown in body, shown
        cookie = browser.get_cookie("oppbot_session")
        assert cookie["httpOnly"] is True and cookie["sameSite"] == "Lax" and cookie["secure"] is False  # http here
        screenshot(browser, "deal-en.png", 1000)

        browser.get(base + "/board")
        columns = browser.find_elements(By.CSS_SELECTOR, ".column")
        assert [c.find_element(By.TAG_NAME, "h2").text for c in columns] == [
            "Lead",
            "Contacted",
            "Needs confirmed",
            "Proposal",
            "Technical review",
            "Negotiation",
            "Contract",
        ]
        negotiation = columns[5]
        assert negotiation.find_element(By.CSS_SELECTOR, ".sum").text == "2 deals · ¥3.2M"
        screenshot(browser, "board-en.png", 1700)
        browser.set_window_size(1280, 900)
        negotiation.find_element(By.CSS_SELECTOR, 'a[href="/deals/1"]').click()
        assert browser.current_url == base + "/deals/1"

        # on a phone's width the columns stack, one under the other
        browser.get(base + "/board")
        browser.set_window_size(390, 844)
        lefts = {c.location["x"] for c in browser.find_elements(By.CSS_SELECTOR, ".column")}
        assert len(lefts) == 1


def test_a_chinese_speaking_person_reads_the_pages_in_chinese(slack, fake, browser):
    seed(slack)
    fake.openid.signing_in = "U0LI"  # locale zh-CN
    with serving(slack) as base:
        browser.get(base + "/deals/2")
        assert browser.current_url == base + "/deals/2"
        assert browser.find_element(By.TAG_NAME, "h1").text == "#2 华东区 CRM 升级"
        body = browser.find_element(By.TAG_NAME, "body").text
        for shown in ("阶段", "方案提交", "¥80万", "负责人", "阶段变化", "把阶段从 需求确认 推进到 方案提交", "王经理确认预算"):
            assert shown in body, shown
        screenshot(browser, "deal-zh.png", 1000)
        browser.get(base + "/board")
        assert browser.find_element(By.TAG_NAME, "h1").text == "商机看板"
        sums = [c.text for c in browser.find_elements(By.CSS_SELECTOR, ".column .sum")]
        assert sums[5] == "2 个 · ¥320万"
        screenshot(browser, "board-zh.png", 1700)


def test_a_person_of_another_team_is_refused_in_the_browser(slack, fake, browser):
    seed(slack)
    fake.openid.signing_in, fake.openid.team_id = "U0BOB", "T0OTHER"
    with serving(slack) as base:
        browser.get(base + "/deals/1")
        assert browser.current_url == base + "/deals/1"
        assert browser.find_element(By.TAG_NAME, "h1").text == "Not available to you"
        assert "Acme" not in browser.page_source
        sign_out(browser, base)
        fake.openid.team_id = TEAM_ID
        browser.get(base + "/deals/1")
        assert browser.find_element(By.TAG_NAME, "h1").text == "#1 Acme ERP rollout"
