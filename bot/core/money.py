"""Reading and displaying money amounts typed by users.

Understands plain numbers (``50000``, ``1,234.50``), unit suffixes
(``50k``, ``1.2M``, ``2bn``, ``50万``, ``50w``, ``3.5亿``), currency symbols
(``¥ ￥ $ € £``), ISO codes before or after the number (``USD 20k``,
``300000CNY``), Chinese currency words (``50万元``, ``5万美元``) and Chinese numerals
(``五十万``, ``一百二十万``, ``两百万``, ``三千五百万``, ``十万元``, ``1.5千万``; cn2an reads them).
Full-width characters are folded to their ASCII forms first.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import cn2an

__all__ = ["UnreadableAmount", "parse_amount", "looks_like_amount", "names_its_size", "format_amount", "exact_amount", "total_in"]

_CENT = Decimal("0.01")
_LIMIT = Decimal(10) ** 15
_WAN = Decimal(10_000)
_YI = Decimal(100_000_000)

_UNITS: dict[str, Decimal] = {
    "k": Decimal(1_000),
    "千": Decimal(1_000),
    "百万": Decimal(1_000_000),
    "千万": Decimal(10_000_000),
    "m": Decimal(1_000_000),
    "b": Decimal(1_000_000_000),
    "bn": Decimal(1_000_000_000),
    "w": _WAN,
    "万": _WAN,
    "亿": _YI,
}

# Prefix symbols.  After NFKC folding, "￥" is already "¥".
_SYMBOLS = {"¥": "CNY", "$": "USD", "€": "EUR", "£": "GBP"}

# Codes accepted before or after the number (case-insensitive).
_CODES = {code: code for code in ("CNY", "USD", "EUR", "GBP", "JPY", "HKD", "SGD", "AUD", "CAD", "CHF", "TWD")}
_CODES["RMB"] = "CNY"

# Chinese currency words accepted after the number.
_WORDS = {
    "人民币": "CNY",
    "美元": "USD",
    "欧元": "EUR",
    "英镑": "GBP",
    "港元": "HKD",
    "港币": "HKD",
    "日元": "JPY",
    "元": "CNY",
    "块": "CNY",
}


def _alternatives(words) -> str:
    # in any order: the pattern is matched whole (fullmatch), so "2bn" backtracks from "b" to "bn"
    return "|".join(map(re.escape, words))


_PATTERN = re.compile(
    rf"""
    (?:(?P<symbol>{_alternatives(_SYMBOLS)})|(?P<code_before>{_alternatives(_CODES)}))?
    \s*
    (?P<number>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)
    \s*
    (?P<unit>{_alternatives(_UNITS)})?
    \s*
    (?:(?P<code_after>{_alternatives(_CODES)})|(?P<word>{_alternatives(_WORDS)}))?
    """,
    re.VERBOSE | re.IGNORECASE,
)

_SYMBOL_FOR = {"CNY": "¥", "USD": "$", "EUR": "€", "GBP": "£"}

# A number written in Chinese numerals (五十万, 一百二十万, 十万): at least one numeral, then numerals,
# their units (十 百 千 万 亿, and the financial forms) or digits. Digits with a unit alone (50万,
# 1.5千万) are read by _PATTERN.
_CN_DIGITS = "零〇一二两三四五六七八九壹贰叁肆伍陆柒捌玖"
_CN_UNITS = "十拾百佰千仟万萬亿億"
_CN_NUMBER = re.compile(rf"[\d.]*[{_CN_DIGITS}十拾][\d.{_CN_DIGITS}{_CN_UNITS}]*")
_CN_MONEY_UNITS = "千仟万萬亿億"  # a numeral with one of these reads as money, as 50万 does


class UnreadableAmount(ValueError):
    """The text could not be read as a positive money amount."""

    def __init__(self, text: str) -> None:
        super().__init__(f"cannot read an amount from {text!r}")
        self.text = text


@dataclass(frozen=True)
class _Reading:
    amount: Decimal
    currency: str | None  # None when the text named no currency
    has_unit: bool
    plain_integer: bool  # only digits, no separators, decimals, unit or currency


def _arabic(text: str) -> tuple[str, bool]:
    """``text`` with a number in Chinese numerals written in digits, and whether it carried a unit
    of money's size (千, 万, 亿). Raises UnreadableAmount when the numerals don't make a number."""
    found = _CN_NUMBER.search(text)
    if found is None:
        return text, False
    try:
        value = cn2an.cn2an(found.group(), "smart")
    except (ValueError, KeyError):
        raise UnreadableAmount(text) from None
    sized = any(ch in _CN_MONEY_UNITS for ch in found.group())
    return text[: found.start()] + str(value) + text[found.end() :], sized


def _read(text: str) -> _Reading:
    folded, sized = _arabic(unicodedata.normalize("NFKC", text).strip())
    match = _PATTERN.fullmatch(folded)
    if match is None:
        raise UnreadableAmount(text)

    named = [
        _SYMBOLS.get(match["symbol"] or ""),
        _CODES.get((match["code_before"] or "").upper()),
        _CODES.get((match["code_after"] or "").upper()),
        _WORDS.get(match["word"] or ""),
    ]
    currencies = {c for c in named if c}
    if len(currencies) > 1:  # e.g. "$50 CNY"
        raise UnreadableAmount(text)
    currency = currencies.pop() if currencies else None

    unit = match["unit"]
    amount = Decimal(match["number"].replace(",", ""))
    if unit:
        amount *= _UNITS[unit.lower()]
    if not 0 < amount < _LIMIT:
        raise UnreadableAmount(text)
    amount = amount.quantize(_CENT, rounding=ROUND_HALF_UP)
    if amount <= 0 or amount >= _LIMIT:
        raise UnreadableAmount(text)

    return _Reading(
        amount=amount,
        currency=currency,
        has_unit=unit is not None or sized,
        plain_integer=currency is None and unit is None and not sized and match["number"].isdigit(),
    )


def parse_amount(text: str, *, default_currency: str) -> tuple[Decimal, str]:
    """Read ``text`` as ``(amount, ISO currency code)``.

    A currency named in the text wins over ``default_currency``.  The amount
    is quantized to cents and must be greater than 0 and below 10**15;
    otherwise :class:`UnreadableAmount` is raised.
    """
    reading = _read(text)
    return reading.amount, reading.currency or default_currency.upper()


def looks_like_amount(token: str) -> bool:
    """Whether a single token from free text is clearly meant as money.

    True when it parses and carries a unit (``50万``, ``20k``) or a currency
    (``$300``, ``300元``), or is a plain number of at least 1000.  Plain
    integers from 1900 to 2100 are taken for years, not amounts.
    """
    if not token or any(ch.isspace() for ch in token):
        return False
    try:
        reading = _read(token)
    except UnreadableAmount:
        return False
    if reading.has_unit or reading.currency:
        return True
    if reading.plain_integer and 1900 <= reading.amount <= 2100:
        return False
    return reading.amount >= 1000


def names_its_size(token: str) -> bool:
    """Whether a token reads as money by a unit or a currency of its own (``50万``, ``$20k``,
    ``300元``), not only as a number."""
    try:
        reading = _read(token)
    except UnreadableAmount:
        return False
    return reading.has_unit or reading.currency is not None


def _number(value: Decimal) -> str:
    """``value`` with at most two decimals, trailing zeros dropped."""
    text = f"{value.quantize(_CENT, rounding=ROUND_HALF_UP):,.2f}"
    return text.rstrip("0").rstrip(".")


def _cents(value: Decimal) -> str:
    """``value`` with thousands separators, and cents unless they are ``.00``."""
    text = f"{value.quantize(_CENT, rounding=ROUND_HALF_UP):,.2f}"
    return text[:-3] if text.endswith(".00") else text


_ENGLISH_UNITS = ((Decimal(10) ** 9, "B"), (Decimal(10) ** 6, "M"), (Decimal(1000), "k"))


def _in_units(value: Decimal) -> str:
    """``value`` in the largest of k, M, B it reaches (999,999.99 is 1M once rounded, not 1,000k);
    below 10,000 as it is ($9,999.50), as Chinese counts in 万 from 10,000 on."""
    if value < _WAN:
        return _cents(value)
    for i, (size, unit) in enumerate(_ENGLISH_UNITS):
        if value >= size:
            scaled = (value / size).quantize(_CENT, rounding=ROUND_HALF_UP)
            if scaled >= 1000 and i > 0:
                size, unit = _ENGLISH_UNITS[i - 1]
                scaled = (value / size).quantize(_CENT, rounding=ROUND_HALF_UP)
            return _number(scaled) + unit
    return _cents(value)


@functools.lru_cache(maxsize=4096)
def format_amount(amount: Decimal, currency: str, lang: str) -> str:
    """Display an amount for humans, as each language counts: ``lang`` starting with "zh" in 万
    and 亿 (``¥50万``, ``¥12.35万``, ``¥3.5亿``), anything else in thousands, millions and billions
    (``$120k``, ``¥1.85M``, ``$2.5B``); below 10,000, the amount itself (``$9,950``, ``¥12.50``).
    Kept for the amounts shown lately (lists show the same deals again and again): equal amounts
    read the same, whatever their form (``500000`` and ``500000.00``).
    """
    code = currency.upper()
    prefix = _SYMBOL_FOR.get(code, f"{code} ")
    sign = "-" if amount < 0 else ""
    value = abs(Decimal(amount)).quantize(_CENT, rounding=ROUND_HALF_UP)

    if lang.lower().startswith("zh") and value >= _WAN:
        wan = (value / _WAN).quantize(_CENT, rounding=ROUND_HALF_UP)
        if value >= _YI or wan >= _WAN:  # 9999.999万 reads better as 1亿
            body = _number(value / _YI) + "亿"
        else:
            body = _number(wan) + "万"
    elif lang.lower().startswith("zh"):
        body = _cents(value)
    else:
        body = _in_units(value)
    return f"{sign}{prefix}{body}"


def exact_amount(amount: Decimal, currency: str) -> str:
    """An amount to be edited: every digit, no grouping (``¥500000``, ``$123456.78``); it reads
    back as the same amount."""
    code = currency.upper()
    return _SYMBOL_FOR.get(code, f"{code} ") + _cents(Decimal(amount)).replace(",", "")


def total_in(amounts: dict[str, Decimal], currency: str, rates: dict[str, Decimal]) -> Decimal | None:
    """The sum of ``amounts`` ({currency: amount}) in ``currency``, each other currency at its
    rate (what one unit is worth in ``currency``); None when one of them has no rate."""
    total = Decimal(0)
    for code, amount in amounts.items():
        if code == currency:
            total += amount
        elif code in rates:
            total += amount * rates[code]
        else:
            return None
    return total.quantize(_CENT, rounding=ROUND_HALF_UP)
