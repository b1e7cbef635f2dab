"""Cleaning the text people type before it is read or stored: NUL bytes and the other C0 control
characters (but tab, newline and carriage return), which PostgreSQL refuses in text and which
nobody means to type, and the bidirectional controls (U+202A–U+202E, U+2066–U+2069, U+200E,
U+200F), which make a stored title read backwards wherever it is shown. They are removed, not
refused: what is left is what the person meant. Every place that takes user text in, or stores
it, goes through ``clean``."""

from __future__ import annotations

_UNWANTED = [c for c in range(0x20) if chr(c) not in "\t\n\r"] + [0x7F, *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F]
_REMOVE = dict.fromkeys(_UNWANTED)


def clean(text: str) -> str:
    """``text`` without control characters that have no place in stored text (see the module)."""
    return text.translate(_REMOVE)


def clean_optional(text: str | None) -> str | None:
    return None if text is None else clean(text)
