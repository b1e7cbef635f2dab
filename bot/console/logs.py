"""Logging while the console runs: warnings and errors as one line each on stderr, no tracebacks
(``LOG_LEVEL`` asks for full records at that level instead)."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager


class _OneLine(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        lines = record.getMessage().splitlines() or [""]
        return f"oppbot: {record.levelname.lower()}: {lines[0]}"


@contextmanager
def console_logging() -> Iterator[None]:
    """Warnings and errors as one line each on stderr (no tracebacks), unless LOG_LEVEL asks for more;
    the root logger is put back as it was afterwards."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    handler = logging.StreamHandler(sys.stderr)
    if os.environ.get("LOG_LEVEL"):
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        level = logging.getLevelName(os.environ["LOG_LEVEL"].upper())
        level = level if isinstance(level, int) else logging.INFO
    else:
        handler.setFormatter(_OneLine())
        level = logging.WARNING
    root.handlers = [handler]
    root.setLevel(level)
    try:
        yield
    finally:
        root.handlers = saved_handlers
        root.setLevel(saved_level)
