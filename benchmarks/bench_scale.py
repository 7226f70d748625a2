#!/usr/bin/env python3
"""Scale: a 100,000-file container in the bench sandbox (see benchmarks/README.md).

    python3 benchmarks/bench_scale.py [--dir /tmp/rw-bench2] [--port 29011] [--reps 5]
    python3 benchmarks/bench_scale.py --seed-only      # seed (once) and keep the template
    python3 benchmarks/bench_scale.py --restore        # the database back to the template

Seeds once (resumable) ``scale:scale.container.100k``: 100 datasets of 1,000 files, and
``scale:scale.dataset.10k`` (10,000 files), every file registered as root on the destination
RSE only (no bytes: the widget's mount check accepts a missing file when the first folder
below the mount exists, so that folder is made). After seeding, the whole database is
copied into a template (``createdb -T``) inside the sandbox's own PostgreSQL cluster, so a
sandbox whose database was changed can be put back in seconds.

Then: ``select()`` of the container, first paths and all paths, next to the raw bulk calls
doing the same work; the kernel's RSS growth; and the model's memory for a search loaded to
100,000 rows. A script that prints figures and appends them to RESULTS.md, not a test.
"""

from __future__ import annotations

import gc
import itertools
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib  # noqa: E402
from benchlib import (  # noqa: E402
    BIG_DATASET,
    BIG_DATASET_FILES,
    DESTINATION_RSE,
    SCALE_CONTAINER,
    SCALE_DATASETS,
    SCALE_FILES_PER_DATASET,
    SCALE_SCOPE,
    TEMPLATE_DB,
    Figures,
    LoadWatch,
    _fmt_s,
    log,
    mib,
    ratio_of,
    rss_bytes,
    secs,
    yes,
)

now = time.perf_counter
SEED_MARKER = "scale-seed.json"
CHUNK = 1_000


# --- seeding -----------------------------------------------------------------------------------

def _root_client(sandbox: Any) -> Any:
    from rucio_widgets.rucioclient import client_for

    url = sandbox.server_url()
    return client_for(rucio_host=url, auth_host=url, account="root", auth_type="userpass",
                      creds={"username": "root", "password": sandbox.secrets()["root"]},
                      token_dir=sandbox.dir / "tokens" / "bench-scale")


def _files(names: Sequence[str]) -> list[dict[str, Any]]:
    return [{"scope": SCALE_SCOPE, "name": n, "bytes": 1_000_000 + i, "adler32": f"{i + 1:08x}"}
            for i, n in enumerate(names)]


def _seed_dataset(sandbox: Any, name: str, names: list[str], clients: threading.local) -> float:
    """A closed dataset of ``names`` registered on the destination; skipped when closed."""
    from rucio.common.exception import DataIdentifierAlreadyExists, DataIdentifierNotFound

    client = getattr(clients, "client", None)
    if client is None:
        client = clients.client = _root_client(sandbox)
    try:
        if not client.get_did(SCALE_SCOPE, name)["open"]:
            return 0.0
    except DataIdentifierNotFound:
        pass
    t0 = now()
    with _suppress(DataIdentifierAlreadyExists):
        client.add_dataset(SCALE_SCOPE, name)
    # Resuming: files attached by an interrupted run are skipped (attach is all-or-nothing
    # per call, so a chunk is either in or out).
    attached = {f["name"] for f in client.list_files(SCALE_SCOPE, name)}
    items = [f for f in _files(names) if f["name"] not in attached]
    for start in range(0, len(items), CHUNK):
        client.add_files_to_dataset(SCALE_SCOPE, name, items[start:start + CHUNK],
                                    rse=DESTINATION_RSE)
    client.close(SCALE_SCOPE, name)
    return now() - t0


class _suppress:
    def __init__(self, *types: type[BaseException]) -> None:
        self.types = types

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> bool:
        return kind is not None and issubclass(kind, self.types)


def ensure_scale_data(sandbox: Any, workers: int = 2) -> dict[str, Any]:
    """Seed the container and the 10k dataset once; return the record of the seeding."""
    from rucio.common.exception import DataIdentifierNotFound, Duplicate

    marker = sandbox.dir / SEED_MARKER
    root = _root_client(sandbox)
    if marker.exists():
        recorded = json.loads(marker.read_text())
        try:
            root.get_did(*SCALE_CONTAINER.split(":", 1))
            root.get_did(*BIG_DATASET.split(":", 1))
            return dict(recorded, reused=True)
        except DataIdentifierNotFound:
            pass
    with _suppress(Duplicate):
        root.add_scope("root", SCALE_SCOPE)
    # The mount check wants the first folder below the mount on the way to a file.
    storage = sandbox.layout.rse_dir(DESTINATION_RSE) / SCALE_SCOPE
    storage.mkdir(parents=True, exist_ok=True)
    log(f"seeding {SCALE_CONTAINER} ({SCALE_DATASETS} x {SCALE_FILES_PER_DATASET:,} files) "
        f"and {BIG_DATASET} ({BIG_DATASET_FILES:,} files) on {DESTINATION_RSE}, "
        f"{workers} threads ...")
    t0 = now()
    clients = threading.local()
    jobs = [(f"scale.ds.{d:03d}",
             [f"scale.ds.{d:03d}.file_{i:04d}" for i in range(SCALE_FILES_PER_DATASET)])
            for d in range(SCALE_DATASETS)]
    big_scope, big_name = BIG_DATASET.split(":", 1)
    jobs.append((big_name, [f"{big_name}.file_{i:05d}" for i in range(BIG_DATASET_FILES)]))
    done = 0
    with ThreadPoolExecutor(workers) as pool:
        for _ in pool.map(lambda job: _seed_dataset(sandbox, job[0], job[1], clients), jobs):
            done += 1
            if done % 10 == 0:
                log(f"  {done}/{len(jobs)} datasets, {now() - t0:.0f} s")
    t_files = now() - t0
    scope, container = SCALE_CONTAINER.split(":", 1)
    with _suppress(Exception):
        root.add_container(scope, container)
    content = {d["name"] for d in root.list_content(scope, container)}
    missing = [{"scope": scope, "name": n} for n, _ in jobs[:-1] if n not in content]
    if missing:
        root.attach_dids(scope, container, missing)
    elapsed = now() - t0
    recorded = {"files": SCALE_DATASETS * SCALE_FILES_PER_DATASET + BIG_DATASET_FILES,
                "seconds": elapsed, "files_seconds": t_files, "chunk": CHUNK,
                "workers": workers, "load_after": os.getloadavg()[0],
                "date": time.strftime("%Y-%m-%dT%H:%M:%S")}
    marker.write_text(json.dumps(recorded) + "\n")
    log(f"seeded in {elapsed:.0f} s")
    return dict(recorded, reused=False)


# --- the database template -------------------------------------------------------------------

def _cluster(sandbox: Any) -> Any:
    from rucio_widgets.sandbox.postgres import PostgresCluster

    state = json.loads(sandbox.layout.state_file.read_text())
    if state.get("db") != "postgresql":
        raise SystemExit("the bench sandbox runs SQLite: no template (copy rucio.db instead)")
    return PostgresCluster(sandbox.dir, int(state["ports"]["postgres"]), sandbox.secrets()["postgres"])


def _pg(cluster: Any, tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    base = ["-h", "127.0.0.1", "-p", str(cluster.port), "-U", "rucio"]
    return subprocess.run([str(cluster.bindir / tool), *base, *args], capture_output=True,
                          text=True, check=False,
                          env={**os.environ, "PGPASSWORD": cluster.password})


def _has_template(cluster: Any) -> bool:
    done = _pg(cluster, "psql", "-d", "postgres", "-tAc",
               f"SELECT 1 FROM pg_database WHERE datname = '{TEMPLATE_DB}'")
    return done.stdout.strip() == "1"


def _quiesced(sandbox: Any, action: Any) -> float:
    """Run ``action`` with the server and the daemons stopped (no connection may use the
    database being copied), then start the sandbox again; the seconds it took."""
    t0 = now()
    for name in ("daemons", "server"):
        sandbox.stop_process(name)
    action()
    sandbox.up()  # restarts what was stopped (and memcached, so no stale RSE data)
    return now() - t0


def keep_template(sandbox: Any) -> dict[str, Any]:
    """Copy the seeded database into TEMPLATE_DB once (kept in the sandbox's cluster)."""
    cluster = _cluster(sandbox)
    if _has_template(cluster):
        return {"kept": True, "made": False}

    def copy() -> None:
        done = _pg(cluster, "createdb", "-T", "rucio", TEMPLATE_DB)
        if done.returncode != 0:
            raise RuntimeError(f"createdb -T rucio {TEMPLATE_DB}: {done.stderr.strip()}")

    seconds = _quiesced(sandbox, copy)
    cluster = _cluster(sandbox)  # the restart picked another port
    size = _pg(cluster, "psql", "-d", "postgres", "-tAc",
               f"SELECT pg_size_pretty(pg_database_size('{TEMPLATE_DB}'))").stdout.strip()
    log(f"kept the seeded database as {TEMPLATE_DB} ({size}) in {seconds:.1f} s "
        "(including the restart)")
    return {"kept": True, "made": True, "seconds": seconds, "size": size}


def restore_template(sandbox: Any) -> float:
    """Put the sandbox's database back to the template (drop, ``createdb -T``)."""
    cluster = _cluster(sandbox)
    if not _has_template(cluster):
        raise SystemExit(f"no {TEMPLATE_DB} in the sandbox's cluster: run --seed-only first")

    def restore() -> None:
        for argv in (["dropdb", "--if-exists", "rucio"], ["createdb", "-T", TEMPLATE_DB, "rucio"]):
            done = _pg(cluster, *argv)
            if done.returncode != 0:
                raise RuntimeError(f"{' '.join(argv)}: {done.stderr.strip()}")

    seconds = _quiesced(sandbox, restore)
    log(f"database restored from {TEMPLATE_DB} in {seconds:.1f} s (including the restart)")
    return seconds


def seed_all(sandbox: Any) -> dict[str, Any]:
    from rucio_widgets.sandbox.testing import SandboxSession

    root = SandboxSession(sandbox).client("root")
    bench = benchlib.ensure_bench_dids(root, sandbox.dir)
    scale = ensure_scale_data(sandbox)
    template = keep_template(sandbox)
    return {"bench": bench, "scale": scale, "template": template}


# --- main --------------------------------------------------------------------------------------

def main(argv: Sequence[str] | None = None) -> int:
    parser = benchlib.bench_args(__doc__)
    parser.add_argument("--seed-only", action="store_true",
                        help="seed (once), keep the database template, and stop")
    parser.add_argument("--restore", action="store_true",
                        help="put the database back to the template first")
    args = parser.parse_args(argv)
    with benchlib.bench_sandbox(args.dir, args.port, args.keep) as sandbox:
        if args.restore:
            restore_template(sandbox)
        seeded = seed_all(sandbox)
        log(f"seeding: {json.dumps(seeded, default=str)}")
        if args.seed_only:
            return 0
        return run(sandbox, args, seeded)


if __name__ == "__main__":
    sys.exit(main())
