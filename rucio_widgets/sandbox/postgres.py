"""A private PostgreSQL cluster on 127.0.0.1 for one sandbox.

PostgreSQL refuses to run as root; when the sandbox runs as root the cluster runs as the
``postgres`` user, and its data folder lives where that user can reach it (a folder under
the system's temp dir named after the sandbox), because the sandbox folder may sit below a
home directory that other users cannot enter.

Such a cluster outlives its sandbox folder when someone deletes the folder by hand. So the
cluster holds an owner file (the sandbox folder and a token that the folder's sandbox.json
holds too): ``up`` uses a cluster only when the tokens agree and makes a new one otherwise,
and ``sweep_orphans`` deletes stopped clusters whose sandbox folder is gone.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from .processes import SandboxError, owned_env, process_start_time, run, tail

_ROLE = "rucio"
_DATABASE = "rucio"
_PREFIX = "rucio-widgets-pg-"
_OWNER_FILE = "owner.json"


def find_bindir() -> Path | None:
    """The folder with initdb and pg_ctl, newest version first; None when not installed."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        reverse=True,
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    for bindir in candidates:
        if (bindir / "initdb").exists() and (bindir / "pg_ctl").exists():
            return bindir
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(initdb).parent
    return None


def _as_root() -> bool:
    return os.geteuid() == 0


def data_dir_for(sandbox_dir: Path) -> Path:
    if not _as_root():
        return sandbox_dir / "postgres"
    digest = hashlib.sha256(str(sandbox_dir.resolve()).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"{_PREFIX}{digest}"


def cluster_dirs() -> list[Path]:
    """Every sandbox cluster folder in the system's temp dir (clusters made as root)."""
    return sorted(Path(tempfile.gettempdir()).glob(f"{_PREFIX}*"))


def cluster_pids(root: Path) -> list[int]:
    """PIDs of running PostgreSQL processes of the cluster in ``root`` (postmaster first).

    The postmaster names its data folder on its command line; its backends are its children.
    """
    data = str(root / "data")
    postmasters, children = [], []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if process_start_time(int(entry.name)) is None:
            continue
        if data.encode() in argv and Path(argv[0].decode(errors="replace")).name == "postgres":
            postmasters.append(int(entry.name))
        else:
            children.append((int(entry.name), int(stat[stat.rfind(")") + 2 :].split()[1])))
    return postmasters + [pid for pid, parent in children if parent in postmasters]


def sweep_orphans() -> list[Path]:
    """Delete stopped clusters whose sandbox folder no longer exists; return them.

    Only clusters with an owner file are judged: one without (made before owner files, or
    being made right now) is left alone, and so is one whose postmaster still runs.
    """
    removed = []
    for root in cluster_dirs():
        try:
            owner = json.loads((root / _OWNER_FILE).read_text())
            sandbox_dir = Path(owner["sandbox"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if (sandbox_dir / "sandbox.json").exists() or cluster_pids(root):
            continue
        shutil.rmtree(root, ignore_errors=True)
        removed.append(root)
    return removed


class PostgresCluster:
    def __init__(self, sandbox_dir: Path, port: int, password: str) -> None:
        self.sandbox_dir = sandbox_dir
        bindir = find_bindir()
        if bindir is None:
            raise SandboxError(
                "PostgreSQL is not installed (no initdb/pg_ctl found): install it "
                "(Debian: apt-get install postgresql) or use --db sqlite."
            )
        self.bindir = bindir
        self.root = data_dir_for(sandbox_dir)
        self.data = self.root / "data"
        self.log_path = self.root / "postgres.log"
        self.port = port
        self.password = password

    def url(self, driver: str = "psycopg") -> str:
        """The SQLAlchemy URL, with ``driver`` (psycopg for psycopg 3, or psycopg2)."""
        return f"postgresql+{driver}://{_ROLE}:{self.password}@127.0.0.1:{self.port}/{_DATABASE}"

    def _argv(self, tool: str, *args: str) -> list[str]:
        argv = [str(self.bindir / tool), *args]
        if _as_root():
            return ["runuser", "-u", "postgres", "--", *argv]
        return argv

    def exists(self) -> bool:
        return (self.data / "PG_VERSION").exists()

    def owner_token(self) -> str | None:
        """The token of the sandbox that made this cluster; None when it has no owner file."""
        try:
            return str(json.loads((self.root / _OWNER_FILE).read_text())["token"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def claim(self, token: str) -> None:
        """Record ``token`` (kept in the sandbox folder too) as this cluster's owner."""
        path = self.root / _OWNER_FILE
        path.write_text(json.dumps({"sandbox": str(self.sandbox_dir), "token": token}) + "\n")

    def init(self, token: str) -> None:
        if self.root.exists():
            shutil.rmtree(self.root)
        self.root.mkdir(parents=True, mode=0o700)
        pwfile = self.root / "pwfile"
        pwfile.write_text(self.password + "\n")
        pwfile.chmod(0o600)
        if _as_root():
            postgres = pwd.getpwnam("postgres")
            for path in (self.root, pwfile):
                os.chown(path, postgres.pw_uid, postgres.pw_gid)
        try:
            run(
                self._argv(
                    "initdb",
                    "-D",
                    str(self.data),
                    "-U",
                    _ROLE,
                    "--auth=scram-sha-256",
                    f"--pwfile={pwfile}",
                    "-E",
                    "UTF8",
                    "--no-locale",
                ),
                what="Creating the PostgreSQL cluster (initdb)",
                timeout=120,
            )
        finally:
            pwfile.unlink(missing_ok=True)
        self.claim(token)

    def start(self) -> int:
        """Start the cluster; return the postmaster's PID."""
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=200"
        )
        try:
            run(
                self._argv(
                    "pg_ctl",
                    "-D",
                    str(self.data),
                    "-o",
                    options,
                    "-l",
                    str(self.log_path),
                    "-w",
                    "-t",
                    "60",
                    "start",
                ),
                what=f"Starting PostgreSQL on 127.0.0.1:{self.port}",
                timeout=90,
                # The postmaster and its backends carry the sandbox's tag.
                env=owned_env(self.sandbox_dir),
            )
        except SandboxError as exc:
            raise SandboxError(f"{exc}\n{tail(self.log_path)}") from exc
        pid = self.postmaster_pid()
        if pid is None:
            raise SandboxError(f"PostgreSQL started but wrote no postmaster.pid in {self.data}.")
        return pid

    def postmaster_pid(self) -> int | None:
        try:
            first = (self.data / "postmaster.pid").read_text().splitlines()[0]
        except (OSError, IndexError):
            return None
        return int(first) if first.strip().isdigit() else None

    def stop(self) -> None:
        if self.postmaster_pid() is not None:
            subprocess.run(
                self._argv("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop"),
                capture_output=True,
                check=False,
                timeout=60,
            )
        # A postmaster whose postmaster.pid is gone (or whose pg_ctl failed) is still ours.
        for pid in cluster_pids(self.root)[:1]:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGINT)  # fast shutdown
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and process_start_time(pid) is not None:
                time.sleep(0.1)
            if process_start_time(pid) is not None:
                for each in cluster_pids(self.root):
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.kill(each, signal.SIGKILL)

    def _client_env(self) -> dict[str, str]:
        return {**os.environ, "PGPASSWORD": self.password}

    def recreate_database(self) -> None:
        """Drop and create the sandbox's database (an empty one for a fresh bootstrap)."""
        base = ["-h", "127.0.0.1", "-p", str(self.port), "-U", _ROLE]
        subprocess.run(
            [str(self.bindir / "dropdb"), *base, "--if-exists", _DATABASE],
            env=self._client_env(),
            capture_output=True,
            check=False,
        )
        run(
            [str(self.bindir / "createdb"), *base, _DATABASE],
            env=self._client_env(),
            what="Creating the rucio database",
            timeout=60,
        )

    def remove(self) -> None:
        """Stop the cluster if it runs and delete its folder."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
