"""Unit tests of rucio_widgets.dids and .filters: DIDs, queries, filters, sizes; equivalence
with the CLI."""

from __future__ import annotations

import dataclasses
import re

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from rucio_widgets import words
from rucio_widgets.dids import DID, InvalidDIDError, has_wildcard, parse_did, parse_query
from rucio_widgets.filters import (
    COLUMN_KEYS,
    DID_TYPES,
    FILTER_OPERATORS,
    Condition,
    FilterSyntaxError,
    FilterValue,
    custom_filter_keys,
    filter_keys,
    format_filters,
    parse_filters,
    to_rucio_filters,
)
from rucio_widgets.words import format_bytes

try:
    from rucio.common import exception as rucio_exception
    from rucio.common import utils as rucio_utils
except ImportError:  # pragma: no cover - rucio-clients is a test dependency
    rucio_exception = rucio_utils = None

needs_rucio = pytest.mark.skipif(rucio_utils is None, reason="needs rucio-clients")

SYNTAX_HELP = "write key=value, key>=3, 1<key<5; join with `,` (and) or `;` (or)"


def C(key: str, op: str, value: FilterValue) -> Condition:
    return Condition(key, op, value)


def typed(groups: list[list[Condition]]) -> list[list[tuple[str, str, type, FilterValue]]]:
    """Groups with each value's type, so that 1, 1.0 and True compare unequal."""
    return [[(c.key, c.op, type(c.value), c.value) for c in group] for group in groups]


# --- DIDs -------------------------------------------------------------------------------


class TestDID:
    def test_str(self) -> None:
        assert str(DID("user.jdoe", "data/file.root")) == "user.jdoe:data/file.root"

    def test_frozen_and_hashable(self) -> None:
        did = DID("s", "n")
        with pytest.raises(dataclasses.FrozenInstanceError):
            did.name = "m"  # type: ignore[misc]
        assert {did, DID("s", "n")} == {did}


@pytest.mark.parametrize(
    ("text", "default_scope", "expected"),
    [
        ("user.jdoe:file.root", None, DID("user.jdoe", "file.root")),
        ("  user.jdoe:file.root\n", None, DID("user.jdoe", "file.root")),
        ("user.jdoe : file.root", None, DID("user.jdoe", "file.root")),
        (
            "mc16_13TeV:AOD.123._000001.pool.root.1",
            None,
            DID("mc16_13TeV", "AOD.123._000001.pool.root.1"),
        ),
        (
            "belle:/belle/MC/release-06/DB/x.root",
            None,
            DID("belle", "/belle/MC/release-06/DB/x.root"),
        ),
        ("a-b_c.d:n", None, DID("a-b_c.d", "n")),
        ("s:_leading-underscore", None, DID("s", "_leading-underscore")),
        ("file.root", "user.jdoe", DID("user.jdoe", "file.root")),
        ("other:file.root", "user.jdoe", DID("other", "file.root")),
        ("x" * 25 + ":" + "n" * 255, None, DID("x" * 25, "n" * 255)),
    ],
)
def test_parse_did_valid(text: str, default_scope: str | None, expected: DID) -> None:
    assert parse_did(text, default_scope) == expected


def test_parse_did_no_scope_message_is_exact() -> None:
    with pytest.raises(InvalidDIDError) as info:
        parse_did("x")
    assert str(info.value) == "DID `x` has no scope: write `scope:name`"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "No DID given: write `scope:name`"),
        ("   ", "No DID given: write `scope:name`"),
        ("file.root", "DID `file.root` has no scope: write `scope:name`"),
        ("a:b:c", "DID `a:b:c` has more than one `:`: write `scope:name`"),
        (":x", "DID `:x` has no scope before the `:`: write `scope:name`"),
        ("x:", "DID `x:` has no name after the `:`: write `scope:name`"),
        (":", "DID `:` has no scope before the `:`: write `scope:name`"),
        ("sc ope:x", "Scope `sc ope` in `sc ope:x` contains a space"),
        ("sc#pe:x", "Scope `sc#pe` in `sc#pe:x` has characters Rucio does not allow (`#`)"),
        ("x" * 26 + ":n", "is 26 characters long: a scope has at most 25"),
        ("s:a b", "DID `s:a b` contains a space"),
        ("s:a\tb", "contains a space"),
        ("s:a$b", "has characters Rucio does not allow in a name (`$`)"),
        ("s:a+b=c+d", "(`+`, `=`)"),
        ("s:" + "n" * 256, "is 256 characters long: a name has at most 255"),
        ("s:data*", "DID `s:data*` has a wildcard `*`: write the full name"),
        ("us*:data", "Scope `us*` in `us*:data` has a wildcard `*`"),
        ("s:é", "(`é`)"),
    ],
)
def test_parse_did_invalid(text: str, message: str) -> None:
    with pytest.raises(InvalidDIDError) as info:
        parse_did(text)
    assert message in str(info.value)
    assert isinstance(info.value, ValueError)


def test_parse_did_checks_the_default_scope() -> None:
    with pytest.raises(InvalidDIDError, match="Scope `bad scope`"):
        parse_did("name", "bad scope")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("s:data*", DID("s", "data*")),
        ("s:*", DID("s", "*")),
        ("s:*.root", DID("s", "*.root")),
        ("s:plain", DID("s", "plain")),
    ],
)
def test_parse_did_wildcards(text: str, expected: DID) -> None:
    assert parse_did(text, allow_wildcards=True) == expected


def test_parse_did_wildcards_never_in_scope() -> None:
    with pytest.raises(InvalidDIDError, match="has a wildcard"):
        parse_did("user.*:x", allow_wildcards=True)


scopes = st.from_regex(r"[A-Za-z0-9_.\-]{1,25}", fullmatch=True)
names = st.from_regex(r"[A-Za-z0-9_.\-/]{1,255}", fullmatch=True)


@given(scopes, names)
def test_parse_did_round_trip(scope: str, name: str) -> None:
    did = DID(scope, name)
    assert parse_did(str(did)) == did
    assert parse_did(f"  {did}  ") == did


@given(st.text())
def test_parse_did_raises_only_invalid_did(text: str) -> None:
    try:
        did = parse_did(text, allow_wildcards=True)
    except InvalidDIDError:
        return
    assert parse_did(str(did), allow_wildcards=True) == did


@pytest.mark.parametrize(
    ("text", "expected"),
    [("s:data*", True), ("*", True), ("s:data", False), ("", False), ("s:%", False)],
)
def test_has_wildcard(text: str, expected: bool) -> None:
    assert has_wildcard(text) is expected


# --- Queries ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "default_scopes", "expected"),
    [
        ("user.jdoe:data*", [], [("user.jdoe", "data*")]),
        ("user.jdoe:data*", ["other"], [("user.jdoe", "data*")]),
        ("  user.jdoe:data*  ", [], [("user.jdoe", "data*")]),
        ("user.jdoe:", [], [("user.jdoe", "*")]),
        ("user.jdoe:   ", [], [("user.jdoe", "*")]),
        ("user.jdoe:exact.name", [], [("user.jdoe", "exact.name")]),
        ("data*", ["a", "b"], [("a", "data*"), ("b", "data*")]),
        ("data*", ["a", "b", "a"], [("a", "data*"), ("b", "data*")]),
        (" *.root ", ["a"], [("a", "*.root")]),
        ("*", ["a"], [("a", "*")]),
        ("exact", ("a",), [("a", "exact")]),
    ],
)
def test_parse_query_valid(
    text: str, default_scopes: list[str], expected: list[tuple[str, str]]
) -> None:
    assert parse_query(text, default_scopes) == expected


@pytest.mark.parametrize(
    ("text", "default_scopes", "message"),
    [
        ("data*", [], "Search `data*` has no scope: write `scope:name*`, or pick a scope"),
        ("", ["a"], "write `scope:name`"),
        ("   ", [], "write `scope:name`"),
        ("a:b:c", ["a"], "more than one `:`"),
        (":data*", ["a"], "has no scope before the `:`"),
        ("us*:data", [], "has a wildcard `*`: write one scope in full"),
        ("s:da ta", [], "contains a space"),
        ("s:da$ta", [], "(`$`)"),
        ("da$ta", ["a"], "(`$`)"),
        ("data", ["bad scope"], "Scope `bad scope`"),
    ],
)
def test_parse_query_invalid(text: str, default_scopes: list[str], message: str) -> None:
    with pytest.raises(InvalidDIDError) as info:
        parse_query(text, default_scopes)
    assert message in str(info.value)


def test_parse_query_no_scope_message_is_exact() -> None:
    with pytest.raises(InvalidDIDError) as info:
        parse_query(" x ", [])
    assert str(info.value) == "Search `x` has no scope: write `scope:name*`, or pick a scope"


# --- Filters: parsing -------------------------------------------------------------------

VALID_FILTERS: list[tuple[str, list[list[Condition]]]] = [
    ("", []),
    ("   \t\n", []),
    ("a=1", [[C("a", "=", 1)]]),
    ("a==1", [[C("a", "=", 1)]]),
    ("a!=1", [[C("a", "!=", 1)]]),
    ("a<1", [[C("a", "<", 1)]]),
    ("a<=1", [[C("a", "<=", 1)]]),
    ("a>1", [[C("a", ">", 1)]]),
    ("a>=1", [[C("a", ">=", 1)]]),
    ("  a  >=  1  ", [[C("a", ">=", 1)]]),
    ("a=1,b>2;c!=x", [[C("a", "=", 1), C("b", ">", 2)], [C("c", "!=", "x")]]),
    (" a = 1 , b > 2 ; c != x ", [[C("a", "=", 1), C("b", ">", 2)], [C("c", "!=", "x")]]),
    ("a=1;b=2;c=3", [[C("a", "=", 1)], [C("b", "=", 2)], [C("c", "=", 3)]]),
    # ranges
    ("1<events<5", [[C("events", ">", 1), C("events", "<", 5)]]),
    ("1<=events<=5", [[C("events", ">=", 1), C("events", "<=", 5)]]),
    ("1<events<=5", [[C("events", ">", 1), C("events", "<=", 5)]]),
    ("5>events>1", [[C("events", "<", 5), C("events", ">", 1)]]),
    ("5>=events>1", [[C("events", "<=", 5), C("events", ">", 1)]]),
    (" 1 < events < 5 ", [[C("events", ">", 1), C("events", "<", 5)]]),
    ("0.5<x<1.5,y=2", [[C("x", ">", 0.5), C("x", "<", 1.5), C("y", "=", 2)]]),
    # values
    ("a=-3", [[C("a", "=", -3)]]),
    ("a=+3", [[C("a", "=", 3)]]),
    ("a=0", [[C("a", "=", 0)]]),
    ("a=007", [[C("a", "=", "007")]]),
    ("a=1.5", [[C("a", "=", 1.5)]]),
    ("a=1.", [[C("a", "=", 1.0)]]),
    ("a=.5", [[C("a", "=", 0.5)]]),
    ("a=-1e-3", [[C("a", "=", -0.001)]]),
    ("a=1E6", [[C("a", "=", 1e6)]]),
    ("a=1e999", [[C("a", "=", "1e999")]]),
    ("a=inf", [[C("a", "=", "inf")]]),
    ("a=nan", [[C("a", "=", "nan")]]),
    ("a=1_000", [[C("a", "=", "1_000")]]),
    ("a=0x10", [[C("a", "=", "0x10")]]),
    ("a=true", [[C("a", "=", True)]]),
    ("a=TRUE", [[C("a", "=", True)]]),
    ("a=False", [[C("a", "=", False)]]),
    ("a=fAlSe", [[C("a", "=", False)]]),
    ("a=truth", [[C("a", "=", "truth")]]),
    ("a=none", [[C("a", "=", "none")]]),
    ("project=data18_13TeV", [[C("project", "=", "data18_13TeV")]]),
    ("project=data18*", [[C("project", "=", "data18*")]]),
    ("project!=data18*", [[C("project", "!=", "data18*")]]),
    ("name=*.root", [[C("name", "=", "*.root")]]),
    ("a=x y", [[C("a", "=", "x y")]]),
    ("created_at>=2024-01-01 10:00:00", [[C("created_at", ">=", "2024-01-01 10:00:00")]]),
    ("created_after=2024-01-01T10:00:00", [[C("created_after", "=", "2024-01-01T10:00:00")]]),
    ("a=b/c:d@e", [[C("a", "=", "b/c:d@e")]]),
    ("a=x\\y", [[C("a", "=", "x\\y")]]),
    # quoting
    ("a='5'", [[C("a", "=", "5")]]),
    ('a="true"', [[C("a", "=", "true")]]),
    ("a='x,y;z'", [[C("a", "=", "x,y;z")]]),
    ('a="1<2>=3!=4"', [[C("a", "=", "1<2>=3!=4")]]),
    ("a=''", [[C("a", "=", "")]]),
    ("a=' padded '", [[C("a", "=", " padded ")]]),
    ('a="it\'s"', [[C("a", "=", "it's")]]),
    ("a='say \"hi\"'", [[C("a", "=", 'say "hi"')]]),
    ('a="back\\\\slash \\" quote"', [[C("a", "=", 'back\\slash " quote')]]),
    ("a='x',b=\"y\";c='z'", [[C("a", "=", "x"), C("b", "=", "y")], [C("c", "=", "z")]]),
    ("1<a<'5'", [[C("a", ">", 1), C("a", "<", "5")]]),
    # keys
    ("_a=1", [[C("_a", "=", 1)]]),
    ("A_1=1", [[C("A_1", "=", 1)]]),
    ("run_number>=358031", [[C("run_number", ">=", 358031)]]),
    # type
    ("type=dataset", [[C("type", "=", "dataset")]]),
    ("type=ALL", [[C("type", "=", "ALL")]]),
    # wildcards with < > are fine in quoted-free numeric comparisons, and % is a value char
    ("a=50%", [[C("a", "=", "50%")]]),
    # duplicates parse; to_rucio_filters refuses them
    ("a=1,a=2", [[C("a", "=", 1), C("a", "=", 2)]]),
]


@pytest.mark.parametrize(("text", "expected"), VALID_FILTERS)
def test_parse_filters_valid(text: str, expected: list[list[Condition]]) -> None:
    assert typed(parse_filters(text)) == typed(expected)


def test_parse_filters_example_message_is_exact() -> None:
    with pytest.raises(FilterSyntaxError) as info:
        parse_filters("events>>3")
    assert str(info.value) == f"Filter `events>>3` is not understood: {SYNTAX_HELP}"


INVALID_FILTERS: list[tuple[str, str]] = [
    ("events>>3", "Filter `events>>3` is not understood"),
    ("a=1,events>>3", "Filter `events>>3` is not understood"),
    ("a=>3", "Filter `a=>3` is not understood"),
    ("a=<3", "Filter `a=<3` is not understood"),
    ("a", "Filter `a` is not understood"),
    ("a 1", "Filter `a 1` is not understood"),
    ("=", "Filter `=` is not understood"),
    ("a=", "Filter `a=` has no value"),
    ("a >= ", "Filter `a >=` has no value"),
    ("=1", "Filter `=1` has no key"),
    ("a!3", "`!` only comes as `!=`"),
    ("!a=3", "`!` only comes as `!=`"),
    ("a=hello!", "`!` only comes as `!=`"),
    ("a=1,,b=2", "Filter `a=1,,b=2` has an empty condition"),
    ("a=1;;b=2", "has an empty condition"),
    ("a=1;", "has an empty condition"),
    (",a=1", "has an empty condition"),
    ("a=1; ;b=2", "has an empty condition"),
    (" , ", "has an empty condition"),
    (";", "has an empty condition"),
    # keys
    ("a.gt=3", "Filter `a.gt=3`: write `a>3`"),
    ("a.ne=x", "write `a!=x`"),
    ("a.lte = 5", "write `a<=5`"),
    ("a.gt>3", "`a.gt` is not a metadata key"),
    ("1a=3", "`1a` is not a metadata key"),
    ("a-b=3", "`a-b` is not a metadata key"),
    ("a b=3", "`a b` is not a metadata key"),
    ("é=3", "`é` is not a metadata key"),
    ("'a'=1", "write the key `a` without quotes"),
    ("'a b'=1", "`a b` is not a metadata key"),
    ("5<events", "put the key first, e.g. `events>5`"),
    ("5>=events", "put the key first, e.g. `events<=5`"),
    ("5=events", "`5` is not a metadata key"),
    # ranges
    ("1<a>5", "a range has < or <= on both sides (1<a<5) or > or >= on both sides (5>a>1)"),
    ("5>a<=1", "a range has < or <= on both sides"),
    ("1=a<5", "Filter `1=a<5` is not understood"),
    ("1<a=5", "Filter `1<a=5` is not understood"),
    ("1!=a<5", "is not understood"),
    ("a=b=c", "Filter `a=b=c` is not understood"),
    ("1<2<3", "`2` is not a metadata key"),
    ("1<a<5<7", "is not understood"),
    ("1<'a'<5", "write the key `a` without quotes"),
    # quotes
    ("a='x", "Filter `a='x` has a quote ' that is not closed"),
    ('a="x', 'has a quote " that is not closed'),
    ("a='x,b=1", "has a quote ' that is not closed"),
    ('a="x\\"', 'has a quote " that is not closed'),
    ("a=it's", "has a quote ' that is not closed"),
    ("a='x'y", "Filter `a='x'y` is not understood"),
    ("a=x'y'", "is not understood"),
    ("a='x' 'y'", "is not understood"),
    # semantic checks
    ("type=foo", "Filter `type=foo`: write type=all|container|dataset|file|collection"),
    ("type!=dataset", "write type=all|"),
    ("type=1", "write type=all|"),
    ("a>x*", "Filter `a>x*`: wildcards (`*`, `%`) work only with = and !=, e.g. a=abc*"),
    ("a<='x*'", "wildcards (`*`, `%`) work only with = and !="),
    ("a>=50%", "wildcards"),
    ("1<a<x*", "wildcards"),
]


@pytest.mark.parametrize(("text", "message"), INVALID_FILTERS)
def test_parse_filters_invalid(text: str, message: str) -> None:
    with pytest.raises(FilterSyntaxError) as info:
        parse_filters(text)
    assert message in str(info.value)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    "text", ["events>>3", "a", "a=1,,b=2", "a=b=c", "1=a<5", "a.gt>3", "1a=3", "a='x'y"]
)
def test_syntax_errors_show_the_accepted_syntax(text: str) -> None:
    with pytest.raises(FilterSyntaxError, match=re.escape(SYNTAX_HELP)):
        parse_filters(text)


# --- Filters: formatting and round trips ------------------------------------------------


@pytest.mark.parametrize(
    ("groups", "text"),
    [
        ([], ""),
        ([[C("a", "=", 1), C("b", ">", 2)], [C("c", "!=", "x")]], "a=1,b>2;c!=x"),
        ([[C("a", "=", True), C("b", "=", False)]], "a=true,b=false"),
        ([[C("a", "=", 1.5), C("b", "=", 1e20), C("c", "=", -0.0)]], "a=1.5,b=1e+20,c=-0.0"),
        ([[C("a", "=", "5")]], 'a="5"'),
        ([[C("a", "=", "1.5")]], 'a="1.5"'),
        ([[C("a", "=", "true")]], 'a="true"'),
        ([[C("a", "=", "007")]], "a=007"),
        ([[C("a", "=", "")]], 'a=""'),
        ([[C("a", "=", "x y")]], 'a="x y"'),
        ([[C("a", "=", "x,y")]], 'a="x,y"'),
        ([[C("a", "=", 'say "hi"')]], 'a="say \\"hi\\""'),
        ([[C("a", "=", "it's")]], 'a="it\'s"'),
        ([[C("a", "=", "back\\slash")]], "a=back\\slash"),
        ([[C("a", "=", 'q"\\')]], 'a="q\\"\\\\"'),
        ([[C("a", "=", "data18*")]], "a=data18*"),
        ([[C("events", ">", 1), C("events", "<", 5)]], "events>1,events<5"),
    ],
)
def test_format_filters(groups: list[list[Condition]], text: str) -> None:
    assert format_filters(groups) == text
    assert typed(parse_filters(text)) == typed(groups)


@pytest.mark.parametrize(("text", "expected"), VALID_FILTERS)
def test_round_trip_of_the_valid_table(text: str, expected: list[list[Condition]]) -> None:
    groups = parse_filters(text)
    canonical = format_filters(groups)
    assert typed(parse_filters(canonical)) == typed(groups)
    assert format_filters(parse_filters(canonical)) == canonical


@pytest.mark.parametrize(
    ("groups", "error", "message"),
    [
        ([[]], FilterSyntaxError, "A filter group has no condition"),
        ([[C("a.gt", "=", 1)]], FilterSyntaxError, "Filter key `a.gt` is not valid"),
        ([[C("", "=", 1)]], FilterSyntaxError, "Filter key `` is not valid"),
        ([[C("a", "==", 1)]], FilterSyntaxError, "Filter operator `==` is not valid"),
        ([[C("a", "~", 1)]], FilterSyntaxError, "Filter operator `~` is not valid"),
        ([[C("a", "=", float("nan"))]], FilterSyntaxError, "is not a finite number"),
        ([[C("a", "=", float("inf"))]], FilterSyntaxError, "is not a finite number"),
        ([[C("a", ">", "x*")]], FilterSyntaxError, "wildcards"),
        ([[C("type", "=", "foo")]], FilterSyntaxError, "write type="),
        ([[C("a", "=", None)]], TypeError, "a filter value is a str, int, float or bool"),  # type: ignore[arg-type]
    ],
)
def test_format_filters_refuses_what_parse_would_refuse(
    groups: list[list[Condition]], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=re.escape(message)):
        format_filters(groups)


filter_keys_st = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True)
filter_values: st.SearchStrategy[FilterValue] = st.one_of(
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(),
    st.sampled_from(["007", "1e999", "TRUE", "x y", "a'b\"c", "\\", "*", "50%", "-", "."]),
)


@st.composite
def conditions(draw: st.DrawFn) -> Condition:
    key = draw(filter_keys_st)
    op = draw(st.sampled_from(FILTER_OPERATORS))
    if key == "type":
        return C("type", "=", draw(st.sampled_from([*DID_TYPES, "Dataset"])))
    value = draw(filter_values)
    assume(
        not (
            op in {"<", "<=", ">", ">="}
            and isinstance(value, str)
            and ("*" in value or "%" in value)
        )
    )
    return C(key, op, value)


filters_st = st.lists(st.lists(conditions(), min_size=1, max_size=4), max_size=4)


@given(filters_st)
@example([[C("a", "=", "1e999")], [C("b", "=", -0.0), C("c", "<", 10**30)]])
@example([[C("a", "=", " \t"), C("b", "!=", "\x00;\u2028"), C("c", "=", "\\'")]])
def test_parse_format_round_trip(groups: list[list[Condition]]) -> None:
    text = format_filters(groups)
    assert typed(parse_filters(text)) == typed(groups)


@given(st.text(alphabet=st.sampled_from(list("ab1 .<>=!,;'\"\\*xT_-")), max_size=30) | st.text())
@example("a='x\\")
@example('"')
def test_parse_filters_raises_only_filter_syntax_errors(text: str) -> None:
    try:
        groups = parse_filters(text)
    except FilterSyntaxError:
        return
    canonical = format_filters(groups)
    assert typed(parse_filters(canonical)) == typed(groups)


# --- Filters: keys ----------------------------------------------------------------------


def test_filter_keys() -> None:
    groups = parse_filters("a=1,1<b<3;c!=x,a=2")
    assert filter_keys(groups) == {"a", "b", "c"}
    assert filter_keys([]) == set()


def test_custom_filter_keys() -> None:
    groups = parse_filters("events>3,my_key=1;project=x,other=true")
    assert custom_filter_keys(groups) == {"my_key", "other"}


def test_column_keys() -> None:
    required = {
        "name", "type", "datatype", "run_number", "project", "stream_name", "prod_step",
        "version", "campaign", "events", "length", "bytes", "created_at", "guid",
        "provenance", "phys_group", "task_id", "panda_id", "lumiblocknr",
        "created_after", "created_before",
    }  # fmt: skip
    assert required <= COLUMN_KEYS
    # Columns a rucio 41 server leaves out of DidColumnMeta.manages_key: a filter on them
    # goes to the custom-metadata plugin (refused on SQLite).
    not_column_filters = {
        "account", "availability", "complete", "did_type", "is_open", "monotonic",
        "obsolete", "scope", "suppressed", "updated_at", "lifetime",
    }  # fmt: skip
    assert not (not_column_filters & COLUMN_KEYS)
    assert isinstance(COLUMN_KEYS, frozenset)
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", key) for key in COLUMN_KEYS)


# --- Filters: Rucio's structure ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", [{}]),
        ("a=1", [{"a": 1}]),
        ("a!=x", [{"a.ne": "x"}]),
        ("a<1", [{"a.lt": 1}]),
        ("a<=1", [{"a.lte": 1}]),
        ("a>1", [{"a.gt": 1}]),
        ("a>=1", [{"a.gte": 1}]),
        ("1<events<5", [{"events.gt": 1, "events.lt": 5}]),
        ("5>=events>1", [{"events.lte": 5, "events.gt": 1}]),
        ("a=1,b>2;c!=x", [{"a": 1, "b.gt": 2}, {"c.ne": "x"}]),
        ("a=true,b=1.5,c='7'", [{"a": True, "b": 1.5, "c": "7"}]),
        (
            "a=1,a!=2,a>0,a>=0,a<9,a<=9",
            [{"a": 1, "a.ne": 2, "a.gt": 0, "a.gte": 0, "a.lt": 9, "a.lte": 9}],
        ),
        ("a=1;a=2", [{"a": 1}, {"a": 2}]),
    ],
)
def test_to_rucio_filters(text: str, expected: list[dict[str, object]]) -> None:
    result = to_rucio_filters(parse_filters(text))
    assert result == expected
    assert [[(k, type(v)) for k, v in d.items()] for d in result] == [
        [(k, type(v)) for k, v in d.items()] for d in expected
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a=1,a=2", "two `a=` conditions in one group (a=1 and a=2)"),
        ("a=1,a==2", "two `a=` conditions"),
        ("a>1,1<a<5", "two `a>` conditions in one group (a>1 and a>1)"),
        ("x<2,x<3", "Rucio takes one `<` per key in a group"),
    ],
)
def test_to_rucio_filters_refuses_duplicates(text: str, message: str) -> None:
    with pytest.raises(FilterSyntaxError, match=re.escape(message)):
        to_rucio_filters(parse_filters(text))


@pytest.mark.parametrize(
    ("text", "did_type", "expected"),
    [
        ("", None, [{}]),
        ("", "all", [{}]),
        ("", "ALL", [{}]),
        ("", "dataset", [{"type": "dataset"}]),
        ("", "Container", [{"type": "container"}]),
        (
            "events>3;project=x",
            "collection",
            [{"events.gt": 3, "type": "collection"}, {"project": "x", "type": "collection"}],
        ),
        ("events>3", "all", [{"events.gt": 3}]),
        ("type=file", "dataset", [{"type": "file"}]),
        ("type=file;events=1", "dataset", [{"type": "file"}, {"events": 1, "type": "dataset"}]),
        # custom keys: no 'type', the server cannot mix plugins
        ("my_key=1", "dataset", [{"my_key": 1}]),
        ("name=x*;my_key=1", "dataset", [{"name": "x*"}, {"my_key": 1}]),
    ],
)
def test_to_rucio_filters_did_type(
    text: str, did_type: str | None, expected: list[dict[str, object]]
) -> None:
    assert to_rucio_filters(parse_filters(text), did_type) == expected


@pytest.mark.parametrize(
    "text", ["events>3;my_key=1", "events<=5000;generator=Sherpa", "a=1,run_number=2"]
)
def test_mixing_column_and_custom_keys_is_refused_in_words(text: str) -> None:
    with pytest.raises(FilterSyntaxError, match=r"is a custom key and .* a column: Rucio cannot"):
        to_rucio_filters(parse_filters(text))


@pytest.mark.parametrize("did_type", ["folder", "", "datasets"])
def test_to_rucio_filters_invalid_did_type(did_type: str) -> None:
    with pytest.raises(
        ValueError, match="did_type must be one of all, container, dataset, file, collection"
    ):
        to_rucio_filters([], did_type)


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("", "data*", [{"name": "data*"}]),
        ("a=1;b=2", "data*", [{"a": 1, "name": "data*"}, {"b": 2, "name": "data*"}]),
        ("name=x*", "*", [{"name": "x*"}]),
        ("name!=x*", "data*", [{"name.ne": "x*", "name": "data*"}]),
        ("a=1", None, [{"a": 1}]),
    ],
)
def test_to_rucio_filters_name(
    text: str, name: str | None, expected: list[dict[str, object]]
) -> None:
    assert to_rucio_filters(parse_filters(text), name=name) == expected


def test_to_rucio_filters_name_twice() -> None:
    with pytest.raises(FilterSyntaxError, match="The filter compares `name` and the search"):
        to_rucio_filters(parse_filters("name=x*"), name="data*")


def test_to_rucio_filters_returns_fresh_dicts() -> None:
    groups = parse_filters("events=1")
    first = to_rucio_filters(groups, "dataset")
    first[0]["b"] = 2  # the server pops 'type' from the dicts it is given
    assert to_rucio_filters(groups, "dataset") == [{"events": 1, "type": "dataset"}]


# --- Equivalence with the rucio CLI's parser ---------------------------------------------


def cli(text: str, name: str | None = None) -> list[dict[str, str]]:
    """What ``rucio did list --filter text`` sends to the server (before ``type``)."""
    if name is None:
        filters, _ = rucio_utils.parse_did_filter_from_string_fe(text, omit_name=True)
    else:
        filters, _ = rucio_utils.parse_did_filter_from_string_fe(text, name=name)
    return filters  # type: ignore[no-any-return]


def same_value(ours: object, theirs: str) -> bool:
    """Our typed value against the CLI's string (we type values; the server types the CLI's)."""
    if isinstance(ours, bool):
        return theirs.lower() == str(ours).lower()
    if isinstance(ours, int | float):
        return float(theirs) == ours
    return ours == theirs


def assert_equivalent(ours: list[dict[str, object]], theirs: list[dict[str, str]]) -> None:
    assert [list(d) for d in ours] == [list(d) for d in theirs]  # same keys, same order
    for our_group, their_group in zip(ours, theirs, strict=True):
        for key, value in our_group.items():
            assert same_value(value, their_group[key]), (key, value, their_group[key])


CLI_EQUIVALENT = [
    "a=1",
    "a==1",
    "a!=1",
    "a<1",
    "a<=1",
    "a>1",
    "a>=1",
    " a = 1 ",
    "a=1,b>2;c!=x",
    " a = 1 , b > 2 ; c != x ",
    "1<events<5",
    "1<=events<=5",
    "1<events<=5",
    "5>events>1",
    "5>=events>=1",
    "0.5<x<1.5,y=2",
    "run_number>=358031,project=data18_13TeV,datatype=AOD",
    "project=data18*;project=data17*",
    "name=*.root",
    "a=true,b=FALSE,c=1.5,d=-3,e=1e3",
    "a=007",
    "a=x y",
    "created_at>=2024-01-01 10:00:00",
    "created_after=2024-01-01T10:00:00",
    "events>1,events<5,events!=3",
    "a=1;a=2;a=3",
    "type=dataset",
]


@needs_rucio
@pytest.mark.parametrize("text", CLI_EQUIVALENT)
def test_same_as_cli(text: str) -> None:
    assert_equivalent(to_rucio_filters(parse_filters(text)), cli(text))


@needs_rucio
@pytest.mark.parametrize("text", ["", *CLI_EQUIVALENT])
@pytest.mark.parametrize("name", ["*", "data18*"])
def test_same_as_cli_with_a_name(text: str, name: str) -> None:
    if text.startswith("name=") and name != "*":
        # `rucio did list scope:data18* --filter name=...` refuses this before parsing.
        with pytest.raises(FilterSyntaxError, match="compares `name`"):
            to_rucio_filters(parse_filters(text), name=name)
        return
    assert_equivalent(to_rucio_filters(parse_filters(text), name=name), cli(text, name))


@needs_rucio
@pytest.mark.parametrize(
    "text",
    [
        "events>>3",
        "a=>3",
        "a=",
        "=1",
        "a",
        "1<a>5",  # duplicate a.gt in the CLI
        "a=1,a=2",
        "a=1,a==2",
        "x<2,x<3",
        "a>1,1<a<5",
        "a=b=c",  # UnboundLocalError in the CLI
        "1=a<5",
    ],
)
def test_both_refuse(text: str) -> None:
    with pytest.raises(Exception):  # noqa: B017, PT011 - the CLI raises several kinds
        cli(text)
    with pytest.raises(FilterSyntaxError):
        to_rucio_filters(parse_filters(text))


@needs_rucio
@pytest.mark.parametrize(
    ("text", "cli_result"),
    [
        # The CLI drops empty conditions; a blank OR group becomes {} (matches every DID).
        ("a=1,,b=2", [{"a": "1", "b": "2"}]),
        ("a=1;", [{"a": "1"}]),
        ("a=1; ;b=2", [{"a": "1"}, {}, {"b": "2"}]),
        (" , ", [{}]),
        # Mixed-direction ranges and `=` on the right.
        ("1<a>=5", [{"a.gt": "1", "a.gte": "5"}]),
        ("1<a=5", [{"a.gt": "1", "a": "5"}]),
        # Rucio's internal key form is taken as a key.
        ("a.gt=3", [{"a.gt": "3"}]),
        # No typing, no quoting.
        ("a=true", [{"a": "true"}]),
        ("a='5'", [{"a": "'5'"}]),
        # Wildcards with ordering operators are left to the server to refuse.
        ("a>x*", [{"a.gt": "x*"}]),
        ("type=foo", [{"type": "foo"}]),
    ],
)
def test_known_differences_from_cli(text: str, cli_result: list[dict[str, str]]) -> None:
    """Documented in the module docstring; this pins what the CLI does."""
    assert cli(text) == cli_result
    try:
        ours = to_rucio_filters(parse_filters(text))
    except FilterSyntaxError:
        return
    assert ours != cli_result


@needs_rucio
def test_cli_crashes_on_equals_in_a_range() -> None:
    with pytest.raises(UnboundLocalError):
        cli("1=a<5")


@needs_rucio
def test_cli_splits_quotes_at_commas() -> None:
    with pytest.raises(rucio_exception.DIDFilterSyntaxError):
        cli("a='x,y'")
    assert to_rucio_filters(parse_filters("a='x,y'")) == [{"a": "x,y"}]


simple_values = st.one_of(
    st.integers(min_value=-(10**6), max_value=10**6).map(str),
    st.from_regex(r"[A-Za-z][A-Za-z0-9_.*]{0,8}", fullmatch=True),
    st.sampled_from(["true", "False", "1.5", "2024-01-01T10:00:00"]),
)
cli_keys = filter_keys_st.filter(lambda key: key != "type")  # we check type values


@st.composite
def simple_terms(draw: st.DrawFn) -> str:
    """A term both parsers take (we also refuse wildcards with < and >, as the server does)."""
    if draw(st.booleans()):
        low = draw(st.integers(0, 9))
        high = draw(st.integers(10, 99))
        ops = draw(st.tuples(st.sampled_from(["<", "<="]), st.sampled_from(["<", "<="])))
        return f"{low}{ops[0]}{draw(cli_keys)}{ops[1]}{high}"
    op = draw(st.sampled_from(["=", "==", "!=", "<", "<=", ">", ">="]))
    value = draw(simple_values)
    assume(not ("*" in value and op not in {"=", "==", "!="}))
    return f"{draw(cli_keys)}{op}{value}"


@needs_rucio
@given(st.lists(st.lists(simple_terms(), min_size=1, max_size=3), min_size=1, max_size=3))
def test_same_as_cli_generated(groups: list[list[str]]) -> None:
    text = ";".join(",".join(group) for group in groups)
    try:
        theirs = cli(text)
    except rucio_exception.DuplicateCriteriaInDIDFilter:
        with pytest.raises(FilterSyntaxError, match="conditions in one group"):
            to_rucio_filters(parse_filters(text))
        return
    assert_equivalent(to_rucio_filters(parse_filters(text)), theirs)


# --- Sizes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (None, ""),
        (0, "0 B"),
        (1, "1 B"),
        (999, "999 B"),
        (1000, "1.0 kB"),
        (1049, "1.0 kB"),
        (1050, "1.1 kB"),  # 1.05 is 1.0500000000000000444 as a float
        (1_234_567, "1.2 MB"),
        (999_949, "999.9 kB"),
        (999_950, "1.0 MB"),
        (1_000_000, "1.0 MB"),
        (2_500_000_000, "2.5 GB"),
        (10**12, "1.0 TB"),
        (10**15, "1.0 PB"),
        (10**18, "1.0 EB"),
        (10**24, "1.0 YB"),
        (10**27, "1000.0 YB"),
        (-1500, "-1.5 kB"),
    ],
)
def test_format_bytes(n: int | None, text: str) -> None:
    assert format_bytes(n) == text


@given(st.integers(min_value=1000, max_value=10**26))
def test_format_bytes_is_within_a_unit(n: int) -> None:
    number, unit = format_bytes(n).split(" ")
    assert unit in words._UNITS
    assert 1.0 <= float(number) < 1000.0
    assert (
        abs(float(number) * 1000 ** (words._UNITS.index(unit) + 1) - n)
        <= 0.05 * 1000 ** (words._UNITS.index(unit) + 1) + 1e-9 * n
    )
