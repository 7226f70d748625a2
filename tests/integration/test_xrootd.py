"""Data in and out over root://: the sandbox's real XRootD servers, and Rucio's clients and
the browser against them (no mocks: xrootd, xrdcp and xrdfs from Debian's packages)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from rucio_widgets.sandbox.layout import (
    XRD_MOUNTED_RSE,
    XRD_RSES,
    XRD_SCRATCH_RSE,
    XRD_SOURCE_RSE,
)
from rucio_widgets.sandbox.processes import owned_pids
from rucio_widgets.sandbox.seed import XRD_DATASET, XRD_DATASET_FILES
from rucio_widgets.sandbox.testing import SandboxSession, adler32_of
from rucio_widgets.sandbox.xrootd import FAIL_FAST, process_name, read_back

pytestmark = pytest.mark.sandbox


@pytest.fixture
def xrd(sandbox: SandboxSession) -> dict[str, int]:
    """RSE -> port of the sandbox's XRootD servers; skips without XRootD (fails in CI,
    where scripts/setup installs it)."""
    ports = sandbox.sandbox.xrootd_ports()
    if ports:
        return ports
    if shutil.which("xrootd") is None:
        reason = "XRootD is not installed (apt-get install xrootd-server xrootd-client)"
    else:
        reason = "this sandbox was made without XRootD: `sandbox remove`, then `up` again"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run the root:// tests")
    pytest.skip(reason)


def _xrootd_pids(sandbox: SandboxSession) -> list[int]:
    return [
        pid
        for pid in owned_pids(sandbox.sandbox.dir)
        if open(f"/proc/{pid}/comm").read().strip() == "xrootd"
    ]


def test_xrootd_rses_serve_the_seeded_dataset_over_root(
    sandbox: SandboxSession, xrd: dict[str, int]
) -> None:
    """Each XRootD RSE has a root:// protocol on its own port; the seeded dataset's PFNs
    are root://127.0.0.1:PORT//rucio/..., and the server's adler32 and bytes are Rucio's."""
    client = sandbox.client("root")
    assert set(xrd) == set(XRD_RSES) and len(set(xrd.values())) == len(XRD_RSES)
    for rse, port in xrd.items():
        [protocol] = client.get_protocols(rse)
        assert (protocol["scheme"], protocol["hostname"], protocol["port"]) == (
            "root",
            "127.0.0.1",
            port,
        )
        assert protocol["prefix"] == "//rucio"
        assert protocol["impl"] == "rucio.rse.protocols.xrootd.Default"
    scope, name = XRD_DATASET
    replicas = list(client.list_replicas([{"scope": scope, "name": name}], schemes=["root"]))
    assert len(replicas) == XRD_DATASET_FILES
    port = xrd[XRD_SOURCE_RSE]
    for replica in replicas:
        [pfn] = replica["rses"][XRD_SOURCE_RSE]
        assert pfn.startswith(f"root://127.0.0.1:{port}//rucio/{scope}/")
        path = pfn.split(f":{port}", 1)[1]
        answer = subprocess.run(
            ["xrdfs", f"127.0.0.1:{port}", "query", "checksum", path],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        assert answer.stdout.split() == ["adler32", replica["adler32"]]
        payload = sandbox.layout.payload_dir / scope / replica["name"]
        assert read_back(pfn) == payload.read_bytes()
        assert adler32_of(payload) == replica["adler32"]


def test_users_upload_to_the_xrootd_scratch_disk_only(
    sandbox: SandboxSession, xrd: dict[str, int]
) -> None:
    """The generic policy: alice has quota on XRD_SCRATCHDISK and may add replicas there;
    the XRootD source disk is root's."""
    alice = sandbox.client("alice")
    limits = alice.get_local_account_limits("alice")
    assert limits[XRD_SCRATCH_RSE] > 0 and limits[XRD_MOUNTED_RSE] > 0
    made = sandbox.make_dataset(files=1, rse=XRD_SCRATCH_RSE)
    [replica] = alice.list_replicas([{"scope": made.scope, "name": made.name}])
    [pfn] = replica["rses"][XRD_SCRATCH_RSE]
    assert read_back(pfn) == made.local_paths[0].read_bytes()
    from rucio.common.exception import RucioException

    with pytest.raises(RucioException):
        sandbox.make_dataset(files=1, rse=XRD_SOURCE_RSE)


def test_xrootd_servers_stop_with_down_and_return_with_up(
    sandbox: SandboxSession, xrd: dict[str, int]
) -> None:
    running = sandbox.sandbox.status().running
    assert all(running[process_name(rse)] for rse in XRD_RSES)
    assert len(_xrootd_pids(sandbox)) == len(XRD_RSES)
    sandbox.sandbox.down()
    try:
        assert _xrootd_pids(sandbox) == []
        assert not any(sandbox.sandbox.status().running.values())
    finally:
        sandbox.sandbox.up()
    assert sandbox.sandbox.xrootd_ports() == xrd  # same ports: Rucio's PFNs still hold
    scope, name = XRD_DATASET
    replica = next(iter(sandbox.client().list_replicas([{"scope": scope, "name": name}])))
    [pfn] = replica["rses"][XRD_SOURCE_RSE]
    assert read_back(pfn) == (sandbox.layout.payload_dir / scope / replica["name"]).read_bytes()


# --- download mode over root:// ----------------------------------------------------------
def _statuses(comm, did: str) -> list[dict]:
    """The availability updates the view received for ``did``, in order."""
    return [
        m["updates"][did]
        for m in list(comm.sent)
        if m.get("type") == "status" and did in m.get("updates", {})
    ]


def test_download_mode_fetches_a_dataset_over_root(
    sandbox: SandboxSession, xrd: dict[str, int], tmp_path: Path, view
) -> None:
    """The seeded dataset lives on the XRootD source only: Rucio's download client fetches
    it with xrdcp, verifies adler32, and the view hears files and bytes as they land."""
    from rucio_widgets import RucioBrowser

    scope, name = XRD_DATASET
    did = f"{scope}:{name}"
    client = sandbox.client()
    files = list(client.list_replicas([{"scope": scope, "name": name}]))
    assert all(
        pfn.startswith("root://") for f in files for pfns in f["rses"].values() for pfn in pfns
    )
    total = sum(int(f["bytes"]) for f in files)
    download_dir = tmp_path / "dl"
    browser = RucioBrowser(mode="download", download_dir=str(download_dir), selected=[did])
    comm = view.of(browser)
    try:
        browser.make_available()
        paths = browser.wait(timeout=120)
    finally:
        browser.close()
    assert sorted(Path(p).name for p in paths) == sorted(f["name"] for f in files)
    for file in files:
        landed = download_dir / scope / file["name"]
        assert (
            landed.read_bytes() == (sandbox.layout.payload_dir / scope / file["name"]).read_bytes()
        )
        assert adler32_of(landed) == file["adler32"]
    assert not list(download_dir.rglob("*.part"))
    updates = _statuses(comm, did)
    updates = updates[[u["status"] for u in updates].index("DOWNLOADING") :]
    assert updates[0]["bytes_total"] == total
    assert updates[-1] == {
        "status": "AVAILABLE",
        "available": len(files),
        "total": len(files),
        "bytes_done": total,
        "bytes_total": total,
    }
    done = [u.get("available", 0) for u in updates]
    arrived = [u.get("bytes_done", 0) for u in updates]
    assert done == sorted(done) and arrived == sorted(arrived)  # progress never goes back


@pytest.fixture
def fail_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    """XRootD client settings that give up on a stopped server within seconds (the
    defaults retry for about eight minutes); the xrdcp and xrdfs that Rucio runs read them."""
    for key, value in FAIL_FAST.items():
        monkeypatch.setenv(key, value)


def _wait_for(predicate, timeout: float = 60, poll: float = 0.001):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(poll)
    raise AssertionError(f"not within {timeout} s")


BIG = 48 * 2**20  # big enough that a copy is caught in flight


def test_an_interrupted_download_leaves_no_complete_looking_file_and_a_rerun_completes(
    sandbox: SandboxSession, xrd: dict[str, int], tmp_path: Path, view, fail_fast
) -> None:
    """The source's XRootD server freezes while a file is half across, then dies: the
    download fails in words, nothing at a final path is short, and once the server is back
    a retry completes (the view saw bytes arrive before any file landed)."""
    from rucio_widgets import NotAvailableError, RucioBrowser

    made = sandbox.make_dataset(
        files=3, rse=XRD_SOURCE_RSE, account="root", scope="data18", size=BIG, prefix="xrdcut"
    )
    server = process_name(XRD_SOURCE_RSE)
    download_dir = tmp_path / "dl"
    folder = download_dir / made.scope
    browser = RucioBrowser(mode="download", download_dir=str(download_dir), selected=[made.did])
    comm = view.of(browser)
    try:
        browser.make_available()
        _wait_for(lambda: [p for p in folder.glob("*.part") if p.stat().st_size > 0])
        sandbox.sandbox.signal_process(server, signal.SIGSTOP)
        try:
            in_flight = _wait_for(
                lambda: [
                    u
                    for u in _statuses(comm, made.did)
                    if u["status"] == "DOWNLOADING"
                    and u["bytes_done"] > u.get("available", 0) * BIG
                ],
                timeout=10,
                poll=0.05,
            )
            assert 0 < in_flight[-1]["bytes_done"] < in_flight[-1]["bytes_total"]
            landed = [p.name for p in folder.iterdir() if not p.name.endswith(".part")]
            assert len(landed) < len(made.files), "every file landed before the freeze"
        finally:
            sandbox.sandbox.signal_process(server, signal.SIGKILL)
        with pytest.raises(NotAvailableError) as failed:
            browser.wait(timeout=180)
        reason = failed.value.missing[made.did]
        assert reason.startswith("FAILED (download failed:") and "did not arrive" in reason
        for local in made.local_paths:  # complete and right, or absent
            target = folder / local.name
            assert not target.exists() or target.read_bytes() == local.read_bytes()
        assert not list(folder.glob("*.part"))
        assert browser.status(made.did) == "FAILED"

        sandbox.sandbox.start_process(server)
        browser.retry(made.did)
        paths = browser.wait(timeout=180)
    finally:
        browser.close()
        if not sandbox.sandbox.status().running.get(server):
            sandbox.sandbox.start_process(server)
    assert len(paths) == len(made.files)
    for local in made.local_paths:
        assert (folder / local.name).read_bytes() == local.read_bytes()


# --- remote-read URLs --------------------------------------------------------------------
def test_urls_read_back_each_selected_files_bytes(
    sandbox: SandboxSession, xrd: dict[str, int]
) -> None:
    """browser.urls: one root:// URL per selected file that an XRootD RSE holds, in
    selection order; `xrdcp URL -` reads the file's bytes. Files on file:// RSEs only have
    none (model.urls() names them)."""
    from rucio_widgets import RucioBrowser

    scope, name = XRD_DATASET
    mine = sandbox.make_dataset(files=2, rse=XRD_SCRATCH_RSE, prefix="urls")
    local_only = sandbox.make_dataset(files=1)  # on the file:// scratch disk
    browser = RucioBrowser(selected=[f"{scope}:{name}", mine.did, local_only.did])
    try:
        urls = browser.urls
        answer = browser.model.urls(timeout=60)
    finally:
        browser.close()
    seeded = sorted(f["name"] for f in sandbox.client().list_files(scope, name))
    assert len(urls) == len(seeded) + len(mine.files)
    assert answer.missing == local_only.files
    assert list(answer.urls.values()) == urls
    assert all(url.startswith("root://127.0.0.1:") for url in urls)
    expected = {
        **{n: (sandbox.layout.payload_dir / scope / n).read_bytes() for n in seeded},
        **{p.name: p.read_bytes() for p in mine.local_paths},
    }
    for did, url in answer.urls.items():
        assert read_back(url) == expected[did.split(":", 1)[1]]
