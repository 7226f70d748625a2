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


def test_the_copy_menus_remote_urls_read_back_a_datasets_files(
    sandbox: SandboxSession, xrd: dict[str, int], view
) -> None:
    """The panel's "Copy remote URLs" (a remote_urls request for a row's DID): one
    root:// URL per file of the dataset, each reading back that file's bytes."""
    from rucio_widgets import RucioBrowser

    mine = sandbox.make_dataset(files=2, rse=XRD_SCRATCH_RSE, prefix="copyurls")
    browser = RucioBrowser()
    try:
        reply = view.of(browser).request({"type": "remote_urls", "did": mine.did}, timeout=60)
    finally:
        browser.close()
    assert "error" not in reply, reply
    assert reply["missing"] == 0 and len(reply["urls"]) == len(mine.files)
    expected = {p.name: p.read_bytes() for p in mine.local_paths}
    for url in reply["urls"]:
        assert url.startswith("root://127.0.0.1:")
        assert read_back(url) == expected[url.rsplit("/", 1)[1]]


# --- replica mode onto XRD1, the storage the notebook host mounts ---------------------------
def _xrd1_browser(sandbox: SandboxSession, **kwargs):
    """A replica-mode browser whose destination is XRD1, read at its mount."""
    from rucio_widgets import RucioBrowser

    return RucioBrowser(
        destination_rse=XRD_MOUNTED_RSE,
        rse_mount_path=str(sandbox.layout.xrd_mount_path),
        path_begins_at=sandbox.layout.xrd_path_begins_at,
        **kwargs,
    )


def _mounted(sandbox: SandboxSession, pfn: str) -> Path:
    """The talk's mapping: root://host:port//rucio/a/b/f -> <mount>/a/b/f."""
    path = pfn.split("//rucio/", 1)[1]
    return sandbox.layout.xrd_mount_path / path


def test_a_rule_from_the_xrootd_source_to_xrd1_gives_paths_under_its_mount(
    sandbox: SandboxSession, xrd: dict[str, int]
) -> None:
    """root:// to root://: the transfer stand-in copies with xrdcp (adler32 checked), the
    rule goes OK, and replica mode maps XRD1's PFNs under the mount, with the right bytes."""
    made = sandbox.make_dataset(
        files=2, rse=XRD_SOURCE_RSE, account="root", scope="data18", prefix="toxrd1"
    )
    browser = _xrd1_browser(sandbox, selected=[made.did])
    try:
        [request] = browser.model.make_available()
        paths = browser.wait(timeout=120)
    finally:
        browser.close()
    rule = sandbox.client().get_replication_rule(str(request.rule_id))
    assert (rule["state"], rule["rse_expression"], rule["locks_ok_cnt"]) == (
        "OK",
        XRD_MOUNTED_RSE,
        2,
    )
    replicas = sandbox.client().list_replicas(
        [{"scope": made.scope, "name": made.name}], rse_expression=XRD_MOUNTED_RSE
    )
    mounted = {}
    for replica in replicas:
        [pfn] = replica["rses"][XRD_MOUNTED_RSE]
        assert pfn.startswith(f"root://127.0.0.1:{xrd[XRD_MOUNTED_RSE]}//rucio/data18/")
        mounted[replica["name"]] = str(_mounted(sandbox, pfn))
    assert sorted(paths) == sorted(mounted.values())
    for local in made.local_paths:
        assert Path(mounted[local.name]).read_bytes() == local.read_bytes()


def test_rules_between_file_and_root_rses_copy_both_ways(
    sandbox: SandboxSession, xrd: dict[str, int]
) -> None:
    """file:// -> root:// and root:// -> file://: the stand-in copies with xrdcp either way."""
    from rucio_widgets.sandbox.layout import DESTINATION_RSE, SOURCE_RSES

    to_xrd = sandbox.make_dataset(files=1, rse=SOURCE_RSES[0], account="root", scope="data18")
    to_file = sandbox.make_dataset(files=1, rse=XRD_SOURCE_RSE, account="root", scope="data18")
    alice = sandbox.client("alice")
    rules = [
        alice.add_replication_rule([{"scope": m.scope, "name": m.name}], 1, rse)[0]
        for m, rse in ((to_xrd, XRD_MOUNTED_RSE), (to_file, DESTINATION_RSE))
    ]
    for rule_id in rules:
        sandbox.wait_for_rule(rule_id, state="OK", timeout=120)
    [on_xrd] = alice.list_replicas(
        [{"scope": to_xrd.scope, "name": to_xrd.name}], rse_expression=XRD_MOUNTED_RSE
    )
    assert read_back(on_xrd["rses"][XRD_MOUNTED_RSE][0]) == to_xrd.local_paths[0].read_bytes()
    [on_file] = alice.list_replicas(
        [{"scope": to_file.scope, "name": to_file.name}],
        rse_expression=DESTINATION_RSE,
        schemes=["file"],
    )
    mounted = sandbox.mount_path_of(on_file["rses"][DESTINATION_RSE][0])
    assert mounted.read_bytes() == to_file.local_paths[0].read_bytes()


def test_the_talks_xrd1_example_end_to_end(
    sandbox: SandboxSession, xrd: dict[str, int], tmp_path: Path
) -> None:
    """Upload results to the XRootD scratch disk (rucio_widgets.upload, Rucio's upload
    client over root://), ask for them on XRD1 by a rule, and read them at the mount:
    root://127.0.0.1:PORT//rucio/user/alice/xx/yy/f is <mount>/user/alice/xx/yy/f."""
    import rucio_widgets

    tag = os.urandom(4).hex()
    folder = tmp_path / "results"
    folder.mkdir()
    for number in range(2):
        (folder / f"xrd1.{tag}.hist_{number}.csv").write_bytes(os.urandom(3000 + number))
    dataset = f"user.alice.xrd1.{tag}"
    dids = rucio_widgets.upload(
        str(folder / "*.csv"), dataset=dataset, rse=XRD_SCRATCH_RSE, timeout=120
    )
    assert sorted(dids) == sorted(f"user.alice:{p.name}" for p in folder.iterdir())
    browser = _xrd1_browser(sandbox, selected=[f"user.alice:{dataset}"])
    try:
        browser.make_available()
        paths = browser.wait(timeout=120)
        assert browser.paths == paths
    finally:
        browser.close()
    assert len(paths) == 2
    replicas = sandbox.client().list_replicas(
        [{"scope": "user.alice", "name": dataset}], rse_expression=XRD_MOUNTED_RSE
    )
    for replica in replicas:
        [pfn] = replica["rses"][XRD_MOUNTED_RSE]
        path = _mounted(sandbox, pfn)
        assert str(path) in paths
        assert path.relative_to(sandbox.layout.xrd_mount_path).parts[:2] == ("user", "alice")
        assert path.read_bytes() == (folder / replica["name"]).read_bytes()


def test_an_upload_cut_off_by_a_stopped_xrootd_registers_nothing_and_a_rerun_completes(
    sandbox: SandboxSession, xrd: dict[str, int], tmp_path: Path, fail_fast
) -> None:
    """The scratch disk's server freezes while a file is half across, then dies: the upload
    fails in words, Rucio has no replica of the bytes that never arrived, and once the
    server is back the same call uploads the rest (the file that made it is skipped)."""
    import concurrent.futures

    import rucio_widgets
    from rucio_widgets.sandbox.xrootd import XrootdServer

    tag = os.urandom(4).hex()
    folder = tmp_path / "results"
    folder.mkdir()
    small, big = folder / f"cut.{tag}.a_small.csv", folder / f"cut.{tag}.b_big.dat"
    small.write_bytes(os.urandom(2000))
    big.write_bytes(os.urandom(BIG))
    dataset = f"user.alice.cut.{tag}"
    server = process_name(XRD_SCRATCH_RSE)
    storage = XrootdServer(sandbox.sandbox.dir, XRD_SCRATCH_RSE, xrd[XRD_SCRATCH_RSE]).export

    def upload() -> list[str]:
        return rucio_widgets.upload(
            [str(small), str(big)], dataset=dataset, rse=XRD_SCRATCH_RSE, timeout=300
        )

    alice = sandbox.client("alice")
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        try:
            running = pool.submit(upload)
            _wait_for(
                lambda: [
                    p for p in storage.rglob(f"{big.name}.rucio.upload") if p.stat().st_size > 0
                ]
            )
            sandbox.sandbox.signal_process(server, signal.SIGSTOP)
            sandbox.sandbox.signal_process(server, signal.SIGKILL)
            with pytest.raises(rucio_widgets.RucioWidgetsError) as failed:
                running.result(timeout=240)
        finally:
            if not sandbox.sandbox.status().running.get(server):
                sandbox.sandbox.start_process(server)
    message = f"{failed.value.message} {failed.value.hint}"
    assert isinstance(failed.value, rucio_widgets.StorageUnavailableError), message
    assert f"The storage of {XRD_SCRATCH_RSE} did not take {big.name}" in message, message
    assert "nothing was registered" in message, message
    registered = {
        r["name"]: r
        for r in alice.list_replicas(
            [
                {"scope": "user.alice", "name": small.name},
                {"scope": "user.alice", "name": big.name},
            ],
            all_states=True,
        )
    }
    assert big.name not in registered  # no replica for bytes that never arrived
    assert registered[small.name]["states"] == {XRD_SCRATCH_RSE: "AVAILABLE"}

    dids = upload()  # the same call, once the server is back
    assert sorted(dids) == sorted([f"user.alice:{small.name}", f"user.alice:{big.name}"])
    [replica] = alice.list_replicas([{"scope": "user.alice", "name": big.name}])
    [pfn] = replica["rses"][XRD_SCRATCH_RSE]
    assert read_back(pfn, timeout=120) == big.read_bytes()
    assert sorted(f["name"] for f in alice.list_files("user.alice", dataset)) == sorted(
        [small.name, big.name]
    )
