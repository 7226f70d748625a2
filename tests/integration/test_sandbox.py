"""The sandbox itself: a real Rucio server that behaves like a deployment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from rucio_widgets.sandbox import DESTINATION_RSE, SOURCE_RSES
from rucio_widgets.sandbox.seed import SCALE_DATASET, SCALE_FILES, WILDCARD_DATASETS
from rucio_widgets.sandbox.testing import SandboxSession, adler32_of, md5_of

pytestmark = pytest.mark.sandbox


def test_whoami_for_each_seeded_account(sandbox: SandboxSession) -> None:
    for account in ("alice", "bob", "root"):
        assert sandbox.client(account).whoami()["account"] == account


def test_rucio_command_works_with_env_lines(sandbox: SandboxSession, tmp_path: Path) -> None:
    lines = sandbox.sandbox.env_lines("bob")
    script = f"{lines}\n{Path(sys.executable).parent}/rucio whoami"
    done = subprocess.run(
        ["bash", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "account    : bob" in done.stdout


def test_wildcard_search_finds_every_seeded_dataset(sandbox: SandboxSession) -> None:
    client = sandbox.client()
    names = list(client.list_dids("mc20", {"name": "mc20_13TeV.5*.deriv.*"}, did_type="dataset"))
    assert len(names) == WILDCARD_DATASETS
    ttbar = list(client.list_dids("mc20", {"name": "mc20_13TeV.5*.ttbar.*"}, did_type="dataset"))
    assert 0 < len(ttbar) < WILDCARD_DATASETS
    assert all(".ttbar." in name for name in ttbar)


def test_metadata_filters_select_by_column_keys(sandbox: SandboxSession) -> None:
    client = sandbox.client()
    raw = list(client.list_dids("data18", [{"datatype": "RAW"}], did_type="dataset"))
    assert raw == ["data18_13TeV.00348885.physics_Main.daq.RAW"]
    runs = list(
        client.list_dids(
            "data18", [{"run_number.gte": 348890, "datatype": "DAOD_PHYS"}], did_type="dataset"
        )
    )
    assert sorted(runs) == [
        "data18_13TeV.00348894.physics_Main.DAOD_PHYS.r13286_p4910",
        "data18_13TeV.00349011.physics_Main.DAOD_PHYS.r13286_p4910",
    ]


def test_custom_metadata_filter_on_postgresql(sandbox: SandboxSession) -> None:
    if sandbox.sandbox.status().db != "postgresql":
        pytest.skip("custom (JSON) metadata needs PostgreSQL; SQLite has no JSON metadata")
    client = sandbox.client()
    found = list(client.list_dids("mc20", [{"generator": "Powheg+Pythia8"}], did_type="dataset"))
    assert len(found) == 3
    assert client.get_metadata("mc20", found[0], plugin="JSON")["energy_tev"] == 13


def test_scale_dataset_has_its_files(sandbox: SandboxSession) -> None:
    scope, name = SCALE_DATASET
    did = sandbox.client().get_did(scope, name)
    assert did["length"] == SCALE_FILES
    assert did["open"] is False


def test_upload_download_round_trip_checks_checksums(
    sandbox: SandboxSession, tmp_path: Path
) -> None:
    from rucio.client.downloadclient import DownloadClient

    made = sandbox.make_dataset(files=2, size=4096)
    client = sandbox.client()
    stored = {f["name"]: f for f in client.list_files(made.scope, made.name)}
    for path in made.local_paths:
        assert stored[path.name]["adler32"] == adler32_of(path)
    results = DownloadClient(client=client).download_dids(
        [{"did": made.did, "base_dir": str(tmp_path)}]
    )
    assert {r["clientState"] for r in results} == {"DONE"}
    for path in made.local_paths:
        downloaded = tmp_path / made.name / path.name  # the download client's layout
        assert md5_of(downloaded) == md5_of(path)


def test_rule_to_destination_lands_bytes_at_mount_path(sandbox: SandboxSession) -> None:
    made = sandbox.make_dataset(files=2, rse=SOURCE_RSES[0], account="root", scope="data18")
    client = sandbox.client("alice")
    [rule_id] = client.add_replication_rule(
        [{"scope": made.scope, "name": made.name}], 1, DESTINATION_RSE
    )
    rule = sandbox.wait_for_rule(rule_id, state="OK", timeout=90)
    assert rule["locks_ok_cnt"] == 2
    replicas = client.list_replicas(
        [{"scope": made.scope, "name": made.name}], rse_expression=DESTINATION_RSE, schemes=["file"]
    )
    by_name = {r["name"]: r for r in replicas}
    for local in made.local_paths:
        [pfn] = by_name[local.name]["rses"][DESTINATION_RSE]
        mounted = sandbox.mount_path_of(pfn)
        assert str(mounted).startswith(str(sandbox.layout.mount_path))
        assert not str(mounted).startswith(str(sandbox.layout.rse_dir(DESTINATION_RSE)))
        assert mounted.read_bytes() == local.read_bytes()


def test_restart_keeps_data_without_reseeding(sandbox: SandboxSession) -> None:
    made = sandbox.make_dataset(files=1)
    seed_log = sandbox.layout.logs / "seed.log"
    seeded_before = seed_log.read_text().count("seeded in")
    sandbox.sandbox.up()  # restart
    assert sandbox.sandbox.status().up
    assert seed_log.read_text().count("seeded in") == seeded_before
    files = list(sandbox.client().list_files(made.scope, made.name))
    assert [f["name"] for f in files] == [Path(p).name for p in made.local_paths]


def test_interrupted_up_leaves_nothing_running(tmp_path: Path) -> None:
    """Ctrl-C while seeding: a one-line message, and no process of that sandbox survives."""
    import signal
    import time

    from rucio_widgets.sandbox import Sandbox
    from rucio_widgets.sandbox.processes import free_port

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
            "sqlite",
            "--port",
            str(free_port()),
        ],
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert proc.stderr is not None
    deadline = time.monotonic() + 120
    for line in proc.stderr:
        if "Seeding" in line or time.monotonic() > deadline:
            break
    time.sleep(1.0)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    rest = proc.stderr.read()
    assert proc.wait(60) == 1
    assert "Interrupted: nothing of the sandbox is left running." in rest
    status = Sandbox(directory).status()
    assert status.exists and not any(status.running.values())
