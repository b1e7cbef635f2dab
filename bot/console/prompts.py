"""Modals as prompts: each input of a view asked for on the terminal, answers checked as Slack's
own elements check them (lengths, numbers, dates, menu options, people), and turned into the
``view.state.values`` Slack submits.

Enter keeps the value in [brackets], ``-`` clears an optional one, ``/submit`` sends the form
(asking only for required fields still empty), ``/cancel`` closes it.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from datetime import date

from bot.console.controls import match_option
from bot.console.people import People, name_of
from bot.console.terminal import Quit, Terminal
from bot.console.text import options_of, render_blocks, show_mrkdwn, text_of

TEXT_INPUTS = ("plain_text_input", "number_input", "email_text_input", "url_text_input")
SELECTS = ("static_select", "radio_buttons")
SUBMIT, CANCEL = "/submit", "/cancel"

_SHOWN = ("header", "section", "context", "divider")  # blocks shown as text before the inputs
# the element's key for its answer: initial_* in the view, and in view.state.values
_INITIAL = {
    **dict.fromkeys(TEXT_INPUTS, "initial_value"),
    **dict.fromkeys(SELECTS, "initial_option"),
    "datepicker": "initial_date",
    "users_select": "initial_user",
}
_STATE = {**dict.fromkeys(TEXT_INPUTS, "value"), **dict.fromkeys(SELECTS, "selected_option"), "datepicker": "selected_date", "users_select": "selected_user"}


def present(value) -> bool:
    return value is not None and value != ""


def inputs(view: dict) -> list[dict]:
    """The input blocks of ``view`` that can be answered."""
    return [b for b in view.get("blocks") or [] if b.get("type") == "input" and b.get("block_id") and b.get("element")]


def _initial(element: dict):
    kind = element.get("type")
    if kind == "checkboxes":
        return element.get("initial_options") or []
    return element.get(_INITIAL[kind]) if kind in _INITIAL else None


def initial_answers(view: dict) -> dict:
    """{block_id: the value the form opens with}."""
    return {b["block_id"]: _initial(b["element"]) for b in inputs(view)}


def submitted_view(view: dict, answers: dict) -> dict:
    """A copy of ``view`` with ``answers`` in its state, as Slack sends it on submission."""
    values = {}
    for block in inputs(view):
        element = block["element"]
        kind = element.get("type")
        value = answers.get(block["block_id"])
        if kind == "checkboxes":
            field = {"type": kind, "selected_options": value or []}
        elif kind in _STATE:
            field = {"type": kind, _STATE[kind]: value if present(value) else None}
        else:
            continue
        values[block["block_id"]] = {element.get("action_id", block["block_id"]): field}
    submitted = copy.deepcopy(view)
    submitted["state"] = {"values": values}
    return submitted


def _parse_text(kind: str, element: dict, answer: str):
    limit, least = element.get("max_length"), element.get("min_length")
    if limit and len(answer) > limit:
        return None, f"at most {limit} characters (that was {len(answer)})"
    if least and len(answer) < least:
        return None, f"at least {least} characters"
    if kind == "number_input":
        pattern = r"-?\d+(\.\d+)?" if element.get("is_decimal_allowed") else r"-?\d+"
        if not re.fullmatch(pattern, answer):
            return None, "a number, please"
    return answer, None


def _parse_select(element: dict, answer: str):
    option = match_option(options_of(element), answer)
    if option is None:
        return None, "choose a number from the list (or type an option's name)"
    return option, None


def _parse_checkboxes(element: dict, answer: str):
    """One yes/no question for the box(es)."""
    if answer.lower() in ("y", "yes", "是"):
        return list(element.get("options") or []), None
    if answer.lower() in ("n", "no", "否"):
        return [], None
    return None, "y or n"


class FormPrompts:
    """Asks for the inputs of modals on ``terminal``; ``today`` gives the date in examples."""

    def __init__(self, terminal: Terminal, people: People, today: Callable[[], date]):
        self.terminal, self.people, self.today = terminal, people, today

    def ask_form(self, view: dict, answers: dict, only: list[str] | None = None) -> bool:
        """Ask for each input of ``view`` (only the blocks in ``only``, when given), updating
        ``answers``. True: send the form; False: it was cancelled."""
        sending = False
        for block in view.get("blocks") or []:
            if only is None and not sending and block.get("type") in _SHOWN:
                text = render_blocks([block], self.people.names)
                if text:
                    self.terminal.say(text)
                continue
            block_id = block.get("block_id")
            if block.get("type") != "input" or not block_id or (only is not None and block_id not in only):
                continue
            done = block.get("optional") or present(answers.get(block_id))
            if sending and done:
                continue
            result = self._ask(block, answers.get(block_id))
            if result == CANCEL:
                return False
            if result == SUBMIT:
                sending = True
                if done:
                    continue
                result = self._ask(block, answers.get(block_id), required_note=True)
                if result in (CANCEL, SUBMIT):
                    return result == SUBMIT
            answers[block_id] = result
        return True

    def show_errors(self, view: dict, errors: dict[str, str]) -> None:
        """The app's inline errors, each after its field's label."""
        names = self.people.names
        labels = {b["block_id"]: text_of(b.get("label"), names) for b in inputs(view)}
        for block_id, message in errors.items():
            self.terminal.say(f"⚠️ {labels.get(block_id, block_id)}: {show_mrkdwn(message, names)}")

    def _ask(self, block: dict, current, *, required_note: bool = False):
        """Prompt for one input until the answer is acceptable; returns its value, or /cancel or /submit."""
        say = self.terminal.say
        element = block.get("element") or {}
        kind = element.get("type")
        label = text_of(block.get("label"), self.people.names) or block.get("block_id", "?")
        optional = bool(block.get("optional"))
        prompt = self._prompt(block, label, current)
        if required_note:
            say(f"  {label} is required")
        while True:
            raw = self.terminal.read(prompt)
            if raw is None:
                raise Quit
            answer = raw.strip()
            if answer in (CANCEL, SUBMIT):
                return answer
            if answer == "":
                if present(current) or optional:
                    return current
                say(f"  {label} is required (/cancel closes the form)")
                continue
            if answer == "-":
                if optional:
                    return None
                say(f"  {label} is required and can't be cleared")
                continue
            value, problem = self._parse(kind, element, answer)
            if not problem:
                return value
            say(f"  ⚠️ {problem}")

    def _prompt(self, block: dict, label: str, current) -> str:
        """ "Label (notes) [current]: ", after listing a menu's options."""
        element = block.get("element") or {}
        kind = element.get("type")
        notes = ["optional"] if block.get("optional") else []
        if block.get("hint"):
            notes.append(text_of(block["hint"], self.people.names))
        notes += {"datepicker": ["YYYY-MM-DD"], "users_select": ["@name"], "checkboxes": ["y/n"]}.get(kind, [])
        if kind in SELECTS:
            options = options_of(element)
            self.terminal.say("  " + "  ".join(f"{i}) {text_of(o.get('text'), self.people.names)}" for i, o in enumerate(options, 1)))
        shown = self._shown(kind, current)
        return label + (f" ({'; '.join(notes)})" if notes else "") + (f" [{shown}]" if shown else "") + ": "

    def _shown(self, kind: str | None, current) -> str:
        if not present(current):
            return ""
        if kind in SELECTS:
            return text_of(current.get("text"), self.people.names)
        if kind == "users_select":
            return "@" + self.people.names.get(current, current)
        if kind == "checkboxes":
            return "y"
        return str(current)

    def _parse(self, kind: str | None, element: dict, answer: str):
        """(value, None) or (None, what is wrong)."""
        if kind in TEXT_INPUTS:
            return _parse_text(kind, element, answer)
        if kind in SELECTS:
            return _parse_select(element, answer)
        if kind == "datepicker":
            return self._parse_date(answer)
        if kind == "checkboxes":
            return _parse_checkboxes(element, answer)
        if kind == "users_select":
            return self._parse_user(answer)
        return answer, None

    def _parse_date(self, answer: str):
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", answer):
                raise ValueError
            return date.fromisoformat(answer).isoformat(), None
        except ValueError:
            return None, "a date as YYYY-MM-DD, e.g. " + self.today().isoformat()

    def _parse_user(self, answer: str):
        users, names = self.people.users, self.people.names
        name = name_of(answer)
        if name in users:
            return users[name], None
        if answer in names:
            return answer, None
        return None, f"no one called {answer}; people here: " + " ".join("@" + n for n in users)
