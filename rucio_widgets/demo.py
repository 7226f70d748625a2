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


def run_demo(directory: Path | None = None, *, lab: bool = True) -> int:
    started_at = time.monotonic()
    sandbox = Sandbox(directory)
    lock = sandbox.dir / "demo.json"
    if lock.exists():
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

    # Ctrl-C, a closed terminal or a kill all end the demo the same way; set SIGINT too,
    # since a shell that starts us in the background hands it over ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGHUP, _raise_stop)
    started: list[procs.ProcessRecord] = []
    try:
        sandbox.up()
        workdir = sandbox.dir / "notebooks"
        workdir.mkdir(parents=True, exist_ok=True)
        for notebook in notebooks_source().glob("*.ipynb"):
            target = workdir / notebook.name
            if not target.exists():  # keep the user's edits from an earlier demo
                shutil.copy2(notebook, target)
        env = {**os.environ, "RUCIO_CONFIG": str(sandbox.layout.client_config("alice"))}
        env.pop("RUCIO_HOME", None)

        voila_port = _port(DEFAULT_VOILA_PORT, "Voila")
        voila_proc, record = procs.start(
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
        urls = [f"dashboard (Voila): http://127.0.0.1:{voila_port}/"]
        if lab:
            lab_port = _port(DEFAULT_LAB_PORT, "JupyterLab")
            token = secrets.token_hex(16)
            lab_proc, record = procs.start(
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
                proc=lab_proc,
                log_path=sandbox.layout.logs / "jupyterlab.log",
                what="JupyterLab",
            )
            urls.append(
                f"quickstart (JupyterLab): http://127.0.0.1:{lab_port}/lab/tree/"
                f"quickstart.ipynb?token={token}"
            )
        procs.wait_for_http(
            f"http://127.0.0.1:{voila_port}/",
            timeout=120,
            proc=voila_proc,
            log_path=sandbox.layout.logs / "voila.log",
            what="Voila",
        )
        lock.write_text(
            json.dumps(
                {
                    "demo": procs.ProcessRecord(
                        "demo", os.getpid(), procs.process_start_time(os.getpid()) or ""
                    ).to_json(),
                    "urls": urls,
                }
            )
        )
        print(f"\nThe demo is up ({time.monotonic() - started_at:.0f} s). Open:", flush=True)
        for url in urls:
            print(f"  {url}", flush=True)
        print(
            '\nThe `rucio` command works too: eval "$(rucio-widgets sandbox env'
            + (f" --dir {sandbox.dir}" if directory else "")
            + ')"; rucio whoami',
            flush=True,
        )
        print("Press Ctrl-C to stop everything the demo started.", flush=True)
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
