"""Data in and out over root://: the sandbox's real XRootD servers, and Rucio's clients and
the browser against them (no mocks: xrootd, xrdcp and xrdfs from Debian's packages)."""

from __future__ import annotations

import os
import shutil
import subprocess

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
from rucio_widgets.sandbox.xrootd import process_name, read_back

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
