"""Test fixtures: one real Rucio sandbox per session, on free ports, stopped afterwards.

Set RUCIO_WIDGETS_TEST_SANDBOX=DIR to reuse a sandbox folder across runs while developing
(it is started if needed and left running); otherwise a fresh one is made in a temp folder
and stopped, with its database, when the session ends, whatever the tests did.
RUCIO_WIDGETS_TEST_DB=sqlite|postgresql picks the database (default: PostgreSQL if present).
RUCIO_WIDGETS_TEST_RUCIO_VERSION=X.Y.Z runs that Rucio server release instead of the default
(the tests' client stays rucio-clients from pyproject; see docs/server-versions.md).
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from rucio_widgets.sandbox import Sandbox
from rucio_widgets.sandbox.postgres import PostgresCluster, find_bindir
from rucio_widgets.sandbox.processes import free_port, owned_pids
from rucio_widgets.sandbox.testing import SandboxSession
from rucio_widgets.sandbox.xrootd import storage_root as xrootd_storage_root


def _terminate_as_interrupt(signum: int, frame: object) -> None:
    # pytest runs fixture teardowns on KeyboardInterrupt: make SIGTERM (CI timeouts) do so too.
    raise KeyboardInterrupt(f"signal {signum}")


def pytest_configure(config: pytest.Config) -> None:
    signal.signal(signal.SIGTERM, _terminate_as_interrupt)
    # The warm-look path cache of this run lives in a folder of its own, gone afterwards.
    if "RUCIO_WIDGETS_CACHE_DIR" not in os.environ:
        folder = tempfile.mkdtemp(prefix="rucio-widgets-test-cache-")
        os.environ["RUCIO_WIDGETS_CACHE_DIR"] = folder
        atexit.register(shutil.rmtree, folder, True)


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxSession]:
    reuse = os.environ.get("RUCIO_WIDGETS_TEST_SANDBOX")
    directory = Path(reuse) if reuse else tmp_path_factory.mktemp("sandbox")
    handle = Sandbox(directory)
    # Every rucio client in this process reads alice's config; other accounts get their own
    # clients with explicit credentials (SandboxSession.client).
    os.environ["RUCIO_CONFIG"] = str(handle.layout.client_config("alice"))
    os.environ.pop("RUCIO_HOME", None)
    os.environ.pop("RUCIO_ACCOUNT", None)
    if reuse:
        if not handle.status().up:
            handle.up()
        yield SandboxSession(handle)
        return

    def stop() -> None:
        # Processes and the database cluster (outside tmp_path when run as root) go; the
        # folder with its logs stays for pytest to prune.
        handle.remove(keep_folder=True)

    atexit.register(stop)  # a backstop if teardown never runs
    try:
        handle.up(
            port=free_port(),
            db=os.environ.get("RUCIO_WIDGETS_TEST_DB") or None,
            rucio_version=os.environ.get("RUCIO_WIDGETS_TEST_RUCIO_VERSION") or None,
        )
        yield SandboxSession(handle)
    finally:
        stop()
        atexit.unregister(stop)
    cluster = PostgresCluster(handle.dir, 0, "") if find_bindir() else None
    assert cluster is None or not cluster.root.exists(), f"{cluster.root} was left behind"
    assert not owned_pids(handle.dir), f"processes of {handle.dir} were left running"
    xrd_storage = xrootd_storage_root(handle.dir)
    assert not xrd_storage.exists(), f"{xrd_storage} was left behind"


@pytest.fixture
def view(monkeypatch: pytest.MonkeyPatch):
    """Widgets made in the test talk to a RecordingComm: ``view.of(widget)`` records what
    the widget sends and delivers what the view would send (tests/widget_comm.py)."""
    import ipywidgets.comm
    from widget_comm import ViewComm

    fake = ViewComm()
    monkeypatch.setattr(ipywidgets.comm, "create_comm", fake.create_comm)
    return fake


@pytest.fixture
def close_later() -> Iterator[Callable[[Any], None]]:
    """``close_later(browser)``: closed when the test ends, whatever it did."""
    made: list[Any] = []
    yield made.append
    for browser in made:
        browser.close()
