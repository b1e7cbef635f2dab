from datetime import date, datetime, tzinfo
from zoneinfo import ZoneInfo

import pytest

from bot.core.dates import DateReader, UnreadableDate

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")

# Wednesday; its week runs Mon 2026-11-23 .. Sun 2026-11-29.
WEDNESDAY = datetime(2026, 11, 25, 15, 0, tzinfo=SHANGHAI)
# Thursday, last day of a month, quarter and year; week Mon 12-28 .. Sun 2027-01-03.
NEW_YEARS_EVE = datetime(2026, 12, 31, 23, 30, tzinfo=SHANGHAI)
# Sunday, last day of January.
LAST_SUNDAY_OF_JANUARY = datetime(2027, 1, 31, 10, 0, tzinfo=SHANGHAI)
# Monday, first day of a month.
FIRST_OF_FEBRUARY = datetime(2027, 2, 1, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture(scope="module")
def reader():
    reader = DateReader()
    reader.warm()
    return reader


def d(text: str) -> date:
    return date.fromisoformat(text)


WEDNESDAY_CASES = [
    # days
    ("today", "2026-11-25"),
    ("今天", "2026-11-25"),
    ("tomorrow", "2026-11-26"),
    ("Tomorrow", "2026-11-26"),
    ("明天", "2026-11-26"),
    ("后天", "2026-11-27"),
    ("day after tomorrow", "2026-11-27"),
    ("大后天", "2026-11-28"),
    ("in 3 days", "2026-11-28"),
    ("3天后", "2026-11-28"),
    ("三天后", "2026-11-28"),
    ("十天后", "2026-12-05"),
    ("in 2 weeks", "2026-12-09"),
    ("in a week", "2026-12-02"),
    ("2周后", "2026-12-09"),
    ("两周后", "2026-12-09"),
    ("两个星期后", "2026-12-09"),
    ("in 1 month", "2026-12-25"),
    ("3个月后", "2027-02-25"),
    # next week's weekday
    ("下周五", "2026-12-04"),
    ("下星期五", "2026-12-04"),
    ("下礼拜五", "2026-12-04"),
    ("下个星期五", "2026-12-04"),
    ("下周一", "2026-11-30"),
    ("下周二", "2026-12-01"),
    ("下周三", "2026-12-02"),
    ("下周四", "2026-12-03"),
    ("下周六", "2026-12-05"),
    ("下周日", "2026-12-06"),
    ("下周天", "2026-12-06"),
    ("下周5", "2026-12-04"),
    ("next friday", "2026-12-04"),
    ("Next Friday", "2026-12-04"),
    ("next fri", "2026-12-04"),
    ("next Monday", "2026-11-30"),
    ("next wednesday", "2026-12-02"),
    # upcoming weekday, today included
    ("本周五", "2026-11-27"),
    ("这周五", "2026-11-27"),
    ("这个星期五", "2026-11-27"),
    ("周五", "2026-11-27"),
    ("星期五", "2026-11-27"),
    ("礼拜五", "2026-11-27"),
    ("周一", "2026-11-30"),
    ("本周一", "2026-11-30"),
    ("周二", "2026-12-01"),
    ("周三", "2026-11-25"),
    ("周四", "2026-11-26"),
    ("周六", "2026-11-28"),
    ("周日", "2026-11-29"),
    ("星期天", "2026-11-29"),
    ("this friday", "2026-11-27"),
    ("friday", "2026-11-27"),
    ("fri", "2026-11-27"),
    ("FRI", "2026-11-27"),
    ("wednesday", "2026-11-25"),
    ("monday", "2026-11-30"),
    # month ends and starts
    ("月底", "2026-11-30"),
    ("本月底", "2026-11-30"),
    ("这个月底", "2026-11-30"),
    ("月末", "2026-11-30"),
    ("end of month", "2026-11-30"),
    ("end of the month", "2026-11-30"),
    ("eom", "2026-11-30"),
    ("EOM", "2026-11-30"),
    ("下月底", "2026-12-31"),
    ("下个月底", "2026-12-31"),
    ("end of next month", "2026-12-31"),
    ("下个月初", "2026-12-01"),
    ("下月初", "2026-12-01"),
    ("start of next month", "2026-12-01"),
    ("beginning of next month", "2026-12-01"),
    ("月初", "2026-12-01"),
    # weeks
    ("本周末", "2026-11-29"),
    ("这周末", "2026-11-29"),
    ("周末", "2026-11-29"),
    ("end of week", "2026-11-29"),
    ("this weekend", "2026-11-29"),
    ("下周末", "2026-12-06"),
    ("next week", "2026-11-30"),
    ("下周", "2026-11-30"),
    ("this week", "2026-11-27"),
    ("本周", "2026-11-27"),
    # quarters and years
    ("end of quarter", "2026-12-31"),
    ("eoq", "2026-12-31"),
    ("季度末", "2026-12-31"),
    ("本季度末", "2026-12-31"),
    ("季末", "2026-12-31"),
    ("end of next quarter", "2027-03-31"),
    ("下季度末", "2027-03-31"),
    ("end of year", "2026-12-31"),
    ("eoy", "2026-12-31"),
    ("年底", "2026-12-31"),
    ("年末", "2026-12-31"),
    ("今年年底", "2026-12-31"),
    # explicit dates
    ("2026-12-31", "2026-12-31"),
    ("12/31", "2026-12-31"),
    ("Dec 31", "2026-12-31"),
    ("december 31st", "2026-12-31"),
    ("31 Dec", "2026-12-31"),
    ("31 Dec 2026", "2026-12-31"),
    ("12月10日", "2026-12-10"),
    ("12月10号", "2026-12-10"),
    ("十二月十日", "2026-12-10"),
    ("１２月１０日", "2026-12-10"),
    ("2026年12月10日", "2026-12-10"),
    ("1月5日", "2027-01-05"),
    ("11月25日", "2026-11-25"),
    ("12.10", "2026-12-10"),
    ("31/12", "2026-12-31"),
    ("2027年1月5号", "2027-01-05"),
    # surrounding noise
    ("  tomorrow  ", "2026-11-26"),
    ("end  of   month", "2026-11-30"),
    ("by friday", "2026-11-27"),
    ("due by eom", "2026-11-30"),
    ("sept 1", "2027-09-01"),
    ("2月29日", "2028-02-29"),
    # left to dateparser
    ("yesterday", "2026-11-24"),
    ("2 weeks from now", "2026-12-09"),
]


@pytest.mark.parametrize("text, expected", WEDNESDAY_CASES)
def test_read_on_a_wednesday(reader, text, expected):
    assert reader.read(text, now=WEDNESDAY) == d(expected)


NEW_YEARS_EVE_CASES = [
    ("today", "2026-12-31"),
    ("tomorrow", "2027-01-01"),
    ("明天", "2027-01-01"),
    ("后天", "2027-01-02"),
    ("周五", "2027-01-01"),
    ("周四", "2026-12-31"),
    ("周三", "2027-01-06"),
    ("下周五", "2027-01-08"),
    ("next friday", "2027-01-08"),
    ("next Monday", "2027-01-04"),
    ("next week", "2027-01-04"),
    ("this week", "2027-01-01"),
    ("周末", "2027-01-03"),
    ("下周末", "2027-01-10"),
    ("月底", "2026-12-31"),
    ("下月底", "2027-01-31"),
    ("月初", "2027-01-01"),
    ("下个月初", "2027-01-01"),
    ("eoq", "2026-12-31"),
    ("下季度末", "2027-03-31"),
    ("年底", "2026-12-31"),
    ("end of next year", "2027-12-31"),
    ("in 2 weeks", "2027-01-14"),
    ("in 1 month", "2027-01-31"),
    ("3个月后", "2027-03-31"),
    ("12/31", "2026-12-31"),
    ("Dec 31", "2026-12-31"),
    ("12月31日", "2026-12-31"),
    ("12月10日", "2027-12-10"),
    ("1月5日", "2027-01-05"),
    ("2026-12-31", "2026-12-31"),
    ("31 Dec 2026", "2026-12-31"),
]


@pytest.mark.parametrize("text, expected", NEW_YEARS_EVE_CASES)
def test_read_on_new_years_eve(reader, text, expected):
    assert reader.read(text, now=NEW_YEARS_EVE) == d(expected)


LAST_SUNDAY_OF_JANUARY_CASES = [
    ("today", "2027-01-31"),
    ("周日", "2027-01-31"),
    ("周末", "2027-01-31"),
    ("this week", "2027-01-31"),
    ("本周", "2027-01-31"),
    ("下周末", "2027-02-07"),
    ("next week", "2027-02-01"),
    ("周五", "2027-02-05"),
    ("下周五", "2027-02-05"),
    ("下月底", "2027-02-28"),
    ("in 1 month", "2027-02-28"),
    ("月初", "2027-02-01"),
    ("季度末", "2027-03-31"),
    ("end of next quarter", "2027-06-30"),
]


@pytest.mark.parametrize("text, expected", LAST_SUNDAY_OF_JANUARY_CASES)
def test_read_on_a_sunday_at_month_end(reader, text, expected):
    assert reader.read(text, now=LAST_SUNDAY_OF_JANUARY) == d(expected)


@pytest.mark.parametrize(
    "text, expected",
    [("月初", "2027-02-01"), ("下个月初", "2027-03-01"), ("下周一", "2027-02-08"), ("周一", "2027-02-01")],
)
def test_read_on_the_first_of_the_month(reader, text, expected):
    assert reader.read(text, now=FIRST_OF_FEBRUARY) == d(expected)


def test_same_instant_same_calendar_day():
    shanghai = datetime(2026, 11, 25, 23, 30, tzinfo=SHANGHAI)
    new_york = shanghai.astimezone(NEW_YORK)
    assert new_york.replace(tzinfo=None) == datetime(2026, 11, 25, 10, 30)


@pytest.mark.parametrize(
    "text, in_shanghai, in_new_york",
    [
        # 2026-11-25 23:30 in Shanghai is 10:30 the same day in New York.
        ("tomorrow", "2026-11-26", "2026-11-26"),
        ("today", "2026-11-25", "2026-11-25"),
    ],
)
def test_timezone_same_day(reader, text, in_shanghai, in_new_york):
    shanghai = datetime(2026, 11, 25, 23, 30, tzinfo=SHANGHAI)
    new_york = shanghai.astimezone(NEW_YORK)
    assert reader.read(text, now=shanghai) == d(in_shanghai)
    assert reader.read(text, now=new_york) == d(in_new_york)


@pytest.mark.parametrize(
    "text, in_shanghai, in_new_york",
    [
        # 2026-11-26 09:00 in Shanghai is still 2026-11-25 20:00 in New York.
        ("today", "2026-11-26", "2026-11-25"),
        ("tomorrow", "2026-11-27", "2026-11-26"),
        ("明天", "2026-11-27", "2026-11-26"),
        ("后天", "2026-11-28", "2026-11-27"),
        ("yesterday", "2026-11-25", "2026-11-24"),
        ("Dec 1 02:00 UTC", "2026-12-01", "2026-11-30"),
    ],
)
def test_user_timezone_decides_the_day(reader, text, in_shanghai, in_new_york):
    shanghai = datetime(2026, 11, 26, 9, 0, tzinfo=SHANGHAI)
    new_york = shanghai.astimezone(NEW_YORK)
    assert new_york.date() == d("2026-11-25")
    assert reader.read(text, now=shanghai) == d(in_shanghai)
    assert reader.read(text, now=new_york) == d(in_new_york)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "asdf",
        "someday",
        "soon",
        "2",
        "2027",
        "50万",
        "2月30日",
        "13月1日",
        "0月0日",
        "2026年13月1日",
        "2050年1月1日",
        "99/99",
        "feb 30",
        "十十天后",
        "下下下周",
        "in 20 years",
        "3000-01-01",
        "in 99999999999 days",
        # dates in languages the team does not use: refused, not guessed
        "lunes",
        "demain",
        "5 de marzo",
    ],
)
def test_unreadable_date(reader, text):
    with pytest.raises(UnreadableDate) as info:
        reader.read(text, now=WEDNESDAY)
    assert info.value.text == text
    assert str(info.value) == f"cannot read a date from {text!r}"


class _NoOffset(tzinfo):
    """A time zone that does not know its offset: ``now`` in it is as good as naive."""

    def utcoffset(self, dt):
        return None


@pytest.mark.parametrize("tz", [None, _NoOffset()])
def test_naive_now_is_rejected(reader, tz):
    with pytest.raises(ValueError, match="^now must be timezone-aware$"):
        reader.read("tomorrow", now=datetime(2026, 11, 25, 15, 0, tzinfo=tz))


def test_languages_are_kept():
    assert DateReader().languages == ("en", "zh")
    assert DateReader(languages=("en",)).languages == ("en",)


# Spellings and number words, on Wednesday 2026-11-25: each weekday name lands on its own day.
VOCABULARY_CASES = [
    ("tuesday", "2026-12-01"),
    ("tues", "2026-12-01"),
    ("tue", "2026-12-01"),
    ("next tuesday", "2026-12-01"),
    ("next tues", "2026-12-01"),
    ("thursday", "2026-11-26"),
    ("thurs", "2026-11-26"),
    ("thur", "2026-11-26"),
    ("thu", "2026-11-26"),
    ("next thurs", "2026-12-03"),
    ("saturday", "2026-11-28"),
    ("sat", "2026-11-28"),
    ("sunday", "2026-11-29"),
    ("sun", "2026-11-29"),
    ("mon", "2026-11-30"),
    ("wed", "2026-11-25"),
    ("周1", "2026-11-30"),
    ("周2", "2026-12-01"),
    ("周3", "2026-11-25"),
    ("周4", "2026-11-26"),
    ("星期6", "2026-11-28"),
    ("礼拜7", "2026-11-29"),
    ("下周1", "2026-11-30"),
    ("下周7", "2026-12-06"),
    ("in one day", "2026-11-26"),
    ("in two days", "2026-11-27"),
    ("in three days", "2026-11-28"),
    ("in four days", "2026-11-29"),
    ("in five days", "2026-11-30"),
    ("in six days", "2026-12-01"),
    ("in seven days", "2026-12-02"),
    ("in eight days", "2026-12-03"),
    ("in nine days", "2026-12-04"),
    ("in ten days", "2026-12-05"),
    ("in an hour", "2026-11-25"),
    ("in two weeks", "2026-12-09"),
    ("in three months", "2027-02-25"),
    ("一天后", "2026-11-26"),
    ("四天后", "2026-11-29"),
    ("五天后", "2026-11-30"),
    ("六天后", "2026-12-01"),
    ("七天后", "2026-12-02"),
    ("八天后", "2026-12-03"),
    ("九天后", "2026-12-04"),
    ("十五天后", "2026-12-10"),
    ("二十天后", "2026-12-15"),
    ("二十一天后", "2026-12-16"),
    ("两个月后", "2027-01-25"),
]


@pytest.mark.parametrize("text, expected", VOCABULARY_CASES)
def test_weekday_spellings_and_number_words(reader, text, expected):
    """Every weekday spelling (tues, thurs, 周1 ...) and number word (two, 二十一 ...) means its own value."""
    assert reader.read(text, now=WEDNESDAY) == d(expected)


@pytest.mark.parametrize("typed, expected", [("tuesday", "2026-12-01"), ("thurs", "2026-11-26"), ("周1", "2026-11-30")])
def test_a_close_date_typed_with_a_weekday_lands_on_that_day(slack, db, typed, expected):
    """/opp new ... close tuesday (on Wednesday 2026-11-25) sets the close date to Tuesday 2026-12-01."""
    reply = slack.command("alice", f"new Acme 5万 close {typed}")
    assert "Created #1" in reply.text, reply.text
    assert db.deal(1).expected_close == d(expected)


FRIDAY = datetime(2026, 11, 27, 9, 0, tzinfo=SHANGHAI)
SATURDAY = datetime(2026, 11, 28, 9, 0, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    "now, text, expected",
    [
        (FRIDAY, "this week", "2026-11-27"),  # Friday: the working week ends today
        (FRIDAY, "本周", "2026-11-27"),
        (SATURDAY, "this week", "2026-11-29"),  # the working week is over: Sunday
        (WEDNESDAY, "两个礼拜后", "2026-12-09"),  # 礼拜 is a week, like 周 and 星期
        (WEDNESDAY, "3礼拜后", "2026-12-16"),
        (WEDNESDAY, "13/12", "2026-12-13"),  # a first number above 12 is the day
        (WEDNESDAY, "12/13", "2026-12-13"),
    ],
)
def test_week_ends_week_words_and_day_first_dates(reader, now, text, expected):
    """The end of "this week" on a Friday and a Saturday, 礼拜 as a unit, day/month read both ways."""
    assert reader.read(text, now=now) == d(expected)
