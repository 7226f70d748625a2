"""The sandbox's answers to bad input and faults, without starting a server."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from rucio_widgets.cli import main
from rucio_widgets.sandbox import Sandbox, SandboxError
from rucio_widgets.sandbox.layout import FORMAT_VERSION
from rucio_widgets.sandbox.processes import ProcessRecord, is_running, process_start_time


def test_port_in_use_is_refused_with_a_hint(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(SandboxError, match=f"Port {port} .* in use .* --port"):
            Sandbox(tmp_path / "sb").up(port=port, db="sqlite")


def test_down_when_nothing_runs_says_so(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["sandbox", "down", "--dir", str(tmp_path / "none")]) == 0
    assert "nothing to stop" in capsys.readouterr().err


def test_status_of_missing_sandbox_exits_nonzero(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    assert main(["sandbox", "status", "--dir", str(tmp_path / "none")]) == 3
    assert "No sandbox at" in capsys.readouterr().out


def test_folder_from_another_version_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    (tmp_path / "sandbox.json").write_text(
        json.dumps(
            {"format": FORMAT_VERSION, "rucio_version": "1.0.0", "db": "sqlite", "ports": {}}
        )
    )
    assert main(["sandbox", "up", "--dir", str(tmp_path)]) == 1
    message = capsys.readouterr().err
    assert "another version" in message and "rucio 1.0.0" in message
    assert message.count("\n") == 1  # one line, no traceback


def test_env_for_unknown_account_names_the_choices(tmp_path: Path) -> None:
    with pytest.raises(SandboxError, match="root, alice, bob"):
        Sandbox(tmp_path).env_lines("mallory")


def test_stop_leaves_a_reused_pid_alone() -> None:
    import os

    me = ProcessRecord("self", os.getpid(), "not-my-start-time")
    assert process_start_time(os.getpid()) is not None
    assert not is_running(me)  # a recorded PID whose start time differs is someone else


def test_rucio_version_must_be_a_supported_release(tmp_path: Path) -> None:
    for bad, match in (("latest", "must name a release"), ("34.6.0", "35.0 or newer")):
        with pytest.raises(SandboxError, match=match):
            Sandbox(tmp_path / "sb").up(db="sqlite", rucio_version=bad)
    assert not (tmp_path / "sb").exists()  # refused before anything is made


def test_rucio_version_is_fixed_when_the_sandbox_is_made(tmp_path: Path) -> None:
    from rucio_widgets.sandbox.manager import SandboxState

    state = SandboxState(db="sqlite", ports={}, rucio_version="35.6.0")
    (tmp_path / "sandbox.json").write_text(json.dumps(state.to_json()))
    with pytest.raises(
        SandboxError, match=r"runs rucio 35\.6\.0, not 41\.5\.1: drop --rucio-version"
    ):
        Sandbox(tmp_path).up(rucio_version="41.5.1")
    assert "rucio 35.6.0" in Sandbox(tmp_path).status().describe()


def test_each_server_version_has_its_own_environment() -> None:
    from rucio_widgets.sandbox import serverenv

    assert serverenv.server_env_dir("35.6.0") != serverenv.server_env_dir()
    assert serverenv.server_env_dir("35.6.0").name.startswith("rucio-server-35.6.0-py3")
    assert serverenv.parse_version("35.9.1.post2") == (35, 9, 1, 2)
