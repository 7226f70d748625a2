"""The metadata filter grammar: parsing, formatting, and Rucio's filter form.

Pure functions only: no I/O, and no import of ``rucio`` (the tests compare with it).
This is the reference grammar: ``tests/fixtures/filters.json`` holds its cases, and the
view's copy (``js/filters.js``) is held to the same table.

Filters
=======
The filter text follows the ``--filter`` option of the ``rucio`` command
(``rucio did list --filter``)::

    key=value   key!=value   key<3   key<=3   key>3   key>=3   (``==`` means ``=``)
    1<key<5     5>key>1      (a range: two conditions on one key)
    a=1,b>2     ``,`` joins conditions (and)
    a=1;b=2     ``;`` joins groups (or)

Values that look like integers or floats become numbers, ``true``/``false`` (any case) become
bools, anything else stays a string; quote a value (``'...'`` or ``"..."``, with ``\\`` to
escape inside quotes) to keep it a string or to put ``, ; < > = !`` in it.  ``*`` in a string
value is a wildcard with ``=`` and ``!=``.

:func:`parse_filters` gives ``list[list[Condition]]`` (an OR of AND groups);
:func:`format_filters` writes the canonical text back; :func:`to_rucio_filters` gives the
``filters`` argument of ``DIDClient.list_dids`` in rucio 41: a list of dicts (OR), each dict
ANDing its keys, with the operator as a key suffix (``key``, ``key.ne``, ``key.lt``,
``key.lte``, ``key.gt``, ``key.gte``).

Deliberate differences from the CLI's parser
--------------------------------------------
(``rucio.common.utils.parse_did_filter_from_string_fe`` in rucio-clients 41.5.1, which the
unit tests compare with.)

* Values are typed (int, float, bool) here; the CLI sends every value as a string and leaves
  typing to the server (``FilterEngine._try_typecast_string``).  Typed values reach the
  database unchanged (the client sends the filters as a Python literal), and the server's own
  typing has traps we avoid: it skips any value containing ``+ - * /`` (so ``-5`` or ``1e-3``
  stay strings there) and rewrites the substrings ``true``/``false`` inside any string
  (``untrue`` becomes ``unTrue`` and matches nothing).  Numbers with leading zeros (``007``)
  stay strings here, as they do on the server.
* Quoting: the CLI has none (``a='x,y'`` is split at the comma, and quotes stay in the value).
  The server still re-types string values, so a quoted ``"5"`` reaches the database as the
  number 5: quoting protects the text on our side only.
* Empty conditions (``a=1,,b=2``, ``a=1;``, ``a=1; ;b=2``) are errors here; the CLI drops
  them, and turns a blank OR group into ``{}``, which matches every DID.
* A range must point one way (``1<k<5``, ``5>=k>1``).  The CLI also takes ``1<k=5``
  (``k>1 and k=5``) and ``1<k>=5``, and crashes with ``UnboundLocalError`` on ``1=k<5``.
* Keys are letters, digits and ``_``; the CLI takes any text, including Rucio's internal
  ``key.gt`` form.  Here ``events.gt=3`` is refused with a hint to write ``events>3``.
* Two checks the server would fail on are made while parsing: ``type`` only with ``=`` and
  one of :data:`DID_TYPES`; no wildcards (``*``, ``%``) with ``< <= > >=``.
* No filter at all gives ``[{}]`` (the CLI, with ``omit_name``, gives ``[]``).

Keys: columns and custom metadata
---------------------------------
:data:`COLUMN_KEYS` are the keys a rucio 41 server files under its ``DidColumnMeta`` plugin:
columns of the ``dids`` table, plus ``type``, ``created_at`` and
``created_after``/``created_before`` (which mean ``created_at>=``/``created_at<=``).  They
work on every server and database.  Every other key is custom metadata, handled by the
server's custom metadata plugin: the default ``JSONDidMeta`` needs a PostgreSQL, Oracle
(>= 12) or MySQL database and refuses on SQLite ("There is no metadata plugin that manages
the filter key(s) you requested"); other servers configure other plugins (MongoDB,
Elasticsearch, ...).

Some ``dids`` columns are *not* column keys, because the server leaves them out of
``DidColumnMeta.manages_key``: ``account``, ``availability``, ``complete``, ``did_type``,
``is_open``, ``monotonic``, ``obsolete``, ``scope``, ``suppressed`` and ``updated_at``.  A
filter on one of them goes to the custom plugin like any unknown key: refused on SQLite, and
on PostgreSQL it looks in the JSON metadata and finds nothing (``updated_at`` compares the
time the JSON metadata was written).  Dates are best written ``2024-01-01T00:00:00`` (the
server turns ``%Y-%m-%d %H:%M:%S`` and ``%Y-%m-%dT%H:%M:%S``, optionally with ``.%fZ``,
into dates).

One search cannot mix column keys and custom keys (``name`` excepted), not even in different
OR groups: the server answers "Filter keys used do not all belong to the same metadata
plugin".  That is why :func:`to_rucio_filters` adds ``'type'`` (itself a column key) only to
filters without custom keys.  Pass the same ``did_type`` to ``list_dids`` as well: the column
plugin uses it when ``'type'`` is absent (the JSON plugin does not filter by type at all).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from .protocol import DID_TYPES
from .words import clip, clip_quoted

__all__ = [
    "COLUMN_KEYS",
    "DID_TYPES",
    "FILTER_OPERATORS",
    "Condition",
    "FilterSyntaxError",
    "FilterValue",
    "custom_filter_keys",
    "filter_keys",
    "format_filters",
    "parse_filters",
    "to_rucio_filters",
]

FilterValue = str | int | float | bool

#: Canonical operators, in the order the filter text is tokenised (longest first).
FILTER_OPERATORS: Final = ("<=", ">=", "!=", "<", ">", "=")
_OP_SUFFIX: Final = {"=": "", "!=": "ne", "<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}
_ORDERING: Final = frozenset({"<", "<=", ">", ">="})
_FLIPPED: Final = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}


#: Filter keys the server's DID-column plugin answers for (see the module docstring).
#: ``lifetime``, which that plugin also claims, is left out: the filter engine has no column
#: for it and refuses it.
COLUMN_KEYS: Final[frozenset[str]] = frozenset(
    {
        # identity and size
        "name",
        "type",
        "bytes",
        "length",
        "md5",
        "adler32",
        "guid",
        # the hard-coded physics metadata columns
        "events",
        "project",
        "datatype",
        "run_number",
        "stream_name",
        "prod_step",
        "version",
        "campaign",
        "task_id",
        "panda_id",
        "lumiblocknr",
        "provenance",
        "phys_group",
        # flags
        "hidden",
        "is_new",
        "transient",
        "purge_replicas",
        "is_archive",
        "constituent",
        # times and access
        "created_at",
        "created_after",
        "created_before",
        "accessed_at",
        "closed_at",
        "eol_at",
        "expired_at",
        "deleted_at",
        "access_cnt",
    }
)

_SYNTAX_HELP: Final = "write key=value, key>=3, 1<key<5; join with `,` (and) or `;` (or)"
_KEY_RE: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*", re.ASCII)
_SUFFIX_KEY_RE: Final = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\.(ne|lt|lte|gt|gte)", re.ASCII)
_INT_RE: Final = re.compile(r"[+-]?(?:0|[1-9][0-9]*)", re.ASCII)
_FLOAT_RE: Final = re.compile(
    r"[+-]?(?:(?:0|[1-9][0-9]*)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII
)
_OPERATOR_CHARS: Final = "<>=!"
_QUOTES: Final = "'\""
_SPECIAL_CHARS: Final = frozenset(",;" + _OPERATOR_CHARS + _QUOTES)
_WILDCARDS: Final = ("*", "%")


class FilterSyntaxError(ValueError):
    """A filter text or filter structure is not valid; the message names the part. What the user
    typed is echoed at most ECHO_LIMIT characters at a time."""

    def __init__(self, message: str) -> None:
        super().__init__(clip_quoted(message))


@dataclass(frozen=True)
class Condition:
    """One comparison ``key op value``; ``op`` is one of :data:`FILTER_OPERATORS`."""

    key: str
    op: str
    value: FilterValue


def _convert_value(text: str) -> FilterValue:
    """The typed value of an unquoted value."""
    if _INT_RE.fullmatch(text):
        return int(text)
    if _FLOAT_RE.fullmatch(text):
        number = float(text)
        if math.isfinite(number):
            return number
        return text
    if text.lower() == "true":
        return True
    if text.lower() == "false":
        return False
    return text


def _format_value(value: FilterValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise FilterSyntaxError(f"Filter value `{value}` is not a finite number")
        return repr(value)
    if not isinstance(value, str):
        raise TypeError(f"a filter value is a str, int, float or bool, not {type(value)!r}")
    bare = (
        value != ""
        and not any(c.isspace() or c in _SPECIAL_CHARS for c in value)
        and isinstance(_convert_value(value), str)
    )
    if bare:
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _format_condition(condition: Condition) -> str:
    return f"{condition.key}{condition.op}{_format_value(condition.value)}"


def _check_condition(condition: Condition, term: str) -> None:
    """Raise FilterSyntaxError if the server would refuse ``condition`` (written ``term``)."""
    key, op, value = condition.key, condition.op, condition.value
    if key == "type" and (
        op != "=" or not isinstance(value, str) or value.lower() not in DID_TYPES
    ):
        raise FilterSyntaxError(
            f"Filter `{term}`: write type={'|'.join(DID_TYPES)}, e.g. type=dataset"
        )
    if op in _ORDERING and isinstance(value, str) and any(w in value for w in _WILDCARDS):
        raise FilterSyntaxError(
            f"Filter `{term}`: wildcards (`*`, `%`) work only with = and !=, e.g. {key}=abc*"
        )


def _validate_condition(condition: Condition) -> str:
    """Check a condition built by hand; return its canonical text."""
    if not isinstance(condition.key, str) or not _KEY_RE.fullmatch(condition.key):
        raise FilterSyntaxError(
            f"Filter key `{condition.key}` is not valid: keys are letters, digits and `_`, "
            "starting with a letter or `_`"
        )
    if condition.op not in FILTER_OPERATORS:
        raise FilterSyntaxError(
            f"Filter operator `{condition.op}` is not valid: use one of "
            + " ".join(FILTER_OPERATORS)
        )
    term = _format_condition(condition)
    _check_condition(condition, term)
    return term


def _split_terms(text: str) -> list[list[str]]:
    """Split at ``;`` (groups) and ``,`` (terms) outside quotes; quotes stay in the terms."""
    groups: list[list[str]] = [[]]
    current: list[str] = []
    quote: str | None = None
    chars = iter(text)
    for char in chars:
        if quote is not None:
            current.append(char)
            if char == "\\":
                current.append(next(chars, ""))
            elif char == quote:
                quote = None
        elif char in _QUOTES:
            quote = char
            current.append(char)
        elif char in ",;":
            groups[-1].append("".join(current))
            current = []
            if char == ";":
                groups.append([])
        else:
            current.append(char)
    groups[-1].append("".join(current))
    return groups


# A token: ("op", operator, False) or ("value", text, quoted).
_Token = tuple[str, str, bool]


def _tokenize(term: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(term)
    while i < n:
        char = term[i]
        if char.isspace():
            i += 1
        elif char in _OPERATOR_CHARS:
            op = next((o for o in ("<=", ">=", "==", "!=") if term.startswith(o, i)), None)
            if op is None and char == "!":
                raise FilterSyntaxError(
                    f"Filter `{term}` is not understood: `!` only comes as `!=`; {_SYNTAX_HELP}"
                )
            op = op or char
            tokens.append(("op", "=" if op == "==" else op, False))
            i += len(op)
        elif char in _QUOTES:
            value: list[str] = []
            i += 1
            while i < n and term[i] != char:
                if term[i] == "\\" and i + 1 < n:
                    i += 1
                value.append(term[i])
                i += 1
            if i >= n:
                raise FilterSyntaxError(
                    f"Filter `{term}` has a quote {char} that is not closed: "
                    f"close it, e.g. key={char}some value{char}"
                )
            tokens.append(("value", "".join(value), True))
            i += 1
        else:
            start = i
            while i < n and term[i] not in _OPERATOR_CHARS and term[i] not in _QUOTES:
                i += 1
            tokens.append(("value", term[start:i].strip(), False))
    return tokens


def _is_key(token: _Token) -> bool:
    kind, text, quoted = token
    return kind == "value" and not quoted and bool(_KEY_RE.fullmatch(text))


def _key_of(token: _Token, term: str) -> str:
    _, text, quoted = token
    if _is_key(token):
        return text
    if quoted and _KEY_RE.fullmatch(text):
        raise FilterSyntaxError(f"Filter `{term}`: write the key `{text}` without quotes")
    raise FilterSyntaxError(
        f"Filter `{term}`: `{text}` is not a metadata key: keys are letters, digits and `_`, "
        f"starting with a letter or `_`; {_SYNTAX_HELP}"
    )


def _value_of(token: _Token) -> FilterValue:
    _, text, quoted = token
    return text if quoted else _convert_value(text)


def _parse_term(term: str) -> list[Condition]:
    tokens = _tokenize(term)
    kinds = [token[0] for token in tokens]
    if kinds == ["value", "op"]:
        raise FilterSyntaxError(f"Filter `{term}` has no value: {_SYNTAX_HELP}")
    if kinds == ["op", "value"]:
        raise FilterSyntaxError(f"Filter `{term}` has no key: {_SYNTAX_HELP}")
    if kinds == ["value", "op", "value"]:
        left, op, right = tokens
        suffixed = None if left[2] else _SUFFIX_KEY_RE.fullmatch(left[1])
        if suffixed and op[1] == "=":
            key, suffix = suffixed.groups()
            better = next(o for o, s in _OP_SUFFIX.items() if s == suffix)
            raise FilterSyntaxError(
                f"Filter `{term}`: write `{key}{better}{_format_value(_value_of(right))}`: "
                f"filters use operators, not Rucio's internal `{key}.{suffix}` form"
            )
        if op[1] in _ORDERING and _is_key(right) and not _is_key(left):
            raise FilterSyntaxError(
                f"Filter `{term}`: put the key first, e.g. `{right[1]}{_FLIPPED[op[1]]}{left[1]}`"
            )
        key = _key_of(left, term)
        return [Condition(key, op[1], _value_of(right))]
    if kinds == ["value", "op", "value", "op", "value"]:
        key = _key_of(tokens[2], term)
        low, high = tokens[1][1], tokens[3][1]
        if low not in _ORDERING or high not in _ORDERING:
            raise FilterSyntaxError(f"Filter `{term}` is not understood: {_SYNTAX_HELP}")
        if not ({low, high} <= {"<", "<="} or {low, high} <= {">", ">="}):
            raise FilterSyntaxError(
                f"Filter `{term}` is not understood: a range has < or <= on both sides "
                f"(1<{key}<5) or > or >= on both sides (5>{key}>1)"
            )
        return [
            Condition(key, _FLIPPED[low], _value_of(tokens[0])),
            Condition(key, high, _value_of(tokens[4])),
        ]
    raise FilterSyntaxError(f"Filter `{term}` is not understood: {_SYNTAX_HELP}")


def parse_filters(text: str) -> list[list[Condition]]:
    """Parse a filter text into an OR of AND groups (``[]`` for blank text).

    Raises:
        FilterSyntaxError: naming the offending part and showing the accepted syntax.
    """
    if not text.strip():
        return []
    groups: list[list[Condition]] = []
    for raw_group in _split_terms(text):
        group: list[Condition] = []
        for raw_term in raw_group:
            term = raw_term.strip()
            if not term:
                raise FilterSyntaxError(
                    f"Filter `{text.strip()}` has an empty condition (a `,` or `;` too many): "
                    f"{_SYNTAX_HELP}"
                )
            for condition in _parse_term(term):
                _check_condition(condition, term)
                group.append(condition)
        groups.append(group)
    return groups


def format_filters(groups: Iterable[Sequence[Condition]]) -> str:
    """The canonical filter text of ``groups``: ``a=1,b>2;c!=x``.

    ``parse_filters(format_filters(groups)) == groups`` for every filter ``parse_filters``
    can return.

    Raises:
        FilterSyntaxError: for an empty group or a condition ``parse_filters`` would refuse.
    """
    texts: list[str] = []
    for group in groups:
        if not group:
            raise FilterSyntaxError("A filter group has no condition: drop it or add one")
        texts.append(",".join(_validate_condition(condition) for condition in group))
    return ";".join(texts)


def filter_keys(groups: Iterable[Iterable[Condition]]) -> set[str]:
    """Every key the filter compares."""
    return {condition.key for group in groups for condition in group}


def custom_filter_keys(groups: Iterable[Iterable[Condition]]) -> set[str]:
    """The keys that are custom metadata rather than :data:`COLUMN_KEYS`."""
    return filter_keys(groups) - COLUMN_KEYS


def no_match_hint(groups: Iterable[Iterable[Condition]]) -> str:
    """What to say when a search with these filters matched nothing: a custom key that is
    close to a column key is probably a typo of it (``evnts`` for ``events``).

    Only column keys can be offered: Rucio keeps custom metadata as JSON per DID and has no
    call that lists the keys in use, so a typo of a custom key cannot be told from a key no
    DID carries.
    """
    import difflib

    hints = []
    for key in sorted(custom_filter_keys(groups)):
        close = difflib.get_close_matches(key, sorted(COLUMN_KEYS), n=2, cutoff=0.75)
        if close:
            options = " or ".join(f"`{k}`" for k in close)
            hints.append(f"No DID carries `{clip(key, 40)}`: did you mean {options}?")
    if hints:
        return " ".join(hints)
    custom = sorted(custom_filter_keys(groups))
    if custom:
        return (
            f"No DID carries custom metadata `{clip(custom[0], 40)}` with that value; "
            "check the key's spelling (Rucio cannot list custom keys)."
        )
    return ""


def _refuse_mixed_plugins(groups: Sequence[Sequence[Condition]]) -> None:
    """Rucio answers a search that mixes column keys and custom keys (``name`` excepted,
    in any OR group) with "keys do not all belong to the same metadata plugin": say so in
    words, before the search is sent."""
    custom = sorted(custom_filter_keys(groups))
    columns = sorted(filter_keys(groups) - set(custom) - {"name"})
    if custom and columns:
        raise FilterSyntaxError(
            f"`{custom[0]}` is a custom key and `{columns[0]}` a column: Rucio cannot combine "
            f"them in one search. Search with `{columns[0]}` or with `{custom[0]}`, then narrow "
            "the results down"
        )


def to_rucio_filters(
    groups: Sequence[Sequence[Condition]],
    did_type: str | None = None,
    *,
    name: str | None = None,
) -> list[dict[str, object]]:
    """The ``filters`` argument of ``DIDClient.list_dids`` for ``groups``.

    Args:
        groups: a filter from :func:`parse_filters`.
        did_type: one of :data:`DID_TYPES`; unless ``None`` or ``'all'``, each dict gets
            ``'type': did_type``, but only when no key is custom metadata (the server cannot
            mix the two; see the module docstring).  A group's own ``type=`` wins.  Pass the
            same value as ``list_dids(did_type=...)`` too.
        name: a name pattern to add to each dict as ``'name'``, as the CLI does, unless the
            group compares ``name=`` itself (then ``name`` must be ``None`` or ``'*'``).

    Raises:
        FilterSyntaxError: two conditions with the same key and operator in one group, or
            ``name=`` in the filter while ``name`` names something else.
        ValueError: ``did_type`` is not one of :data:`DID_TYPES`.
    """
    if did_type is not None and did_type.lower() not in DID_TYPES:
        raise ValueError(f"did_type must be one of {', '.join(DID_TYPES)}, not {did_type!r}")
    _refuse_mixed_plugins(groups)
    add_type = did_type is not None and did_type.lower() != "all" and not custom_filter_keys(groups)
    result: list[dict[str, object]] = []
    for group in groups or [[]]:
        rucio_group: dict[str, object] = {}
        seen: dict[str, Condition] = {}
        for condition in group:
            suffix = _OP_SUFFIX[condition.op]
            rucio_key = f"{condition.key}.{suffix}" if suffix else condition.key
            if rucio_key in seen:
                raise FilterSyntaxError(
                    f"Filter has two `{condition.key}{condition.op}` conditions in one group "
                    f"({_format_condition(seen[rucio_key])} and {_format_condition(condition)}): "
                    f"Rucio takes one `{condition.op}` per key in a group; keep one, or put the "
                    "other in its own group after `;`"
                )
            seen[rucio_key] = condition
            rucio_group[rucio_key] = condition.value
        if name is not None:
            if "name" not in rucio_group:
                rucio_group["name"] = name
            elif name != "*":
                raise FilterSyntaxError(
                    f"The filter compares `name` and the search names `{name}`: search for "
                    "`scope:*` with the filter, or drop `name` from the filter"
                )
        if add_type and did_type is not None and "type" not in rucio_group:
            rucio_group["type"] = did_type.lower()
        result.append(rucio_group)
    return result
