"""Buttons and menus on a message, found the way a person names them (a label or an action_id, an
option by its text, its number or its value), and the ``action`` Slack reports when one is used."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

from bot.console.text import Names, element_label, options_of, text_of


def clickables(blocks: list[dict]) -> Iterator[tuple[dict, dict]]:
    """(block, element) for each button or menu in ``blocks``."""
    for block in blocks or []:
        if block.get("type") == "actions":
            for element in block.get("elements") or []:
                yield block, element
        elif block.get("type") == "section" and isinstance(block.get("accessory"), dict) and block["accessory"].get("type") not in ("image",):
            yield block, block["accessory"]


def labels(blocks: list[dict]) -> str:
    """ "[Edit] [History]": what there is to click in ``blocks``."""
    return " ".join(f"[{element_label(e)}]" for _, e in clickables(blocks))


def _norm(text: str) -> str:
    return " ".join(text.lower().replace("…", " ").replace("...", " ").split())


def find_element(blocks: list[dict], wanted: str) -> tuple[dict, dict, str] | None:
    """(block, element, rest) for the element named by its label or action_id at the start of ``wanted``."""
    best = None
    wanted_n = _norm(wanted)
    for block, element in clickables(blocks):
        for name in (element_label(element), element.get("action_id") or ""):
            name_n = _norm(name)
            if not name_n:
                continue
            if wanted_n == name_n:
                rest = ""
            elif wanted_n.startswith(name_n + " "):
                # keep the option as typed: drop as many words as the name has
                rest = " ".join(wanted.replace("…", " ").split()[len(name_n.split()) :])
            else:
                continue
            if best is None or len(name_n) > best[0]:
                best = (len(name_n), block, element, rest)
    return best[1:] if best else None


def match_option(options: list[dict], wanted: str) -> dict | None:
    """The option numbered, named or valued ``wanted`` ("2", "Negotiation", "13:negotiation" or "negotiation")."""
    wanted_n = _norm(wanted)
    if wanted.strip().isdigit() and 1 <= int(wanted) <= len(options):
        return options[int(wanted) - 1]
    for option in options:
        if _norm(text_of(option.get("text"), {})) == wanted_n or str(option.get("value", "")) == wanted.strip():
            return option
    for option in options:  # "negotiation" for a value like "13:negotiation"
        if re.split(r"[:/|]", str(option.get("value", "")))[-1].lower() == wanted.strip().lower():
            return option
    return None


def press(block: dict, element: dict, option_text: str, names: Names) -> tuple[dict | None, str | None]:
    """(the action Slack reports for using ``element``, None), or (None, why it can't be used):
    a button is pressed; a menu needs ``option_text`` to name one of its options."""
    action = {
        "type": element.get("type"),
        "action_id": element.get("action_id", ""),
        "block_id": block.get("block_id") or "console",
        "action_ts": f"{time.time():.6f}",
    }
    if element.get("type") == "button":
        action["text"] = element.get("text")
        if "value" in element:
            action["value"] = element["value"]
        return action, None
    options = options_of(element)
    if not options:
        return None, f"a {element.get('type')} can't be used from the console"
    listed = " | ".join(text_of(o.get("text"), names) for o in options)
    if not option_text:
        return None, f"pick one: /click {element_label(element)} OPTION, where OPTION is one of: {listed}"
    option = match_option(options, option_text)
    if option is None:
        return None, f"“{option_text}” is not one of: {listed}"
    action["selected_option"] = option
    if element.get("placeholder"):
        action["placeholder"] = element["placeholder"]
    return action, None
