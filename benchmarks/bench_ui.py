#!/usr/bin/env python3
"""Real-browser benchmark: RucioBrowser in JupyterLab 4, driven by Playwright with Debian's
chromium, against the bench sandbox (see benchmarks/README.md).

    python3 benchmarks/bench_ui.py [--dir /tmp/rw-bench2] [--port 29011] [--reps 5]

Figures, each the median of ``--reps`` runs (the scroll: ``--scroll-reps``):

- ``display()`` to an interactive panel (search box, scopes in the picker, nothing busy),
  in a fresh kernel and again in the same kernel;
- Enter in the search box to the first page painted (the rows in view are real rows and
  the listing holds 100), next to the raw client's first 100 rows (``long=True``) taken
  in this process at the same time;
- a dataset's chevron click to its first files painted;
- scrolling the ``.rw-tree`` element through 100,000 loaded rows (``load_more`` in the
  kernel, then ``scrollTop`` moved in steps inside requestAnimationFrame): share of dropped
  frames and the 95th percentile frame gap, and the rows still "Loading…" per frame;
- the tab's JS heap (CDP ``Runtime.getHeapUsage`` after a forced GC) with 100,000 rows.

Headless chromium's rAF is quantised near 16.7 ms, and the same 2 cores run the server,
its database, the kernel and the browser: read the dropped share, not single gaps.
Needs the bench data (bench_browser.py's 100,000 ``bench`` datasets, bench_scale.py's
``scale`` datasets: both are seeded here when missing).
"""

from __future__ import annotations

import itertools
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib  # noqa: E402
from benchlib import (  # noqa: E402
    SCALE_SCOPE,
    Figures,
    LoadWatch,
    _fmt_s,
    log,
    ratio_of,
    secs,
    yes,
)

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("UI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ROW_HEIGHT = 28  # js/parts/rows.js
FRAME = 1000 / 60
ALL_PATTERN = "bench:*"  # 100,000 datasets
EMPTY_PATTERN = "bench:nothing.matches.this*"
SCROLL_ROWS = 100_000
SCROLL_STEP_PX = 2_000  # per frame: about 71 rows, the whole list in about 1,400 frames

now = time.perf_counter

# In-page helpers: timestamps of events, and the first animation frame in which a condition
# holds (what that frame paints).
PAGE_JS = r"""
() => {
  if (window.__bench) return true;
  const b = window.__bench = { t: {}, marks: {} };
  document.addEventListener('keydown', (e) => { if (e.key === 'Enter') b.t.enter = performance.now(); }, true);
  document.addEventListener('pointerdown', () => { b.t.pointer = performance.now(); }, true);
  b.root = () => {
    const roots = document.querySelectorAll('.jp-Notebook .rucio-widgets:not([data-bench-old])');
    return roots.length ? roots[roots.length - 1] : null;
  };
  b.interactive = () => {
    const r = b.root();
    if (!r || r.classList.contains('rw-signed-out')) return false;
    const input = r.querySelector('.rw-search');
    const scopes = r.querySelector('.rw-scope');
    const busy = r.querySelector('.rw-busy-label');
    return !!input && !input.disabled && !!scopes && scopes.options.length > 1 &&
      !(busy && busy.textContent.trim()) && input.getBoundingClientRect().height > 0;
  };
  b.visible = () => {
    const r = b.root(); if (!r) return null;
    const tree = r.querySelector('.rw-tree'); if (!tree) return null;
    const first = Math.floor(tree.scrollTop / 28);
    const last = Math.floor((tree.scrollTop + tree.clientHeight - 1) / 28);
    const items = [...tree.querySelectorAll('.rw-spacer > .rw-item')]
      .filter((el) => { const i = Number(el.dataset.index); return i >= first && i <= last; });
    return { tree, items, rows: items.filter((el) => el.classList.contains('rw-row')),
             length: Math.round(parseFloat(tree.querySelector('.rw-spacer').style.height || '0') / 28) };
  };
  // The first page of a search: rows in view are real rows (none "Loading…"), the first
  // names `prefix`, and the listing holds at least `want` items.
  b.pagePainted = (prefix, want) => {
    const v = b.visible(); if (!v || !v.items.length) return false;
    if (v.rows.length !== v.items.length || v.length < want) return false;
    return (v.rows[0].querySelector('.rw-name')?.textContent || '').startsWith(prefix);
  };
  b.emptyShown = () => {
    const r = b.root(); const e = r && r.querySelector('.rw-empty');
    return !!e && !e.hidden && e.textContent.includes('No DIDs match');
  };
  // Files below the first row painted: a depth-1 real row in view.
  b.childPainted = () => {
    const v = b.visible(); if (!v) return false;
    return v.rows.some((el) => el.dataset.depth === '1') &&
      !v.items.some((el) => el.classList.contains('rw-note-loading'));
  };
  b.when = (key, check) => new Promise((resolve) => {
    const tick = () => {
      let ok = false;
      try { ok = check(); } catch (e) { ok = false; }
      if (ok) { b.marks[key] = performance.now(); resolve(b.marks[key]); }
      else requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  b.run = (i) => {
    const app = window.jupyterapp;
    const p = window.__ui.panel();
    p.content.deselectAll();
    p.content.activeCellIndex = i;
    b.t.run = performance.now();
    app.commands.execute('notebook:run-cell');
    return b.t.run;
  };
  // Scroll the tree from top to bottom, `step` px per animation frame; frame gaps and the
  // number of items in view still loading at each frame.
  b.scroll = (step) => new Promise((resolve) => {
    const v = b.visible(); const tree = v.tree;
    tree.scrollTop = 0;
    const gaps = []; const loading = []; let last = null; const start = performance.now();
    const tick = (ts) => {
      if (last !== null) gaps.push(ts - last);
      last = ts;
      const w = b.visible();
      loading.push(w.items.length - w.rows.length);
      if (tree.scrollTop + tree.clientHeight >= tree.scrollHeight - 1) {
        resolve({ gaps, loading, ms: performance.now() - start, height: tree.scrollHeight });
        return;
      }
      tree.scrollTop += step;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  return true;
}
"""


def notebook_cells() -> list[str]:
    return [
        # 0: imports (timed on their own)
        "import time, json, os\n_t = time.perf_counter()\nfrom rucio_widgets import RucioBrowser\n"
        "_import_s = time.perf_counter() - _t\n"
        "def _rss():\n    for line in open('/proc/self/status'):\n"
        "        if line.startswith('VmRSS:'): return int(line.split()[1]) * 1024\n"
        "print(json.dumps({'import_s': _import_s, 'rss': _rss()}))",
        # 1: the display
        "b = RucioBrowser()\nb",
        # 2: kernel facts
        "print(json.dumps({'rss': _rss(), 'rows': len(b.results)}))",
        # 3: load the search to 100,000 rows
        "_t = time.perf_counter()\n_rows = b.load_more(100_000, timeout=600)\n"
        "print(json.dumps({'rows': len(_rows), 'load_s': time.perf_counter() - _t, 'rss': _rss()}))",
    ]


class UI:
    """JupyterLab with the bench notebook, and one chromium page on it."""

    def __init__(self, workdir: Path) -> None:
        from playwright.sync_api import sync_playwright

        from tests.ui.harness import JupyterServer, write_notebook

        self.workdir = workdir
        write_notebook(workdir / "bench.ipynb", notebook_cells())
        self.server = JupyterServer(workdir, "lab")
        self.server.start()
        self._pw = sync_playwright().start()
        self.browser = self._pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                args=CHROMIUM_ARGS)
        self.context = self.browser.new_context(viewport={"width": 1280, "height": 900})
        self.page: Any = None
        self.cdp: Any = None

    def open(self) -> None:
        """A fresh page and kernel on the notebook."""
        from tests.ui.harness import open_notebook

        if self.page is not None:
            self.page.close()
            self.server.shutdown_kernels()
        self.page = self.context.new_page()
        self.page.set_default_timeout(120_000)
        open_notebook(self.page, self.server, "bench.ipynb", timeout=120)
        self.page.evaluate(PAGE_JS)
        self.cdp = self.context.new_cdp_session(self.page)

    def run(self, index: int, timeout: float = 120) -> dict[str, Any]:
        from tests.ui.harness import run_cell

        text = run_cell(self.page, index, timeout)
        lines = [line for line in text.splitlines() if line.startswith("{")]
        return json.loads(lines[-1]) if lines else {}

    def heap(self) -> int:
        self.cdp.send("HeapProfiler.collectGarbage")
        return int(self.cdp.send("Runtime.getHeapUsage")["usedSize"])

    def close(self) -> None:
        for step in (lambda: self.context.close(), lambda: self.browser.close(),
                     lambda: self._pw.stop(), lambda: self.server.stop()):
            try:
                step()
            except Exception as exc:  # closing is best effort
                log(f"closing: {exc}")


# --- measurements ------------------------------------------------------------------------------

def display_once(ui: UI) -> float:
    """Run the display cell; ms from run-cell to the first frame with the panel interactive."""
    from tests.ui.harness import wait_kernel_idle

    wait_kernel_idle(ui.page)
    ui.page.evaluate("() => { window.__bench.marks = {}; document.querySelectorAll('.rucio-widgets')"
                     ".forEach((r) => { r.dataset.benchOld = '1'; }); }")
    ui.page.evaluate("() => { window.__bench.when('interactive', () => window.__bench.interactive()"
                     " && window.__bench.t.run !== undefined); return true; }")
    start = ui.page.evaluate("() => window.__bench.run(1)")
    ui.page.wait_for_function("() => window.__bench.marks.interactive !== undefined",
                              timeout=120_000)
    done = ui.page.evaluate("() => window.__bench.marks.interactive")
    ui.page.wait_for_function("() => window.__ui.kernelIdle()", timeout=120_000)
    return (done - start) / 1000


def search_box(ui: UI) -> Any:
    return ui.page.locator(".jp-Notebook .rucio-widgets .rw-search").last


def enter_search(ui: UI, pattern: str, check: str) -> float:
    """Type ``pattern`` and press Enter; seconds from the Enter keydown to the frame where
    ``check`` (page JS) first holds."""
    box = search_box(ui)
    box.fill(pattern)
    ui.page.evaluate("() => { delete window.__bench.marks.page; delete window.__bench.t.enter; }")
    ui.page.evaluate(f"() => {{ window.__bench.when('page', () => window.__bench.t.enter !== "
                     f"undefined && ({check})); return true; }}")
    box.press("Enter")
    ui.page.wait_for_function("() => window.__bench.marks.page !== undefined", timeout=120_000)
    t = ui.page.evaluate("() => window.__bench.marks.page - window.__bench.t.enter")
    return float(t) / 1000


def clear_results(ui: UI) -> None:
    """A search that matches nothing, so the next search's rows are new ones."""
    box = search_box(ui)
    box.fill(EMPTY_PATTERN)
    box.press("Enter")
    ui.page.wait_for_function("() => window.__bench.emptyShown()", timeout=60_000)
    ui.page.wait_for_timeout(300)


def raw_first_page(raw: Any, pattern: str, count: int = 100) -> float:
    scope, name = pattern.split(":", 1)
    t0 = now()
    rows = list(itertools.islice(raw.list_dids(scope, [{"name": name}], did_type="all",
                                               long=True), count))
    elapsed = now() - t0
    assert rows, pattern
    return elapsed


def bench_display(fig: Figures, ui: UI, reps: int) -> dict[str, Any]:
    """1a: display() to an interactive panel, fresh kernel and same kernel."""
    fresh, again, imports = [], [], []
    for rep in range(reps):
        ui.open()
        imports.append(ui.run(0)["import_s"])
        fresh.append(display_once(ui))
        again.append(display_once(ui))
        log(f"  display rep {rep + 1}: fresh kernel {fresh[-1]:.2f} s, same kernel {again[-1]:.2f} s")
    fig.add("U1", "`RucioBrowser()` display cell → interactive panel (search box, scopes in the "
            "picker, not busy), fresh kernel, after `import rucio_widgets`", secs(fresh), "", "",
            "≤ 1.5 s", yes(statistics.median(fresh) <= 1.5))
    fig.add("U1", "same, a second `RucioBrowser()` in the same kernel", secs(again), "", "",
            "≤ 1.5 s", yes(statistics.median(again) <= 1.5))
    fig.add("U1", "`from rucio_widgets import RucioBrowser` in a fresh kernel (not in the above)",
            secs(imports))
    return {"fresh": fresh, "again": again}


def bench_enter(fig: Figures, ui: UI, raw: Any, reps: int) -> None:
    """1b: Enter → the first page painted, next to the raw client's first 100 rows."""
    cases = [("bench:bench.00*", 10_000), (ALL_PATTERN, 100_000)]
    for pattern, matches in cases:
        ours, theirs = [], []
        for rep in range(reps + 1):  # one warm-up
            clear_results(ui)
            t_raw = raw_first_page(raw, pattern)
            time.sleep(0.3)
            t_ui = enter_search(ui, pattern, "window.__bench.pagePainted('bench:', 100)")
            if rep:
                ours.append(t_ui)
                theirs.append(t_raw)
        goal = statistics.median(theirs) + 0.100
        fig.add("U2", f"Enter → first 100 rows painted, `{pattern}` ({matches:,} matches)",
                secs(ours), secs(theirs) + " (first 100, `long=True`)",
                f"+{_fmt_s(statistics.median(ours) - statistics.median(theirs))}",
                "≤ raw + 100 ms", yes(statistics.median(ours) <= goal))


def bench_chevron(fig: Figures, ui: UI, reps: int) -> None:
    """1c: a dataset's chevron click → its first files painted (a different dataset each
    time, so nothing is cached)."""
    times = []
    for rep in range(reps + 1):
        did = f"{SCALE_SCOPE}:scale.ds.{rep + 50:03d}"
        enter_search(ui, did, f"window.__bench.pagePainted('{did}', 1)")
        chevron = ui.page.locator(".jp-Notebook .rucio-widgets .rw-tree .rw-row .rw-expand").first
        ui.page.evaluate("() => { delete window.__bench.marks.page; delete window.__bench.t.pointer; }")
        ui.page.evaluate("() => { window.__bench.when('page', () => window.__bench.t.pointer !== "
                         "undefined && window.__bench.childPainted()); return true; }")
        chevron.click()
        ui.page.wait_for_function("() => window.__bench.marks.page !== undefined", timeout=120_000)
        t = ui.page.evaluate("() => window.__bench.marks.page - window.__bench.t.pointer") / 1000
        if rep:
            times.append(t)
    fig.add("U3", "chevron click on a 1,000-file dataset → its first files painted (fresh "
            "dataset each run)", secs(times), "", "", "", "")


def frame_stats(gaps: Sequence[float]) -> dict[str, float]:
    ordered = sorted(gaps)
    total = sum(gaps)
    expected = total / FRAME
    dropped = max(0.0, expected - len(gaps))
    return {"dropped": dropped / expected if expected else 0.0,
            "p95": ordered[int(0.95 * (len(ordered) - 1))], "max": ordered[-1],
            "frames": len(gaps), "seconds": total / 1000}


def bench_scroll(fig: Figures, ui: UI, reps: int) -> None:
    """1d, 1e: 100,000 loaded rows: scrolling, and the tab's JS heap."""
    cold, warm, heaps, loads, rss, loading_share, baseline = [], [], [], [], [], [], []
    for rep in range(reps):
        ui.open()
        ui.run(0)
        display_once(ui)
        baseline.append(ui.heap())
        enter_search(ui, ALL_PATTERN, "window.__bench.pagePainted('bench:', 100)")
        loaded = ui.run(3, timeout=900)
        assert loaded["rows"] == SCROLL_ROWS, loaded
        loads.append(loaded["load_s"])
        rss.append(loaded["rss"])
        ui.page.wait_for_function(f"() => window.__bench.visible().length >= {SCROLL_ROWS}",
                                  timeout=120_000)
        ui.page.wait_for_timeout(1000)
        result = ui.page.evaluate(f"() => window.__bench.scroll({SCROLL_STEP_PX})")
        cold.append(frame_stats(result["gaps"]))
        loading_share.append(sum(1 for n in result["loading"] if n) / len(result["loading"]))
        ui.page.wait_for_timeout(3000)  # the last pages come in
        heaps.append(ui.heap())
        warm.append(frame_stats(ui.page.evaluate(f"() => window.__bench.scroll({SCROLL_STEP_PX})")
                                ["gaps"]))
        log(f"  scroll rep {rep + 1}: cold dropped {cold[-1]['dropped']:.1%} p95 "
            f"{cold[-1]['p95']:.1f} ms, warm dropped {warm[-1]['dropped']:.1%}; heap "
            f"{heaps[-1] / 2**20:.1f} MB; load_more {loads[-1]:.1f} s")

    def pct(values: list[float]) -> str:
        return (f"{statistics.median(values):.1%} ({min(values):.1%}..{max(values):.1%}, "
                f"n={len(values)})")

    def ms(values: list[float]) -> str:
        return (f"{statistics.median(values):.1f} ms ({min(values):.1f}..{max(values):.1f}, "
                f"n={len(values)})")

    frames = statistics.median([c["frames"] for c in cold])
    fig.add("U4", f"scroll through {SCROLL_ROWS:,} loaded rows, {SCROLL_STEP_PX:,} px per frame "
            f"(~{frames:.0f} frames), first pass (pages fetched as they come in view): dropped "
            "frames", pct([c["dropped"] for c in cold]), "", "", "(report)", "")
    fig.add("U4", "...95th percentile frame gap, first pass", ms([c["p95"] for c in cold]),
            "", "", "≈ 16.7 ms", yes(statistics.median([c["p95"] for c in cold]) <= 17.5))
    fig.add("U4", "...longest frame gap, first pass", ms([c["max"] for c in cold]))
    fig.add("U4", "...frames with rows in view still \"Loading…\", first pass", pct(loading_share))
    fig.add("U4", "second pass (every page in the view already): dropped frames / p95 gap",
            pct([w["dropped"] for w in warm]) + " / " + ms([w["p95"] for w in warm]), "", "",
            "≈ 16.7 ms", yes(statistics.median([w["p95"] for w in warm]) <= 17.5))
    fig.add("U5", "tab's JS heap with 100,000 rows loaded and scrolled through (CDP "
            "`Runtime.getHeapUsage` after a forced GC)", benchlib.mib(statistics.median(heaps)),
            f"before the search: {benchlib.mib(statistics.median(baseline))}", "", "", "")
    fig.add("U5", "`b.load_more(100_000)` in the kernel after the Enter (reads the search to "
            "its end)", secs(loads), "", "", "", "")
    fig.add("U5", "kernel RSS then", benchlib.mib(statistics.median(rss)))


# --- main --------------------------------------------------------------------------------------

def main(argv: Sequence[str] | None = None) -> int:
    parser = benchlib.bench_args(__doc__)
    parser.add_argument("--scroll-reps", type=int, default=3,
                        help="runs of the 100,000-row scroll (default 3)")
    parser.add_argument("--only", default="display,enter,chevron,scroll",
                        help="comma-separated parts to run (default all)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO))
    parts = set(args.only.split(","))
    with benchlib.bench_sandbox(args.dir, args.port, args.keep) as sandbox:
        import bench_scale

        seeded = bench_scale.seed_all(sandbox)
        from rucio_widgets.sandbox.testing import SandboxSession

        raw = SandboxSession(sandbox).client("alice")
        load_before = os.getloadavg()
        load = LoadWatch()
        version = benchlib.code_version()
        fig = Figures()
        with tempfile.TemporaryDirectory(prefix="bench-ui-") as tmp:
            ui = UI(Path(tmp))
            try:
                if "display" in parts:
                    log("U1: display ...")
                    bench_display(fig, ui, args.reps)
                ui.open()
                ui.run(0)
                display_once(ui)
                if "enter" in parts:
                    log("U2: Enter ...")
                    bench_enter(fig, ui, raw, args.reps)
                if "chevron" in parts:
                    log("U3: chevron ...")
                    bench_chevron(fig, ui, args.reps)
                if "scroll" in parts:
                    log("U4, U5: scroll and heap ...")
                    bench_scroll(fig, ui, args.scroll_reps)
            finally:
                ui.close()
        chromium = os.popen(f"{CHROMIUM} --version 2>/dev/null").read().strip() or CHROMIUM
        benchlib.append_results(
            args.out, "Real browser: JupyterLab 4 + chromium (bench_ui.py)", fig,
            command=benchlib.command_line(), load_before=load_before, load=load, version=version,
            extra=[f"browser: {chromium}, headless, viewport 1280x900; JupyterLab "
                   f"{_version('jupyterlab')}; Playwright {_version('playwright')}",
                   f"repetitions: {args.reps} (one warm-up for U2, U3), scroll: "
                   f"{args.scroll_reps}; seeding reused: {seeded['scale'].get('reused')}"],
            notes=["Times are taken in the page (`performance.now()`): from the run-cell command, "
                   "the Enter keydown or the pointerdown, to the first animation frame in which "
                   "the condition holds (what that frame paints).",
                   "Headless rAF is quantised near 16.7 ms; a dropped frame is a 16.7 ms slot "
                   "with no frame (frames expected over the pass's duration minus frames seen)."])
    return 0


def _version(name: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "?"


if __name__ == "__main__":
    sys.exit(main())
