"""The private virtual environment that holds the Rucio server package.

The server (``rucio``) and the client (``rucio-clients``) both own the import package
``rucio`` and pin different ``requests``/``urllib3``, so they cannot share an environment.
The server gets its own, made once per Rucio version and Python version and reused by every
sandbox. A marker file written last tells a finished environment from a half-made one.
"""

from __future__ import annotations

import fcntl
import os
import sys
import venv
from collections.abc import Callable
from pathlib import Path

from .processes import run

#: The Rucio server version the sandbox runs; the tests' rucio-clients matches it.
RUCIO_VERSION = "41.5.1"

_MARKER = ".rucio-widgets-complete"


def cache_root() -> Path:
    explicit = os.environ.get("RUCIO_WIDGETS_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rucio-widgets"


def server_env_dir() -> Path:
    py = f"py{sys.version_info.major}{sys.version_info.minor}"
    return cache_root() / f"rucio-server-{RUCIO_VERSION}-{py}"


def server_python() -> Path:
    return server_env_dir() / "bin" / "python"


def ensure_server_env(log: Callable[[str], None] = print) -> Path:
    """Create the server environment unless a finished one exists; return its python."""
    env_dir = server_env_dir()
    python = server_python()
    if (env_dir / _MARKER).exists() and python.exists():
        return python
    env_dir.parent.mkdir(parents=True, exist_ok=True)
    lock_path = env_dir.parent / f"{env_dir.name}.lock"
    with open(lock_path, "w") as lock:
        # Two sandboxes starting at once (parallel test sessions) build it only once.
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (env_dir / _MARKER).exists() and python.exists():
            return python
        log(
            f"Creating the Rucio server environment (rucio {RUCIO_VERSION}) in {env_dir}; "
            "this happens once and takes about a minute."
        )
        if env_dir.exists():
            import shutil

            shutil.rmtree(env_dir)
        venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
        run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--quiet",
                f"rucio[postgresql]=={RUCIO_VERSION}",
                "pymemcache",
            ],
            what=f"Installing rucio {RUCIO_VERSION} into {env_dir}",
            timeout=1200,
        )
        (env_dir / _MARKER).write_text(RUCIO_VERSION + "\n")
    return python
