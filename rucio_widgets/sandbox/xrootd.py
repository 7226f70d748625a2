"""XRootD servers for the sandbox's root:// RSEs (Debian's xrootd-server), one per RSE.

Each server has a folder of its own: ``data`` (its ``oss.localroot``: the file of PFN
``root://127.0.0.1:PORT//rucio/x/y`` is ``data/rucio/x/y``), ``admin`` (pid and admin
files) and its configuration. It listens on 127.0.0.1's port only to hosts of 127.0.0.1,
computes adler32 checksums on request, and writes its log to its standard output (the
sandbox's ``logs/xrootd-<RSE>.log``).

xrootd refuses to run as root. As root, the sandbox starts it with ``-R nobody``, and the
folders live where ``nobody`` can reach them: in the system's temp dir, in a folder named
after the sandbox (as PostgreSQL's cluster does: the sandbox folder may sit below a home
or pytest folder that other users cannot enter). ``sweep_orphans`` deletes such folders
whose sandbox is gone.
"""

from __future__ import annotations

import hashlib
import json
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from . import processes
from .layout import XRD_EXPORT
from .processes import ProcessRecord, SandboxError

_PREFIX = "rucio-widgets-xrd-"
_OWNER_FILE = "owner.json"
#: The user xrootd runs as when the sandbox runs as root.
RUN_AS = "nobody"


def find_binary() -> str | None:
    return shutil.which("xrootd")


def process_name(rse: str) -> str:
    """The name of an RSE's server among the sandbox's processes (``stop_process``)."""
    return f"xrootd-{rse}"


def _as_root() -> bool:
    return os.geteuid() == 0


def storage_root(sandbox_dir: Path) -> Path:
    """The folder that holds the sandbox's XRootD servers (one subfolder per RSE)."""
    if not _as_root():
        return sandbox_dir / "xrootd"
    digest = hashlib.sha256(str(sandbox_dir.resolve()).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"{_PREFIX}{digest}"


def _running_configs() -> set[str]:
    """Arguments of running xrootd processes (their config files among them)."""
    found: set[str] = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        if Path(argv[0]).name == "xrootd":
            found.update(argv[1:])
    return found


def sweep_orphans() -> list[Path]:
    """Delete XRootD folders (made as root, in the temp dir) whose sandbox folder is gone
    and whose servers do not run; return them."""
    removed = []
    running = None
    for root in sorted(Path(tempfile.gettempdir()).glob(f"{_PREFIX}*")):
        try:
            sandbox_dir = Path(json.loads((root / _OWNER_FILE).read_text())["sandbox"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if (sandbox_dir / "sandbox.json").exists():
            continue
        running = _running_configs() if running is None else running
        if any(config.startswith(f"{root}/") for config in running):
            continue
        shutil.rmtree(root, ignore_errors=True)
        removed.append(root)
    return removed


def remove_storage(sandbox_dir: Path) -> None:
    """Delete the sandbox's XRootD folders with every file its RSEs held."""
    shutil.rmtree(storage_root(sandbox_dir), ignore_errors=True)


class XrootdServer:
    """The server of one RSE, on ``port``."""

    def __init__(self, sandbox_dir: Path, rse: str, port: int) -> None:
        self.sandbox_dir = sandbox_dir
        self.rse = rse
        self.port = port
        self.root = storage_root(sandbox_dir) / rse
        self.data = self.root / "data"
        self.admin = self.root / "admin"
        self.config = self.root / "xrootd.cfg"

    @property
    def name(self) -> str:
        return process_name(self.rse)

    @property
    def export(self) -> Path:
        """The local folder behind ``root://127.0.0.1:PORT//rucio/``."""
        return self.data / XRD_EXPORT.strip("/")

    @property
    def url(self) -> str:
        return f"root://127.0.0.1:{self.port}"

    def prepare(self) -> None:
        """Make the folders (the runtime user's) and write the configuration."""
        top = storage_root(self.sandbox_dir)
        top.mkdir(parents=True, exist_ok=True)
        (top / _OWNER_FILE).write_text(json.dumps({"sandbox": str(self.sandbox_dir)}) + "\n")
        for folder in (self.export, self.admin):
            folder.mkdir(parents=True, exist_ok=True)
        self.config.write_text(
            f"# The sandbox's XRootD server of {self.rse} (written by rucio-widgets).\n"
            f"all.export {XRD_EXPORT}\n"
            f"oss.localroot {self.data}\n"
            f"xrd.port {self.port}\n"
            "xrd.allow host 127.0.0.1\n"
            "xrootd.chksum adler32\n"
            f"all.adminpath {self.admin}\n"
            f"all.pidpath {self.admin}\n"
        )
        if _as_root():
            user = pwd.getpwnam(RUN_AS)
            for folder in (self.data, self.export, self.admin):
                os.chown(folder, user.pw_uid, user.pw_gid)

    def argv(self, binary: str) -> list[str]:
        argv = [binary, "-c", str(self.config)]
        return [*argv, "-R", RUN_AS] if _as_root() else argv

    def start(self, binary: str, log_dir: Path) -> ProcessRecord:
        """Start the server; return its record once it listens."""
        self.prepare()
        log_path = log_dir / f"{self.name}.log"
        proc, record = processes.start(
            self.name,
            self.argv(binary),
            log_path=log_path,
            env=processes.owned_env(self.sandbox_dir),
            cwd=self.root,
        )
        try:
            processes.wait_for_port(
                self.port,
                timeout=20,
                what=f"The XRootD server of {self.rse}",
                proc=proc,
                log_path=log_path,
            )
        except SandboxError:
            processes.stop(record)
            raise
        return record


def read_back(url: str, timeout: float = 60) -> bytes:
    """The bytes behind a root:// URL, read with ``xrdcp URL -`` (tests, checks)."""
    done = subprocess.run(
        ["xrdcp", "--silent", "--nopbar", url, "-"],
        capture_output=True,
        timeout=timeout,
        check=False,
        env={**os.environ, **FAIL_FAST},
    )
    if done.returncode != 0:
        raise SandboxError(
            f"xrdcp {url} - failed (exit {done.returncode}): "
            f"{done.stderr.decode(errors='replace').strip()}"
        )
    return done.stdout


#: XRootD client settings that make a copy from a stopped server fail within seconds; the
#: defaults retry the connection for about eight minutes.
FAIL_FAST = {
    "XRD_CONNECTIONRETRY": "1",
    "XRD_CONNECTIONWINDOW": "10",
    "XRD_REQUESTTIMEOUT": "60",
    "XRD_STREAMTIMEOUT": "60",
}
