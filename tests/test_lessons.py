"""The lessons base (经验库): `/opp lessons <word>` (`/opp 经验 …`) finds written reviews by a word of
their text, a competitor, a deal's industry or a reason (its key, or its name in either language),
newest first, capped with "and N more" — checked against an independent computation over generated
reviews, in both languages; and a new or moved deal's card counts the lessons of similar deals (same
industry, or a competitor it names) with a button that lists them."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.blocks.ids import Action
from bot.core.config import Config
from bot.deals import opportunities, reviews
from bot.deals.opportunities import DealInput
from bot.deals.reviews import ReviewInput
from bot.demo.pipeline import SAMPLES
from bot.team.members import actor_for, ensure_workspace
from store.models import Member
from tests import test_console
from tests.conftest import USERS, payload_text
from tests.test_commands import ephemeral
from tests.test_console import reply_to

env, console = test_console.env, test_console.console  # the console's fixtures: a database of its own, a session on the test clock
WORDS = ("quote", "Quote", "QUOTE the CFO", "demo", "Pilot", "报价", "演示", "试点", "price", "培训", "100%", "on_site", "1000 seats", "on-site")
INDUSTRIES = ("Logistics", "logistics", "制造", "Retail", "医疗", None)
COMPETITORS = ("用友", "Globex", "globex", "Initech", None)


@dataclass
class Written:
    """A generated review as written (the test's own record, not read back from the database)."""

    number: int
    order: int  # the order it was written in: the newer, the higher
    outcome: str
    status: str  # done, skipped, asked
    reason: str | None
    industry: str | None
    competitor: str | None = None
    worked: str | None = None
    didnt: str | None = None
    lesson: str | None = None
    amount: Decimal | None = None
    currency: str = "CNY"


def actor(rt, who: str):
    with rt.sessions() as s:
        return actor_for(s.scalars(select(Member).where(Member.slack_user_id == USERS[who]["user_id"])).one(), rt.config)


def close_deal(rt, owner, w: Written, title: str) -> int:
    """A deal of ``w``'s industry and amount, closed with ``w``'s outcome and reason; its number."""
    reasons = rt.config.won_reasons if w.outcome == "won" else rt.config.lost_reasons
    with rt.transaction() as s:
        deal = DealInput(title=title, industry=w.industry, amount=w.amount, currency=w.currency)
        opp, _ = opportunities.create(s, actor=owner, deal=deal, config=rt.config, clock=rt.clock)
        reason = w.reason or (None if w.outcome == "won" else reasons[0].key)
        opportunities.close(s, actor=owner, number=opp.number, won=w.outcome == "won", reason=reason, note=None, config=rt.config, clock=rt.clock)
        return opp.number


def write(rt, owner, w: Written) -> None:
    """Write (or skip) ``w``'s review through the review service, as the form does."""
    with rt.transaction() as s:
        if w.status == "skipped":
            reviews.skip(s, actor=owner, number=w.number, config=rt.config, clock=rt.clock)
        elif w.status == "done":
            texts = {name: getattr(w, name) for name in ("competitor", "worked", "didnt", "lesson")}
            reviews.submit(s, actor=owner, number=w.number, given=ReviewInput(reason=w.reason, texts=texts), config=rt.config, clock=rt.clock)


def generate(rt, slack, count: int, seed: int) -> list[Written]:
    """``count`` won and lost deals of alice's, each reason in turn, of random industries and
    amounts, most reviewed with random words and competitors (some skipped, some still asked), the
    reviews written in a shuffled order a minute apart."""
    rnd = random.Random(seed)
    slack.command("alice", "help")
    owner = actor(rt, "alice")
    made = []
    for i in range(count):
        outcome = ("won", "lost")[i % 2]
        reasons = rt.config.won_reasons if outcome == "won" else rt.config.lost_reasons
        w = Written(
            number=0,
            order=0,
            outcome=outcome,
            status=rnd.choices(("done", "skipped", "asked"), (7, 1, 2))[0],
            reason=reasons[i // 2 % len(reasons)].key,  # every reason of both outcomes
            industry=rnd.choice(INDUSTRIES),
            amount=Decimal(rnd.randrange(1, 100) * 10000),
        )
        if w.status == "done":
            w.competitor = rnd.choice(COMPETITORS)
            for name in ("worked", "didnt", "lesson"):
                w.__dict__[name] = " ".join(rnd.sample(WORDS, rnd.randrange(0, 3))) or None
            w.lesson = w.lesson or f"lesson {i}"
        w.number = close_deal(rt, owner, w, f"Deal {i}")
        made.append(w)
    for order, w in enumerate(rnd.sample(made, len(made)), 1):
        rt.clock.advance(minutes=1)
        w.order = order
        write(rt, owner, w)
    return made


def other_workspace(rt, industry: str = "Logistics 制造 Retail 医疗") -> None:
    """A deal in another workspace whose review every search word would find: never listed."""
    with rt.transaction() as s:
        ensure_workspace(s, "T0OTHER", rt.clock)
        member = Member(workspace_id="T0OTHER", slack_user_id="U0OTHER", display_name="other", role="ae", created_at=rt.clock.now())
        s.add(member)
        s.flush()
        other = actor_for(member, rt.config)
    w = Written(0, 0, "lost", "done", "price", industry, "用友 Globex Initech", lesson=" ".join(WORDS), worked="无预算 客户关系")
    w.number = close_deal(rt, other, w, "Elsewhere")
    write(rt, other, w)


def expected(config: Config, made: list[Written], word: str) -> list[int]:
    """The numbers ``word`` should find, newest first: written reviews whose texts, competitor or
    industry hold it in any case, or whose reason's key or name (either language) holds it."""
    wanted = word.casefold()

    def reason_holds(w: Written) -> bool:
        reasons = config.won_reasons if w.outcome == "won" else config.lost_reasons
        reason = next((r for r in reasons if r.key == w.reason), None)
        return reason is not None and any(wanted in label.casefold() for label in (reason.key, reason.names["zh"], reason.names["en"]))

    found = [
        w
        for w in made
        if w.status == "done"
        and (any(wanted in (text or "").casefold() for text in (w.worked, w.didnt, w.lesson, w.competitor, w.industry)) or reason_holds(w))
    ]
    return [w.number for w in sorted(found, key=lambda w: -w.order)]


def listed(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"^\*(?:<[^|>\n]+\|)?#(\d+)>?\*", text, flags=re.MULTILINE)]  # a number, or its link


def total_of(text: str) -> int:
    """How many lessons an answer's title says were found: "Lessons: “quote” (7)", "经验库：「quote」（7 条）"."""
    return int(re.search(r"(\d+)(?: 条)?[)）]$", text.split("\n")[0]).group(1))


SEARCHES = (
    "quote",  # a word, any case
    "QUOTE the",
    "报价",
    "100%",  # % and _ are themselves, not wildcards
    "on_site",
    "globex",  # a competitor
    "用友",
    "logistics",  # an industry
    "制造",
    "price",  # a reason: key and name, won and lost
    "Price",
    "价格",  # 价格 (lost) and 价格优势 (won)
    "优势",  # 价格优势, the won reason price: not a lost deal's price
    "no_budget",
    "No budget",
    "无预算",
    "关系",  # part of 客户关系
    "Product",  # Product fit (won), Product gap (lost)
)


@pytest.fixture
def made(rt, slack):
    made = generate(rt, slack, 40, seed=7)
    other_workspace(rt)
    return made


@pytest.mark.parametrize("word", SEARCHES)
def test_a_search_finds_what_an_independent_reading_of_the_reviews_finds(slack, rt, made, word):
    want = expected(rt.config, made, word)
    assert want, f"the generated reviews should hold {word!r}"
    for who, command in (("alice", "lessons"), ("li", "经验")):
        text = ephemeral(slack.command(who, f"{command} {word}"))
        assert listed(text) == want[:10], (who, word)
        assert total_of(text) == len(want)
        more = len(want) - 10
        if who == "alice":
            assert (f"and {more} more — narrow it with another word." in text) == (more > 0)
        else:
            assert (f"还有 {more} 条 — 换个更具体的词缩小范围。" in text) == (more > 0)


def test_nothing_found_says_what_can_be_searched(slack, rt, made):
    for word in ("zzz", "%%", "Elsewhere"):  # the other workspace's deal title is not searched, nor is it listed
        assert expected(rt.config, made, word) == []
        assert ephemeral(slack.command("alice", f"lessons {word}")).startswith(f"No lessons match “{word}”.")
        assert ephemeral(slack.command("li", f"经验 {word}")).startswith(f"经验库里没有与「{word}」有关的经验。")


def test_a_lesson_shows_its_deal_outcome_reason_competitor_and_industry(slack, rt):
    slack.command("li", "新建 恒通 WMS 50万 行业 制造")
    slack.command("li", "输单 1 竞争对手")
    slack.submit("li", slack.opened_view(), {"competitor": "用友", "didnt": "报价太慢", "lesson": "<!channel> 一天内报价"})
    en = ephemeral(slack.command("alice", "lessons 用友"))
    assert "*#1* 恒通 WMS · lost (Competitor) · competitor 用友 · 制造 · 2026-11-25\n> &lt;!channel&gt; 一天内报价" in en
    zh = ephemeral(slack.command("li", "经验 用友"))
    assert "*#1* 恒通 WMS · 已输单（竞争对手） · 对手 用友 · 制造 · 2026-11-25\n> &lt;!channel&gt; 一天内报价" in zh


@pytest.mark.parametrize(
    "who, text, message",
    [
        ("alice", "lessons", "⚠️ Say what to look for: a word, a competitor, an industry or a reason"),
        ("li", "经验", "⚠️ 请给出要找的经验：关键词、竞争对手、行业或原因"),
        ("alice", "lessons " + "x" * 101, "⚠️ That is too long (101 characters); the most is 100."),
        ("li", "经验库 " + "长" * 101, "⚠️ 输入太长了（101 个字符），最多 100 个字符。"),
    ],
)
def test_a_search_without_a_word_or_with_too_long_a_one_says_so(slack, who, text, message):
    assert ephemeral(slack.command(who, text)).startswith(message)


# --- lessons from similar deals, on a new or moved deal's card ------------------------------------


def similar_world(slack, rt) -> None:
    """Written reviews: #1 制造 (a lesson), #2 Retail naming Globex, #3 制造 but skipped, #4 Retail
    naming "IBM"; and a deal elsewhere of 制造."""
    slack.command("alice", "help")
    owner = actor(rt, "alice")
    for w, title in (
        (Written(0, 0, "lost", "done", "price", "制造", "用友", lesson="Quote within a day"), "MES upgrade"),
        (Written(0, 0, "won", "done", "service", "Retail", "Globex", worked="On-site pilot"), "POS rollout"),
        (Written(0, 0, "lost", "skipped", "timing", "制造"), "WMS"),
        (Written(0, 0, "lost", "done", "price", "Retail", "I", lesson="too short a name to look for"), "CRM"),
    ):
        w.number = close_deal(rt, owner, w, title)
        rt.clock.advance(minutes=1)
        write(rt, owner, w)
    other_workspace(rt, industry="制造")


def hint(answer) -> tuple[str, str] | None:
    """The card's lessons line and its button's deal number, if it has one."""
    for block in answer.json["blocks"]:
        accessory = block.get("accessory") or {}
        if accessory.get("action_id") == Action.LESSONS_SIMILAR:
            return block["text"]["text"], accessory["value"]
    return None


def test_a_new_deal_of_the_same_industry_or_naming_a_competitor_shows_their_lessons(slack, rt):
    similar_world(slack, rt)
    answer = slack.command("alice", "new Globex replacement 30万 industry 制造")  # #6 (#5 is elsewhere's number 1)
    number = re.search(r"Created #(\d+)", answer.text).group(1)
    assert hint(answer) == ("💡 2 lessons from similar deals", number)
    slack.click("alice", Action.LESSONS_SIMILAR, number)
    shown = slack.responses()[-1]
    assert shown["text"] == f"Lessons from deals like #{number} (2)"
    assert listed("\n".join(b["text"]["text"] for b in shown["blocks"] if b["type"] == "section")) == [2, 1]  # newest first
    zh = slack.command("li", "新建 制造 MES 二期 行业 制造")
    assert hint(zh)[0] == "💡 相似商机的 1 条经验"
    assert hint(slack.command("alice", "new Unrelated 10万 industry 金融")) is None
    assert hint(slack.command("alice", f"show {number}")) is None  # only when created or entering a stage


def test_a_deal_entering_a_stage_counts_a_competitor_its_risk_note_names(slack, rt):
    similar_world(slack, rt)
    slack.command("alice", "new Retail upgrade 30万")
    number = int(re.search(r"#(\d+)", slack.command("alice", "list").text).group(1))
    assert hint(slack.command("alice", f"move {number} contacted")) is None  # no industry; names no competitor yet
    slack.command("alice", f"risk {number} competitor globex quoted lower")
    answer = slack.command("alice", f"move {number} needs")
    assert hint(answer) == ("💡 1 lesson from a similar deal", str(number))
    slack.command("alice", f"edit {number}")
    slack.submit("alice", slack.opened_view(), {"industry": "retail", "stage": "proposal"})  # the edit form: a stage and an industry
    assert "💡 2 lessons from similar deals" in payload_text(slack.fake.last("chat.postEphemeral").args)
    slack.command("alice", f"edit {number}")
    slack.submit("alice", slack.opened_view(), {"next_step": "call them"})  # no stage entered: no lessons
    assert "lessons from similar" not in payload_text(slack.fake.last("chat.postEphemeral").args)


def test_the_similar_lessons_button_of_a_deal_with_none_says_so(slack, rt):
    slack.command("alice", "new Lonely 10万")
    slack.click("alice", Action.LESSONS_SIMILAR, "1")
    assert slack.responses()[-1]["text"] == "No lessons from deals like #1 yet."
    slack.click("li", Action.LESSONS_SIMILAR, "1")
    assert slack.responses()[-1]["text"] == "还没有与 #1 相似的商机的经验。"
    slack.click("alice", Action.LESSONS_SIMILAR, "9")
    assert slack.responses()[-1]["text"].startswith("⚠️ There is no deal #9.")


# --- in the console --------------------------------------------------------------------------------


def test_in_the_console_the_demo_has_lessons_and_a_lost_deals_review_is_asked_written_and_found(env, console):
    n = len(SAMPLES) + 1
    form = ("", "Globex", "", "The quote came late", "Quote the same week")  # the reason kept, competitor, worked, didn't, the lesson (sends it)
    searches = ("/opp 经验 globex", "/opp new Conveyor retrofit industry logistics")
    out = console("/opp lessons quote", "/opp new Warehouse AGVs 80万 industry Logistics", f"/opp lost {n} price", *form, *searches, demo=True)
    demo = reply_to(out, "alice> /opp lessons quote")
    assert "Warehouse robotics pilot · lost (Competitor) · competitor Skynet Robotics · Logistics" in demo
    assert "> Quote within two days of the pilot scope" in demo
    lost = reply_to(out, f"alice> /opp lost {n} price")
    assert f"── Review #{n} ──" in lost and "[Write the review] [Skip] [Review meeting]" in lost
    assert f"Saved the review of #{n}; it is in the lessons base now" in out
    found = reply_to(out, "alice> /opp 经验 globex")
    assert "经验库：「globex」（1 条）" in found and f"*#{n}* Warehouse AGVs · 已输单（价格） · 对手 Globex · Logistics" in found
    assert "> Quote the same week" in found
    assert "💡 2 lessons from similar deals  [Show lessons]" in reply_to(out, "alice> /opp new Conveyor retrofit")
