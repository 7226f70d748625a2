"""Words for messages: sizes, counts, and user input clipped to a readable length."""

from __future__ import annotations

from typing import Final

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
