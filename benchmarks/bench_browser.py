#!/usr/bin/env python3
"""Benchmarks of rucio-widgets against a local Rucio sandbox (see benchmarks/README.md).

    python3 benchmarks/bench_browser.py [--dir /tmp/rw-bench] [--port 28471] [--keep]

Starts (or reuses) a sandbox in ``--dir``, seeds 100,000 datasets in scope ``bench`` once,
measures the browser next to the plain Rucio client, prints a markdown table and writes it
to benchmarks/RESULTS.md. The sandbox is stopped at the end unless ``--keep``.

This is a script that prints figures, not a test: nothing here fails on a missed goal.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import itertools
import json
import os
import platform
import signal
import statistics
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from comm.base_comm import BaseComm

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

# Only the sandbox here: nothing of rucio may be imported before RUCIO_CONFIG is set.
from rucio_widgets.sandbox import Sandbox  # noqa: E402
from rucio_widgets.sandbox.layout import DESTINATION_RSE, SOURCE_RSES  # noqa: E402

BENCH_SCOPE = "bench"
BENCH_DIDS = 100_000
SEED_CHUNK = 1_000
SCALE_DATASET = "mc20:mc20_13TeV.999999.ScaleTest.DAOD_PHYS"
SCALE_FILES = 5_000
#: (label, pattern, expected matches)
PATTERNS = [
    ("~1k", "bench:bench.000*", 1_000),
    ("~10k", "bench:bench.00*", 10_000),
    ("~100k", "bench:*", 100_000),
]
DEFAULT_PORT = 28471

now = time.perf_counter


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- figures ---------------------------------------------------------------------------------

class Figures:
    """Collected rows of the results table."""

    def __init__(self) -> None:
        self.rows: list[dict[str, str]] = []
        self.notes: list[str] = []

    def add(self, number: str, what: str, value: str, reference: str = "", ratio: str = "",
            goal: str = "", met: str = "") -> None:
        row = {"#": number, "figure": what, "rucio-widgets": value, "raw client": reference,
               "ratio": ratio, "goal": goal, "met": met}
        self.rows.append(row)
        log(" | ".join(v for v in row.values() if v))

    def table(self) -> str:
        keys = ["#", "figure", "rucio-widgets", "raw client", "ratio", "goal", "met"]
        lines = ["| " + " | ".join(keys) + " |", "|" + "|".join("---" for _ in keys) + "|"]
        for row in self.rows:
            lines.append("| " + " | ".join(row[k] for k in keys) + " |")
        return "\n".join(lines)


def summary(values: Sequence[float]) -> tuple[float, float, float]:
    return statistics.median(values), min(values), max(values)


def secs(values: Sequence[float]) -> str:
    med, low, high = summary(values)
    if len(values) == 1:
        return _fmt_s(med)
    return f"{_fmt_s(med)} ({_fmt_s(low)}..{_fmt_s(high)}, n={len(values)})"


def _fmt_s(value: float) -> str:
    if value < 1:
        return f"{value * 1000:.0f} ms" if value >= 0.01 else f"{value * 1000:.1f} ms"
    return f"{value:.2f} s"


def ratio_of(ours: Sequence[float], theirs: Sequence[float]) -> float:
    return statistics.median(ours) / statistics.median(theirs)


def yes(ok: bool) -> str:
    return "yes" if ok else "**no**"


def settle(seconds: float = 0.3) -> None:
    """Let a closed stream's server thread notice and stop before the next timing."""
    time.sleep(seconds)


# --- sandbox and data ------------------------------------------------------------------------

def ensure_bench_dids(root: Any, layout_root: Path) -> dict[str, Any]:
    """Seed BENCH_DIDS datasets in scope ``bench`` once; return how long it took (recorded
    in the sandbox folder, so later runs report the first seeding)."""
    from rucio.common.exception import DataIdentifierNotFound, Duplicate

    marker = layout_root / "bench-seed.json"
    last = f"bench.{BENCH_DIDS - 1:06d}.sample"
    if marker.exists():
        recorded = json.loads(marker.read_text())
        try:
            root.get_did(BENCH_SCOPE, last)
            return dict(recorded, reused=True)
        except DataIdentifierNotFound:
            pass
    try:
        root.add_scope("root", BENCH_SCOPE)
        resuming = False
    except Duplicate:
        resuming = True  # an interrupted seeding: chunks are all-or-nothing, skip those in
    log(f"seeding {BENCH_DIDS:,} datasets in scope {BENCH_SCOPE} ...")
    t0 = now()
    added = 0
    for start in range(0, BENCH_DIDS, SEED_CHUNK):
        names = [f"bench.{i:06d}.sample" for i in range(start, min(start + SEED_CHUNK, BENCH_DIDS))]
        if resuming:
            try:
                root.get_did(BENCH_SCOPE, names[-1])
                continue
            except DataIdentifierNotFound:
                pass
        root.add_dids([{"scope": BENCH_SCOPE, "name": n, "type": "DATASET"} for n in names])
        added += len(names)
        if (start // SEED_CHUNK) % 20 == 19:
            log(f"  {start + SEED_CHUNK:,} ...")
    elapsed = now() - t0
    recorded = {"dids": BENCH_DIDS, "added": added, "seconds": elapsed, "chunk": SEED_CHUNK,
                "resumed": resuming, "date": datetime.datetime.now().isoformat(timespec="seconds")}
    marker.write_text(json.dumps(recorded) + "\n")
    return dict(recorded, reused=False)


def register_fake_dataset(root: Any, scope: str, files: int, rse: str) -> str:
    """A closed dataset of ``files`` registered files (no bytes anywhere) on ``rse``."""
    name = f"bench.poll.{uuid.uuid4().hex[:10]}"
    root.add_dataset(scope, name)
    items = [{"scope": scope, "name": f"{name}.file_{i:05d}", "bytes": 1_000_000 + i,
              "adler32": f"{i + 1:08x}"} for i in range(files)]
    for start in range(0, files, 1000):
        root.add_files_to_dataset(scope, name, items[start : start + 1000], rse=rse)
    root.close(scope, name)
    return f"{scope}:{name}"


# --- browsers --------------------------------------------------------------------------------

class Capture(BaseComm):
    """The widget's comm: records what the widget sends, when, and its JSON size, and
    delivers what the view would send through the comm's own callback."""

    def __init__(self, **kwargs: Any) -> None:
        self.messages: list[tuple[float, dict[str, Any], int]] = []
        self.cond = threading.Condition()
        self._callback: Callable[[dict[str, Any]], None] | None = None
        kwargs.setdefault("comm_id", f"bench-{next(_request_ids)}")
        super().__init__(**kwargs)

    def publish_msg(self, msg_type: str, data: Any = None, metadata: Any = None,
                    buffers: Any = None, **keys: Any) -> None:
        if msg_type != "comm_msg" or not isinstance(data, dict) or data.get("method") != "custom":
            return
        message = data["content"]
        t = now()
        size = len(json.dumps(message))
        with self.cond:
            self.messages.append((t, message, size))
            self.cond.notify_all()

    def on_msg(self, callback: Callable[[dict[str, Any]], None] | None) -> None:
        self._callback = callback

    def deliver(self, content: dict[str, Any]) -> None:
        """What the view sends: a custom message, through the comm."""
        assert self._callback is not None
        self._callback({"content": {"data": {"method": "custom", "content": content}},
                        "buffers": []})

    def wait_for(self, predicate: Callable[[dict[str, Any]], bool],
                 timeout: float = 120) -> tuple[float, dict[str, Any], int]:
        deadline = now() + timeout
        with self.cond:
            while True:
                for entry in self.messages:
                    if predicate(entry[1]):
                        return entry
                remaining = deadline - now()
                if remaining <= 0:
                    raise TimeoutError("no such message")
                self.cond.wait(remaining)

    def page(self, request_id: int) -> Callable[[dict[str, Any]], bool]:
        return lambda m: m.get("type") == "page" and m.get("request_id") == request_id


def new_browser(**kwargs: Any) -> tuple[Any, Capture]:
    """A RucioBrowser whose comm is a Capture, once it has signed in and read the scopes."""
    import ipywidgets.comm

    from rucio_widgets.widget import RucioBrowser

    def create_comm(*args: Any, **kwargs: Any) -> Capture:
        return Capture(**kwargs)

    original = ipywidgets.comm.create_comm
    ipywidgets.comm.create_comm = create_comm
    try:
        browser = RucioBrowser(**kwargs)
    finally:
        ipywidgets.comm.create_comm = original
    deadline = now() + 60
    while not (browser.model.state.scopes and not browser.model.state.busy):
        if now() > deadline:
            raise TimeoutError(f"the browser did not start: {browser.model.state}")
        time.sleep(0.01)
    assert isinstance(browser.comm, Capture)  # (its Layout has a comm of its own)
    return browser, browser.comm


_request_ids = itertools.count(1)


def badges_of(scope: str) -> Callable[[dict[str, Any]], bool]:
    """Matches a `status` message with availability badges of rows of ``scope``."""
    return lambda m: m.get("type") == "status" and any(
        str(did).startswith(scope + ":") for did in m.get("updates", {}))


class CountingClient:
    """Passes everything to a rucio Client and counts its public method calls per thread."""

    def __init__(self, inner: Any) -> None:
        object.__setattr__(self, "_inner", inner)
        object.__setattr__(self, "calls", Counter())
        object.__setattr__(self, "rule_looks", {})  # rule id -> times it was read
        object.__setattr__(self, "_lock", threading.Lock())

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if name.startswith("_") or not callable(attr):
            return attr

        def counted(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                self.calls[(threading.current_thread().name, name)] += 1
                if name == "get_replication_rule" and args:
                    self.calls[("rule", str(args[0]))] += 1
                    self.rule_looks.setdefault(str(args[0]), []).append(now())
            return attr(*args, **kwargs)

        return counted

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()

    def snapshot(self) -> Counter:
        with self._lock:
            return Counter(self.calls)


def counting_client() -> CountingClient:
    """The client a browser would make from rucio.cfg, behind a CountingClient."""
    from rucio_widgets.config import load_settings
    from rucio_widgets.rucioclient import client_for

    s = load_settings()
    return CountingClient(client_for(rucio_host=s.rucio_host, auth_host=s.auth_host,
                                     account=s.account, auth_type=s.auth_type, vo=s.vo,
                                     ca_cert=s.ca_cert))


# --- measurements ------------------------------------------------------------------------------

def bench_page_bytes(fig: Figures, raw: Any, reps: int) -> None:
    """4: what goes to the browser for the first results page, the synced state then, and
    the page's availability badges: their size, the Rucio calls they took and their delay
    after the page, next to the raw bulk call for the same 100 datasets."""
    delays: list[float] = []
    raw_bulk: list[float] = []
    calls: Counter = Counter()
    for rep in range(reps + 1):  # the first round is the warm-up
        counting = counting_client()
        browser, capture = new_browser(client=counting)
        counting.reset()
        request_id = next(_request_ids)
        capture.deliver({"type": "search", "request_id": next(_request_ids), "query": "bench:*",
                         "did_type": "all", "filters": ""})
        capture.deliver({"type": "page", "request_id": request_id, "source": "results",
                         "offset": 0, "limit": 100})
        t_reply, reply, size = capture.wait_for(capture.page(request_id))
        assert len(reply["rows"]) == 100, reply
        if rep == 0:
            state = browser.get_state()
            synced = {k: v for k, v in state.items() if not k.startswith("_")}
            state_size = len(json.dumps(synced))
            bundle = len(state.get("_esm", "")) + len(state.get("_css", ""))
        try:  # the availability badges of the page, sent as a delta after it
            t_status, _status, status_size = capture.wait_for(badges_of(BENCH_SCOPE),
                                                              timeout=120)
        except TimeoutError:
            status_size, t_status = -1, float("nan")
        if rep > 0:
            delays.append(t_status - t_reply)
            calls = Counter()
            for (thread, method), n in counting.snapshot().items():
                if thread != "rule":
                    calls[method] += n
            dids = [dict(zip(("scope", "name"), r["did"].split(":", 1), strict=True))
                    for r in reply["rows"]]
            t0 = now()
            list(raw.list_dataset_replicas_bulk(dids))
            raw_bulk.append(now() - t0)
        browser.close()
        settle(1.0)
    fig.add("4", "first results page (100 rows) as sent: `json.dumps` of the page message",
            f"{size / 1024:.1f} KB", "", "", "≤ 64 KB", yes(size <= 64 * 1024))
    fig.add("4", "synced traits (not `_*`) at that moment, JSON", f"{state_size / 1024:.1f} KB",
            "", "", "≤ 64 KB", yes(state_size <= 64 * 1024))
    if status_size < 0:
        fig.add("4", "availability badges of that page (`status` message)", "none in 120 s")
    else:
        fig.add("4", "availability badges of that page (`status` message after it), JSON",
                f"{status_size / 1024:.1f} KB", "", "", "", "")
        fig.add("4", "...their delay after the page reply; raw: one `list_dataset_replicas_bulk`"
                " of the same 100 datasets", secs(delays), secs(raw_bulk),
                f"{ratio_of(delays, raw_bulk):.2f}x", "", "")
    fig.add("4", "Rucio client calls made to work out those badges (100 dataset rows; "
            "before the bulk statuses: `list_dataset_replicas` x100 + bulk x1, 2.07 s)",
            ", ".join(f"`{m}` x{n}" for m, n in calls.most_common()), "", "", "", "")
    fig.add("4", "front-end bundle (`_esm` + `_css`), sent once when the widget opens",
            f"{bundle / 1024:.1f} KB", "", "", "", "")


def bench_search(fig: Figures, raw: Any, reps: int) -> None:
    """1: first page of wildcard searches, API and comm path, next to the raw client."""
    matches: dict[str, int] = {}
    for label, pattern, expected in PATTERNS:
        scope, name = pattern.split(":", 1)
        t0 = now()
        matches[label] = sum(1 for _ in raw.list_dids(scope, [{"name": name}], did_type="all"))
        log(f"  {pattern}: {matches[label]:,} matches, listed in {now() - t0:.1f} s (raw client)")
        if matches[label] != expected:
            log(f"  {pattern} matches {matches[label]:,}, not {expected:,}")
    browser, capture = new_browser()
    per_pattern: dict[str, dict[str, list[float]]] = {}
    for label, pattern, _expected in PATTERNS:
        scope, name = pattern.split(":", 1)
        api, comm, plain, plain_long = [], [], [], []
        for rep in range(reps + 1):  # the first round warms connections and caches
            t0 = now()
            first = list(itertools.islice(
                raw.list_dids(scope, [{"name": name}], did_type="all"), 50))
            t_raw = now() - t0
            assert len(first) == 50, first
            settle()
            t0 = now()  # the same work as the widget's first page: 100 rows, long=True
            first = list(itertools.islice(
                raw.list_dids(scope, [{"name": name}], did_type="all", long=True), 100))
            t_raw_long = now() - t0
            assert len(first) == 100
            settle()

            t0 = now()
            rows = browser.search(pattern)
            t_api = now() - t0
            assert len(rows) == 100, len(rows)
            settle()

            with capture.cond:
                capture.messages.clear()
            request_id = next(_request_ids)
            t0 = now()
            capture.deliver({"type": "search", "request_id": next(_request_ids),
                             "query": pattern, "did_type": "all", "filters": ""})
            capture.deliver({"type": "page", "request_id": request_id, "source": "results",
                             "offset": 0, "limit": 100})
            t_reply, reply, _size = capture.wait_for(capture.page(request_id))
            t_comm = t_reply - t0
            assert len(reply["rows"]) == 100, reply
            known = browser.model.statuses.known
            if not all(known(row["did"]) for row in reply["rows"]):
                # Let the page's badges be worked out before timing more (first round only:
                # the three patterns share their first 100 rows).
                with contextlib.suppress(TimeoutError):
                    capture.wait_for(badges_of(BENCH_SCOPE), timeout=60)
            settle()
            if rep == 0:
                continue
            api.append(t_api)
            comm.append(t_comm)
            plain.append(t_raw)
            plain_long.append(t_raw_long)
        per_pattern[label] = {"api": api, "comm": comm, "raw": plain, "raw_long": plain_long}
    browser.close()

    for label, pattern, _expected in PATTERNS:
        got = per_pattern[label]
        r_api = ratio_of(got["api"], got["raw"])
        r_comm = ratio_of(got["comm"], got["raw"])
        fig.add("1", f"first page, `search(\"{pattern}\")` ({matches[label]:,} matches)",
                secs(got["api"]),
                secs(got["raw"]), f"{r_api:.2f}x", "≤ 1.2x", yes(r_api <= 1.2))
        fig.add("1", f"first page via comm: search + page message, `{pattern}`",
                secs(got["comm"]), secs(got["raw"]), f"{r_comm:.2f}x", "≤ 1.2x",
                yes(r_comm <= 1.2))
        r_same = ratio_of(got["api"], got["raw_long"])
        fig.add("1", f"...`search()` next to raw first 100 with `long=True` (the same work), "
                f"`{pattern}`", secs(got["api"]), secs(got["raw_long"]), f"{r_same:.2f}x", "", "")
    meds = [statistics.median(per_pattern[label]["api"]) for label, _, _ in PATTERNS]
    flat = max(meds) / min(meds)
    raw_meds = [statistics.median(per_pattern[label]["raw"]) for label, _, _ in PATTERNS]
    raw_flat = max(raw_meds) / min(raw_meds)
    fig.add("1", "flatness: slowest / fastest median over the 1k, 10k, 100k patterns",
            f"{flat:.2f}x (`search()`: " + ", ".join(_fmt_s(m) for m in meds) + ")",
            f"{raw_flat:.2f}x (" + ", ".join(_fmt_s(m) for m in raw_meds) + ")", "",
            "flat (≈1x)", yes(flat <= 1.5))


def bench_paths(fig: Figures, raw: Any, reps: int) -> None:
    """2 and 7: resolving the paths of the 5,000-file dataset, and raw list_replicas."""
    scope, name = SCALE_DATASET.split(":", 1)
    files = [{"scope": f["scope"], "name": f["name"]} for f in raw.list_files(scope, name)]
    assert len(files) == SCALE_FILES, len(files)
    chunks = [files[i : i + 1000] for i in range(0, len(files), 1000)]

    def raw_pass(sort: str | None) -> float:
        t0 = now()
        count = 0
        for chunk in chunks:
            kwargs = {"sort": sort} if sort else {}
            for item in raw.list_replicas(chunk, rse_expression=DESTINATION_RSE, **kwargs):
                count += bool(item["rses"].get(DESTINATION_RSE))
        assert count == SCALE_FILES, count
        return now() - t0

    def raw_files_then_replicas() -> float:
        t0 = now()
        listed = [{"scope": f["scope"], "name": f["name"]} for f in raw.list_files(scope, name)]
        count = 0
        for i in range(0, len(listed), 1000):
            for item in raw.list_replicas(listed[i : i + 1000], rse_expression=DESTINATION_RSE,
                                          sort="random"):
                count += bool(item["rses"].get(DESTINATION_RSE))
        assert count == SCALE_FILES, count
        return now() - t0

    random_sort, default_sort, with_files, widget, first50, publishes = [], [], [], [], [], []
    files_listed: list[float] = []
    first_replica: list[float] = []
    for rep in range(reps + 1):
        t_random = raw_pass("random")
        settle()
        t_default = raw_pass(None)
        settle()
        t_with_files = raw_files_then_replicas()
        settle()

        browser, _capture = new_browser()
        seen: dict[str, float] = {}
        count = [0]

        def on_paths(change: dict[str, Any], seen: dict[str, float] = seen,
                     count: list[int] = count) -> None:
            count[0] += 1
            if len(change["new"]) >= 50 and "first50" not in seen:
                seen["first50"] = now()

        browser.observe(on_paths, names="paths")
        instrument_resolution(browser.model.service, seen)
        t0 = now()
        browser.select(SCALE_DATASET)
        paths = browser.wait_paths(300)
        t_widget = now() - t0
        assert len(paths) == SCALE_FILES, len(paths)
        assert all(p.startswith(str(Path(browser.settings.rse_mount_path))) for p in paths)
        browser.close()
        settle()
        if rep == 0:
            continue
        random_sort.append(t_random)
        default_sort.append(t_default)
        with_files.append(t_with_files)
        widget.append(t_widget)
        first50.append(seen["first50"] - t0)
        publishes.append(count[0])
        files_listed.append(seen["files listed"] - t0)
        first_replica.append(seen["first replica"] - t0)

    r = ratio_of(widget, random_sort)
    fig.add("2", "paths of the 5,000-file dataset: `select()` → `wait_paths()` (fresh browser)",
            secs(widget), secs(random_sort) + " (5 x `list_replicas`, sort=random)",
            f"{r:.2f}x", "≤ 1.2x", yes(r <= 1.2))
    r2 = ratio_of(widget, with_files)
    fig.add("2", "same, next to raw `list_files` + 5 x `list_replicas` (the same work)",
            secs(widget), secs(with_files), f"{r2:.2f}x", "", "")
    med50 = statistics.median(first50)
    fig.add("2", "time until the first 50 paths show in `browser.paths`", secs(first50), "", "",
            "< 0.5 s", yes(med50 < 0.5))
    fig.add("2", "...of which: the dataset's 5,000 files listed (metadata + `files` stream) / "
            "first replica answered", secs(files_listed) + " / " + secs(first_replica),
            "", "", "", "")
    fig.add("2", "`paths` trait updates during one resolution",
            f"{statistics.median(publishes):.0f}",
            "", "", "", "")
    r7 = ratio_of(default_sort, random_sort)
    fig.add("7", "raw 5 x `list_replicas` with the default sort (no `sort`, as the JupyterLab "
            "extension)", "", secs(default_sort), f"{r7:.2f}x of sort=random", "", "")


def instrument_resolution(service: Any, seen: dict[str, float]) -> None:
    """Record on ``seen`` when the file listing ends and the first replica arrives."""
    files, replicas = service.files, service.replicas

    def timed_files(scope: str, name: str) -> Any:
        def rows() -> Any:
            yield from files(scope, name)
            seen.setdefault("files listed", now())
        return rows()

    def timed_replicas(*args: Any, **kwargs: Any) -> Any:
        for item in replicas(*args, **kwargs):
            seen.setdefault("first replica", now())
            yield item

    service.files = timed_files
    service.replicas = timed_replicas


def bench_dataset_page(fig: Figures, raw: Any, reps: int) -> None:
    """3: first page of the 5,000-file dataset's content."""
    scope, name = SCALE_DATASET.split(":", 1)
    widget, warm, plain, content = [], [], [], []
    for rep in range(reps + 1):
        t0 = now()
        first = list(itertools.islice(raw.list_files(scope, name), 50))
        t_raw = now() - t0
        assert len(first) == 50
        settle()
        t0 = now()
        first = list(itertools.islice(raw.list_content(scope, name), 50))
        t_content = now() - t0
        assert len(first) == 50
        settle()
        browser, _capture = new_browser()
        done = threading.Event()
        got: dict[str, Any] = {}

        def reply(answer: dict[str, Any], got: dict[str, Any] = got,
                  done: threading.Event = done) -> None:
            got["t"] = now()
            got["answer"] = answer
            done.set()

        t0 = now()
        browser.model.request_page(SCALE_DATASET, 0, 100).add_done_callback(
            lambda future: reply(future.result()))
        assert done.wait(120)
        assert len(got["answer"]["rows"]) == 100, got["answer"]
        t_widget = got["t"] - t0
        browser.close()
        settle()
        # Diagnostic: the same, on a fresh browser whose httpx client was built beforehand.
        browser, _capture = new_browser()
        browser.model.service.prepare()  # builds the httpx.Client
        done.clear()
        t0 = now()
        browser.model.request_page(SCALE_DATASET, 0, 100).add_done_callback(
            lambda future: reply(future.result()))
        assert done.wait(120)
        t_warm = got["t"] - t0
        browser.close()
        settle()
        if rep == 0:
            continue
        widget.append(t_widget)
        warm.append(t_warm)
        plain.append(t_raw)
        content.append(t_content)
    r = ratio_of(widget, plain)
    fig.add("3", "first page (100 rows) of the 5,000-file dataset: `request_page` (fresh browser)",
            secs(widget), secs(plain) + " (`list_files`, first 50)", f"{r:.2f}x", "≤ 1.2x",
            yes(r <= 1.2))
    fig.add("3", "raw `list_content` first 50 (the call the widget makes)", "", secs(content),
            f"{ratio_of(widget, content):.2f}x", "", "")
    r_warm = ratio_of(warm, plain)
    fig.add("3", "same, diagnostic: fresh browser whose `service.http` (httpx.Client) was built "
            "before timing", secs(warm), secs(plain), f"{r_warm:.2f}x", "≤ 1.2x",
            yes(r_warm <= 1.2))


def sleep_loop_gaps(duration: float) -> list[float]:
    """Gaps between iterations of a 1 ms sleep loop on this thread, for ``duration``."""
    gaps: list[float] = []
    start = prev = now()
    while prev - start < duration:
        time.sleep(0.001)
        t = now()
        gaps.append(t - prev)
        prev = t
    return gaps


def p99(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[int(0.99 * (len(ordered) - 1))]


def blocking_run(load_mores: int, badges: bool) -> dict[str, Any]:
    """One run of 5: search `bench:*` and ask for ``load_mores`` more pages, as the view
    does, from this (the main) thread, while measuring a 1 ms sleep loop's gaps."""
    browser, capture = new_browser()
    if not badges:  # diagnostic only: no availability badges worked out after pages
        browser.model.statuses.annotate = lambda rows, cancelled=None: None
    with capture.cond:
        capture.messages.clear()
    handlers: list[float] = []
    asked: dict[int, float] = {}

    def call(content: dict[str, Any]) -> None:
        t = now()
        capture.deliver({"request_id": next(_request_ids), **content})
        handlers.append(now() - t)

    def ask_page(offset: int) -> int:
        request_id = next(_request_ids)
        asked[request_id] = now()
        call({"type": "page", "request_id": request_id, "source": "results", "offset": offset,
              "limit": 100})
        return request_id

    gaps: list[float] = []
    start = now()
    call({"type": "search", "query": "bench:*", "did_type": "all", "filters": ""})
    request_id = ask_page(0)
    pages_asked = 1
    last_page_at: float | None = None
    prev = now()
    while now() - start < 90:
        time.sleep(0.001)
        t = now()
        gaps.append(t - prev)
        with capture.cond:
            replied = any(m.get("type") == "page" and m.get("request_id") == request_id
                          for _, m, _ in capture.messages)
        if replied:
            if pages_asked <= load_mores:
                call({"type": "load_more"})
                request_id = ask_page(100 * pages_asked)
                pages_asked += 1
            elif last_page_at is None:
                last_page_at = t
            elif t - last_page_at > 2.0:  # the badges of the last pages are worked out
                break
        prev = now()
    with capture.cond:
        replies = {m["request_id"]: t for t, m, _ in capture.messages if m.get("type") == "page"}
        statuses = sum(1 for _, m, _ in capture.messages if m.get("type") == "status")
    browser.close()
    latencies = [replies[r] - asked[r] for r in asked if r in replies]
    return {"max": max(gaps), "p99": p99(gaps), "handler": max(handlers),
            "page_latency": max(latencies), "statuses": statuses, "pages": len(latencies)}


def bench_blocking(fig: Figures, reps: int) -> None:
    """5: the longest stretch the main thread is blocked while a search streams."""
    load_mores = 5
    idle = sleep_loop_gaps(3.0)
    runs: dict[bool, list[dict[str, Any]]] = {True: [], False: []}
    for rep in range(reps + 1):
        for badges in (True, False):
            result = blocking_run(load_mores, badges)
            settle(1.0)
            if rep:
                runs[badges].append(result)
    real = runs[True]
    max_gaps = [r["max"] for r in real]
    fig.add("5", f"main thread: longest gap of a 1 ms sleep loop during `bench:*` + {load_mores} "
            f"x (load_more + page) messages (worst run {_fmt_s(max(max_gaps))})", secs(max_gaps),
            f"idle loop, same machine: {_fmt_s(max(idle))}", "", "≤ 20 ms",
            yes(statistics.median(max_gaps) <= 0.020))
    fig.add("5", "main thread: 99th percentile gap in that loop", secs([r["p99"] for r in real]),
            f"idle: {_fmt_s(p99(idle))}", "", "", "")
    fig.add("5", "comm handler call itself (search, load_more, page): longest per run",
            secs([r["handler"] for r in real]), "", "", "", "")
    fig.add("5", "slowest page reply in those runs (page request → reply)",
            secs([r["page_latency"] for r in real]), "", "", "", "")
    bare = runs[False]
    fig.add("5", "diagnostic, badges switched off (`statuses.annotate` stubbed): longest gap / "
            "slowest page reply", secs([r["max"] for r in bare]) + " / "
            + secs([r["page_latency"] for r in bare]), "", "", "", "")


def bench_make_available(fig: Figures, session: Any, root: Any, reps: int) -> None:
    """6a: from make_available() to AVAILABLE for a fresh 3-file dataset on a source disk."""
    from rucio_widgets.errors import NotAvailableError

    to_available, call_time, server_ok, lag, failures = [], [], [], [], []
    badge_lag: list[float] = []
    for _rep in range(reps):
        made = session.make_dataset(files=3, rse=SOURCE_RSES[0], account="root", scope="data18",
                                    prefix="bench")
        browser, capture = new_browser()
        browser.select(made.did)
        browser.model.wait_resolved(60)
        ok_at: dict[str, float] = {}
        stop = threading.Event()
        t0 = now()
        browser.make_available()
        t_call = now() - t0
        rule_id = browser.model.requests.get(made.did).rule_id

        def watch(rule_id: str = rule_id, ok_at: dict[str, float] = ok_at,
                  stop: threading.Event = stop) -> None:
            while not stop.is_set():
                if root.get_replication_rule(rule_id)["state"] == "OK":
                    ok_at["t"] = now()
                    return
                stop.wait(0.2)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        try:
            paths = browser.wait(timeout=180)
        except NotAvailableError as exc:
            log(f"  wait() raised: {exc}")
            failures.append(str(exc))
            paths = []
        t_done = now() - t0
        # The watcher goes on until it sees the rule OK: when the widget saw it first
        # (between two of the watcher's looks), the lag comes out negative, down to -0.2 s.
        # Stopping the watcher here instead would drop exactly the rounds with the
        # shortest lags.
        watcher.join(10)
        stop.set()
        if not paths:
            browser.close()
            continue
        assert len(paths) == 3, paths
        browser.close()
        badge = [t for t, m, _ in capture.messages if m.get("type") == "status"
                 and m.get("updates", {}).get(made.did, {}).get("status") == "AVAILABLE"]
        if badge and "t" in ok_at:
            badge_lag.append(badge[0] - ok_at["t"])
        to_available.append(t_done)
        call_time.append(t_call)
        if "t" in ok_at:
            server_ok.append(ok_at["t"] - t0)
            lag.append(t_done - (ok_at["t"] - t0))
            log(f"  rule OK on the server after {server_ok[-1]:.2f} s, wait() returned after "
                f"{t_done:.2f} s: lag {lag[-1]:.2f} s")
    fig.add("6", "3-file dataset on SITE_A_DATADISK: `make_available()` → `wait()` returns "
            "(AVAILABLE, paths)", secs(to_available), "", "", "", "")
    if server_ok:
        fig.add("6", "...the rule was OK on the server after (a root client polling every 0.2 s)",
                "", secs(server_ok), "", "", "")
        fig.add("6", "...lag from the rule OK on the server to `wait()` returning (the poll "
                "schedule, then the paths)", secs(lag), "", "", "median ≤ 1 s",
                yes(statistics.median(lag) <= 1.0))
    if badge_lag:
        fig.add("6", "...lag from the rule OK on the server to the panel's AVAILABLE badge "
                "(`status` message sent)", secs(badge_lag), "", "", "median ≤ 1 s",
                yes(statistics.median(badge_lag) <= 1.0))
    if failures:
        fig.add("6", "`wait()` raised NotAvailableError although the rule went OK",
                f"{len(failures)} of {reps}", "", "", "never", "**no**")
    fig.add("6", "`make_available()` call itself (3 files; documented as returning at once)",
            secs(call_time), "", "", "", "")


def old_backoff_looks(window: float) -> int:
    """Looks at a rule whose locks do not move in ``window`` seconds after the request, on
    the schedule before the per-rule one: at once, then waits of 1.5 s, x1.5, up to 60 s."""
    from rucio_widgets.transfers import Backoff

    backoff, t, looks = Backoff(), 0.0, 1
    while (t := t + backoff.next(changed=False)) <= window:
        looks += 1
    return looks


def bench_polling(fig: Figures, root: Any, window: float = 60.0) -> None:
    """6b: Rucio calls per poll with a 1,000-file rule in flight, and looks per minute."""
    did = register_fake_dataset(root, "data18", 1000, SOURCE_RSES[1])
    counting = counting_client()
    browser, capture = new_browser(client=counting)
    counting.reset()
    t0 = now()
    browser.make_available(did)
    t_call = now() - t0
    after_request = counting.snapshot()
    rule_id = browser.model.requests.get(did).rule_id
    states = []
    made_at = t0 + t_call  # the rule exists (and was read) from here
    while now() - made_at < window + 0.5:
        time.sleep(0.5)
        request = browser.model.requests.get(did)
        states.append(request.state)
    calls = counting.snapshot() - after_request
    browser.close()
    # The files have no bytes, so the rule never completes: suspend it (a soft delete only
    # sets an expiry, and the sandbox runs no cleaner), so that later browsers of the
    # account do not keep polling it.
    try:
        root.update_replication_rule(rule_id, {"state": "SUSPENDED"})
        root.delete_replication_rule(rule_id, purge_replicas=True)
    except Exception as exc:  # cleaning up is best effort
        log(f"could not suspend rule {rule_id}: {exc}")
    poller = {m: n for (t, m), n in calls.items() if t == "rucio-widgets poller"}
    others = {f"{t}:{m}": n for (t, m), n in calls.items()
              if t not in ("rucio-widgets poller", "rule")}
    rules_polled = sum(1 for (t, _m) in calls if t == "rule")
    polls = calls[("rule", rule_id)]
    per_poll = sum(poller.values()) / polls if polls else float("nan")
    final = browser.model.requests.get(did)
    looks = [t - made_at for t in counting.rule_looks.get(rule_id, []) if t > made_at]
    for span in (20.0, window):
        seen = sum(1 for t in looks if t <= span)
        before = old_backoff_looks(span)
        fig.add("6", f"...looks at that rule (its locks do not move) in the first {span:.0f} s "
                "after the request; before: the old 1.5x backoff that also looked at once",
                f"{seen} (at {', '.join(f'{t:.1f}' for t in looks if t <= span)} s)",
                f"{before}", "", "no more than before", yes(seen <= before))
    fig.add("6", f"1,000-file rule in flight: Rucio client calls per poll ({polls} polls in "
            f"{window:.0f} s; rule {final.state if final else '?'}; rules polled: {rules_polled})",
            f"{per_poll:.2f}" + (f" ({', '.join(f'`{m}` x{n}' for m, n in poller.items())})"
                                 if poller else ""),
            "", "", "1 per rule", yes(per_poll == rules_polled))
    fig.add("6", "...other calls in that window (other threads)",
            ", ".join(f"{k} x{v}" for k, v in others.items()) or "none", "", "", "", "")
    fig.add("6", "`make_available()` call itself for the 1,000-file dataset (rule creation)",
            _fmt_s(t_call), "", "", "", "")
    log(f"  states seen: {Counter(states)}; status messages: "
        f"{sum(1 for _, m, _ in capture.messages if m.get('type') == 'status')}")


# --- main --------------------------------------------------------------------------------------

def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/rw-bench"),
                        help="sandbox folder, reused across runs (default /tmp/rw-bench)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help="server port when the sandbox must be started "
                             f"(default {DEFAULT_PORT})")
    parser.add_argument("--keep", action="store_true", help="leave the sandbox running")
    parser.add_argument("--reps", type=int, default=7,
                        help="timed repetitions per figure, after one warm-up (default 7)")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md",
                        help="where to write the table (default benchmarks/RESULTS.md)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _raise_interrupt)

    sandbox = Sandbox(args.dir, log=log)
    os.environ["RUCIO_CONFIG"] = str(sandbox.layout.client_config("alice"))
    # Every look here is a cold one: the warm second look has its own bench_warm.py.
    os.environ["RUCIO_WIDGETS_CACHE_DIR"] = "off"
    for name in ("RUCIO_HOME", "RUCIO_ACCOUNT", "RUCIO_AUTH_TYPE"):
        os.environ.pop(name, None)
    logging_quiet()

    try:
        if not sandbox.status().up:
            log(f"starting the sandbox in {sandbox.dir} on port {args.port} ...")
            sandbox.up(db="postgresql", port=args.port)
        else:
            log(f"reusing the running sandbox in {sandbox.dir}")
        return run(sandbox, args)
    finally:
        if args.keep:
            log(f"sandbox left running ({sandbox.server_url()}); stop it with "
                f"`python3 -m rucio_widgets.cli sandbox down --dir {sandbox.dir}`")
        else:
            sandbox.down()


def code_version() -> str:
    """The commit measured, and whether the package's files differ from it."""
    import subprocess

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=HERE.parent, capture_output=True, text=True,
                              check=False)
        return done.stdout.strip()

    commit = git("log", "-1", "--format=%h %cI %s") or "unknown"
    changed = [line for line in git("status", "--porcelain", "--", "rucio_widgets").splitlines()
               if line.strip()]
    return f"`{commit}`" + (f", with {len(changed)} uncommitted change(s) in rucio_widgets/"
                            if changed else ", clean")


def fmt_load(load: tuple[float, float, float]) -> str:
    return "/".join(f"{x:.2f}" for x in load)


def logging_quiet() -> None:
    import logging

    logging.basicConfig(level=logging.WARNING)


def run(sandbox: Sandbox, args: argparse.Namespace) -> int:
    from rucio_widgets.sandbox.testing import SandboxSession

    session = SandboxSession(sandbox)
    root = session.client("root")
    alice = session.client("alice")
    status = sandbox.status()
    memcached = status.running.get("memcached", False)
    server_version = alice.ping().get("version", "?")

    from importlib import metadata

    load_before = os.getloadavg()
    version = code_version()  # at the start: the code that this run imports
    fig = Figures()
    seeded = ensure_bench_dids(root, sandbox.dir)
    fig.add("1", f"seeding {seeded['dids']:,} datasets in scope `bench` (`add_dids`, "
            f"{seeded['chunk']:,} per call; once, {seeded['date']})",
            _fmt_s(seeded["seconds"]) + (" (resumed)" if seeded.get("resumed") else ""))
    reps = args.reps
    log("4: first page bytes ...")
    bench_page_bytes(fig, alice, reps)
    log("1: searches ...")
    bench_search(fig, alice, reps)
    log("2,7: paths ...")
    bench_paths(fig, alice, reps)
    log("3: dataset page ...")
    bench_dataset_page(fig, alice, reps)
    log("5: main thread ...")
    bench_blocking(fig, reps)
    log("6: making data available ...")
    bench_make_available(fig, session, root, 7)
    bench_polling(fig, root)

    header = [
        "# rucio-widgets benchmark results",
        "",
        f"- date: {datetime.datetime.now().isoformat(timespec='seconds')}",
        f"- code: {version}",
        f"- machine: {os.cpu_count()} cores (`nproc`), {platform.platform()}",
        f"- python {platform.python_version()}, rucio-clients {metadata.version('rucio-clients')}, "
        f"rucio server {server_version} (sandbox, PostgreSQL, flask dev server)",
        f"- memcached: {'running' if memcached else 'NOT running'}",
        f"- load average (1, 5, 15 min) at start {fmt_load(load_before)}, at end "
        f"{fmt_load(os.getloadavg())} (other work on the machine adds noise)",
        f"- repetitions: {reps} per figure after one warm-up round (median, min..max, n); "
        "section 6: 7 fresh datasets, and one 60 s window",
        f"- command: `python3 benchmarks/bench_browser.py {' '.join(sys.argv[1:])}`".rstrip(),
        "",
        "Ratios are medians over medians. `raw client` is rucio's own `Client` (alice), "
        "in the same process, against the same server.",
        "",
    ]
    text = "\n".join(header) + fig.table() + "\n"
    if fig.notes:
        text += "\n" + "\n".join(f"- {n}" for n in fig.notes) + "\n"
    print(text)
    args.out.write_text(text)
    log(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
