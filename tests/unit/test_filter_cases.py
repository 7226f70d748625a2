"""The shared table of filter cases (tests/fixtures/filters.json) against the Python grammar.

js/filters.js runs the same table (tests/js/filters.test.js); scripts/gen_filter_cases.py
writes it from rucio_widgets.filters, which is the reference.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from rucio_widgets.filters import Condition, FilterSyntaxError, format_filters, parse_filters

ROOT = Path(__file__).resolve().parents[2]
TABLE = json.loads((ROOT / "tests" / "fixtures" / "filters.json").read_text(encoding="utf-8"))
CASES: list[dict[str, Any]] = TABLE["cases"]
BY_INPUT = {case["input"]: case for case in CASES}


def typed(value: object) -> tuple[str, str]:
    """A value with its type, so that 1, 1.0 and True (and 0.0 and -0.0) compare unequal."""
    return type(value).__name__, repr(value)


def typed_groups(groups: list[list[Condition]]) -> list[list[tuple[str, str, tuple[str, str]]]]:
    return [[(c.key, c.op, typed(c.value)) for c in group] for group in groups]


def expected_groups(case: dict[str, Any]) -> list[list[tuple[str, str, tuple[str, str]]]]:
    """The case's groups; json gives int for `1`, float for `1.0` or `1e5`, bool, str."""
    return [[(c["key"], c["op"], typed(c["value"])) for c in group] for group in case["groups"]]


@pytest.mark.parametrize("case", CASES, ids=[json.dumps(case["input"]) for case in CASES])
def test_case(case: dict[str, Any]) -> None:
    if case["ok"]:
        groups = parse_filters(case["input"])
        assert typed_groups(groups) == expected_groups(case)
        assert format_filters(groups) == case["text"]
    else:
        with pytest.raises(FilterSyntaxError) as info:
            parse_filters(case["input"])
        assert str(info.value) == case["error"]


def test_the_table_holds_the_divergences_of_the_two_copies() -> None:
    assert BY_INPUT["name='a,b'"]["ok"]
    assert BY_INPUT["events.gt=3"]["error"].startswith("Filter `events.gt=3`: write `events>3`")
    assert "has an empty condition" in BY_INPUT["a=1,,b=2"]["error"]
    assert "`my-key` is not a metadata key" in BY_INPUT["my-key=1"]["error"]


def test_the_table_has_hand_and_generated_cases() -> None:
    assert TABLE["hand_cases"] + TABLE["generated_cases"] == len(CASES)
    assert len(BY_INPUT) == len(CASES), "each input once"
    assert TABLE["generated_cases"] >= 300
    assert BY_INPUT[""] == {"input": "", "ok": True, "groups": [], "text": ""}
    # JSON keeps Python's types apart
    assert typed(BY_INPUT["a=1.0"]["groups"][0][0]["value"]) == ("float", "1.0")
    assert typed(BY_INPUT["a=1e16"]["groups"][0][0]["value"]) == ("float", "1e+16")
    assert typed(BY_INPUT["a=007"]["groups"][0][0]["value"]) == ("str", "'007'")


def test_the_table_is_not_stale() -> None:
    script = ROOT / "scripts" / "gen_filter_cases.py"
    result = subprocess.run(
        [sys.executable, str(script), "--check"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
