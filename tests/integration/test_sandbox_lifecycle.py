"""A sandbox's PostgreSQL cluster and processes over its whole life: nothing is left behind.

As root the cluster lives outside the sandbox folder (in the temp dir, where the
``postgres`` user can reach it), so deleting the folder by hand does not delete it. These
tests run real sandboxes with the temp dir pointed at a private folder of their own, so
they can count the ``rucio-widgets-pg-*`` folders exactly while other sandboxes run on the
machine, and look for any process that is still tagged with the sandbox or runs its cluster.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from rucio_widgets.sandbox import Sandbox, SandboxError
from rucio_widgets.sandbox import postgres as pg
from rucio_widgets.sandbox.postgres import PostgresCluster, cluster_dirs, cluster_pids
from rucio_widgets.sandbox.processes import free_port, owned_pids
from rucio_widgets.sandbox.seed import WILDCARD_DATASETS

pytestmark = [
    pytest.mark.sandbox,
    pytest.mark.skipif(pg.find_bindir() is None, reason="needs PostgreSQL's initdb and pg_ctl"),
]


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The temp dir of this test (and of the `sandbox` commands it runs), empty at first.

    Outside pytest's own folder, which the postgres user cannot enter; made after
    ``tmp_path``, so pytest's own folders stay where they are.
    """
    folder = Path(tempfile.mkdtemp(prefix="rw-lifecycle-", dir="/tmp"))
    folder.chmod(0o755)
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    monkeypatch.setenv("TMPDIR", str(folder))
    try:
        yield folder
    finally:
        monkeypatch.undo()
        for root in sorted(folder.glob("rucio-widgets-pg-*")):
            for pid in cluster_pids(root):
                os.kill(pid, signal.SIGKILL)
        shutil.rmtree(folder, ignore_errors=True)


def _leftovers(sandbox_dir: Path) -> dict[str, object]:
    """What of a sandbox at ``sandbox_dir`` is still there outside its folder."""
    return {
        "clusters": [p.name for p in cluster_dirs()],
        "cluster processes": [pid for root in cluster_dirs() for pid in cluster_pids(root)],
        "tagged processes": owned_pids(sandbox_dir.resolve()),
        # XRootD's data folders, which live in the temp dir too when run as root.
        "xrootd folders": [p.name for p in Path(tempfile.gettempdir()).glob("rucio-widgets-xrd-*")],
    }


_NOTHING = {"clusters": [], "cluster processes": [], "tagged processes": [], "xrootd folders": []}


def _search(sandbox: Sandbox) -> int:
    """Datasets a wildcard search finds, from a fresh process that reads alice's rucio.cfg."""
    env = {**os.environ, "RUCIO_CONFIG": str(sandbox.layout.client_config("alice"))}
    env.pop("RUCIO_HOME", None)
    code = (
        "from rucio.client import Client\n"
        "names = Client().list_dids('mc20', {'name': 'mc20_13TeV.5*.deriv.*'}, "
        "did_type='dataset')\n"
        "print(len(list(names)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return int(done.stdout.strip())


def _cli(*args: str, directory: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rucio_widgets.cli", "sandbox", *args, "--dir", str(directory)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_folder_deleted_by_hand_then_up_again_at_the_same_path(
    private_tmp: Path, tmp_path: Path
) -> None:
    directory = tmp_path / "sb"
    port = str(free_port())
    assert _leftovers(directory) == _NOTHING

    # 1. Stopped with `down`, then the folder deleted.
    first = _cli("up", "--db", "postgresql", "--port", port, directory=directory)
    assert first.returncode == 0, first.stderr[-3000:]
    sandbox = Sandbox(directory)
    cluster = PostgresCluster(sandbox.dir, 0, "")
    assert cluster_dirs() == [cluster.root]
    token = cluster.owner_token()
    assert _cli("down", directory=directory).returncode == 0
    assert cluster_pids(cluster.root) == [] and owned_pids(sandbox.dir) == []
    assert cluster_dirs() == [cluster.root]  # down keeps the data
    shutil.rmtree(directory)
    again = _cli("up", "--port", port, directory=directory)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "PostgreSQL cluster(s) of sandboxes whose folder is gone" in again.stderr
    assert cluster_dirs() == [cluster.root]
    assert cluster.owner_token() not in (None, token)
    assert _search(sandbox) == WILDCARD_DATASETS

    # 2. The folder deleted while everything runs, the cluster made before owner files.
    old = owned_pids(sandbox.dir) + cluster_pids(cluster.root)
    assert len(old) >= 4  # memcached, server, daemons, postmaster (and its backends)
    (cluster.root / "owner.json").unlink()
    shutil.rmtree(directory)
    t0 = time.monotonic()
    third = _cli("up", "--port", port, directory=directory)
    took = time.monotonic() - t0
    assert third.returncode == 0, third.stderr[-3000:]
    assert "left running by an earlier sandbox" in third.stderr
    assert "belongs to an earlier sandbox at this path" in third.stderr
    assert not set(old) & set(owned_pids(sandbox.dir) + cluster_pids(cluster.root))
    assert cluster_dirs() == [cluster.root]
    assert _search(sandbox) == WILDCARD_DATASETS
    print(f"up after deleting a running sandbox's folder: {took:.1f} s")

    # 3. Deleted while running again: `down` and `remove` of the path still find it all.
    shutil.rmtree(directory)
    down = _cli("down", directory=directory)
    assert down.returncode == 0 and "processes it had left running" in down.stderr
    assert owned_pids(sandbox.dir) == [] and cluster_pids(cluster.root) == []
    assert cluster_dirs() == [cluster.root]
    assert _cli("remove", directory=directory).returncode == 0
    assert not directory.exists()
    assert _leftovers(directory) == _NOTHING


def test_interrupted_first_up_leaves_no_cluster(private_tmp: Path, tmp_path: Path) -> None:
    """Ctrl-C while seeding a new PostgreSQL sandbox: no cluster and no process remain."""
    directory = tmp_path / "interrupted"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "rucio_widgets.cli",
            "sandbox",
            "up",
            "--dir",
            str(directory),
            "--db",
            "postgresql",
            "--port",
            str(free_port()),
        ],
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert proc.stderr is not None
    deadline = time.monotonic() + 180
    for line in proc.stderr:
        if "Seeding" in line or time.monotonic() > deadline:
            break
    assert len(cluster_dirs()) == 1  # made, and running
    time.sleep(1.0)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    rest = proc.stderr.read()
    assert proc.wait(60) == 1, rest
    assert "Interrupted: nothing of the sandbox is left running." in rest
    assert _leftovers(directory) == _NOTHING
    assert (directory / "logs" / "postgres.log").exists()  # kept to read
    status = Sandbox(directory).status()
    assert status.exists and not any(status.running.values())


def test_failed_first_up_leaves_no_cluster(
    private_tmp: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fault after the cluster started (here: the Rucio server cannot be started)."""

    def no_server(*args: object, **kwargs: object) -> None:
        raise SandboxError("the server would not start (injected)")

    monkeypatch.setattr(Sandbox, "_start_server", no_server)
    sandbox = Sandbox(tmp_path / "failed", log=lambda message: None)
    with pytest.raises(SandboxError, match="injected"):
        sandbox.up(db="postgresql", port=free_port())
    assert _leftovers(sandbox.dir) == _NOTHING
