"""The private virtual environments that hold the Rucio server package, one per version.

The server (``rucio``) and the client (``rucio-clients``) both own the import package
``rucio`` and pin different ``requests``/``urllib3``, so they cannot share an environment.
The server gets its own, made once per Rucio version and Python version and reused by every
sandbox. A marker file written last tells a finished environment from a half-made one.

``RUCIO_VERSION`` is the server the sandbox runs by default (the tests' rucio-clients matches
it); ``sandbox up --rucio-version X`` runs another release, each in its own environment.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import sys
import venv
from collections.abc import Callable
from pathlib import Path

from .processes import SandboxError, run

#: The Rucio server version the sandbox runs; the tests' rucio-clients matches it.
RUCIO_VERSION = "41.5.1"

#: The oldest server line the sandbox knows how to run (see docs/server-versions.md).
OLDEST_SUPPORTED = (35, 0)

_MARKER = ".rucio-widgets-complete"

#: Some releases (35.6.x and older among them) come as source only, and their setup.py
#: imports pkg_resources, which setuptools 81 removed: pip's isolated build gets an older one.
_BUILD_CONSTRAINTS = "setuptools<81\n"


def parse_version(version: str) -> tuple[int, ...]:
    """``"35.6.0"`` -> ``(35, 6, 0)``; SandboxError for anything but a plain release."""
    if not re.fullmatch(r"\d+\.\d+\.\d+(\.post\d+)?", version):
        raise SandboxError(
            f"--rucio-version must name a release such as {RUCIO_VERSION}, not {version!r}."
        )
    return tuple(int(part) for part in version.replace(".post", ".").split("."))


def check_supported(version: str) -> None:
    if parse_version(version)[:2] < OLDEST_SUPPORTED:
        oldest = ".".join(map(str, OLDEST_SUPPORTED))
        raise SandboxError(
            f"The sandbox runs Rucio {oldest} or newer, not {version}: pick another "
            "--rucio-version."
        )


def cache_root() -> Path:
    explicit = os.environ.get("RUCIO_WIDGETS_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rucio-widgets"


def server_env_dir(version: str = RUCIO_VERSION) -> Path:
    py = f"py{sys.version_info.major}{sys.version_info.minor}"
    return cache_root() / f"rucio-server-{version}-{py}"


def server_python(version: str = RUCIO_VERSION) -> Path:
    return server_env_dir(version) / "bin" / "python"


def site_packages(version: str = RUCIO_VERSION) -> Path:
    return next((server_env_dir(version) / "lib").glob("python3*/site-packages"))


def database_driver(version: str = RUCIO_VERSION) -> str:
    """SQLAlchemy's PostgreSQL driver name for the server environment of ``version``.

    Rucio's ``postgresql`` extra brings psycopg 3 in 37 and later, psycopg2 in 35.
    """
    packages = site_packages(version)
    if (packages / "psycopg").is_dir():
        return "psycopg"
    if (packages / "psycopg2").is_dir():
        return "psycopg2"
    raise SandboxError(f"Neither psycopg nor psycopg2 is installed in {server_env_dir(version)}.")


def ensure_server_env(log: Callable[[str], None] = print, version: str = RUCIO_VERSION) -> Path:
    """Create the server environment of ``version`` unless a finished one exists; return
    its python."""
    check_supported(version)
    env_dir = server_env_dir(version)
    python = server_python(version)
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
            f"Creating the Rucio server environment (rucio {version}) in {env_dir}; "
            "this happens once and takes about a minute."
        )
        if env_dir.exists():
            shutil.rmtree(env_dir)
        venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
        constraints = env_dir / "build-constraints.txt"
        constraints.write_text(_BUILD_CONSTRAINTS)
        # PIP_CONSTRAINT reaches pip's isolated build environments too (a --constraint
        # option would not); the server environment itself needs no setuptools.
        env = {**os.environ, "PIP_CONSTRAINT": str(constraints)}
        run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--quiet",
                f"rucio[postgresql]=={version}",
                "pymemcache",
            ],
            what=f"Installing rucio {version} into {env_dir}",
            timeout=1200,
            env=env,
        )
        (env_dir / _MARKER).write_text(version + "\n")
    return python
