"""Block Kit as terminal text: messages, cards, menus and modals rendered as plain lines.

``render_blocks`` is what the console shows for every message and view, and what the CLI prints
digests and reports with; ``show_mrkdwn`` makes mrkdwn readable (mentions as @name, links as
"label (url)", entities unescaped).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

Names = dict[str, str]  # Slack user id -> the name to show


def show_mrkdwn(text: str, names: Names | None = None) -> str:
    """mrkdwn made readable in a terminal: <@U0ALICE> -> @alice, <url|label> -> label (url),
    &lt; &gt; &amp; unescaped. *bold*, _italic_ and `code` marks are kept."""
    names = names or {}

    def link(match: re.Match) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            return "@" + (names.get(target[1:]) or label or target[1:])
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):
            special = target[1:].split("^")[0]
            return label or ("@" + special if special in ("here", "channel", "everyone") else special)
        return f"{label} ({target})" if label and label != target else target

    text = re.sub(r"<([^<>\n]+)>", link, text or "")
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def text_of(obj, names: Names) -> str:
    """The text of a text object (mrkdwn made readable), or of a plain string."""
    if isinstance(obj, str):
        return obj
    if not isinstance(obj, dict):
        return ""
    if obj.get("type") == "mrkdwn":
        return show_mrkdwn(obj.get("text", ""), names)
    return obj.get("text", "") or ""


def options_of(element: dict) -> list[dict]:
    """A menu's options, those in option groups included."""
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options += group.get("options") or []
    return options


def element_label(element: dict) -> str:
    """What a person reads on an element: a button's text, a menu's placeholder."""
    kind = element.get("type")
    if kind == "button":
        return text_of(element.get("text"), {})
    if kind == "overflow":
        return "⋯"
    return text_of(element.get("placeholder"), {}) or element.get("action_id") or kind or "?"


def render_element(element: dict, names: Names | None = None) -> str:
    """A button as [Log activity]; a menu as [Move to…: Lead | Contacted | …]."""
    names = names or {}
    kind = element.get("type")
    label = element_label(element)
    if kind == "button":
        url = element.get("url")
        return f"[{label}]" + (f" ({url})" if url else "")
    options = options_of(element)
    if options:
        return f"[{label}: " + " | ".join(text_of(o.get("text"), names) for o in options) + "]"
    if kind == "image":
        return f"[image: {element.get('alt_text', '')}]"
    if kind in ("mrkdwn", "plain_text"):
        return text_of(element, names)
    return f"[{label}]"


def _field_line(field: dict, names: Names) -> str:
    text = text_of(field, names).strip()
    match = re.fullmatch(r"\*([^*\n]+)\*\n(.*)", text, re.DOTALL)
    if match:
        return f"{match.group(1).strip()}: {' '.join(match.group(2).split())}"
    return " ".join(text.split())


def _rich_text(node, names: Names) -> str:
    if isinstance(node, list):
        return "".join(_rich_text(n, names) for n in node)
    if not isinstance(node, dict):
        return ""
    kind = node.get("type")
    if kind == "text":
        return node.get("text", "")
    if kind == "user":
        return "@" + names.get(node.get("user_id", ""), node.get("user_id", ""))
    if kind == "link":
        return node.get("text") or node.get("url", "")
    if kind == "emoji":
        return f":{node.get('name', '')}:"
    inner = _rich_text(node.get("elements") or [], names)
    return inner + ("\n" if kind in ("rich_text_section", "rich_text_preformatted", "rich_text_quote") else "")


def _section(block: dict, names: Names) -> str:
    part = []
    if block.get("text"):
        part.append(text_of(block["text"], names))
    part += [_field_line(f, names) for f in block.get("fields") or []]
    text = "\n".join(p for p in part if p)
    if block.get("accessory"):
        text = (text + "  " if text else "") + render_element(block["accessory"], names)
    return text


def _elements(block: dict, names: Names, joiner: str) -> str:
    return joiner.join(render_element(e, names) for e in block.get("elements") or [])


_BLOCKS: dict[str, Callable[[dict, Names], str]] = {
    "section": _section,
    "context": lambda block, names: _elements(block, names, "  "),
    "header": lambda block, names: f"== {text_of(block.get('text'), names)} ==",
    "actions": lambda block, names: _elements(block, names, " "),
    "divider": lambda block, names: "-" * 24,
    "image": lambda block, names: f"[image: {block.get('alt_text', '')}]",
    "input": lambda block, names: f"{text_of(block.get('label'), names)}: {render_element(block.get('element') or {}, names)}",
    "rich_text": lambda block, names: _rich_text(block.get("elements") or [], names).rstrip("\n"),
    "markdown": lambda block, names: block.get("text", ""),
}


def render_blocks(blocks: Iterable[dict], names: Names | None = None) -> str:
    """Block Kit as plain text: sections (fields as "Label: value" lines), context, headers,
    actions ([buttons] and [menus: options]), dividers; mrkdwn made readable (see show_mrkdwn)."""
    names = names or {}
    lines = []
    for block in blocks or []:
        render = _BLOCKS.get(block.get("type"))
        if render is not None:
            lines.append(render(block, names))
    return "\n".join(lines)
