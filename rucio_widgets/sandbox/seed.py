"""Seed a fresh sandbox through the REST API, as root: accounts, RSEs, and a catalogue.

Run as ``python -m rucio_widgets.sandbox.seed --dir DIR`` with ``RUCIO_CONFIG`` pointing
at the sandbox's root client configuration (the sandbox does this; a separate process keeps
the client library's process-wide configuration cache apart from the caller's).

The catalogue looks like an LHC experiment's, small enough to seed in seconds:
- ``data18`` and ``mc20`` containers of closed datasets whose files hold real bytes (CSV
  tables of events), uploaded through the upload client, so checksums are real;
- metadata on datasets (datatype, run_number, project, stream_name, events; custom keys
  ``generator`` and ``energy_tev`` where the database supports JSON metadata);
- a few hundred open datasets for wildcard searches;
- ``mc20:mc20_13TeV.999999.ScaleTest.DAOD_PHYS`` with 5,000 registered files (no bytes);
- a few datasets with the long names real catalogues have (ATLAS-, CMS- and ESCAPE-like,
  ``LONG_NAMES``), whose distinguishing part is at the end;
- data only on the source disks, one dataset already replicated to the destination by a
  rule, and one partly there;
- with XRootD (``--xrootd RSE=PORT``): the root:// RSEs of ``layout.XRD_RSES`` and a dataset
  on the XRootD source disk (``XRD_DATASET``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .layout import (
    DATA_SCOPES,
    DEFAULT_ACCOUNT,
    DESTINATION_RSE,
    SCRATCH_RSE,
    SOURCE_RSES,
    USER_ACCOUNTS,
    XRD_EXPORT,
    XRD_MOUNTED_RSE,
    XRD_SCRATCH_RSE,
    XRD_SOURCE_RSE,
    SandboxLayout,
)

#: Files in the scale-test dataset.
SCALE_FILES = 5000
SCALE_DATASET = ("mc20", "mc20_13TeV.999999.ScaleTest.DAOD_PHYS")
#: Open datasets for wildcard searches.
WILDCARD_DATASETS = 300

#: Long, slash-free names as real experiments make them (the schema refuses `/`): two
#: ATLAS datasets that differ only in their tails, a CMS-like and an ESCAPE-like one. Each
#: gets a few registered files on a source disk.
_ATLAS = "mc20_13TeV.410470.PhPy8EG_A14_ttbar_hdamp258p75_nonallhad.deriv.DAOD_PHYS."
LONG_NAMES: tuple[tuple[str, str], ...] = (
    ("mc20", _ATLAS + "e6337_s3681_r13167_p5855"),
    ("mc20", _ATLAS + "e6337_s3681_r13144_p6026"),
    (
        "cms",
        "TTToSemiLeptonic_TuneCP5_13TeV-powheg-pythia8."
        "RunIISummer20UL18NanoAODv9-106X_upgrade2018_realistic_v16_L1v1-v1.NANOAODSIM",
    ),
    (
        "escape",
        "CTA_LAPP.prod5b.LaPalma.gamma_cone10.20deg_0deg.simtel."
        "cta-prod5b-lapalma_desert-2158m-LaPalma-dark.run000123_tel001_v2",
    ),
)
#: Scopes the long names need beyond DATA_SCOPES.
LONG_NAME_SCOPES = ("cms", "escape")

QUOTA_BYTES = 50 * 10**9
#: bob's quota on the destination is tiny, so "over quota" can be shown for real.
TINY_QUOTA_BYTES = 1000

# (scope, container, dataset, rse, n_files, metadata)
_FILLED_DATASETS: list[tuple[str, str, str, str, int, dict[str, Any]]] = [
    (
        "data18",
        "data18_13TeV.periodB.physics_Main.DAOD_PHYS",
        "data18_13TeV.00348885.physics_Main.DAOD_PHYS.r13286_p4910",
        SOURCE_RSES[0],
        3,
        {
            "datatype": "DAOD_PHYS",
            "run_number": 348885,
            "project": "data18_13TeV",
            "stream_name": "physics_Main",
            "events": 3000,
        },
    ),
    (
        "data18",
        "data18_13TeV.periodB.physics_Main.DAOD_PHYS",
        "data18_13TeV.00348894.physics_Main.DAOD_PHYS.r13286_p4910",
        SOURCE_RSES[0],
        3,
        {
            "datatype": "DAOD_PHYS",
            "run_number": 348894,
            "project": "data18_13TeV",
            "stream_name": "physics_Main",
            "events": 4500,
        },
    ),
    (
        "data18",
        "data18_13TeV.periodB.physics_Main.DAOD_PHYS",
        "data18_13TeV.00349011.physics_Main.DAOD_PHYS.r13286_p4910",
        SOURCE_RSES[1],
        4,
        {
            "datatype": "DAOD_PHYS",
            "run_number": 349011,
            "project": "data18_13TeV",
            "stream_name": "physics_Main",
            "events": 6000,
        },
    ),
    (
        "data18",
        "data18_13TeV.periodB.physics_Main.RAW",
        "data18_13TeV.00348885.physics_Main.daq.RAW",
        SOURCE_RSES[1],
        2,
        {
            "datatype": "RAW",
            "run_number": 348885,
            "project": "data18_13TeV",
            "stream_name": "physics_Main",
            "events": 2000,
        },
    ),
    (
        "mc20",
        "mc20_13TeV.410470.PhPy8EG_ttbar.DAOD_PHYS",
        "mc20_13TeV.410470.PhPy8EG_ttbar.deriv.DAOD_PHYS.e6337_s3681_r13167_p5057",
        SOURCE_RSES[1],
        4,
        {
            "datatype": "DAOD_PHYS",
            "run_number": 410470,
            "project": "mc20_13TeV",
            "stream_name": "ttbar",
            "events": 8000,
        },
    ),
    (
        "mc20",
        "mc20_13TeV.410470.PhPy8EG_ttbar.DAOD_PHYS",
        "mc20_13TeV.410470.PhPy8EG_ttbar.deriv.DAOD_PHYS.e6337_s3681_r13145_p5057",
        SOURCE_RSES[0],
        3,
        {
            "datatype": "DAOD_PHYS",
            "run_number": 410470,
            "project": "mc20_13TeV",
            "stream_name": "ttbar",
            "events": 6000,
        },
    ),
    (
        "mc20",
        "mc20_13TeV.361107.PhPy8EG_Zmumu.DAOD_PHYS",
        "mc20_13TeV.361107.PhPy8EG_Zmumu.deriv.DAOD_PHYS.e3601_s3681_r13167_p5057",
        SOURCE_RSES[0],
        3,
        {
            "datatype": "DAOD_PHYS",
            "run_number": 361107,
            "project": "mc20_13TeV",
            "stream_name": "Zmumu",
            "events": 4500,
        },
    ),
]
#: Replicated to the destination by a rule at seed time (AVAILABLE once the daemons ran).
REPLICATED_DATASET = ("mc20", _FILLED_DATASETS[6][2])
#: Two of its four files are also on the destination (PARTIALLY_AVAILABLE).
PARTIAL_DATASET = ("mc20", _FILLED_DATASETS[4][2])
CUSTOM_META = {"generator": "Powheg+Pythia8", "energy_tev": 13}
#: Registered on a source disk without its bytes: alice's rule to the destination fails to
#: copy, Rucio retries, and the rule ends STUCK with the transfer's error.
BROKEN_DATASET = ("data18", "data18_13TeV.00350000.physics_Main.DAOD_PHYS.r13286_p4910")
#: bob asked for a dataset over his quota: his rule waits for approval.
APPROVAL_DATASET = ("mc20", _FILLED_DATASETS[5][2])
#: A second dataset holding the first file of the first filled dataset (two parents).
SECOND_PARENT = ("data18", "data18_13TeV.00348885.physics_Main.DAOD_PHYS.picked")
#: On the XRootD source disk (sandboxes with XRootD); no column metadata, so the filter
#: searches over the other datasets find what they always found.
XRD_DATASET = ("data18", "data18_13TeV.00350160.physics_Main.DAOD_PHYS.xrootd")
XRD_DATASET_FILES = 3


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def upload_item(
    path: Path, rse: str, scope: str, name: str, dataset: str | None = None
) -> dict[str, Any]:
    """One item for ``UploadClient.upload``: a file, optionally into a dataset of its scope.
    ``register_after_upload``: non-admin accounts may not change replica states."""
    item: dict[str, Any] = {
        "path": str(path),
        "rse": rse,
        "did_scope": scope,
        "did_name": name,
        "register_after_upload": True,
    }
    if dataset is not None:
        item.update(dataset_scope=scope, dataset_name=dataset)
    return item


def set_local_account_limit(client: Any, account: str, rse: str, bytes_: int) -> None:
    """``client.set_local_account_limit``, also against servers older than the client.

    The 41 client posts to ``/accounts/ACCOUNT/limits/local/RSE``; a 35 server answers 405
    there and takes the limit at ``/accountlimits/local/ACCOUNT/RSE``.
    """
    from rucio.common.exception import RucioException

    try:
        client.set_local_account_limit(account, rse, bytes_)
        return
    except RucioException as exc:
        if "status code: 405" not in str(exc):
            raise
    from rucio.common.constants import HTTPMethod
    from rucio.common.utils import build_url

    url = build_url(client.host, path=f"accountlimits/local/{account}/{rse}")
    answer = client._send_request(url, method=HTTPMethod.POST, data=json.dumps({"bytes": bytes_}))
    if answer.status_code != 201:
        raise RuntimeError(f"POST {url} answered {answer.status_code}: {answer.text[:300]}")


def xrootd_protocol(port: int) -> dict[str, Any]:
    """The root:// protocol of an XRootD RSE: PFNs root://127.0.0.1:PORT//rucio/..."""
    return {
        "scheme": "root",
        "hostname": "127.0.0.1",
        "port": port,
        "prefix": "/" + XRD_EXPORT,
        "impl": "rucio.rse.protocols.xrootd.Default",
        "domains": {
            "lan": {"read": 1, "write": 1, "delete": 1},
            "wan": {
                "read": 1,
                "write": 1,
                "delete": 1,
                "third_party_copy_read": 1,
                "third_party_copy_write": 1,
            },
        },
    }


#: XRootD RSE -> (site, type) attributes.
_XRD_KINDS = {
    XRD_SOURCE_RSE: ("XRD", "DATADISK"),
    XRD_SCRATCH_RSE: ("XRD", "SCRATCHDISK"),
    XRD_MOUNTED_RSE: ("XRD1", "LOCALGROUPDISK"),
}


def seed_xrootd_rses(client: Any, layout: SandboxLayout, ports: dict[str, int]) -> None:
    """The root:// RSEs with their protocol, quotas and distances to every other RSE."""
    others = [r["rse"] for r in client.list_rses() if r["rse"] not in ports]
    for rse, port in ports.items():
        site, kind = _XRD_KINDS[rse]
        client.add_rse(rse, deterministic=True, volatile=False)
        client.add_protocol(rse, xrootd_protocol(port))
        for key, value in (("site", site), ("type", kind), ("istape", False)):
            client.add_rse_attribute(rse, key, value)
        for account in ("root", *USER_ACCOUNTS):
            set_local_account_limit(client, account, rse, QUOTA_BYTES)
    for rse in ports:
        for other in [*others, *ports]:
            if other != rse:
                client.add_distance(rse, other, {"distance": 1})
                if other in others:
                    client.add_distance(other, rse, {"distance": 1})
    if XRD_MOUNTED_RSE in ports:
        # The notebook host "mounts" XRD1's export, as the talk's /tmp/rucio_xrd1.
        from .xrootd import XrootdServer

        export = XrootdServer(layout.root, XRD_MOUNTED_RSE, ports[XRD_MOUNTED_RSE]).export
        mount = layout.xrd_mount_path
        mount.parent.mkdir(parents=True, exist_ok=True)
        if mount.is_symlink() or mount.exists():
            mount.unlink()
        mount.symlink_to(export, target_is_directory=True)
    _log(f"XRootD RSEs ready: {', '.join(f'{r} (port {p})' for r, p in ports.items())}")


def update_xrootd_ports(client: Any, ports: dict[str, int]) -> None:
    """Point the root:// protocols at the servers' ports (one moved: its port was taken).

    Rucio cannot change a protocol's port: the old protocol goes, a new one comes."""
    for rse, port in ports.items():
        for protocol in client.get_protocols(rse):  # all of them: a list
            if protocol["scheme"] == "root" and int(protocol["port"]) != port:
                client.delete_protocols(
                    rse, "root", hostname=protocol["hostname"], port=protocol["port"]
                )
                client.add_protocol(rse, xrootd_protocol(port))
                _log(f"{rse} now served on port {port}")


def seed_xrootd_files(client: Any, layout: SandboxLayout) -> None:
    """A dataset uploaded over root:// to the XRootD source disk (by root, whom the
    generic policy lets write to a DATADISK)."""
    from rucio.client.uploadclient import UploadClient

    scope, dataset = XRD_DATASET
    items = []
    for number in range(XRD_DATASET_FILES):
        name = f"{dataset}._{number + 1:06d}.csv"
        path = layout.payload_dir / scope / name
        _write_event_table(path, seed=7000 + number, events=300 + 50 * number)
        items.append(upload_item(path, XRD_SOURCE_RSE, scope, name, dataset))
    UploadClient(_client=client, logger=_quiet_logger()).upload(items)
    client.close(scope, dataset)
    _log(f"{XRD_DATASET_FILES} files uploaded over root:// to {XRD_SOURCE_RSE}")


def seed_infrastructure(client: Any, layout: SandboxLayout, passwords: dict[str, str]) -> None:
    for account in USER_ACCOUNTS:
        client.add_account(account, "USER", f"{account}@example.org")
        client.add_identity(
            account,
            identity=account,
            authtype="USERPASS",
            email=f"{account}@example.org",
            password=passwords[account],
        )
        client.add_scope(account, f"user.{account}")
    for scope in DATA_SCOPES:
        client.add_scope("root", scope)

    kinds = {
        SOURCE_RSES[0]: ("SITE_A", "DATADISK"),
        SOURCE_RSES[1]: ("SITE_B", "DATADISK"),
        SCRATCH_RSE: ("SITE_A", "SCRATCHDISK"),
        DESTINATION_RSE: ("NOTEBOOK", "LOCALGROUPDISK"),
    }
    for rse, (site, kind) in kinds.items():
        storage = layout.rse_dir(rse)
        storage.mkdir(parents=True, exist_ok=True)
        client.add_rse(rse, deterministic=True, volatile=False)
        client.add_protocol(
            rse,
            {
                "scheme": "file",
                "hostname": "localhost",
                "port": 0,
                "prefix": str(storage) + "/",
                "impl": "rucio.rse.protocols.posix.Default",
                "domains": {
                    "lan": {"read": 1, "write": 1, "delete": 1},
                    "wan": {
                        "read": 1,
                        "write": 1,
                        "delete": 1,
                        "third_party_copy_read": 1,
                        "third_party_copy_write": 1,
                    },
                },
            },
        )
        for key, value in (("site", site), ("type", kind), ("istape", False)):
            client.add_rse_attribute(rse, key, value)
        for account in ("root", *USER_ACCOUNTS):
            quota = (
                TINY_QUOTA_BYTES if (account == "bob" and rse == DESTINATION_RSE) else QUOTA_BYTES
            )
            set_local_account_limit(client, account, rse, quota)
    for source in kinds:
        for destination in kinds:
            if source != destination:
                client.add_distance(source, destination, {"distance": 1})

    # The notebook host "mounts" the destination's storage at another path.
    layout.mount_path.parent.mkdir(parents=True, exist_ok=True)
    if not layout.mount_path.exists():
        layout.mount_path.symlink_to(layout.rse_dir(DESTINATION_RSE), target_is_directory=True)
    _log("accounts, scopes, RSEs, quotas and distances ready")


def seed_x509_identities(client: Any, layout: SandboxLayout) -> None:
    """Each account's certificate DN as an X509 identity (sandboxes made with --tls)."""
    from .tls import TlsLayout

    for account, dn in TlsLayout.of(layout).dns().items():
        email = "root@localhost" if account == "root" else f"{account}@example.org"
        client.add_identity(account, identity=dn, authtype="X509", email=email)
    _log("X509 identities registered")


def _write_event_table(path: Path, seed: int, events: int) -> None:
    """A small CSV of events (run, event, pt, eta, phi): real bytes worth a histogram."""
    rng = random.Random(seed)
    lines = ["event,pt_gev,eta,phi"]
    for event in range(events):
        pt = rng.expovariate(1 / 35.0) + 5.0
        lines.append(f"{event},{pt:.3f},{rng.gauss(0, 1.4):.4f},{rng.uniform(-3.1416, 3.1416):.4f}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


def seed_files(client: Any, layout: SandboxLayout, json_metadata: bool) -> None:
    from rucio.client.uploadclient import UploadClient

    uploader = UploadClient(_client=client, logger=_quiet_logger())
    containers: dict[tuple[str, str], list[str]] = {}
    for index, (scope, container, dataset, rse, n_files, meta) in enumerate(_FILLED_DATASETS):
        items = []
        for number in range(n_files):
            name = f"{dataset.split('.')[1]}.{dataset.rsplit('.', 1)[-1]}._{number + 1:06d}.csv"
            path = layout.payload_dir / scope / name
            _write_event_table(path, seed=index * 100 + number, events=200 + 50 * number)
            items.append(upload_item(path, rse, scope, name, dataset))
        uploader.upload(items)
        # Rucio lets `events` be set on files only; the dataset's other keys go on it.
        events = int(meta["events"])
        client.set_dids_metadata_bulk(
            [
                {"scope": scope, "name": item["did_name"], "meta": {"events": events // n_files}}
                for item in items
            ]
        )
        client.set_metadata_bulk(scope, dataset, {k: v for k, v in meta.items() if k != "events"})
        if json_metadata:
            client.set_metadata_bulk(scope, dataset, CUSTOM_META)
        client.close(scope, dataset)
        containers.setdefault((scope, container), []).append(dataset)

    for (scope, container), datasets in containers.items():
        client.add_container(scope, container)
        client.attach_dids(scope, container, [{"scope": scope, "name": d} for d in datasets])
        client.set_metadata_bulk(scope, container, {"datatype": datasets[0].split(".")[-2]})
    _log(
        f"{sum(d[4] for d in _FILLED_DATASETS)} files uploaded in {len(_FILLED_DATASETS)} datasets"
    )

    # Already on the destination: one dataset by a rule (the daemons copy it), and half of
    # another by a direct upload.
    scope, name = REPLICATED_DATASET
    client.add_replication_rule([{"scope": scope, "name": name}], 1, DESTINATION_RSE)
    scope, name = PARTIAL_DATASET
    files = list(client.list_files(scope, name))[:2]
    for item in files:
        path = next(layout.payload_dir.joinpath(scope).glob(item["name"]))
        uploader.upload([upload_item(path, DESTINATION_RSE, scope, item["name"])])
    _log("replicated and partial datasets prepared")
    seed_rule_states(client)


def seed_rule_states(client: Any) -> None:
    """The states of rules and DIDs that the Rules pane and the details show: a STUCK
    rule with a real transfer error, a rule waiting for approval, a file with two parents."""
    scope, name = BROKEN_DATASET
    files = [
        {
            "scope": scope,
            "name": f"{name}._{number:06d}.pool.root.1",
            "bytes": 1000,
            "adler32": "0a0b0c0d",
        }
        for number in range(2)
    ]
    client.add_dataset(scope, name)
    client.add_files_to_dataset(scope, name, files, rse=SOURCE_RSES[1])
    client.close(scope, name)
    client.add_replication_rule(
        [{"scope": scope, "name": name}],
        1,
        DESTINATION_RSE,
        account=DEFAULT_ACCOUNT,
        comment="seeded: its files are missing on the source disk",
    )
    scope, name = APPROVAL_DATASET
    client.add_replication_rule(
        [{"scope": scope, "name": name}],
        1,
        DESTINATION_RSE,
        account="bob",
        ask_approval=True,
        comment="bob is over quota and asks for this dataset for his thesis plots",
    )
    first_scope, first_dataset = _FILLED_DATASETS[0][0], _FILLED_DATASETS[0][2]
    first = next(iter(client.list_files(first_scope, first_dataset)))
    scope, name = SECOND_PARENT
    client.add_dataset(scope, name)
    client.attach_dids(scope, name, [{"scope": first["scope"], "name": first["name"]}])
    client.close(scope, name)
    _log("a stuck rule, a rule waiting for approval and a file with two parents made")


def seed_user_files(client: Any, layout: SandboxLayout) -> None:
    """alice's own analysis output on the scratch disk (uploaded as alice: the upload
    client lets an account upload only into its own scopes)."""
    from rucio.client.uploadclient import UploadClient

    uploader = UploadClient(_client=client, logger=_quiet_logger())
    items = []
    for number in range(2):
        path = layout.payload_dir / "user.alice" / f"histograms_{number}.csv"
        _write_event_table(path, seed=9000 + number, events=100)
        name = f"user.alice.analysis.v1.histograms_{number}.csv"
        items.append(upload_item(path, SCRATCH_RSE, "user.alice", name, "user.alice.analysis.v1"))
    uploader.upload(items)
    _log("user.alice analysis output uploaded")


def seed_wildcard_datasets(client: Any) -> None:
    processes = ["ttbar", "Zee", "Zmumu", "Wenu", "Wmunu", "Higgs_yy", "Higgs_ZZ4l", "dijet"]
    formats = ["DAOD_PHYS", "DAOD_PHYSLITE", "AOD", "NTUP_PILEUP"]
    dids = []
    for number in range(WILDCARD_DATASETS):
        process = processes[number % len(processes)]
        fmt = formats[number % len(formats)]
        dsid = 500000 + number
        dids.append(
            {
                "scope": "mc20",
                "type": "DATASET",
                "name": (
                    f"mc20_13TeV.{dsid}.{process}.deriv.{fmt}.e{8000 + number % 50}_s3681_r13167"
                ),
                "meta": {
                    "datatype": fmt,
                    "run_number": dsid,
                    "project": "mc20_13TeV",
                    "stream_name": process,
                },
            }
        )
    for chunk in _chunks(dids, 100):
        client.add_dids(list(chunk))
    _log(f"{WILDCARD_DATASETS} datasets for wildcard searches")


def seed_scale_dataset(client: Any) -> None:
    scope, name = SCALE_DATASET
    client.add_dataset(scope, name)
    client.set_metadata_bulk(
        scope,
        name,
        {
            "datatype": "DAOD_PHYS",
            "project": "mc20_13TeV",
            "run_number": 999999,
            "stream_name": "ScaleTest",
        },
    )
    files = [
        {
            "scope": scope,
            "name": f"ScaleTest.DAOD_PHYS._{number:06d}.pool.root.1",
            "bytes": 1_000_000 + number,
            "adler32": f"{number:08x}",
        }
        for number in range(SCALE_FILES)
    ]
    # 500 per call: SQLite refuses statements of about 1,000 terms or more.
    for chunk in _chunks(files, 500):
        client.add_files_to_dataset(scope, name, list(chunk), rse=SOURCE_RSES[1])
    for chunk in _chunks(files, 500):
        client.add_replicas(DESTINATION_RSE, list(chunk))
    client.close(scope, name)
    _log(f"{SCALE_FILES} files registered in {scope}:{name}")


def seed_long_names(client: Any) -> int:
    """The LONG_NAMES datasets, each with three registered files on a source disk; what is
    there already is kept, so this also completes a sandbox seeded before they existed.
    Returns how many datasets it made."""
    existing = set(client.list_scopes())
    for scope in LONG_NAME_SCOPES:
        if scope not in existing:
            client.add_scope("root", scope)
    made = 0
    for number, (scope, name) in enumerate(LONG_NAMES):
        if list(client.list_dids(scope, {"name": name}, did_type="dataset")):
            continue
        client.add_dataset(scope, name)
        files = [
            {
                "scope": scope,
                "name": f"{name.rsplit('.', 1)[-1]}.{number:04d}._{index:06d}.root",
                "bytes": 2_000_000_000 + 1_000_003 * index,
                "adler32": f"{number * 16 + index:08x}",
            }
            for index in range(3)
        ]
        client.add_files_to_dataset(scope, name, files, rse=SOURCE_RSES[number % 2])
        client.close(scope, name)
        made += 1
    return made


def _quiet_logger() -> Any:
    import logging

    logger = logging.getLogger("rucio_widgets.sandbox.seed.upload")
    logger.setLevel(logging.WARNING)
    return logger


def _json_metadata_supported(client: Any) -> bool:
    try:
        client.set_metadata_bulk("data18", _FILLED_DATASETS[0][2], {"probe_key": 1})
    except Exception:
        return False
    client.delete_metadata("data18", _FILLED_DATASETS[0][2], "probe_key")
    return True


def wait_settled(client: Any, timeout: float = 180) -> int:
    """Wait until root's seeded rules are OK: the demo data that lives on the destination
    is there before anyone looks (the daemons copy it within seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        pending = [r for r in client.list_account_rules("root") if r["state"] != "OK"]
        if not pending:
            _log("seeded rules are OK")
            return 0
        if time.monotonic() > deadline:
            _log(
                f"{len(pending)} seeded rule(s) still not OK after {timeout:.0f} s: "
                + ", ".join(f"{r['name']} {r['state']}" for r in pending[:3])
            )
            return 1
        time.sleep(0.5)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", required=True, type=Path)
    parser.add_argument(
        "--user-files",
        action="store_true",
        help="upload the user's files (run with the user's RUCIO_CONFIG)",
    )
    parser.add_argument(
        "--tls", action="store_true", help="register each account's certificate DN (X509)"
    )
    parser.add_argument(
        "--xrootd",
        action="append",
        default=[],
        metavar="RSE=PORT",
        help="an XRootD RSE and the port of its server (repeat for each)",
    )
    parser.add_argument(
        "--update-xrootd",
        action="store_true",
        help="only point the XRootD RSEs' protocols at the --xrootd ports",
    )
    parser.add_argument(
        "--wait-settled",
        action="store_true",
        help="wait until the seeded rules are OK (run once the daemons are up)",
    )
    args = parser.parse_args(argv)
    layout = SandboxLayout(args.dir.resolve())
    passwords = json.loads(layout.secrets_file.read_text())
    xrootd_ports = {rse: int(port) for rse, _, port in (a.partition("=") for a in args.xrootd)}

    from rucio.client import Client

    t0 = time.monotonic()
    client = Client()
    if args.user_files:
        seed_user_files(client, layout)
        return 0
    if args.wait_settled:
        return wait_settled(client)
    if args.update_xrootd:
        update_xrootd_ports(client, xrootd_ports)
        return 0
    seed_infrastructure(client, layout, passwords)
    if xrootd_ports:
        seed_xrootd_rses(client, layout, xrootd_ports)
    if args.tls:
        seed_x509_identities(client, layout)
    client.add_dataset("data18", _FILLED_DATASETS[0][2])  # so the JSON probe has a target
    json_metadata = _json_metadata_supported(client)
    seed_files(client, layout, json_metadata)
    seed_wildcard_datasets(client)
    seed_scale_dataset(client)
    _log(f"{seed_long_names(client)} datasets with long names")
    if XRD_SOURCE_RSE in xrootd_ports:
        seed_xrootd_files(client, layout)
    env = {**os.environ, "RUCIO_CONFIG": str(layout.client_config(DEFAULT_ACCOUNT))}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "rucio_widgets.sandbox.seed",
            "--dir",
            str(layout.root),
            "--user-files",
        ],
        env=env,
        check=True,
    )
    _log(f"seeded in {time.monotonic() - t0:.1f} s (JSON metadata: {json_metadata})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
