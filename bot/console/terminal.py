"""The console's terminal: lines in and out, from a person at a TTY or from piped text.

Piped input is echoed after its prompt, so a transcript reads like the session it was.
"""

from __future__ import annotations

import contextlib
import sys
from typing import TextIO


class Quit(Exception):
    """Leave the console (/quit, or the end of input in the middle of a form)."""


def isatty(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


class Terminal:
    """Reads lines from ``stdin`` and writes to ``stdout``; with a real TTY on both, ``input()``
    with line editing and history."""

    def __init__(self, stdin: TextIO, stdout: TextIO):
        self.stdin, self.out = stdin, stdout
        self.interactive = isatty(stdin)
        self._use_input = self.interactive and stdin is sys.stdin and stdout is sys.stdout
        if self._use_input:
            # Imported only here: loading readline changes what input() does (and may write
            # terminal control codes), which only a person at a terminal wants.
            with contextlib.suppress(ImportError):
                import readline  # noqa: F401

    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def note(self, text: str) -> None:
        """A remark from the console itself, not from the app."""
        self.say(f"(console) {text}")

    def read(self, prompt: str, *, echo_empty: bool = True) -> str | None:
        """One line (None at end of input). Piped input is echoed after the prompt."""
        if self._use_input:
            try:
                return input(prompt)
            except EOFError:
                self.say()
                return None
        if self.interactive:
            self.out.write(prompt)
            self.out.flush()
        line = self.stdin.readline()
        if not line:
            return None
        line = line.rstrip("\r\n")
        if not self.interactive and (line.strip() or echo_empty):
            self.say(prompt + line)
        return line
