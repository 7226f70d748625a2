"""What bench_ui.py, bench_scale.py and bench_extension.py share: the bench sandbox (started or
reused, stopped at the end), the seeded data they measure, a database template of it, the
load average while they run, and the section each appends to RESULTS.md.

Figures, formatting and the 100,000 ``bench`` datasets come from bench_browser.py, so that
all scripts speak of the same data in the same way.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import bench_browser  # noqa: E402  (its top level imports no rucio)
from bench_browser import (  # noqa: E402
    Figures,
    _fmt_s,
    code_version,
    ensure_bench_dids,
    fmt_load,
    log,
    ratio_of,
    secs,
    yes,
)

from rucio_widgets.sandbox import Sandbox  # noqa: E402
from rucio_widgets.sandbox.layout import DESTINATION_RSE  # noqa: E402

__all__ = [
    "DESTINATION_RSE", "Figures", "LoadWatch", "_fmt_s", "append_results", "bench_args",
    "bench_browser", "bench_sandbox", "code_version", "ensure_bench_dids", "fmt_load", "log",
    "mib", "ratio_of", "rss_bytes", "secs", "yes",
]  # fmt: skip

DEFAULT_DIR = Path("/tmp/rw-bench2")
DEFAULT_PORT = 29011

#: The scale data (bench_scale.py seeds it): a container of 100 datasets of 1,000 files,
#: and one dataset of 10,000 files, all registered on the destination RSE only (no bytes).
SCALE_SCOPE = "scale"
SCALE_CONTAINER = f"{SCALE_SCOPE}:scale.container.100k"
SCALE_DATASETS = 100
SCALE_FILES_PER_DATASET = 1_000
BIG_DATASET = f"{SCALE_SCOPE}:scale.dataset.10k"
BIG_DATASET_FILES = 10_000
#: The database template kept after seeding (``createdb -T``): see bench_scale.py.
TEMPLATE_DB = "rucio_bench_seeded"


def scale_dataset_name(number: int) -> str:
    return f"scale.ds.{number:03d}"


def scale_file_name(dataset: int, number: int) -> str:
    return f"scale.ds.{dataset:03d}.file_{number:04d}"


def big_file_name(number: int) -> str:
    return f"scale.dataset.10k.file_{number:05d}"


def bench_args(description: str | None, out_default: Path | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR,
                        help=f"bench sandbox folder, reused across runs (default {DEFAULT_DIR})")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help=f"server port when the sandbox must be started (default {DEFAULT_PORT})")
    parser.add_argument("--keep", action="store_true", help="leave the sandbox running")
    parser.add_argument("--reps", type=int, default=5,
                        help="timed repetitions per figure (default 5)")
    parser.add_argument("--out", type=Path, default=out_default or HERE / "RESULTS.md",
                        help="the results file the section is appended to "
                             "(default benchmarks/RESULTS.md)")
    return parser


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


@contextlib.contextmanager
def bench_sandbox(directory: Path, port: int, keep: bool) -> Iterator[Sandbox]:
    """The bench sandbox, up inside the block: reused when it runs, else started on ``port``
    (PostgreSQL); stopped after the block unless ``keep`` or it ran before."""
    signal.signal(signal.SIGTERM, _raise_interrupt)
    sandbox = Sandbox(directory, log=log)
    os.environ["RUCIO_CONFIG"] = str(sandbox.layout.client_config("alice"))
    for name in ("RUCIO_HOME", "RUCIO_ACCOUNT", "RUCIO_AUTH_TYPE"):
        os.environ.pop(name, None)
    import logging

    logging.basicConfig(level=logging.WARNING)
    was_up = sandbox.status().up
    if was_up:
        log(f"reusing the running sandbox in {sandbox.dir}")
    else:
        log(f"starting the sandbox in {sandbox.dir} on port {port} ...")
        sandbox.up(db="postgresql", port=port)
    try:
        yield sandbox
    finally:
        if keep or was_up:
            log(f"sandbox left running ({sandbox.server_url()}); stop it with "
                f"`python3 -m rucio_widgets.cli sandbox down --dir {sandbox.dir}`")
        else:
            sandbox.down()


# --- memory ------------------------------------------------------------------------------------

def rss_bytes(pid: int | str = "self") -> int:
    """Resident set size of a process, from /proc/PID/status (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def mib(value: float) -> str:
    return f"{value / (1 << 20):.1f} MB"


# --- load average ------------------------------------------------------------------------------

class LoadWatch:
    """The 1-minute load average sampled every ``every`` seconds while figures are taken."""

    def __init__(self, every: float = 5.0) -> None:
        self.samples: list[float] = [os.getloadavg()[0]]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(every,), daemon=True)
        self._thread.start()

    def _run(self, every: float) -> None:
        while not self._stop.wait(every):
            self.samples.append(os.getloadavg()[0])

    def stop(self) -> str:
        self._stop.set()
        s = self.samples
        return (f"1-min load average during the run: median {statistics.median(s):.2f}, "
                f"min {min(s):.2f}, max {max(s):.2f} ({len(s)} samples)")


# --- results -----------------------------------------------------------------------------------

def append_results(out: Path, title: str, fig: Figures, *, command: str, load_before: Any,
                   load: LoadWatch, version: str, notes: Sequence[str] = (),
                   extra: Sequence[str] = ()) -> str:
    """Append a section (title, run facts, table, notes) to ``out`` and return it."""
    from importlib import metadata

    lines = [
        "",
        f"## {title}",
        "",
        f"- date: {datetime.datetime.now().isoformat(timespec='seconds')}",
        f"- code: {version}",
        f"- machine: {os.cpu_count()} cores (`nproc`), {platform.platform()}; the same 2 cores "
        "run the Rucio server, PostgreSQL, memcached and the daemons (and possibly other work)",
        f"- python {platform.python_version()}, rucio-clients {metadata.version('rucio-clients')}",
        f"- load average (1, 5, 15 min) at start {fmt_load(load_before)}, at end "
        f"{fmt_load(os.getloadavg())}; {load.stop()}",
        *[f"- {line}" for line in extra],
        f"- command: `{command}`",
        "",
        fig.table(),
    ]
    if notes:
        lines += ["", *[f"- {n}" for n in notes]]
    text = "\n".join(lines) + "\n"
    with open(out, "a") as handle:
        handle.write(text)
    log(f"appended to {out}")
    print(text)
    return text


def command_line() -> str:
    return "python3 " + " ".join([os.path.relpath(sys.argv[0], HERE.parent), *sys.argv[1:]])


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    value = fn()
    return time.perf_counter() - t0, value


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def run_checked(argv: Sequence[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), capture_output=True, text=True, check=True, **kwargs)


def seed_record(sandbox: Sandbox, name: str) -> dict[str, Any] | None:
    path = sandbox.dir / name
    try:
        return dict(json.loads(path.read_text()))
    except (OSError, ValueError):
        return None
