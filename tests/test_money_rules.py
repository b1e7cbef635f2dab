"""The amount rules at their edges: Chinese numerals, units from k to B with the move up a unit at
1,000 of it, and totals converted at exchange rates."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.core.money import UnreadableAmount, format_amount, looks_like_amount, parse_amount, total_in


def test_a_plain_number_is_not_money_unless_it_is_large():
    assert not looks_like_amount("999") and not looks_like_amount("12.5") and looks_like_amount("1000")


def test_unreadable_chinese_numerals_name_the_text():
    with pytest.raises(UnreadableAmount) as info:
        parse_amount("十万八千里", default_currency="CNY")
    assert info.value.text == "十万八千里"


def test_chinese_numerals_are_money_in_free_text_only_with_a_unit_of_money():
    assert looks_like_amount("五十万") and looks_like_amount("两千") and not looks_like_amount("二十") and not looks_like_amount("二〇二六")
    assert parse_amount("一百二十万", default_currency="CNY") == (Decimal("1200000"), "CNY")


def test_amounts_move_up_a_unit_when_they_round_to_a_thousand_of_it():
    assert format_amount(Decimal("999999999.99"), "USD", "en") == "$1B"  # not $1,000M
    assert format_amount(Decimal("999999.99"), "USD", "en") == "$1M"
    assert format_amount(Decimal("1000000000000"), "USD", "en") == "$1,000B"  # no unit above B
    assert format_amount(Decimal("1000000"), "USD", "en") == "$1M" and format_amount(Decimal("1000000000"), "USD", "en") == "$1B"


def test_a_total_converts_every_currency_in_any_order_and_rounds_half_a_cent_up():
    rates = {"USD": Decimal("7")}
    assert total_in({"USD": Decimal("10"), "CNY": Decimal("100")}, "CNY", rates) == Decimal("170.00")  # the workspace currency last
    assert total_in({"CNY": Decimal("100"), "USD": Decimal("10")}, "CNY", rates) == Decimal("170.00")
    assert total_in({"USD": Decimal("0.05")}, "CNY", {"USD": Decimal("6.9")}) == Decimal("0.35")  # 0.345: up, not to the even 0.34
    assert total_in({"EUR": Decimal("1")}, "CNY", rates) is None
