from decimal import Decimal

import pytest

from bot.core.money import UnreadableAmount, exact_amount, format_amount, looks_like_amount, parse_amount


@pytest.mark.parametrize(
    "text, amount, currency",
    [
        ("50000", "50000", "USD"),
        ("50k", "50000", "USD"),
        ("50K", "50000", "USD"),
        ("1.2M", "1200000", "USD"),
        ("1.2m", "1200000", "USD"),
        ("2b", "2000000000", "USD"),
        ("2bn", "2000000000", "USD"),
        ("2BN", "2000000000", "USD"),
        ("50万", "500000", "USD"),
        ("50w", "500000", "USD"),
        ("50W", "500000", "USD"),
        ("3.5亿", "350000000", "USD"),
        ("¥300,000", "300000", "CNY"),
        ("￥300,000", "300000", "CNY"),
        ("$20k", "20000", "USD"),
        ("€5k", "5000", "EUR"),
        ("£5k", "5000", "GBP"),
        ("300000 CNY", "300000", "CNY"),
        ("300000CNY", "300000", "CNY"),
        ("CNY 300000", "300000", "CNY"),
        ("USD 20k", "20000", "USD"),
        ("usd20k", "20000", "USD"),
        ("50万元", "500000", "CNY"),
        ("300元", "300", "CNY"),
        ("RMB 5万", "50000", "CNY"),
        ("5万美元", "50000", "USD"),
        ("¥50万元", "500000", "CNY"),
        ("1,234.50", "1234.50", "USD"),
        ("５０万", "500000", "USD"),
        ("  50k  ", "50000", "USD"),
        ("0.5", "0.50", "USD"),
        ("999999999999999.99", "999999999999999.99", "USD"),
        ("五十万", "500000", "USD"),
        ("一百二十万", "1200000", "USD"),
        ("两百万", "2000000", "USD"),
        ("三千五百万", "35000000", "USD"),
        ("1.5千万", "15000000", "USD"),
        ("2百万", "2000000", "USD"),
        ("十万元", "100000", "CNY"),
        ("五万美元", "50000", "USD"),
        ("¥十二万五", "125000", "CNY"),
        ("壹佰万元", "1000000", "CNY"),
        ("两千", "2000", "USD"),
        ("三百", "300", "USD"),
    ],
)
def test_parse_amount(text, amount, currency):
    assert parse_amount(text, default_currency="USD") == (Decimal(amount), currency)


def test_default_currency_applies_only_without_symbol_or_code():
    assert parse_amount("50万", default_currency="CNY") == (Decimal("500000"), "CNY")
    assert parse_amount("$50", default_currency="CNY") == (Decimal("50"), "USD")


def test_result_is_quantized_to_cents():
    amount, _ = parse_amount("1.2345k", default_currency="USD")
    assert amount == Decimal("1234.50")
    assert amount.as_tuple().exponent == -2
    assert str(parse_amount("50万", default_currency="CNY")[0]) == "500000.00"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "abc",
        "50x",
        "1.2.3",
        "-50",
        "-5万",
        "0",
        "0万",
        "0.001",
        "12,34",
        "1e5",
        "$",
        "万",
        "$50 CNY",
        "50 万 亿",
        "1000000000000000",
        "999999999999999.999",
        "10000000亿",
        "一期",
        "十万八千里",
        "五十万元人民币",
        "零",
    ],
)
def test_unreadable_amount(text):
    with pytest.raises(UnreadableAmount) as info:
        parse_amount(text, default_currency="CNY")
    assert info.value.text == text
    assert str(info.value) == f"cannot read an amount from {text!r}"


@pytest.mark.parametrize(
    "token, expected",
    [
        ("50万", True),
        ("$20k", True),
        ("300,000", True),
        ("120000", True),
        ("50k", True),
        ("300元", True),
        ("¥300", True),
        ("USD20k", True),
        ("1000", True),
        ("1899", True),
        ("2101", True),
        ("1,999", True),
        ("2", False),
        ("v2", False),
        ("2026", False),
        ("1900", False),
        ("2100", False),
        ("999", False),
        ("12.5", False),
        ("abc", False),
        ("ERP", False),
        ("50x", False),
        ("-500", False),
        ("", False),
        ("50 万", False),
        ("五十万", True),
        ("十万元", True),
        ("两千", True),  # as 2000 is
        ("二十", False),  # as 20 is not
        ("三百", False),
        ("二〇二六", False),  # a year, as 2026 is
        ("一期", False),
    ],
)
def test_looks_like_amount(token, expected):
    assert looks_like_amount(token) is expected


@pytest.mark.parametrize(
    "amount, currency, lang, expected",
    [
        ("500000", "CNY", "zh", "¥50万"),
        ("123456", "CNY", "zh", "¥12.35万"),
        ("123450", "CNY", "zh", "¥12.35万"),  # half of the last shown digit rounds up (not to even)
        ("1234500000", "CNY", "zh", "¥12.35亿"),
        ("10000", "CNY", "zh", "¥1万"),
        ("350000000", "CNY", "zh", "¥3.5亿"),
        ("120000000", "CNY", "zh", "¥1.2亿"),
        ("99999999.99", "CNY", "zh", "¥1亿"),
        ("300", "CNY", "zh", "¥300"),
        ("300.5", "CNY", "zh", "¥300.50"),
        ("50000", "USD", "zh", "$5万"),
        ("50000", "HKD", "zh", "HKD 5万"),
        ("500000", "CNY", "en", "¥500k"),
        ("20000", "USD", "en", "$20k"),
        ("120000", "USD", "en", "$120k"),
        ("1850000", "CNY", "en", "¥1.85M"),
        ("12345", "USD", "en", "$12.35k"),
        ("9999.5", "USD", "en", "$9,999.50"),
        ("10000", "USD", "en", "$10k"),
        ("999999.99", "USD", "en", "$1M"),  # not $1,000k
        ("999994999", "USD", "en", "$999.99M"),
        ("2500000000", "USD", "en", "$2.5B"),
        ("1234.50", "USD", "en", "$1,234.50"),
        ("5000", "EUR", "en", "€5,000"),
        ("5000", "GBP", "en", "£5,000"),
        ("5000", "JPY", "en", "JPY 5,000"),
        ("20000", "usd", "en", "$20k"),
        ("-300", "GBP", "en", "-£300"),
    ],
)
def test_format_amount(amount, currency, lang, expected):
    assert format_amount(Decimal(amount), currency, lang) == expected


@pytest.mark.parametrize("text", ["50万", "$1,234.50", "3.5亿", "€5k"])
def test_parse_then_format_round_trips(text):
    amount, currency = parse_amount(text, default_currency="CNY")
    assert parse_amount(format_amount(amount, currency, "en"), default_currency="CNY") == (
        amount,
        currency,
    )


@pytest.mark.parametrize(
    "text, amount, currency",
    [
        ("5千", "5000", "CNY"),
        ("3.5千", "3500", "CNY"),
        ("0.5千", "500", "CNY"),
        ("1,500千", "1500000", "CNY"),
        ("5千元", "5000", "CNY"),
        ("5千美元", "5000", "USD"),
        ("５千", "5000", "CNY"),
    ],
)
def test_qian_is_a_thousand(text, amount, currency):
    """千 multiplies by 1000: 5千 is 5000, 3.5千 is 3500."""
    assert parse_amount(text, default_currency="CNY") == (Decimal(amount), currency)
    assert looks_like_amount(text)


@pytest.mark.parametrize(
    "amount, currency, lang, expected",
    [
        ("0", "CNY", "zh", "¥0"),
        ("0", "USD", "en", "$0"),
        ("0.00", "JPY", "en", "JPY 0"),
        ("0.5", "CNY", "zh", "¥0.50"),
        ("0.5", "USD", "en", "$0.50"),
        ("0.05", "EUR", "en", "€0.05"),
        ("0.99", "CNY", "zh", "¥0.99"),
        ("0.005", "USD", "en", "$0.01"),  # half a cent rounds up
        ("0.004", "USD", "en", "$0"),
        ("0.999", "GBP", "en", "£1"),
        ("-0.5", "USD", "en", "-$0.50"),
    ],
)
def test_format_zero_and_amounts_below_one(amount, currency, lang, expected):
    """0 shows as a bare 0 with no sign or cents; amounts below 1 keep their cents."""
    assert format_amount(Decimal(amount), currency, lang) == expected


@pytest.mark.parametrize(
    "amount, currency, text", [("500000", "CNY", "¥500000"), ("123456.78", "USD", "$123456.78"), ("5000", "JPY", "JPY 5000"), ("0.5", "EUR", "€0.50")]
)
def test_an_amount_to_edit_keeps_every_digit_and_reads_back_the_same(amount, currency, text):
    assert exact_amount(Decimal(amount), currency) == text
    assert parse_amount(text, default_currency="CNY") == (Decimal(amount), currency)
