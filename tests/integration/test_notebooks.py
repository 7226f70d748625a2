"""The example notebooks run, with their stored outputs, against the session's sandbox."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from rucio_widgets.sandbox.testing import SandboxSession

pytestmark = pytest.mark.sandbox

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


@pytest.mark.parametrize("name", ["scripted", "quickstart", "dashboard"])
def test_notebook_runs_with_nbval(name: str, sandbox: SandboxSession, tmp_path: Path) -> None:
    # nbval runs in its own pytest: its kernels must see the sandbox's rucio.cfg, which this
    # session's fixture made, and its cells are not pytest functions that could use fixtures.
    env = {**os.environ, "RUCIO_CONFIG": str(sandbox.config_path("alice"))}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval",
            str(NOTEBOOKS / f"{name}.ipynb"),
            "-p",
            "no:cacheprovider",
            "-p",
            "no:playwright",
            "-q",
            "--nbval-cell-timeout=300",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " passed" in done.stdout
