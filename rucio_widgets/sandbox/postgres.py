"""A private PostgreSQL cluster on 127.0.0.1 for one sandbox.

PostgreSQL refuses to run as root; when the sandbox runs as root the cluster runs as the
``postgres`` user, and its data folder lives where that user can reach it (a folder under
the system's temp dir named after the sandbox), because the sandbox folder may sit below a
home directory that other users cannot enter.
"""

from __future__ import annotations

import hashlib
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from .processes import SandboxError, run, tail

_ROLE = "rucio"
_DATABASE = "rucio"


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
    return Path(tempfile.gettempdir()) / f"rucio-widgets-pg-{digest}"


class PostgresCluster:
    def __init__(self, sandbox_dir: Path, port: int, password: str) -> None:
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

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{_ROLE}:{self.password}@127.0.0.1:{self.port}/{_DATABASE}"

    def _argv(self, tool: str, *args: str) -> list[str]:
        argv = [str(self.bindir / tool), *args]
        if _as_root():
            return ["runuser", "-u", "postgres", "--", *argv]
        return argv

    def exists(self) -> bool:
        return (self.data / "PG_VERSION").exists()

    def init(self) -> None:
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
        if self.postmaster_pid() is None:
            return
        subprocess.run(
            self._argv("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop"),
            capture_output=True,
            check=False,
            timeout=60,
        )

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
        shutil.rmtree(self.root, ignore_errors=True)
