"""Words for messages: sizes, counts, and user input clipped to a readable length."""

from __future__ import annotations

import re
from typing import Final

from .protocol import ECHO_LIMIT


def clip_quoted(message: str, limit: int = ECHO_LIMIT) -> str:
    """``message`` with each `quoted` part longer than ``limit`` cut (what the user typed
    is quoted so; js/filters.js cuts the same way)."""
    return re.sub(
        f"`([^`]{{{limit + 1},}})`",
        lambda found: f"`{found.group(1)[: limit - 1]}…`",
        message,
    )


def clip(text: str, limit: int = ECHO_LIMIT) -> str:
    """``text`` cut to ``limit`` characters, the cut marked: messages never echo a
    5,000-character query whole."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


_UNITS: Final = ("kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB")


def format_bytes(n: int | None) -> str:
    """A size in decimal units: ``"512 B"``, ``"1.2 MB"``; ``""`` for ``None``."""
    if n is None:
        return ""
    if abs(n) < 1000:
        return f"{n} B"
    size = float(n)
    for unit in _UNITS:
        size /= 1000
        if abs(round(size, 1)) < 1000 or unit == _UNITS[-1]:
            return f"{size:.1f} {unit}"
    raise AssertionError("unreachable")  # pragma: no cover
