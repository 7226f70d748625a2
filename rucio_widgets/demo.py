"""``rucio-widgets demo``: the sandbox, a Voila dashboard and JupyterLab, stopped on Ctrl-C."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import sys
import time
from pathlib import Path
from subprocess import Popen
from types import FrameType

from .sandbox import Sandbox, SandboxError
from .sandbox import processes as procs

DEFAULT_VOILA_PORT = 8866
DEFAULT_LAB_PORT = 8888


def notebooks_source() -> Path:
    """The example notebooks: shipped in the wheel, or the source checkout's folder."""
    for candidate in (
        Path(__file__).parent / "notebooks",
        Path(__file__).resolve().parents[1] / "notebooks",
    ):
        if (candidate / "dashboard.ipynb").exists():
            return candidate
    raise SandboxError("The example notebooks are missing from this installation.")


def _port(preferred: int, what: str) -> int:
    if procs.port_is_free(preferred):
        return preferred
    chosen = procs.free_port()
    print(f"Port {preferred} is in use by another program: {what} takes {chosen}.", flush=True)
    return chosen


class _Stop(Exception):
    pass


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise _Stop(signum)


def _refuse_a_second_demo(lock: Path) -> None:
    if not lock.exists():
        return
    try:
        other = json.loads(lock.read_text())
        alive = procs.is_running(procs.ProcessRecord.from_json(other["demo"]))
    except (OSError, ValueError, KeyError):
        alive = False
    if alive:
        raise SandboxError(
            f"A demo is already running (pid {other['demo']['pid']}): "
            + ", ".join(other.get("urls", []))
            + ". Stop it with Ctrl-C in its terminal first."
        )
    lock.unlink()


def _copy_notebooks(workdir: Path) -> None:
    workdir.mkdir(parents=True, exist_ok=True)
    for notebook in notebooks_source().glob("*.ipynb"):
        target = workdir / notebook.name
        if not target.exists():  # keep the user's edits from an earlier demo
            shutil.copy2(notebook, target)


def _start_voila(
    sandbox: Sandbox, workdir: Path, env: dict[str, str], started: list[procs.ProcessRecord]
) -> tuple[Popen[bytes], str]:
    voila_port = _port(DEFAULT_VOILA_PORT, "Voila")
    proc, record = procs.start(
        "voila",
        [
            sys.executable,
            "-m",
            "voila",
            "--no-browser",
            "dashboard.ipynb",
            f"--port={voila_port}",
            "--Voila.ip=127.0.0.1",
            "--Voila.port_retries=0",
        ],
        log_path=sandbox.layout.logs / "voila.log",
        env=env,
        cwd=workdir,
    )
    started.append(record)
    return proc, f"http://127.0.0.1:{voila_port}/"


def _start_lab(
    sandbox: Sandbox, workdir: Path, env: dict[str, str], started: list[procs.ProcessRecord]
) -> str:
    lab_port = _port(DEFAULT_LAB_PORT, "JupyterLab")
    token = secrets.token_hex(16)
    proc, record = procs.start(
        "jupyterlab",
        [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={lab_port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={workdir}",
            *(["--allow-root"] if os.geteuid() == 0 else []),
        ],
        log_path=sandbox.layout.logs / "jupyterlab.log",
        env=env,
        cwd=workdir,
    )
    started.append(record)
    procs.wait_for_http(
        f"http://127.0.0.1:{lab_port}/api/status?token={token}",
        timeout=90,
        proc=proc,
        log_path=sandbox.layout.logs / "jupyterlab.log",
        what="JupyterLab",
    )
    return f"http://127.0.0.1:{lab_port}/lab/tree/quickstart.ipynb?token={token}"


def _announce(urls: list[str], started_at: float, sandbox: Sandbox, custom_dir: bool) -> None:
    print(f"\nThe demo is up ({time.monotonic() - started_at:.0f} s). Open:", flush=True)
    for url in urls:
        print(f"  {url}", flush=True)
    print(
        '\nThe `rucio` command works too: eval "$(rucio-widgets sandbox env'
        + (f" --dir {sandbox.dir}" if custom_dir else "")
        + ')"; rucio whoami',
        flush=True,
    )
    print("Press Ctrl-C to stop everything the demo started.", flush=True)


def _stop_all(started: list[procs.ProcessRecord], sandbox: Sandbox, lock: Path) -> None:
    # A second Ctrl-C must not cut the cleanup short and leave servers running.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for record in reversed(started):
        procs.stop(record)
    with contextlib.suppress(SandboxError):
        sandbox.down(quiet=True)
    lock.unlink(missing_ok=True)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    print("Everything the demo started is stopped.", flush=True)


def run_demo(directory: Path | None = None, *, lab: bool = True) -> int:
    started_at = time.monotonic()
    sandbox = Sandbox(directory)
    lock = sandbox.dir / "demo.json"
    _refuse_a_second_demo(lock)
    # Ctrl-C, a closed terminal or a kill all end the demo the same way; set SIGINT too,
    # since a shell that starts us in the background hands it over ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGHUP, _raise_stop)
    started: list[procs.ProcessRecord] = []
    try:
        sandbox.up()
        workdir = sandbox.dir / "notebooks"
        _copy_notebooks(workdir)
        env = {**os.environ, "RUCIO_CONFIG": str(sandbox.layout.client_config("alice"))}
        env.pop("RUCIO_HOME", None)
        voila_proc, voila_url = _start_voila(sandbox, workdir, env, started)
        urls = [f"dashboard (Voila): {voila_url}"]
        if lab:
            urls.append(f"quickstart (JupyterLab): {_start_lab(sandbox, workdir, env, started)}")
        procs.wait_for_http(
            voila_url,
            timeout=120,
            proc=voila_proc,
            log_path=sandbox.layout.logs / "voila.log",
            what="Voila",
        )
        me = procs.ProcessRecord("demo", os.getpid(), procs.process_start_time(os.getpid()) or "")
        lock.write_text(json.dumps({"demo": me.to_json(), "urls": urls}))
        _announce(urls, started_at, sandbox, directory is not None)
        while all(procs.is_running(r) for r in started):
            time.sleep(0.5)
        print(
            "A demo server stopped by itself; see the logs in "
            f"{sandbox.layout.logs}. Stopping the rest.",
            flush=True,
        )
        return 1
    except (KeyboardInterrupt, _Stop):
        print("\nStopping the demo ...", flush=True)
        return 0
    finally:
        _stop_all(started, sandbox, lock)
