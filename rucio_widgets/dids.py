"""DIDs and search queries: parsing and checking what the user types.

Pure functions only: no I/O, and no import of ``rucio`` (the tests compare with it).

DIDs
====
A DID is written ``scope:name``.  :func:`parse_did` checks it against the characters Rucio
allows (scope: letters, digits, ``_ - .``, at most 25; name: letters, digits, ``_ - . /``, at
most 255) and :func:`parse_query` turns what the user types in the search box into
``(scope, pattern)`` pairs.

The metadata filter grammar lives in :mod:`rucio_widgets.filters`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from .words import clip_quoted

__all__ = [
    "DID",
    "MAX_NAME_LENGTH",
    "MAX_SCOPE_LENGTH",
    "InvalidDIDError",
    "has_wildcard",
    "parse_did",
    "parse_query",
]

# --- DIDs ---------------------------------------------------------------------------------

MAX_SCOPE_LENGTH: Final = 25
MAX_NAME_LENGTH: Final = 255

_SCOPE_RE: Final = re.compile(r"[A-Za-z0-9_.\-]+", re.ASCII)
# `#` appears in CMS block names (`/A/B/C#uuid`).
_NAME_RE: Final = re.compile(r"[A-Za-z0-9_.\-/#]+", re.ASCII)
_PATTERN_RE: Final = re.compile(r"[A-Za-z0-9_.\-/#*]+", re.ASCII)
_SCOPE_CHARS: Final = "letters, digits, `_`, `-` and `.`"
_NAME_CHARS: Final = "letters, digits, `_`, `-`, `.`, `/` and `#`"


class InvalidDIDError(ValueError):
    """A DID or a search query the user typed is not valid; the message says what to type.
    What the user typed is echoed at most ECHO_LIMIT characters at a time."""

    def __init__(self, message: str) -> None:
        super().__init__(clip_quoted(message))


@dataclass(frozen=True)
class DID:
    """A data identifier: ``scope:name``."""

    scope: str
    name: str

    def __str__(self) -> str:
        return f"{self.scope}:{self.name}"


def has_wildcard(text: str) -> bool:
    """Whether ``text`` contains Rucio's wildcard ``*``."""
    return "*" in text


def _bad_chars(text: str, allowed: re.Pattern[str]) -> str:
    """The characters of ``text`` outside ``allowed``, in order, each once, as `a`, `b`."""
    seen: list[str] = []
    for char in text:
        if not allowed.fullmatch(char) and char not in seen:
            seen.append(char)
    return ", ".join("`space`" if c == " " else f"`{c}`" for c in seen)


def _check_scope(scope: str, text: str) -> None:
    if "*" in scope:
        raise InvalidDIDError(
            f"Scope `{scope}` in `{text}` has a wildcard `*`: write one scope in full, "
            "e.g. `user.jdoe:name*`"
        )
    if any(c.isspace() for c in scope):
        raise InvalidDIDError(f"Scope `{scope}` in `{text}` contains a space: remove it")
    if not _SCOPE_RE.fullmatch(scope):
        raise InvalidDIDError(
            f"Scope `{scope}` in `{text}` has characters Rucio does not allow "
            f"({_bad_chars(scope, _SCOPE_RE)}): use {_SCOPE_CHARS}"
        )
    if len(scope) > MAX_SCOPE_LENGTH:
        raise InvalidDIDError(
            f"Scope `{scope}` is {len(scope)} characters long: "
            f"a scope has at most {MAX_SCOPE_LENGTH}"
        )


def _check_name(name: str, text: str, allow_wildcards: bool) -> None:
    if any(c.isspace() for c in name):
        raise InvalidDIDError(
            f"DID `{text}` contains a space: names have no spaces, write `scope:name`"
        )
    if "*" in name and not allow_wildcards:
        raise InvalidDIDError(
            f"DID `{text}` has a wildcard `*`: write the full name, or search for the pattern"
        )
    allowed = _PATTERN_RE if allow_wildcards else _NAME_RE
    if not allowed.fullmatch(name):
        raise InvalidDIDError(
            f"DID `{text}` has characters Rucio does not allow in a name "
            f"({_bad_chars(name, allowed)}): use {_NAME_CHARS}"
            + (", and `*` as a wildcard" if allow_wildcards else "")
        )
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidDIDError(
            f"DID name in `{text}` is {len(name)} characters long: "
            f"a name has at most {MAX_NAME_LENGTH}"
        )


def _split_did(text: str) -> tuple[str, str] | None:
    """``(scope, name)`` of a stripped ``text`` with one colon, None without a colon."""
    if ":" not in text:
        return None
    if text.count(":") > 1:
        raise InvalidDIDError(f"DID `{text}` has more than one `:`: write `scope:name`")
    scope, name = (part.strip() for part in text.split(":"))
    if not scope:
        raise InvalidDIDError(f"DID `{text}` has no scope before the `:`: write `scope:name`")
    return scope, name


def parse_did(text: str, default_scope: str | None = None, *, allow_wildcards: bool = False) -> DID:
    """Parse ``scope:name`` (surrounding spaces ignored) into a :class:`DID`.

    Without a colon, ``text`` is a name in ``default_scope``; without a default scope that is
    an error.  With ``allow_wildcards``, ``*`` is accepted in the name (never in the scope).

    Raises:
        InvalidDIDError: with a message saying what to type.
    """
    text = text.strip()
    if not text:
        raise InvalidDIDError("No DID given: write `scope:name`")
    parts = _split_did(text)
    if parts is None:
        if default_scope is None:
            raise InvalidDIDError(f"DID `{text}` has no scope: write `scope:name`")
        scope, name = default_scope, text
    else:
        scope, name = parts
        if not name:
            raise InvalidDIDError(f"DID `{text}` has no name after the `:`: write `scope:name`")
    _check_scope(scope, text)
    _check_name(name, text, allow_wildcards)
    return DID(scope, name)


def scope_named_in(name: str, scopes: Iterable[str]) -> str | None:
    """The scope a bare name starts with, as ATLAS-style names do (``data18_13TeV.0034*``
    starts with scope ``data18``): the longest scope followed by ``.`` or ``_``; None when
    no scope fits (as the ServiceX DID finder decides)."""
    fitting = [s for s in scopes if s and len(name) > len(s) and name.startswith(s)]
    fitting = [s for s in fitting if name[len(s)] in "._"]
    return max(fitting, key=len, default=None)


def parse_query(text: str, default_scopes: Sequence[str]) -> list[tuple[str, str]]:
    """Parse a search query into ``(scope, pattern)`` pairs.

    ``scope:pattern`` gives one pair (``scope:`` alone means ``scope:*``); a bare
    ``pattern`` gives one pair per default scope (duplicates dropped, order kept).

    Raises:
        InvalidDIDError: on an empty query, a bare pattern without default scopes, or a
            scope or pattern Rucio does not allow.
    """
    text = text.strip()
    if not text:
        raise InvalidDIDError("Nothing to search for: write `scope:name`, e.g. `user.jdoe:*`")
    parts = _split_did(text)
    if parts is None:
        if not default_scopes:
            raise InvalidDIDError(
                f"Search `{text}` has no scope: write `scope:name*`, or pick a scope"
            )
        _check_name(text, text, allow_wildcards=True)
        scopes = list(dict.fromkeys(default_scopes))
        for scope in scopes:
            _check_scope(scope, f"{scope}:{text}")
        return [(scope, text) for scope in scopes]
    scope, pattern = parts
    pattern = pattern or "*"
    _check_scope(scope, text)
    _check_name(pattern, text, allow_wildcards=True)
    return [(scope, pattern)]
