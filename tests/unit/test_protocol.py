"""The protocol is written once: js/protocol.js is generated from protocol.py."""

from __future__ import annotations

import re
import runpy
from pathlib import Path
from typing import get_type_hints

import pytest

from rucio_widgets import protocol

ROOT = Path(__file__).resolve().parents[2]


def test_js_protocol_is_generated_from_protocol_py(capsys: pytest.CaptureFixture[str]) -> None:
    generator = runpy.run_path(str(ROOT / "scripts" / "gen_protocol.py"))
    assert generator["main"](["--check"]) == 0, capsys.readouterr().err


def test_every_request_kind_has_a_payload_and_a_reply() -> None:
    kinds = {v for k, v in vars(protocol).items() if k.startswith("MSG_")}
    assert set(protocol.REQUESTS) == kinds - set(protocol.MESSAGES) == set(protocol.REPLIES)
    for kind, payload in protocol.MESSAGES.items():
        assert get_type_hints(payload)["type"].__args__ == (kind,)
    for kind, payload in protocol.REQUESTS.items():
        hints = get_type_hints(payload)
        assert {"type", "request_id"} <= set(hints), kind
        reply = get_type_hints(protocol.REPLIES[kind])
        assert {"type", "request_id", "error"} <= set(reply), kind


def test_sizes_and_vocabularies_are_defined_once_in_js() -> None:
    text = (ROOT / "js" / "protocol.js").read_text()
    for name in ("PAGE_SIZE", "MAX_PAGE_ROWS", "DID_TYPES", "STATUSES", "GROUPINGS"):
        assert text.count(f"export const {name} ") == 1, name
    others = [p for p in (ROOT / "js").rglob("*.js") if p.name != "protocol.js"]
    for path in others:
        source = path.read_text()
        assert '"collection"]' not in source, f"{path} spells out DID_TYPES"
        own_page_size = re.search(r"(?i)(page|limit|rows)\w*\s*[=:]\s*100\b", source)
        assert own_page_size is None, f"{path} writes a page size of its own"
