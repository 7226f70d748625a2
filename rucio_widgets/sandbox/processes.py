"""Starting, finding and stopping the sandbox's own processes, and the ports they use.

Every long-running process is started in a new session (its own process group) and its
PID and start time are recorded, so ``down`` stops exactly what the sandbox started: a PID
that was reused by another program since is recognised by its different start time and is
left alone.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


class SandboxError(RuntimeError):
    """Something stopped the sandbox; the message says what and what to do next."""


#: Set in the environment of every long-running process a sandbox starts (server, daemons,
#: memcached, PostgreSQL and its backends inherit it), with the sandbox folder as value: a
#: process whose sandbox.json is lost (the folder was deleted while it ran) is still found.
OWNER_VARIABLE = "RUCIO_WIDGETS_SANDBOX_OWNER"


@dataclass(frozen=True)
class ProcessRecord:
    name: str
    pid: int
    start_time: str  # field 22 of /proc/PID/stat: tells a reused PID apart

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "pid": self.pid, "start_time": self.start_time}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> ProcessRecord:
        return cls(str(data["name"]), int(str(data["pid"])), str(data["start_time"]))


def process_start_time(pid: int) -> str | None:
    """The kernel's start time of ``pid``, or None when no such process runs."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may contain spaces and parentheses: split after its end.
    fields = stat[stat.rfind(")") + 2 :].split()
    if fields and fields[0] == "Z":  # a zombie has exited already
        return None
    return fields[19] if len(fields) > 19 else None


def is_running(record: ProcessRecord) -> bool:
    return process_start_time(record.pid) == record.start_time


def owned_env(owner: Path, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) with the owner tag of ``owner``."""
    return {**(os.environ if base is None else base), OWNER_VARIABLE: str(owner)}


def owned_pids(owner: Path) -> list[int]:
    """PIDs of running processes tagged with ``owner`` (see OWNER_VARIABLE), oldest first.

    Processes of other users are invisible unless we are root; a sandbox's own are not.
    """
    wanted = f"{OWNER_VARIABLE}={owner}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if wanted in environ.split(b"\0") and process_start_time(int(entry.name)) is not None:
            found.append(int(entry.name))
    return sorted(found)


def stop_owned(owner: Path, timeout: float = 10.0) -> list[str]:
    """Stop every process tagged with ``owner``; return their command names.

    TERM first (PostgreSQL's backends and postmaster shut down on it once the server that
    held their connections is gone), KILL what is left after ``timeout`` seconds.
    """
    pids = owned_pids(owner)
    names = []
    for pid in pids:
        try:
            names.append(Path(f"/proc/{pid}/comm").read_text().strip())
        except OSError:
            continue
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for pid in pids:
            _reap(pid)
        if not owned_pids(owner):
            return names
        time.sleep(0.1)
    for pid in owned_pids(owner):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
        _reap(pid)
    return names


def start(
    name: str,
    argv: Sequence[str],
    *,
    log_path: Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> tuple[subprocess.Popen[bytes], ProcessRecord]:
    """Start ``argv`` detached in its own process group, output appended to ``log_path``."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,
        )
    started = process_start_time(proc.pid) or ""
    return proc, ProcessRecord(name, proc.pid, started)


def stop(record: ProcessRecord, timeout: float = 10.0) -> bool:
    """Stop the process group of ``record`` (TERM, then KILL); False when it was not running."""
    if not is_running(record):
        return False
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(record.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not is_running(record):
            _reap(record.pid)
            return True
        _reap(record.pid)
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(record.pid, signal.SIGKILL)
    _reap(record.pid)
    return True


def _reap(pid: int) -> None:
    """Collect a child that has exited, so it does not linger as a zombie."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As servers do: a port whose old connections linger in TIME_WAIT is free to listen on.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1", avoid: Sequence[int] = ()) -> int:
    """A TCP port that nothing listens on now (the kernel picks it)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind((host, 0))
            port = int(sock.getsockname()[1])
        if port not in avoid:
            return port
    raise SandboxError("Could not find a free TCP port on 127.0.0.1.")


def wait_for_http(
    url: str,
    *,
    timeout: float,
    proc: subprocess.Popen[bytes] | None = None,
    log_path: Path | None = None,
    what: str = "the server",
    context: ssl.SSLContext | None = None,
) -> bytes:
    """Poll ``url`` until it answers 200; fail early when ``proc`` exits meanwhile.

    ``context`` decides whom an https ``url`` is trusted from (default: the system's CAs).
    """
    deadline = time.monotonic() + timeout
    last_error = ""
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise SandboxError(
                f"{what} exited with code {proc.returncode} while starting; "
                f"see {log_path}:\n{tail(log_path)}"
            )
        try:
            with urllib.request.urlopen(url, timeout=2, context=context) as response:
                return bytes(response.read())
        except (urllib.error.URLError, OSError) as exc:
            last_error = str(exc)
        time.sleep(0.2)
    raise SandboxError(
        f"{what} did not answer at {url} within {timeout:.0f} s ({last_error}); "
        f"see {log_path}:\n{tail(log_path)}"
    )


def wait_for_port(
    port: int,
    *,
    timeout: float,
    what: str,
    host: str = "127.0.0.1",
    proc: subprocess.Popen[bytes] | None = None,
    log_path: Path | None = None,
) -> None:
    """Wait until something listens on ``port``; fail early when ``proc`` exits meanwhile."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise SandboxError(
                f"{what} exited with code {proc.returncode} while starting; "
                f"see {log_path}:\n{tail(log_path)}"
            )
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.settimeout(0.5)
            if sock.connect_ex((host, port)) == 0:
                return
        time.sleep(0.1)
    raise SandboxError(f"{what} did not listen on {host}:{port} within {timeout:.0f} s.")


def tail(path: Path | None, lines: int = 15) -> str:
    if path is None:
        return ""
    try:
        content = path.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join(content[-lines:])


def run(
    argv: Sequence[str],
    *,
    what: str,
    env: Mapping[str, str] | None = None,
    timeout: float = 600,
    cwd: Path | None = None,
    input: str | None = None,
) -> str:
    """Run a short command to completion; raise SandboxError with its output when it fails."""
    try:
        done = subprocess.run(
            list(argv),
            env=dict(env) if env is not None else None,
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=cwd,
            check=False,
        )
    except FileNotFoundError as exc:
        raise SandboxError(f"{what} failed: {argv[0]} is not installed ({exc}).") from exc
    except subprocess.TimeoutExpired as exc:
        raise SandboxError(f"{what} took longer than {timeout:.0f} s and was stopped.") from exc
    if done.returncode != 0:
        output = (done.stdout + done.stderr).strip().splitlines()
        raise SandboxError(f"{what} failed (exit {done.returncode}):\n" + "\n".join(output[-25:]))
    return done.stdout
