"""The demo's answers to being started twice and to busy ports (no servers started)."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest

from rucio_widgets.cli import main
from rucio_widgets.demo import _port, notebooks_source
from rucio_widgets.sandbox.processes import ProcessRecord, process_start_time


def test_second_demo_is_refused_with_the_urls(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    me = ProcessRecord("demo", os.getpid(), process_start_time(os.getpid()) or "")
    (tmp_path / "demo.json").write_text(
        json.dumps({"demo": me.to_json(), "urls": ["dashboard (Voila): http://127.0.0.1:8866/"]})
    )
    assert main(["demo", "--dir", str(tmp_path)]) == 1
    message = capsys.readouterr().err
    assert "already running" in message and "http://127.0.0.1:8866/" in message
    assert not (tmp_path / "sandbox.json").exists()  # nothing was started


def test_busy_port_is_replaced_and_said(capsys: pytest.CaptureFixture) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        chosen = _port(taken, "Voila")
    assert chosen != taken
    assert (
        f"Port {taken} is in use by another program: Voila takes {chosen}."
        in capsys.readouterr().out
    )


def test_notebooks_ship_with_the_demo() -> None:
    assert {p.name for p in notebooks_source().glob("*.ipynb")} >= {
        "quickstart.ipynb",
        "dashboard.ipynb",
        "scripted.ipynb",
    }
