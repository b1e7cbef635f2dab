"""Addresses of oppbot's web pages, under the public URL the deployment is reached at
(``OPPBOT_PUBLIC_URL``, e.g. ``https://oppbot.example.com``): a deal's page and the pipeline board.

With no public URL set, nothing links anywhere: deal numbers stay plain text and no link unfurls.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

ENV = "OPPBOT_PUBLIC_URL"
DEAL_PATH = re.compile(r"/deals/([1-9][0-9]{0,8})/?")  # a number the database holds (32-bit)


def clean_base(url: str | None) -> str | None:
    """The public URL without a trailing slash, or None when unset or blank."""
    url = (url or "").strip().rstrip("/")
    return url or None


def deal_url(base: str | None, deal_id: int) -> str | None:
    base = clean_base(base)
    return f"{base}/deals/{deal_id}" if base else None


def board_url(base: str | None) -> str | None:
    base = clean_base(base)
    return f"{base}/board" if base else None


def deal_link(base: str | None, deal_id: int, label: str | None = None) -> str:
    """mrkdwn for a deal's number (or ``label``) linking to its page; plain when there is no page."""
    label = label or f"#{deal_id}"
    url = deal_url(base, deal_id)
    return f"<{url}|{label}>" if url else label


def deal_id_in(base: str | None, url: str) -> int | None:
    """The deal a link points at, when it is one of our deal pages (same scheme, host and path
    prefix as ``base``), else None."""
    base = clean_base(base)
    if not base:
        return None
    ours, theirs = urlsplit(base), urlsplit(url.strip())
    if (theirs.scheme, theirs.netloc.lower()) != (ours.scheme, ours.netloc.lower()):
        return None
    prefix = ours.path.rstrip("/")
    if not theirs.path.startswith(prefix + "/"):
        return None
    match = DEAL_PATH.fullmatch(theirs.path[len(prefix) :])
    return int(match.group(1)) if match else None
