"""Deal page addresses (bot.core.links): built under the public URL, and read back from a pasted
link only when it is one of ours."""

import pytest

from bot.core.links import board_url, deal_id_in, deal_link, deal_url

BASE = "https://oppbot.example.com"


def test_addresses_are_built_under_the_public_url_and_absent_without_one():
    assert deal_url(BASE + "/", 42) == "https://oppbot.example.com/deals/42"
    assert board_url(BASE) == "https://oppbot.example.com/board"
    assert deal_link(BASE, 42) == "<https://oppbot.example.com/deals/42|#42>"
    assert (deal_url(None, 42), board_url(" "), deal_link(None, 42)) == (None, None, "#42")


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://oppbot.example.com/deals/42", 42),
        ("https://OPPBOT.example.com/deals/42/", 42),
        ("https://oppbot.example.com/deals/42?x=1", 42),
        ("http://oppbot.example.com/deals/42", None),  # another scheme
        ("https://evil.example.com/deals/42", None),
        ("https://oppbot.example.com.evil.com/deals/42", None),
        ("https://oppbot.example.com/deals/0", None),
        ("https://oppbot.example.com/deals/42/edit", None),
        ("https://oppbot.example.com/deals/abc", None),
        ("https://oppbot.example.com/board", None),
        ("https://oppbot.example.com/deals/999999999", 999999999),
        ("https://oppbot.example.com/deals/9999999999", None),  # past what the database holds
    ],
)
def test_only_our_own_deal_pages_are_read_back(url, expected):
    assert deal_id_in(BASE, url) == expected


def test_a_public_url_with_a_path_prefix_is_honoured():
    base = "https://corp.example.com/oppbot"
    assert deal_id_in(base, deal_url(base, 7)) == 7
    assert deal_id_in(base, "https://corp.example.com/deals/7") is None
    assert deal_id_in(None, "https://oppbot.example.com/deals/7") is None
