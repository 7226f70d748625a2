#!/usr/bin/env python3
"""Write tests/fixtures/filters.json: the filter grammar's cases, as the Python parser answers.

    python scripts/gen_filter_cases.py           # rewrite tests/fixtures/filters.json
    python scripts/gen_filter_cases.py --check   # exit 1 when the file is stale

``rucio_widgets/filters.py`` is the reference grammar and ``js/filters.js`` the view's copy.
Both run this one table (``tests/unit/test_filter_cases.py`` and
``tests/js/filters.test.js``), so the copy cannot drift again.  The script only chooses the
inputs: hand-written ones (the cases of ``tests/unit/test_dids.py``, past divergences of the
two copies, and the corners of quoting, numbers, ranges and whitespace), then inputs from a
seeded random generator.  Every answer comes from calling :func:`parse_filters` and
:func:`format_filters`, so the table is Python's behaviour by construction.

A case is ``{"input", "ok": true, "groups", "text"}`` (``groups``: lists of
``{"key", "op", "value"}`` with the value JSON-typed as Python typed it; ``text``: the
canonical text from ``format_filters``) or ``{"input", "ok": false, "error"}`` (the exact
message of the ``FilterSyntaxError``).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "tests" / "fixtures" / "filters.json"
sys.path.insert(0, str(ROOT))

from rucio_widgets.filters import FilterSyntaxError, format_filters, parse_filters  # noqa: E402

SEED = 20240601

# --- hand-written inputs ---------------------------------------------------------------------

#: Inputs of VALID_FILTERS in tests/unit/test_dids.py.
TEST_DIDS_VALID = [
    "",
    "   \t\n",
    "a=1",
    "a==1",
    "a!=1",
    "a<1",
    "a<=1",
    "a>1",
    "a>=1",
    "  a  >=  1  ",
    "a=1,b>2;c!=x",
    " a = 1 , b > 2 ; c != x ",
    "a=1;b=2;c=3",
    "1<events<5",
    "1<=events<=5",
    "1<events<=5",
    "5>events>1",
    "5>=events>1",
    " 1 < events < 5 ",
    "0.5<x<1.5,y=2",
    "a=-3",
    "a=+3",
    "a=0",
    "a=007",
    "a=1.5",
    "a=1.",
    "a=.5",
    "a=-1e-3",
    "a=1E6",
    "a=1e999",
    "a=inf",
    "a=nan",
    "a=1_000",
    "a=0x10",
    "a=true",
    "a=TRUE",
    "a=False",
    "a=fAlSe",
    "a=truth",
    "a=none",
    "project=data18_13TeV",
    "project=data18*",
    "project!=data18*",
    "name=*.root",
    "a=x y",
    "created_at>=2024-01-01 10:00:00",
    "created_after=2024-01-01T10:00:00",
    "a=b/c:d@e",
    "a=x\\y",
    "a='5'",
    'a="true"',
    "a='x,y;z'",
    'a="1<2>=3!=4"',
    "a=''",
    "a=' padded '",
    'a="it\'s"',
    "a='say \"hi\"'",
    'a="back\\\\slash \\" quote"',
    "a='x',b=\"y\";c='z'",
    "1<a<'5'",
    "_a=1",
    "A_1=1",
    "run_number>=358031",
    "type=dataset",
    "type=ALL",
    "a=50%",
    "a=1,a=2",
]

#: Inputs of INVALID_FILTERS (and the other refusals) in tests/unit/test_dids.py.
TEST_DIDS_INVALID = [
    "events>>3",
    "a=1,events>>3",
    "a=>3",
    "a=<3",
    "a",
    "a 1",
    "=",
    "a=",
    "a >= ",
    "=1",
    "a!3",
    "!a=3",
    "a=hello!",
    "a=1,,b=2",
    "a=1;;b=2",
    "a=1;",
    ",a=1",
    "a=1; ;b=2",
    " , ",
    ";",
    "a.gt=3",
    "a.ne=x",
    "a.lte = 5",
    "a.gt>3",
    "1a=3",
    "a-b=3",
    "a b=3",
    "é=3",
    "'a'=1",
    "'a b'=1",
    "5<events",
    "5>=events",
    "5=events",
    "1<a>5",
    "5>a<=1",
    "1=a<5",
    "1<a=5",
    "1!=a<5",
    "a=b=c",
    "1<2<3",
    "1<a<5<7",
    "1<'a'<5",
    "a='x",
    'a="x',
    "a='x,b=1",
    'a="x\\"',
    "a=it's",
    "a='x'y",
    "a=x'y'",
    "a='x' 'y'",
    "type=foo",
    "type!=dataset",
    "type=1",
    "a>x*",
    "a<='x*'",
    "a>=50%",
    "1<a<x*",
    "a='x\\",
    '"',
]

#: Where js/filters.js used to disagree with Python.
DIVERGENCES = ["name='a,b'", "events.gt=3", "a=1,,b=2", "my-key=1"]

HAND = [
    # What the user typed is echoed at most 100 characters at a time.
    "k" * 150 + "=1,,b=2",
    "name=" + "n" * 300 + ";" + "x" * 120,
    "a" * 99 + "é" * 5 + "!x",
    "v=" + "😀" * 120 + "'",
    # the view's own examples
    "datatype=AOD",
    "a=1,b!=2,c<3,d<=4,e>5,f>=6",
    "datatype=AOD,run_number>=300000;datatype=RAW",
    "10>=events>2",
    "datatype=AOD,1<=events<5;stream_name!=physics_Main",
    "300000<=run_number",
    "  datatype = AOD , ; run_number != 3 ,",
    "name=data18_13TeV.*,created_at>=2024-01-01",
    "project=data18_13TeV,datatype=AOD,1<=events<1000;name=*.root",
    "datatype",
    "=AOD",
    "datatype=",
    "1<2",
    "1<a<2<3",
    # quoting: separators and operators inside quotes
    'a="x,y"',
    "a='x;y'",
    "a='x=y'",
    "a='<'",
    'a="<=>"',
    "a='!'",
    "a='a,b;c=d<e>f!g'",
    "a='x',b='y;z';c=\"w,v\"",
    "a = 'x' ",
    ' a = "  " ',
    "a='';b=\"\"",
    "a=''''",
    "a='x'\"y\"",
    "'x'=1",
    '"a"=1',
    '1<a<"5"',
    "'1'<a<5",
    # quoting: escapes
    'a="a\\"b"',
    "a='a\\'b'",
    'a="\\\\"',
    "a='\\\\'",
    "a='\\x'",
    'a="x\\\\y"',
    'a="\\""',
    "a='\\''",
    "a='\\\\\\''",
    'a="it\'s",b=\'say "hi"\'',
    "a='\\,',b=2",
    # quoting: not closed
    "a='",
    "'",
    'a="abc\\"',
    'a="x\\',
    "a='x;b=1",
    'a="x,b=\'y"',
    # backslashes outside quotes are plain characters
    "a=x\\,y",
    "a=\\",
    "a=\\'x'",
    # integers
    "a=00",
    "a=-007",
    "a=-0",
    "a=+0",
    "a=123456789012345678",
    "a=12345678901234567890123",
    "a=-9007199254740993",
    "a=1,5",
    "a=+-1",
    "a=--1",
    "a=१२",
    "a=\uff11\uff12",
    # floats
    "a=0.0",
    "a=-0.0",
    "a=1.0",
    "a=3.0",
    "a=-.5",
    "a=+.5",
    "a=5.",
    "a=05.5",
    "a=00.5",
    "a=0.5",
    "a=1e5",
    "a=1E5",
    "a=1e+5",
    "a=1e05",
    "a=1e-5",
    "a=1e-4",
    "a=1e-3",
    "a=0.0001",
    "a=0.00001",
    "a=1e15",
    "a=1e16",
    "a=1e+16",
    "a=1e21",
    "a=1e22",
    "a=123.456e2",
    "a=0e0",
    "a=1.5e300",
    "a=1e308",
    "a=1.7976931348623157e308",
    "a=1.7976931348623159e308",
    "a=1e309",
    "a=-1e999",
    "a=2e-308",
    "a=5e-324",
    "a=1e-400",
    "a=0.1",
    "a=0.30000000000000004",
    "a=9007199254740993.0",
    "a=100000",
    "a=100000.0",
    "a=1234567890123456.0",
    "a=12345678901234567.0",
    "a=1e",
    "a=e5",
    "a=1e+",
    "a=.",
    "a=-",
    "a=+",
    "a=.e1",
    "a=1.2.3",
    "a=1.5f",
    "a=-inf",
    "a=Infinity",
    "a=NaN",
    "a=0b1",
    "a=0o7",
    "1e5<x<1e6",
    "-5<x<+5",
    # booleans
    "a=True",
    "a=tRuE",
    "a=FALSE",
    "a= true ",
    "a='false'",
    "a=yes",
    "a=t",
    "a=truee",
    "a=untrue",
    "a>true",
    # wildcards
    "name=*",
    "name=*x*",
    "name!=*x*",
    "name=%abc",
    "a>*",
    "a<x%",
    'a>="x*"',
    "a>5*",
    "1<a<5*",
    "x*<a<5",
    "5*<a",
    "a<=%",
    # ranges
    "5>=a>=1",
    "1<=a>=5",
    "1<a!=5",
    "1==a<5",
    "1<a==5",
    "'x'<a<'y'",
    "a<b<c",
    "1<a<b",
    "1.5<x<2.5e3",
    "1<type<5",
    "1<a*<5",
    "1<a <5",
    "1< a< 5,b=2",
    "1<a.gt<5",
    "1<'a b'<5",
    "<a<5",
    "1<a<",
    "1<<a",
    # type
    "type=DATASET",
    "type=Container",
    "type=file",
    "type=collection",
    "type=all",
    "type>x",
    "type='dataset'",
    "type=true",
    'type=""',
    "type=dataset*",
    "type = dataset ",
    # key first, value first
    "3<events",
    "3<=events",
    "3>events",
    "3>=events",
    "3=events",
    "3!=events",
    "'x'<events",
    "'x,y'<events",
    "x<events",
    "3<4",
    "'a'<3",
    "a<b",
    # Rucio's internal key.suffix form
    "a.lt=1e5",
    'a.lte="x,y"',
    "a.gte=true",
    "a.gt='5'",
    "a.gt=x*",
    "a.ne=x*",
    "a.eq=3",
    "a.gt.gt=3",
    "'a.gt'=3",
    "a.gt!=3",
    "3=a.gt",
    "a.gt=",
    "events.gt=3,events.lt=5",
    # keys
    "a.b=1",
    "_=1",
    "__=1",
    "A=1",
    "a$=1",
    "a/b=1",
    "a:b=1",
    "scope:name=1",
    "a_very_long_metadata_key_with_digits_0123456789=1",
    # operators
    "a<>1",
    "a===1",
    "a<==1",
    "a>=<1",
    "a!==1",
    "a=!x",
    "a!",
    "!",
    "a=1!",
    "a =! 1",
    "a= =1",
    # whitespace
    " a=1 ",
    "\ta=1\n",
    "a = 1",
    "a\t=\t1",
    "a=1 , b=2 ; c=3",
    "a= x y ",
    "a=x  y",
    "a=1\u00a0",
    "\u00a0a=1",
    "a=\u00851",
    "a=1\x1c",
    "a=1\u2028,b=2",
    "a=\u3000",
    "a='\u3000'",
    "\ufeffa=1",
    "a=1\ufeff",
    "\x1c",
    "\x85\u2029",
    "\ufeff",
    " ",
    "\t",
    "\n",
    # empty conditions
    "a=1,",
    ",",
    ";;",
    ";a=1",
    "a=1,;b=2",
    "a=1;,b=2",
    "a=1 , , b=2",
    "a=1,\t,b=2",
    # other characters
    "a=é",
    "a=日本",
    "a=😀",
    "a='😀,x'",
    "a=x😀y",
    'a="\\😀"',
    "a=\x00",
    "a='\x00'",
    "a=b%c",
]

# --- generated inputs ------------------------------------------------------------------------

ALPHABET = "ab1 .<>=!,;'\"\\*xT_-"
EXTENDED = ALPHABET + "e05+%\t"
KEYS = ["a", "events", "run_number", "name", "datatype", "type", "project", "_k", "x1"]
BAD_KEYS = ["my-key", "a.gt", "events.lte", "1a", "'a'", "a b", "é"]
OPS = ["=", "!=", "<", "<=", ">", ">=", "=="]
BAD_OPS = ["=>", "=<", "!", "<>", "==="]
WORDS = [
    "AOD",
    "RAW",
    "data18_13TeV",
    "data18*",
    "*.root",
    "physics_Main",
    "2024-01-01",
    "2024-01-01T10:00:00",
    "dataset",
    "container",
    "file",
    "foo",
    "x y",
    "true",
    "False",
    "none",
    "inf",
    "nan",
    "50%",
    "user.jdoe",
    "0x10",
    "1_000",
    "a\\b",
]
QUOTED_CHARS = "ab ,;=<>!'\"\\*%xé😀\t"


def _random_float(rng: random.Random) -> float:
    """A finite double: random bits (any exponent) or a plain-looking number."""
    while True:
        if rng.random() < 0.5:
            value: float = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]
        else:
            value = rng.uniform(-1e6, 1e6) * 10.0 ** rng.randint(-8, 8)
        if math.isfinite(value):
            return value


def _number_text(rng: random.Random) -> str:
    kind = rng.randrange(8)
    if kind == 0:
        return str(rng.randint(-(10**6), 10**6))
    if kind == 1:
        return rng.choice(["+", "-", ""]) + str(rng.randint(0, 10**25))
    if kind == 2:
        return rng.choice(["0", "00", "-0"]) + str(rng.randint(0, 999))
    if kind == 3:
        return repr(_random_float(rng))
    if kind == 4:
        return format(_random_float(rng), f".{rng.randint(0, 20)}e")
    if kind == 5:
        return format(rng.uniform(-1e4, 1e4), f".{rng.randint(0, 6)}f")
    if kind == 6:
        return format(_random_float(rng), f".{rng.randint(15, 20)}g")
    mantissa = rng.choice(["1", "1.", ".5", "2.5", "0", "9.99"])
    return f"{mantissa}{rng.choice('eE')}{rng.choice(['', '+', '-'])}{rng.randint(0, 400)}"


def _quoted(rng: random.Random) -> str:
    text = "".join(rng.choice(QUOTED_CHARS) for _ in range(rng.randint(0, 8)))
    quote = rng.choice("'\"")
    escaped = text.replace("\\", "\\\\").replace(quote, "\\" + quote)
    if rng.random() < 0.2:  # escape other characters too: `\x` is `x`
        escaped = "".join("\\" + c if c.isalpha() and rng.random() < 0.5 else c for c in escaped)
    return quote + escaped + quote


def _value(rng: random.Random) -> str:
    kind = rng.randrange(4)
    if kind == 0:
        return rng.choice(WORDS)
    if kind == 1:
        return _number_text(rng)
    if kind == 2:
        return _quoted(rng)
    return "".join(rng.choice("abxT1_.*-") for _ in range(rng.randint(1, 6)))


def _space(rng: random.Random) -> str:
    return rng.choice(["", "", "", " ", "  ", "\t"])


def _term(rng: random.Random) -> str:
    key = rng.choice(BAD_KEYS) if rng.random() < 0.08 else rng.choice(KEYS)
    op = rng.choice(BAD_OPS) if rng.random() < 0.05 else rng.choice(OPS)
    s = _space
    roll = rng.random()
    if roll < 0.15:  # a range, pointing either way (or not)
        low, high = rng.choice(OPS[:6]), rng.choice(OPS[:6])
        if rng.random() < 0.7:
            low = high = rng.choice(["<", "<=", ">", ">="])
            if rng.random() < 0.5:
                high = {"<": "<=", "<=": "<", ">": ">=", ">=": ">"}[high]
        return f"{_value(rng)}{s(rng)}{low}{s(rng)}{key}{s(rng)}{high}{s(rng)}{_value(rng)}"
    if roll < 0.2:  # value first
        return f"{_value(rng)}{s(rng)}{op}{s(rng)}{key}"
    if key == "type" and rng.random() < 0.8:
        value = rng.choice(["dataset", "DATASET", "file", "Container", "collection", "all", "x"])
        return f"type{s(rng)}{rng.choice(['=', '=', '=', '=='])}{s(rng)}{value}"
    return f"{key}{s(rng)}{op}{s(rng)}{_value(rng)}"


def _filter(rng: random.Random) -> str:
    groups = []
    for _ in range(rng.choice([1, 1, 1, 2, 2, 3])):
        terms = [_term(rng) for _ in range(rng.choice([1, 1, 2, 2, 3]))]
        if rng.random() < 0.03:
            terms.insert(rng.randrange(len(terms) + 1), _space(rng))
        groups.append((_space(rng) + "," + _space(rng)).join(terms))
    return (_space(rng) + ";" + _space(rng)).join(groups)


def generated_inputs() -> list[str]:
    """The random inputs, the same on every run (a fixed seed)."""
    rng = random.Random(SEED)
    inputs = ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 30))) for _ in range(200)]
    inputs += ["".join(rng.choice(EXTENDED) for _ in range(rng.randint(1, 20))) for _ in range(60)]
    inputs += [_filter(rng) for _ in range(250)]
    inputs += [f"{rng.choice(KEYS[:2])}{rng.choice(OPS)}{_number_text(rng)}" for _ in range(120)]
    inputs += [f"a={_quoted(rng)}" for _ in range(40)]
    return inputs


# --- the table -------------------------------------------------------------------------------


def case(text: str) -> dict[str, object]:
    """What Python does with ``text``."""
    try:
        groups = parse_filters(text)
    except FilterSyntaxError as error:
        return {"input": text, "ok": False, "error": str(error)}
    return {
        "input": text,
        "ok": True,
        "groups": [[{"key": c.key, "op": c.op, "value": c.value} for c in g] for g in groups],
        "text": format_filters(groups),
    }


def hand_inputs() -> list[str]:
    return TEST_DIDS_VALID + TEST_DIDS_INVALID + DIVERGENCES + HAND


def table() -> str:
    """The fixture's text: hand cases first, then generated ones, each input once."""
    seen: set[str] = set()
    lines: dict[str, list[str]] = {"hand": [], "generated": []}
    for part, inputs in (("hand", hand_inputs()), ("generated", generated_inputs())):
        for text in inputs:
            if text not in seen:
                seen.add(text)
                lines[part].append(json.dumps(case(text)))
    cases = lines["hand"] + lines["generated"]
    head = {
        "about": (
            "GENERATED by scripts/gen_filter_cases.py from rucio_widgets/filters.py: do not "
            "edit. Run by tests/unit/test_filter_cases.py and tests/js/filters.test.js."
        ),
        "hand_cases": len(lines["hand"]),
        "generated_cases": len(lines["generated"]),
    }
    body = ",\n".join("    " + line for line in cases)
    fields = "".join(f"  {json.dumps(k)}: {json.dumps(v)},\n" for k, v in head.items())
    return "{\n" + fields + '  "cases": [\n' + body + "\n  ]\n}\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the file is stale")
    args = parser.parse_args(argv)
    text = table()
    if args.check:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print(
                f"{TARGET.relative_to(ROOT)} is stale: the Python parser now answers differently; "
                "run `python scripts/gen_filter_cases.py` and check the diff",
                file=sys.stderr,
            )
            return 1
        return 0
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(text, encoding="utf-8")
    data = json.loads(text)
    print(f"wrote {TARGET.relative_to(ROOT)}: {len(data['cases'])} cases")
    return 0


if __name__ == "__main__":
    sys.exit(main())
