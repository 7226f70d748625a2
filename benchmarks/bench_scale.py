#!/usr/bin/env python3
"""A 100,000-file container at scale (see benchmarks/README.md, "100,000 files").

    python3 benchmarks/bench_scale.py [--dir /tmp/rw-scale] [--port 28701] [--reps 3] [--keep]
    python3 benchmarks/bench_scale.py --seed-only [--keep]

Starts (or reuses) a sandbox of its own in ``--dir``, seeds once a container
``scale:scale.100k`` of 100 datasets x 1,000 files registered on the destination RSE (with
empty files on the destination's storage, so that the mapped paths exist on the mount),
keeps a template of the database so that a later run need not seed again, then measures
``select()`` of the container in replica mode next to rucio's own client doing the same
work, the kernel's RSS growth over it, and the model's memory for 100,000 loaded rows.
Prints a markdown table and writes it to benchmarks/RESULTS-scale.md. The sandbox is
stopped at the end (also on Ctrl-C or SIGTERM) unless ``--keep``.

This is a script that prints figures, not a test: nothing here fails on a missed goal.

The template: once seeded, the script stops the sandbox (no connection may be open on the
source database), starts its private PostgreSQL cluster alone and runs
``createdb -T rucio rucio_scale_template`` in it. When a later run finds the seeding marker
but not the container (the database was re-made or changed), it restores the database from
the template before the server starts (``dropdb rucio; createdb -T rucio_scale_template
rucio``) instead of seeding again. The template lives in the sandbox's own cluster: it
survives ``sandbox down``/``up``, not ``sandbox remove`` or a deleted sandbox folder.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import datetime
import gc
import hashlib
import json
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

# Only the sandbox here: nothing of rucio may be imported before RUCIO_CONFIG is set.
from bench_browser import (  # noqa: E402
    Figures,
    _fmt_s,
    code_version,
    fmt_load,
    log,
    logging_quiet,
    new_browser,
    now,
    ratio_of,
    secs,
    settle,
    yes,
)

from rucio_widgets.sandbox import Sandbox  # noqa: E402
from rucio_widgets.sandbox.layout import DESTINATION_RSE  # noqa: E402

SCOPE = "scale"
CONTAINER = "scale.100k"
CONTAINER_DID = f"{SCOPE}:{CONTAINER}"
DATASETS = 100
FILES_PER_DATASET = 1_000
FILES = DATASETS * FILES_PER_DATASET
DEFAULT_PORT = 28701
DEFAULT_DIR = Path("/tmp/rw-scale")
MARKER = "scale-seed.json"
TEMPLATE_DB = "rucio_scale_template"
SEED_THREADS = 2


def dataset_name(d: int) -> str:
    return f"{CONTAINER}.ds_{d:03d}"


def file_name(d: int, f: int) -> str:
    return f"{CONTAINER}.ds_{d:03d}.file_{f:04d}"


def storage_path(root: Path, scope: str, name: str) -> Path:
    """Where the destination's deterministic ``hash`` lfn2pfn puts a file."""
    digest = hashlib.md5(f"{scope}:{name}".encode()).hexdigest()
    return root / scope / digest[0:2] / digest[2:4] / name


# --- seeding ------------------------------------------------------------------------------------

def container_complete(root: Any) -> bool:
    """True when the container holds all DATASETS datasets, each closed with its files."""
    from rucio.common.exception import DataIdentifierNotFound

    try:
        content = list(root.list_content(SCOPE, CONTAINER))
    except DataIdentifierNotFound:
        return False
    if len(content) < DATASETS:
        return False
    try:  # the last dataset is closed last
        last = root.get_did(SCOPE, dataset_name(DATASETS - 1))
    except DataIdentifierNotFound:
        return False
    return not last.get("open", True)


def seed_dataset(root: Any, d: int) -> int:
    """Register dataset ``d`` and its files on the destination (one all-or-nothing call);
    return the files added (0 when it was there already, e.g. from an interrupted run)."""
    from rucio.common.exception import DataIdentifierAlreadyExists, DataIdentifierNotFound

    name = dataset_name(d)
    try:
        did = root.get_did(SCOPE, name)
    except DataIdentifierNotFound:
        did = None
    if did is None:
        with contextlib.suppress(DataIdentifierAlreadyExists):
            root.add_dataset(SCOPE, name)
    elif not did.get("open", True):
        return 0
    have = sum(1 for _ in root.list_files(SCOPE, name))
    added = 0
    if have < FILES_PER_DATASET:
        if have:  # cannot happen with one call per dataset, but be explicit
            raise RuntimeError(f"{SCOPE}:{name} holds {have} files: remove it and rerun")
        files = [{"scope": SCOPE, "name": file_name(d, f), "bytes": 1_000_000 + f,
                  "adler32": f"{d * FILES_PER_DATASET + f + 1:08x}"}
                 for f in range(FILES_PER_DATASET)]
        root.add_files_to_dataset(SCOPE, name, files, rse=DESTINATION_RSE)
        added = len(files)
    root.close(SCOPE, name)
    return added


def seed(session: Any, root: Any, layout_root: Path) -> dict[str, Any]:
    """Seed the container (resuming an interrupted seeding); return the record."""
    from rucio.common.exception import DataIdentifierAlreadyExists, Duplicate

    from rucio_widgets.sandbox.testing import SandboxSession

    try:
        root.add_scope("root", SCOPE)
        resumed = False
    except Duplicate:
        resumed = True
    try:
        root.add_container(SCOPE, CONTAINER)
    except DataIdentifierAlreadyExists:
        resumed = True
    log(f"seeding {FILES:,} files ({DATASETS} datasets x {FILES_PER_DATASET:,}) in "
        f"{CONTAINER_DID} on {DESTINATION_RSE}, {SEED_THREADS} threads ...")
    t0 = now()
    added = [0]
    lock = threading.Lock()
    clients = threading.local()

    def one(d: int) -> None:
        if not hasattr(clients, "root"):
            clients.root = SandboxSession(session.sandbox).client("root")  # one each
        n = seed_dataset(clients.root, d)
        with lock:
            added[0] += n
            if n:
                log(f"  dataset {d:03d} done ({added[0]:,} files added, {now() - t0:.0f} s)")

    # the last dataset alone at the end: container_complete() takes it as the finish line
    with concurrent.futures.ThreadPoolExecutor(SEED_THREADS) as pool:
        for future in [pool.submit(one, d) for d in range(DATASETS - 1)]:
            future.result()
    one(DATASETS - 1)
    attached = {c["name"] for c in root.list_content(SCOPE, CONTAINER)}
    missing = [{"scope": SCOPE, "name": dataset_name(d)} for d in range(DATASETS)
               if dataset_name(d) not in attached]
    if missing:
        root.attach_dids(SCOPE, CONTAINER, missing)
    elapsed = now() - t0
    record = {"files": FILES, "datasets": DATASETS, "added": added[0], "seconds": elapsed,
              "threads": SEED_THREADS, "resumed": resumed,
              "date": datetime.datetime.now().isoformat(timespec="seconds")}
    marker = layout_root / MARKER
    if resumed and marker.exists():  # keep the time of the earlier, interrupted part
        earlier = json.loads(marker.read_text())
        if earlier.get("partial"):
            record["seconds"] += float(earlier.get("seconds", 0))
    marker.write_text(json.dumps(record) + "\n")
    log(f"seeded in {elapsed:.0f} s")
    return record


def ensure_files(sandbox: Sandbox) -> int:
    """Empty files on the destination's storage where the mapped paths point; return how
    many were made (0 when they were all there)."""
    storage = sandbox.layout.rse_dir(DESTINATION_RSE)
    made = 0
    for d in range(DATASETS):
        for f in range(FILES_PER_DATASET):
            path = storage_path(storage, SCOPE, file_name(d, f))
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                path.touch()
                made += 1
    return made


# --- the database template -----------------------------------------------------------------------

class Database:
    """The sandbox's private PostgreSQL cluster, started alone (no server, no daemons)."""

    def __init__(self, sandbox: Sandbox) -> None:
        from rucio_widgets.sandbox import postgres

        state = json.loads(sandbox.layout.state_file.read_text())
        self.cluster = postgres.PostgresCluster(sandbox.dir, int(state["ports"]["postgres"]),
                                                sandbox.secrets()["postgres"])
        self.role, self.db = postgres._ROLE, postgres._DATABASE

    def __enter__(self) -> Database:
        self.cluster.stop()
        self.cluster.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.cluster.stop()

    def _run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        argv = [str(self.cluster.bindir / tool), "-h", "127.0.0.1", "-p", str(self.cluster.port),
                "-U", self.role, *args]
        done = subprocess.run(argv, env={**os.environ, "PGPASSWORD": self.cluster.password},
                              capture_output=True, text=True, check=False, timeout=600)
        if check and done.returncode != 0:
            raise RuntimeError(f"{tool} {' '.join(args)}: {done.stderr.strip()}")
        return done

    def has(self, name: str) -> bool:
        done = self._run("psql", "-d", "postgres", "-tAc",
                         f"SELECT 1 FROM pg_database WHERE datname = '{name}'")
        return done.stdout.strip() == "1"

    def make_template(self) -> None:
        self._run("dropdb", "--if-exists", TEMPLATE_DB)
        self._run("createdb", "-T", self.db, TEMPLATE_DB)

    def restore(self) -> None:
        self._run("dropdb", self.db)
        self._run("createdb", "-T", TEMPLATE_DB, self.db)


def make_template(sandbox: Sandbox) -> float:
    """Copy the seeded database into TEMPLATE_DB (sandbox stopped); return the seconds."""
    t0 = now()
    sandbox.down()
    with Database(sandbox) as db:
        db.make_template()
    return now() - t0


def template_exists(sandbox: Sandbox) -> bool:
    """Whether the cluster holds the template (the sandbox must be down)."""
    with Database(sandbox) as db:
        return db.has(TEMPLATE_DB)


def restore_template(sandbox: Sandbox) -> float:
    """Re-create the sandbox's database from the template (sandbox stopped); seconds."""
    t0 = now()
    sandbox.down()
    with Database(sandbox) as db:
        db.restore()
    return now() - t0


def ensure_seeded(sandbox: Sandbox, args: argparse.Namespace) -> dict[str, Any]:
    """The seeding record; seeds (and makes the template), or restores from the template.
    Leaves the sandbox up."""
    from rucio_widgets.sandbox.testing import SandboxSession

    marker = sandbox.dir / MARKER
    session = SandboxSession(sandbox)
    root = session.client("root")
    if container_complete(root):
        record = json.loads(marker.read_text()) if marker.exists() else {"seconds": float("nan")}
        record["reused"] = True
    else:
        restored = None
        if marker.exists() and not json.loads(marker.read_text()).get("partial"):
            sandbox.down()
            if template_exists(sandbox):
                log(f"restoring the database from the template {TEMPLATE_DB} ...")
                restored = restore_template(sandbox)
            sandbox.up(db="postgresql", port=args.port)
            session = SandboxSession(sandbox)
            root = session.client("root")
        if restored is not None and container_complete(root):
            record = json.loads(marker.read_text())
            record.update(reused=True, restored_seconds=restored)
        else:
            earlier = json.loads(marker.read_text()) if marker.exists() else {}
            spent = float(earlier.get("seconds", 0)) if earlier.get("partial") else 0.0
            marker.write_text(json.dumps({"partial": True, "seconds": spent}) + "\n")
            t0 = now()
            try:
                record = seed(session, root, sandbox.dir)
            except BaseException:  # the time so far counts when a later run resumes
                marker.write_text(
                    json.dumps({"partial": True, "seconds": spent + now() - t0}) + "\n")
                raise
            log("making the database template (the sandbox is stopped meanwhile) ...")
            record["template_seconds"] = make_template(sandbox)
            marker.write_text(json.dumps(record) + "\n")
            sandbox.up(db="postgresql", port=args.port)
            record["reused"] = False
    t0 = now()
    made = ensure_files(sandbox)
    log(f"{made:,} empty files made on {DESTINATION_RSE}'s storage ({now() - t0:.1f} s)")
    return record


# --- measurements --------------------------------------------------------------------------------

def rss_bytes() -> int:
    """The process's resident set (VmRSS), after a full collection."""
    gc.collect()
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def mb(value: float) -> str:
    return f"{value / 1e6:.0f} MB" if abs(value) >= 1e7 else f"{value / 1e6:.1f} MB"


def mbs(values: Sequence[float]) -> str:
    if len(values) == 1:
        return mb(values[0])
    return (f"{mb(statistics.median(values))} ({mb(min(values))}..{mb(max(values))}, "
            f"n={len(values)})")


def raw_brief(raw: Any) -> tuple[float, int]:
    """The raw client, as the brief puts it: ``list_files`` of the container, then
    ``list_replicas`` of 1,000 file DIDs at a time on the destination, sort=random."""
    t0 = now()
    files = [{"scope": f["scope"], "name": f["name"]} for f in raw.list_files(SCOPE, CONTAINER)]
    count = 0
    for i in range(0, len(files), 1000):
        for item in raw.list_replicas(files[i : i + 1000], rse_expression=DESTINATION_RSE,
                                      sort="random", resolve_archives=False):
            count += bool(item["rses"].get(DESTINATION_RSE))
    return now() - t0, count


def raw_same_calls(raw: Any) -> tuple[float, int]:
    """The raw client making the widget's own calls (selection.py), one after the other:
    ``list_files`` of the container, then ``list_replicas`` of a first batch of 100 files
    and of 1,000 at a time after it. (The widget reads the listing ahead on a thread of its
    own while it locates, so it may beat this.)"""
    from rucio_widgets.model.selection import FIRST_BATCH
    from rucio_widgets.service import REPLICA_CHUNK

    t0 = now()
    files = [{"scope": f["scope"], "name": f["name"]} for f in raw.list_files(SCOPE, CONTAINER)]
    bounds = [(0, FIRST_BATCH)] + [(start, start + REPLICA_CHUNK)
                                   for start in range(FIRST_BATCH, len(files), REPLICA_CHUNK)]
    count = 0
    for start, stop in bounds:
        for item in raw.list_replicas(files[start:stop], rse_expression=DESTINATION_RSE,
                                      sort="random", resolve_archives=False):
            count += bool(item["rses"].get(DESTINATION_RSE))
    return now() - t0, count


def bench_select(fig: Figures, sandbox: Sandbox, raw: Any, reps: int) -> None:
    """select() of the container: first paths, all paths, next to raw; RSS growth."""
    first, full, growth, brief, same, publishes = [], [], [], [], [], []
    checks: dict[str, Any] = {}
    mount = str(sandbox.layout.mount_path)
    for rep in range(reps + 1):  # the first round warms connections, imports and caches
        t_brief, n_brief = raw_brief(raw)
        log(f"  raw (list_files + list_replicas): {t_brief:.1f} s, {n_brief:,} replicas")
        settle()
        t_same, n_same = raw_same_calls(raw)
        log(f"  raw (the widget's calls): {t_same:.1f} s, {n_same:,} replicas")
        settle()

        browser, _capture = new_browser()
        seen: dict[str, float] = {}
        count = [0]

        def on_paths(change: dict[str, Any], seen: dict[str, float] = seen,
                     count: list[int] = count) -> None:
            count[0] += 1
            if change["new"] and "first" not in seen:
                seen["first"] = now()
                seen["first_n"] = len(change["new"])

        browser.observe(on_paths, names="paths")
        before = rss_bytes()
        t0 = now()
        browser.select(CONTAINER_DID)
        paths = browser.wait_paths(900)
        t_all = now() - t0
        after = rss_bytes()
        log(f"  widget: first paths {seen.get('first', float('nan')) - t0:.2f} s, all "
            f"{len(paths):,} in {t_all:.1f} s, RSS +{mb(after - before)}")
        if rep == reps:  # check the paths of the last round
            checks = {
                "count": len(paths),
                "distinct": len(set(paths)),
                "under_mount": sum(p.startswith(mount + "/") for p in paths),
                "sample": len(sample := random.Random(14).sample(paths, min(200, len(paths)))),
                "sample_exist": sum(os.path.exists(p) for p in sample),
                "raw": n_brief,
            }
        del paths
        browser.close()
        settle(1.0)
        if rep == 0:
            continue
        first.append(seen["first"] - t0)
        full.append(t_all)
        growth.append(after - before)
        brief.append(t_brief)
        same.append(t_same)
        publishes.append(count[0])

    med_first = statistics.median(first)
    fig.add("1", "`select(\"scale:scale.100k\")` → first paths in `browser.paths` (fresh "
            "browser, observer of `paths`)", secs(first), "", "", "< 0.5 s", yes(med_first < 0.5))
    r = ratio_of(full, brief)
    fig.add("2", "`select()` → `wait_paths()` with all 100,000 paths", secs(full),
            secs(brief) + " (`list_files` of the container + 100 x `list_replicas` of 1,000, "
            "destination, sort=random)", f"{r:.2f}x", "≤ 1.1x", yes(r <= 1.1))
    r2 = ratio_of(full, same)
    fig.add("2", "same, next to raw making the widget's own calls one after the other "
            "(`list_files` of the container + 101 x `list_replicas`, 100 then 1,000 each)",
            secs(full), secs(same), f"{r2:.2f}x", "", "")
    fig.add("2", "`paths` trait updates during one resolution",
            f"{statistics.median(publishes):.0f}", "", "", "", "")
    med_growth = statistics.median(growth)
    fig.add("3", "kernel RSS growth over that `select()` → `wait_paths()` (VmRSS, gc'd, "
            "browser still open)", mbs(growth), "", "", "≤ 150 MB",
            yes(med_growth <= 150e6))
    ok = (checks.get("count") == FILES and checks.get("distinct") == FILES
          and checks.get("under_mount") == FILES
          and checks.get("sample_exist") == checks.get("sample"))
    fig.add("2", "paths right: count / distinct / under the mount / sampled that exist",
            f"{checks.get('count', 0):,} / {checks.get('distinct', 0):,} / "
            f"{checks.get('under_mount', 0):,} / {checks.get('sample_exist', 0)} of "
            f"{checks.get('sample', 0)}", f"{checks.get('raw', 0):,} replicas",
            "", "all 100,000", yes(ok))


def statuses_of_scope(browser: Any) -> int:
    return sum(1 for did in list(browser.model.statuses._by_did) if did.startswith(SCOPE + ":"))


def load_all(browser: Any, traced: bool) -> dict[str, float]:
    """Search the scope's files and load every row; the model's memory for them."""
    before = rss_bytes()
    if traced:
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
    t0 = now()
    browser.search(f"{SCOPE}:*", did_type="file", timeout=300)
    while len(browser.results) < FILES:
        loaded = len(browser.results)
        browser.load_more(min(10_000, FILES - loaded), timeout=600)
        if len(browser.results) == loaded:
            break
    t_loaded = now() - t0
    rows = len(browser.results)
    # The badges of file rows (paths located per batch of 100) are worked out in the
    # background: wait until they stop coming, so that their memory is counted too.
    last, still = -1, now()
    deadline = now() + 600
    while now() < deadline:
        n = statuses_of_scope(browser)
        if n >= FILES:
            break
        if n != last:
            last, still = n, now()
        elif now() - still > 5:
            break
        time.sleep(0.5)
    t_badges = now() - t0
    badges = statuses_of_scope(browser)
    gc.collect()
    result = {"rows": rows, "loaded": t_loaded, "badges_at": t_badges, "badges": badges}
    if traced:
        current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        result.update(traced=current - base, peak=peak - base)
    result["rss"] = rss_bytes() - before
    return result


def raw_rows_memory(raw: Any) -> tuple[int, int]:
    """tracemalloc of the raw client's 100,000 rows (``list_dids(long=True)``, files)."""
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    rows = list(raw.list_dids(SCOPE, {"name": "*"}, did_type="file", long=True))
    gc.collect()
    current = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    return current, len(rows)


def bench_model_memory(fig: Figures, raw: Any) -> None:
    """The model's memory for a search loaded to 100,000 rows."""
    browser, _capture = new_browser()
    plain = load_all(browser, traced=False)
    log(f"  untraced: {plain}")
    browser.close()
    settle(1.0)
    browser, _capture = new_browser()
    traced = load_all(browser, traced=True)
    log(f"  traced: {traced}")
    browser.close()
    settle(1.0)
    raw_bytes, raw_count = raw_rows_memory(raw)
    rows = plain["rows"]
    fig.add("4", f"`search(\"{SCOPE}:*\", did_type=\"file\")` + `load_more` until all rows are "
            f"loaded: rows / time (fresh browser)", f"{rows:,} / {_fmt_s(plain['loaded'])}",
            "", "", "100,000 rows", yes(rows == FILES))
    fig.add("4", "...their file badges worked out in the background (paths located per "
            "batch of 100): badges / done after",
            f"{plain['badges']:,} / {_fmt_s(plain['badges_at'])}", "", "", "", "")
    fig.add("4", "kernel RSS growth for those rows and badges (VmRSS, gc'd, browser open)",
            f"{mb(plain['rss'])}; {plain['rss'] / max(rows, 1):,.0f} B/row", "", "", "", "")
    fig.add("4", "Python heap held by the model for them (tracemalloc, current / peak; a "
            "second fresh browser)",
            f"{mb(traced['traced'])} / {mb(traced['peak'])}; "
            f"{traced['traced'] / max(traced['rows'], 1):,.0f} B/row",
            f"{mb(raw_bytes)}; {raw_bytes / max(raw_count, 1):,.0f} B/row (raw "
            f"`list_dids(long=True)` as a list of {raw_count:,} dicts)",
            f"{traced['traced'] / raw_bytes:.2f}x" if raw_bytes else "", "", "")


def run(sandbox: Sandbox, args: argparse.Namespace, seeded: dict[str, Any]) -> int:
    from importlib import metadata

    from rucio_widgets.sandbox.testing import SandboxSession

    session = SandboxSession(sandbox)
    alice = session.client("alice")
    status = sandbox.status()
    memcached = status.running.get("memcached", False)
    server_version = alice.ping().get("version", "?")
    load_before = os.getloadavg()
    version = code_version()
    fig = Figures()
    how = ("reused" if seeded.get("reused") else "this run")
    if "restored_seconds" in seeded:
        how = f"restored from the template in {_fmt_s(seeded['restored_seconds'])}"
    fig.add("0", f"seeding {FILES:,} files ({DATASETS} datasets x {FILES_PER_DATASET:,}, "
            f"`add_files_to_dataset(rse={DESTINATION_RSE})`, {seeded.get('threads', '?')} "
            f"threads; once, {seeded.get('date', '?')}; {how})",
            _fmt_s(float(seeded.get("seconds", float("nan"))))
            + (" (resumed)" if seeded.get("resumed") else "")
            + (f"; template `createdb -T` {_fmt_s(seeded['template_seconds'])}"
               if "template_seconds" in seeded else ""))
    log("1-3: select() of the container ...")
    bench_select(fig, sandbox, alice, args.reps)
    log("4: the model's memory for 100,000 rows ...")
    bench_model_memory(fig, alice)

    header = [
        "# rucio-widgets at scale: a 100,000-file container",
        "",
        f"- date: {datetime.datetime.now().isoformat(timespec='seconds')}",
        f"- code: {version}",
        f"- machine: {os.cpu_count()} cores (`nproc`), {platform.platform()}",
        f"- python {platform.python_version()}, rucio-clients {metadata.version('rucio-clients')}, "
        f"rucio server {server_version} (sandbox in {sandbox.dir}, PostgreSQL, flask dev server)",
        f"- memcached: {'running' if memcached else 'NOT running'}",
        f"- load average (1, 5, 15 min) at start {fmt_load(load_before)}, at end "
        f"{fmt_load(os.getloadavg())} (other work on the machine adds noise)",
        f"- data: `{CONTAINER_DID}`, {DATASETS} datasets x {FILES_PER_DATASET:,} files, "
        f"registered on {DESTINATION_RSE} only, with empty files on its storage; seeding "
        f"{_fmt_s(float(seeded.get('seconds', float('nan'))))} "
        f"({seeded.get('date', '?')})",
        f"- repetitions: {args.reps} per figure of sections 1-3 after one warm-up round (median, "
        "min..max, n); section 4: one run untraced, one traced; alice, replica mode, "
        "`RUCIO_WIDGETS_CACHE_DIR=off`",
        f"- command: `python3 benchmarks/bench_scale.py {' '.join(sys.argv[1:])}`".rstrip(),
        "",
        "Ratios are medians over medians. `raw client` is rucio's own `Client` (alice), "
        "in the same process, against the same server.",
        "",
    ]
    text = "\n".join(header) + "\n" + fig.table() + "\n"
    if fig.notes:
        text += "\n" + "\n".join(f"- {n}" for n in fig.notes) + "\n"
    print(text)
    args.out.write_text(text)
    log(f"written to {args.out}")
    return 0




# --- main ----------------------------------------------------------------------------------------

def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR,
                        help=f"sandbox folder of this benchmark (default {DEFAULT_DIR})")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help=f"server port when the sandbox is started (default {DEFAULT_PORT})")
    parser.add_argument("--keep", action="store_true", help="leave the sandbox running")
    parser.add_argument("--reps", type=int, default=3,
                        help="timed repetitions per figure, after one warm-up (default 3)")
    parser.add_argument("--seed-only", action="store_true",
                        help="seed (or restore from the template) and stop there")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS-scale.md",
                        help="where to write the table (default benchmarks/RESULTS-scale.md)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _raise_interrupt)

    sandbox = Sandbox(args.dir, log=log)
    os.environ["RUCIO_CONFIG"] = str(sandbox.layout.client_config("alice"))
    os.environ["RUCIO_WIDGETS_CACHE_DIR"] = "off"  # every look here is a cold one
    for name in ("RUCIO_HOME", "RUCIO_ACCOUNT", "RUCIO_AUTH_TYPE"):
        os.environ.pop(name, None)
    logging_quiet()
    try:
        if not sandbox.status().up or not all(
                sandbox.status().running.get(p) for p in ("server", "postgresql")):
            log(f"starting the sandbox in {sandbox.dir} on port {args.port} ...")
            sandbox.up(db="postgresql", port=args.port)
        else:
            log(f"reusing the running sandbox in {sandbox.dir}")
        seeded = ensure_seeded(sandbox, args)
        log(f"seeding: {seeded}")
        if args.seed_only:
            return 0
        return run(sandbox, args, seeded)
    finally:
        if args.keep:
            log(f"sandbox left running ({sandbox.server_url()}); stop it with "
                f"`python3 -m rucio_widgets.cli sandbox down --dir {sandbox.dir}`")
        else:
            sandbox.down()


if __name__ == "__main__":
    sys.exit(main())
