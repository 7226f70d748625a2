#!/usr/bin/env python3
"""The widget in a real browser: JupyterLab 4 + Debian's chromium (see benchmarks/README.md).

    python3 benchmarks/bench_ui.py [--dir /tmp/rw-bench] [--reps 5] [--port 28600]

Starts a JupyterLab 4 server of its own (kernel: RUCIO_CONFIG of alice, no path cache),
opens a notebook in headless chromium through Playwright and times, with clocks read in the
page (``performance.now()``; Playwright's round trips are not counted):

1. running the cell ``browser = RucioBrowser(); browser`` → the search box visible and
   enabled (and → the status bar showing the signed-in account);
2. Enter in the search box → the first page's rows in the DOM and a frame after it, for
   ``bench:*`` (100,000 matches) and ``bench:bench.000*`` (1,000), next to rucio's own
   ``Client().list_dids(..., long=True)`` first 100 items, timed in this process;
3. a click on the chevron of the 5,000-file scale dataset → its first files painted;
4. scrolling the virtual list through 100,000 loaded rows: frame gaps and DOM rows;
5. the tab's JS heap (after a garbage collection) with the panel empty and with 100,000
   rows loaded.

Reuses the running sandbox in ``--dir`` (it is never stopped); when none runs there, starts
one of its own in ``--own-dir`` on ``--sandbox-port`` and seeds it, and stops it at the end
unless ``--keep``. Prints a markdown table and writes it to benchmarks/RESULTS-ui.md.
A script that prints figures, not a test: nothing here fails on a missed goal.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import itertools
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO / "tests"))

# Nothing of rucio may be imported before RUCIO_CONFIG is set.
from bench_browser import (  # noqa: E402
    SCALE_DATASET,
    Figures,
    _fmt_s,
    code_version,
    ensure_bench_dids,
    fmt_load,
    log,
    secs,
    yes,
)
from ui.harness import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    JupyterServer,
    cell_locator,
    open_notebook,
    run_cell,
    wait_kernel_idle,
    write_notebook,
)

from rucio_widgets.sandbox import Sandbox  # noqa: E402

DEFAULT_PORT = 28600
OWN_SANDBOX_PORT = 28649
ALL_ROWS = 100_000
#: (label, pattern, matches)
SEARCHES = [("~100k", "bench:*", 100_000), ("~1k", "bench:bench.000*", 1_000)]
NO_MATCH = "bench:nomatch.*"
FRAME_MS = 1000 / 60
SCROLL_SECONDS = 5.0
SLOW_ROWS = 3_000

now = time.perf_counter

# The notebook: 0 imports, 1 closes the previous panel, 2 displays a new one (timed),
# 3 loads every row of `bench:*` into the model, 4 says where the package came from.
CELLS = [
    "import time\nimport rucio_widgets\nfrom rucio_widgets import RucioBrowser",
    "if 'browser' in globals():\n    browser.close()\n    del browser",
    "browser = RucioBrowser(); browser",
    "t0 = time.perf_counter()\n"
    "browser.search('bench:*', timeout=300)\n"
    f"rows = browser.load_more({ALL_ROWS} - len(browser.results), timeout=1200)\n"
    "print(len(rows), f'{time.perf_counter() - t0:.2f}')",
    "print(rucio_widgets.__file__)",
]
CLOSE, DISPLAY, LOAD_ALL, WHERE = 1, 2, 3, 4

# --- in the page -----------------------------------------------------------------------------

# Runs cell `idx` after noting performance.now(), and watches the cell's node for the new
# panel's search box (visible, enabled) and for the status bar naming the account; each
# moment is followed by the next animation frame (the frame that paints it).
JS_DISPLAY = """
([idx, account]) => {
  const node = window.__ui.cell(idx).node;
  for (const w of node.querySelectorAll('.rucio-widgets')) w.setAttribute('data-bench-old', '');
  const out = window.__benchOut = {t0: 0, ready: null, readyFrame: null, signedIn: null,
                                   signedInFrame: null};
  const fresh = () => node.querySelector('.rucio-widgets:not([data-bench-old])');
  const check = () => {
    const w = fresh();
    if (!w) return;
    const box = w.querySelector('input.rw-search');
    const usable = !!box && !box.disabled && box.checkVisibility() &&
      box.getBoundingClientRect().width > 0;
    if (out.ready === null && usable) {
      out.ready = performance.now();
      requestAnimationFrame(() => { out.readyFrame = performance.now(); });
    }
    // Connected: signed in, the scopes are in the picker, "Connecting…" is over.
    const busy = w.querySelector('.rw-busy');
    const connected = w.querySelectorAll('select.rw-scope option').length > 1 &&
      !!busy && busy.hidden && (w.querySelector('.rw-status')?.textContent ?? '').includes(account);
    if (out.signedIn === null && usable && connected) {
      out.signedIn = performance.now();
      requestAnimationFrame(() => { out.signedInFrame = performance.now(); });
    }
    if (out.ready !== null && out.signedIn !== null) observer.disconnect();
  };
  const observer = new MutationObserver(check);
  observer.observe(node, {subtree: true, childList: true, attributes: true,
                          characterData: true});
  out.t0 = performance.now();
  window.__ui.run(idx);
  check();
  return true;
}
"""

# Installed once in the page: the tree's items in the DOM (rows with a DID, at `depth`, and
# "Loading…" notes), one scroll pass (the gaps between its frames), and a box laid over the
# panel's list for the reference lists.
JS_TREE = """
() => { window.__benchTree = (w, depth) => {
  const tree = w.querySelector('.rw-tree');
  const items = tree ? [...tree.querySelectorAll('.rw-item')] : [];
  const sel = depth === null ? '.rw-row[data-did]' : `.rw-row[data-did][data-depth="${depth}"]`;
  const rows = tree ? tree.querySelectorAll(sel).length : 0;
  const loading = items.filter((e) => e.classList.contains('rw-note-row') &&
    (depth === null || e.dataset.depth === String(depth))).length;
  return {items: items.length, rows, loading};
};
// One scroll pass: `el` from the top to `end` px over `seconds`, one scrollTop step per
// animation frame; the gaps between frames (ms); `onFrame()` runs at each frame first.
window.__benchScrollPass = async (el, seconds, end, onFrame = () => {}) => {
  const gaps = [];
  let last = null, t0 = null;
  await new Promise((resolve) => {
    const step = (t) => {
      if (t0 === null) t0 = t;
      if (last !== null) gaps.push(t - last);
      last = t;
      onFrame();
      const f = Math.min(1, (t - t0) / (seconds * 1000));
      el.scrollTop = Math.round(f * end);
      if (f < 1) requestAnimationFrame(step); else resolve();
    };
    requestAnimationFrame(step);
  });
  return gaps;
};
// A scrolling box laid over the current panel's list, as big as it (a reference list).
window.__benchOverlay = () => {
  const tree = document.querySelector('.rucio-widgets[data-bench-current] .rw-tree');
  const box = tree.getBoundingClientRect();
  const div = document.createElement('div');
  Object.assign(div.style, {position: 'fixed', left: `${box.left}px`, top: `${box.top}px`,
    width: `${box.width}px`, height: `${box.height}px`, overflowY: 'auto',
    background: 'white', zIndex: 10000, font: '13px sans-serif'});
  document.body.append(div);
  return div;
}; return true; }
"""

# Arms a watch on the panel: `event` on `selector` (capturing, so before the panel's own
# handler) starts the clock; done when rows at `depth` are in the DOM and none of the items
# in view is still loading, then the next frame.
JS_ARM = """
([selector, event, depth, prefix]) => {
  const w = document.querySelector('.rucio-widgets[data-bench-current]');
  const out = window.__benchOut = {t0: null, done: null, frame: null, rows: 0, items: 0};
  const check = () => {
    if (out.t0 === null || out.done !== null) return;
    const t = window.__benchTree(w, depth);
    const first = w.querySelector(depth === null ? '.rw-tree .rw-row[data-did]'
      : `.rw-tree .rw-row[data-did][data-depth="${depth}"]`);
    if (t.rows > 0 && t.loading === 0 && first && first.dataset.did.startsWith(prefix)) {
      out.done = performance.now();
      out.rows = t.rows;
      out.items = t.items;
      observer.disconnect();
      requestAnimationFrame(() => { out.frame = performance.now(); });
    }
  };
  const observer = new MutationObserver(check);
  const start = (e) => {
    if (!e.target.closest(selector)) return;
    w.removeEventListener(event, start, true);
    out.t0 = performance.now();
    observer.observe(w, {subtree: true, childList: true, attributes: true});
  };
  w.addEventListener(event, start, true);
  return true;
}
"""

# Scrolls the tree from the top over `seconds` to the bottom (or `rows` rows down), one
# scrollTop step per animation frame, recording the gaps between frames and the items in
# the DOM at each frame.
JS_SCROLL = """
async ([seconds, rows]) => {
  const w = document.querySelector('.rucio-widgets[data-bench-current]');
  const tree = w.querySelector('.rw-tree');
  tree.scrollTop = 0;
  await new Promise((r) => setTimeout(r, 500));
  const bottom = tree.scrollHeight - tree.clientHeight;
  const end = rows ? Math.min(bottom, rows * 28) : bottom;
  const items = [], handler = [], longTasks = [];
  // The panel's own scroll handler, timed: a capturing listener on an ancestor runs just
  // before it, one added to the list now runs just after it (same target, added later).
  let began = null;
  const before = () => { began = performance.now(); };
  const after = () => {
    if (began !== null) handler.push(performance.now() - began);
    began = null;
  };
  w.addEventListener('scroll', before, true);
  tree.addEventListener('scroll', after);
  const tasks = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) longTasks.push(e.duration);
  });
  tasks.observe({type: 'longtask'});
  const gaps = await window.__benchScrollPass(tree, seconds, end, () => {
    items.push(tree.querySelectorAll('.rw-item').length);
  });
  const scrolled = performance.now();
  w.removeEventListener('scroll', before, true);
  tree.removeEventListener('scroll', after);
  tasks.disconnect();
  // The rows now in view: how long until their pages are in.
  let settled = null;
  while (performance.now() - scrolled < 30000) {
    const t = window.__benchTree(w, null);
    if (t.rows > 0 && t.loading === 0) { settled = performance.now() - scrolled; break; }
    await new Promise((r) => setTimeout(r, 20));
  }
  const lastRow = [...tree.querySelectorAll('.rw-row[data-did]')].pop();
  return {gaps, items, handler, longTasks, end, settled, scrollHeight: tree.scrollHeight,
          lastIndex: lastRow ? Number(lastRow.dataset.index) : -1};
}
"""


# Frame gaps of the page doing nothing, for `seconds`: what this machine allows.
JS_IDLE_FRAMES = """
async (seconds) => {
  const gaps = [];
  let last = null;
  await new Promise((resolve) => {
    const t0 = performance.now();
    const step = (t) => {
      if (last !== null) gaps.push(t - last);
      last = t;
      if (t - t0 < seconds * 1000) requestAnimationFrame(step); else resolve();
    };
    requestAnimationFrame(step);
  });
  return gaps;
}
"""


# The machine's floor for the slower scroll: a plain list of `rows` static rows (no
# script), as big as the panel's list and laid over it, scrolled the same way.
JS_REFERENCE = """
async ([seconds, rows]) => {
  const div = window.__benchOverlay();
  const cells = (i) => ['', `bench:bench.${String(i).padStart(6, '0')}.sample`, '1.2 GB',
    '5', 'AVAILABLE', ''].map((t) => `<span style="display:inline-block;width:16%">${t}</span>`);
  div.innerHTML = Array.from({length: rows}, (_, i) =>
    `<div style="height:28px;white-space:nowrap">${cells(i).join('')}</div>`).join('');
  await new Promise((r) => setTimeout(r, 500));
  const gaps = await window.__benchScrollPass(div, seconds, div.scrollHeight - div.clientHeight);
  div.remove();
  return gaps;
}
"""


# The machine's floor for the full scroll: a minimal virtual list of `rows` rows (a pool of
# row elements with six plain text cells in a grid, patched with textContent as the list
# moves; no icons, no badges, no pages to ask for), as big as the panel's list and laid over
# it, scrolled the same way.
JS_VIRTUAL_FLOOR = """
async ([seconds, rows]) => {
  const div = window.__benchOverlay();
  const spacer = document.createElement('div');
  Object.assign(spacer.style, {position: 'relative', height: `${rows * 28}px`});
  div.append(spacer);
  const pool = [];
  const render = () => {
    const first = Math.max(0, Math.floor(div.scrollTop / 28) - 6);
    const last = Math.min(rows - 1, Math.ceil((div.scrollTop + div.clientHeight) / 28) + 6);
    for (let i = first; i <= last; i++) {
      let el = pool[i - first];
      if (!el) {
        el = document.createElement('div');
        Object.assign(el.style, {position: 'absolute', left: 0, right: 0, height: '28px',
          display: 'grid', gridTemplateColumns: '28px 1fr 72px 60px 128px 52px',
          alignItems: 'center', whiteSpace: 'nowrap', contain: 'strict'});
        for (let c = 0; c < 6; c++) el.append(document.createElement('span'));
        spacer.append(el);
        pool.push(el);
      }
      el.style.transform = `translateY(${i * 28}px)`;
      const cells = el.children;
      cells[1].textContent = `bench:bench.${String(i).padStart(6, '0')}.sample`;
      cells[2].textContent = `${(i % 977) / 10} GB`;
      cells[3].textContent = String(i % 50);
      cells[4].textContent = i % 3 ? 'AVAILABLE' : 'REPLICATING';
    }
  };
  div.addEventListener('scroll', render);
  render();
  await new Promise((r) => setTimeout(r, 500));
  const gaps = await window.__benchScrollPass(div, seconds, div.scrollHeight - div.clientHeight);
  div.remove();
  return gaps;
}
"""


# --- the server and the page ---------------------------------------------------------------

class LabServer(JupyterServer):
    """The harness's JupyterLab 4, on a port of ours rather than any free one."""

    def __init__(self, root_dir: Path, port: int, env: dict[str, str]) -> None:
        super().__init__(root_dir, "lab", env=env)
        self.fixed_port = port

    def _argv(self, tmp: Path) -> list[str]:
        self.port = self.fixed_port
        return super()._argv(tmp)


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def wait_out(page: Any, keys: Sequence[str], timeout: float = 120) -> dict[str, Any]:
    """Wait until window.__benchOut has every key in ``keys`` set; return it."""
    cond = " && ".join(f"window.__benchOut.{k} !== null" for k in keys)
    page.wait_for_function(f"() => !!window.__benchOut && {cond}", timeout=timeout * 1000)
    return dict(page.evaluate("() => window.__benchOut"))


def heap_mb(cdp: Any) -> float:
    """The tab's used JS heap after a full garbage collection, in MB."""
    cdp.send("HeapProfiler.collectGarbage")
    cdp.send("HeapProfiler.collectGarbage")
    return float(cdp.send("Runtime.getHeapUsage")["usedSize"]) / 1e6


def mb(values: Sequence[float]) -> str:
    med = statistics.median(values)
    if len(values) == 1:
        return f"{med:.1f} MB"
    return f"{med:.1f} MB ({min(values):.1f}..{max(values):.1f}, n={len(values)})"


def ms(values: Sequence[float]) -> str:
    return secs([v / 1000 for v in values])


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


METRICS = ("ScriptDuration", "RecalcStyleDuration", "LayoutDuration", "TaskDuration")


def timed_metrics(cdp: Any, fn: Any) -> tuple[Any, dict[str, float]]:
    """``fn()`` and the page's main-thread time it took, by kind (CDP Performance metrics,
    in ms): script, style recalculation, layout, and all tasks."""
    def read() -> dict[str, float]:
        got = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
        return {k: float(got.get(k, 0.0)) for k in METRICS}

    before = read()
    result = fn()
    after = read()
    return result, {k: (after[k] - before[k]) * 1000 for k in METRICS}


def fmt_metrics(runs: Sequence[dict[str, float]]) -> str:
    med = {k: statistics.median(r[k] for r in runs) for k in METRICS}
    return (f"script {med['ScriptDuration']:.0f} ms, style {med['RecalcStyleDuration']:.0f} ms, "
            f"layout {med['LayoutDuration']:.0f} ms, all tasks {med['TaskDuration']:.0f} ms")


def dropped_share(gaps: Sequence[float]) -> float:
    """The share of frame gaps longer than 1.5 frames (a frame or more missed)."""
    return sum(1 for g in gaps if g > 1.5 * FRAME_MS) / len(gaps)


class Panel:
    """The notebook page and the panel displayed last."""

    def __init__(self, page: Any, account: str) -> None:
        self.page = page
        self.account = account

    @property
    def widget(self) -> Any:
        return self.page.locator(".rucio-widgets[data-bench-current]")

    def display(self) -> dict[str, float]:
        """Run the display cell; ms from running it to the search box usable (and a frame
        after), and to the status bar showing the account."""
        page = self.page
        run_cell(page, CLOSE)
        wait_kernel_idle(page)
        page.evaluate("() => { for (const w of document.querySelectorAll("
                      "'.rucio-widgets[data-bench-current]')) "
                      "w.removeAttribute('data-bench-current'); }")
        page.evaluate(JS_DISPLAY, [DISPLAY, self.account])
        out = wait_out(page, ["ready", "readyFrame", "signedIn", "signedInFrame"])
        page.wait_for_function(f"() => window.__ui.runFinished({DISPLAY})", timeout=60_000)
        cell_locator(page, DISPLAY).locator(".rucio-widgets:not([data-bench-old])").evaluate(
            "(w) => w.setAttribute('data-bench-current', '')")
        t0 = out["t0"]
        return {k: out[k] - t0 for k in ("ready", "readyFrame", "signedIn", "signedInFrame")}

    def search(self, pattern: str, prefix: str) -> dict[str, float]:
        """Type ``pattern``, press Enter; ms until its first rows are in the DOM with none in
        view loading, and a frame after."""
        box = self.widget.locator("input.rw-search")
        box.fill(pattern)
        self.page.evaluate(JS_ARM, ["input.rw-search", "keydown", None, prefix])
        box.press("Enter")
        out = wait_out(self.page, ["t0", "done", "frame"])
        return {"done": out["done"] - out["t0"], "frame": out["frame"] - out["t0"],
                "rows": out["rows"], "items": out["items"]}

    def clear(self) -> None:
        """Search for nothing, so that the next search starts from an empty list."""
        box = self.widget.locator("input.rw-search")
        box.fill(NO_MATCH)
        box.press("Enter")
        self.page.wait_for_function(
            "() => { const e = document.querySelector("
            "'.rucio-widgets[data-bench-current] .rw-empty');"
            " return !!e && !e.hidden && e.textContent.includes('No DIDs match'); }",
            timeout=60_000)

    def expand(self, did: str) -> dict[str, float]:
        """Search ``did``, click its chevron; ms until its first files are painted."""
        box = self.widget.locator("input.rw-search")
        box.fill(did)
        box.press("Enter")
        row = self.widget.locator(f'.rw-row[data-did="{did}"]')
        row.wait_for(state="visible", timeout=60_000)
        scope = did.split(":", 1)[0]
        self.page.evaluate(JS_ARM, [".rw-expand", "click", 1, scope + ":"])
        row.locator(".rw-expand").click()
        out = wait_out(self.page, ["t0", "done", "frame"])
        return {"done": out["done"] - out["t0"], "frame": out["frame"] - out["t0"],
                "rows": out["rows"]}


# --- measurements ----------------------------------------------------------------------------

def raw_first_page(client: Any, pattern: str) -> float:
    """Seconds for rucio's own client to yield the first 100 of a wildcard search."""
    scope, name = pattern.split(":", 1)
    t0 = now()
    first = list(itertools.islice(
        client.list_dids(scope, {"name": name}, did_type="all", long=True), 100))
    elapsed = now() - t0
    assert len(first) == 100, len(first)
    return elapsed


def bench_panel(fig: Figures, panel: Panel, cdp: Any, raw: Any, reps: int) -> None:
    """1-3 and the empty heap: a new panel per round, searched and expanded."""
    shown: list[dict[str, float]] = []
    searched: dict[str, list[dict[str, float]]] = {p: [] for _, p, _ in SEARCHES}
    raws: dict[str, list[float]] = {p: [] for _, p, _ in SEARCHES}
    expanded: list[dict[str, float]] = []
    empty_heap: list[float] = []
    first: dict[str, float] = {}
    for rep in range(reps + 1):  # round 0 warms the kernel, the connections and the page
        log(f"  round {rep} of {reps} ...")
        timing = panel.display()
        if rep == 0:
            first = timing
        else:
            shown.append(timing)
            empty_heap.append(heap_mb(cdp))
        for _label, pattern, _n in SEARCHES:
            panel.clear()
            raw_t = raw_first_page(raw, pattern)
            got = panel.search(pattern, pattern.split("*", 1)[0])
            if rep:
                raws[pattern].append(raw_t)
                searched[pattern].append(got)
        got = panel.expand(SCALE_DATASET)
        if rep:
            expanded.append(got)

    fig.add("1", "`browser = RucioBrowser(); browser` run → search box visible and enabled, "
            "next frame", ms([s["readyFrame"] for s in shown]), "", "", "≤ 1.5 s",
            yes(statistics.median(s["readyFrame"] for s in shown) <= 1500))
    fig.add("1", "...→ connected: scopes in the picker, \"Connecting…\" gone, account shown, "
            "next frame",
            ms([s["signedInFrame"] for s in shown]), "", "", "", "")
    fig.add("1", "...the kernel's first panel (round 0, package imported in an earlier cell)",
            f"{_fmt_s(first['readyFrame'] / 1000)} / connected "
            f"{_fmt_s(first['signedInFrame'] / 1000)}", "", "", "", "")
    for label, pattern, n in SEARCHES:
        runs = searched[pattern]
        ours = [r["frame"] / 1000 for r in runs]
        theirs = raws[pattern]
        gap = statistics.median(ours) - statistics.median(theirs)
        fig.add("2", f"Enter with `{pattern}` ({n:,} matches, {label}) → first page's rows in "
                f"the DOM ({statistics.median(r['rows'] for r in runs):.0f} rows in view), "
                "none loading, next frame", secs(ours), secs(theirs) + " (first 100, "
                "`long=True`)", f"+{gap * 1000:.0f} ms", "≤ raw + 100 ms",
                yes(gap <= 0.100))
    fig.add("3", f"chevron of `{SCALE_DATASET}` (5,000 files; a new panel each round) → "
            "first files painted, next frame",
            ms([e["frame"] for e in expanded]), "", "", "", "")
    fig.add("5", "tab's JS heap after GC, panel open and empty (JupyterLab included)",
            mb(empty_heap), "", "", "", "")


def bench_scroll(fig: Figures, panel: Panel, cdp: Any, reps: int) -> None:
    """4 and 5: every row of `bench:*` in the model, the list scrolled top to bottom."""
    page = panel.page
    t0 = now()
    text = run_cell(page, LOAD_ALL, timeout=1500)
    loaded, took = text.split()[:2]
    log(f"  {loaded} rows in the model ({took} s in the kernel, {now() - t0:.1f} s seen)")
    fig.add("4", "`search('bench:*')` + `load_more()` to every row, in the kernel",
            f"{int(loaded):,} rows in {took} s", "", "", "", "")
    # The view learns of the rows through results_state: wait until the list is that long.
    page.wait_for_function(
        "(n) => { const t = document.querySelector("
        "'.rucio-widgets[data-bench-current] .rw-tree');"
        " return !!t && t.scrollHeight >= n * 28; }", arg=int(loaded), timeout=120_000)
    page.wait_for_timeout(2000)
    loaded_heap = [heap_mb(cdp)]
    idle = page.evaluate(JS_IDLE_FRAMES, 3.0)
    passes: list[dict[str, Any]] = []
    passes_spent: list[dict[str, float]] = []
    slow_spent: list[dict[str, float]] = []
    plain_spent: list[dict[str, float]] = []
    floor_spent: list[dict[str, float]] = []
    for rep in range(reps):
        log(f"  scroll {rep + 1} of {reps} ...")
        result, spent = timed_metrics(cdp, lambda: page.evaluate(JS_SCROLL, [SCROLL_SECONDS, 0]))
        passes.append(result)
        passes_spent.append(spent)
        page.wait_for_timeout(1000)
        loaded_heap.append(heap_mb(cdp))
    slow = []
    for rep in range(reps):
        log(f"  slower scroll {rep + 1} of {reps} ...")
        result, spent = timed_metrics(
            cdp, lambda: page.evaluate(JS_SCROLL, [SCROLL_SECONDS, SLOW_ROWS]))
        slow.append(result)
        slow_spent.append(spent)
        page.wait_for_timeout(500)
    plain = []
    for rep in range(reps):
        log(f"  plain list {rep + 1} of {reps} ...")
        result, spent = timed_metrics(
            cdp, lambda: page.evaluate(JS_REFERENCE, [SCROLL_SECONDS, SLOW_ROWS]))
        plain.append(result)
        plain_spent.append(spent)
        page.wait_for_timeout(500)
    floor = []
    for rep in range(reps):
        log(f"  minimal virtual list {rep + 1} of {reps} ...")
        result, spent = timed_metrics(
            cdp, lambda: page.evaluate(JS_VIRTUAL_FLOOR, [SCROLL_SECONDS, int(loaded)]))
        floor.append(result)
        floor_spent.append(spent)
        page.wait_for_timeout(500)
    dropped = [dropped_share(p["gaps"]) for p in passes]
    p95 = [percentile(p["gaps"], 0.95) for p in passes]
    worst = [max(p["gaps"]) for p in passes]
    frames = [len(p["gaps"]) for p in passes]
    items = [x for p in passes for x in p["items"]]
    settled = [p["settled"] for p in passes if p["settled"] is not None]
    fig.add("4", f"scroll through {int(loaded):,} rows (top to bottom in {SCROLL_SECONDS:.0f} s, "
            "one `scrollTop` step per frame): share of dropped frames (gap > 25 ms)",
            f"{statistics.median(dropped) * 100:.0f}% ({min(dropped) * 100:.0f}%.."
            f"{max(dropped) * 100:.0f}%, n={len(dropped)}; first pass "
            f"{dropped[0] * 100:.0f}%)", "", "", "(reported)", "")
    fig.add("4", "...the same full scroll of a minimal virtual list laid over the panel "
            f"({int(loaded):,} rows of six plain text cells, patched with textContent, no "
            "pages to ask for): dropped share / p95 gap", "",
            f"{statistics.median(dropped_share(g) for g in floor) * 100:.0f}% / "
            + ms([percentile(g, 0.95) for g in floor]), "", "", "")
    idle_dropped = dropped_share(idle)
    fig.add("4", "...p95 frame gap", ms(p95) + f"; first pass {p95[0]:.1f} ms",
            f"idle page, no scrolling, 3 s: p95 {percentile(idle, 0.95):.1f} ms, "
            f"{idle_dropped * 100:.0f}% dropped, longest {max(idle):.1f} ms", "",
            "≤ 16.7 ms (indicative)", yes(statistics.median(p95) <= FRAME_MS + 0.5))
    fig.add("4", "...longest frame gap per pass; frames per pass",
            ms(worst) + f"; {statistics.median(frames):.0f} frames", "", "", "", "")
    handler = [x for p in passes for x in p["handler"]]
    fig.add("4", "...the panel's own scroll handler (render the rows in view, ask for their "
            "pages), per scroll event, all passes: median / p95 / longest",
            f"{statistics.median(handler):.1f} / {percentile(handler, 0.95):.1f} / "
            f"{max(handler):.1f} ms ({len(handler)} events)", "", "", "", "")
    tasks = [sum(p["longTasks"]) for p in passes]
    fig.add("4", "...long tasks (> 50 ms) on the page's main thread per pass: count, total",
            f"{statistics.median(len(p['longTasks']) for p in passes):.0f}; "
            + ms(tasks), "", "", "", "")
    slow_dropped = [dropped_share(p["gaps"]) for p in slow]
    slow_handler = [x for p in slow for x in p["handler"]]
    fig.add("4", f"diagnostic, a slower scroll: the first {SLOW_ROWS:,} rows in "
            f"{SCROLL_SECONDS:.0f} s (about {SLOW_ROWS / SCROLL_SECONDS / 60:.0f} rows a frame, "
            "a fast wheel): dropped share / p95 gap / handler p95",
            f"{statistics.median(slow_dropped) * 100:.0f}% / "
            + ms([percentile(p["gaps"], 0.95) for p in slow])
            + f" / {percentile(slow_handler, 0.95):.1f} ms",
            f"a plain static list of {SLOW_ROWS:,} rows (no script), same size, same scroll: "
            f"{statistics.median(dropped_share(g) for g in plain) * 100:.0f}% / "
            + ms([percentile(g, 0.95) for g in plain]), "", "", "")
    fig.add("4", "diagnostic: the page's main-thread time per 5 s pass (CDP Performance "
            "metrics; includes the setup before each pass), full scroll / slower scroll",
            fmt_metrics(passes_spent) + " / " + fmt_metrics(slow_spent),
            "plain list: " + fmt_metrics(plain_spent) + "; minimal virtual list, full "
            "scroll: " + fmt_metrics(floor_spent), "", "", "")
    fig.add("4", "...row elements in the DOM while scrolling (every frame of every pass)",
            f"median {statistics.median(items):.0f}, max {max(items)}, min {min(items)}",
            "", "", "~100", yes(max(items) <= 150))
    fig.add("4", "...after the last step, until the rows in view are in (no \"Loading…\")",
            ms(settled) if settled else "never (30 s)",
            "", "", "", "" if len(settled) == len(passes) else "**no**")
    fig.add("5", f"tab's JS heap after GC with {int(loaded):,} rows loaded: before scrolling / "
            "after the scroll passes", f"{loaded_heap[0]:.1f} MB / {mb(loaded_heap[1:])}",
            "", "", "", "")


def profile_scroll(panel: Panel, cdp: Any, out: Path, top: int = 25) -> None:
    """One full scroll pass under the CDP sampling profiler; the profile is written to
    ``out`` and the functions with the most self time are printed (stderr)."""
    cdp.send("Profiler.enable")
    cdp.send("Profiler.setSamplingInterval", {"interval": 200})
    cdp.send("Profiler.start")
    panel.page.evaluate(JS_SCROLL, [SCROLL_SECONDS, 0])
    profile = cdp.send("Profiler.stop")["profile"]
    cdp.send("Profiler.disable")
    out.write_text(json.dumps(profile))
    nodes = {n["id"]: n for n in profile["nodes"]}
    deltas = profile.get("timeDeltas", [])
    self_ms: dict[str, float] = {}
    for sample, delta in zip(profile.get("samples", []), [*deltas[1:], 0], strict=False):
        frame = nodes[sample]["callFrame"]
        url = frame.get("url", "").rsplit("/", 1)[-1]
        name = frame.get("functionName") or "(anonymous)"
        where = f"{name} {url}:{frame.get('lineNumber', 0) + 1}"
        self_ms[where] = self_ms.get(where, 0.0) + delta / 1000
    total = sum(self_ms.values())
    log(f"  sampled {total:.0f} ms; top self times:")
    for where, spent in sorted(self_ms.items(), key=lambda kv: -kv[1])[:top]:
        log(f"  {spent:8.1f} ms {spent / total * 100:5.1f}%  {where}")


# --- main ------------------------------------------------------------------------------------

def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/rw-bench"),
                        help="the running bench sandbox to use (default /tmp/rw-bench)")
    parser.add_argument("--own-dir", type=Path, default=Path("/tmp/rw-bench-ui"),
                        help="where to start a sandbox when none runs in --dir")
    parser.add_argument("--sandbox-port", type=int, default=OWN_SANDBOX_PORT,
                        help=f"its port (default {OWN_SANDBOX_PORT})")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help=f"JupyterLab's port (default {DEFAULT_PORT})")
    parser.add_argument("--reps", type=int, default=5,
                        help="timed rounds per figure, after one warm-up round (default 5)")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS-ui.md",
                        help="where to write the table (default benchmarks/RESULTS-ui.md)")
    parser.add_argument("--keep", action="store_true",
                        help="leave a sandbox this script started running")
    parser.add_argument("--only", choices=("all", "panel", "scroll"), default="all",
                        help="panel: figures 1-3; scroll: figures 4-5 (default: all)")
    parser.add_argument("--profile", type=Path, default=None,
                        help="after the scroll passes, one more full pass under the CDP "
                        "profiler: the profile is written to this file (.cpuprofile, for "
                        "Chromium's DevTools) and its top self times printed")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _raise_interrupt)

    sandbox = Sandbox(args.dir, log=log)
    started = False
    if not sandbox.status().up:
        sandbox = Sandbox(args.own_dir, log=log)
        if not sandbox.status().up:
            log(f"no sandbox runs in {args.dir}: starting one in {sandbox.dir} on port "
                f"{args.sandbox_port} ...")
            started = True
    else:
        log(f"reusing the running sandbox in {sandbox.dir}")
    os.environ["RUCIO_CONFIG"] = str(sandbox.layout.client_config("alice"))
    os.environ["RUCIO_WIDGETS_CACHE_DIR"] = "off"
    for name in ("RUCIO_HOME", "RUCIO_ACCOUNT", "RUCIO_AUTH_TYPE"):
        os.environ.pop(name, None)
    try:
        if started:
            sandbox.up(db="postgresql", port=args.sandbox_port)
        return run(sandbox, args)
    finally:
        if started and not args.keep:
            sandbox.down()
        elif started:
            log(f"sandbox left running in {sandbox.dir}; stop it with "
                f"`python3 -m rucio_widgets.cli sandbox down --dir {sandbox.dir}`")


def run(sandbox: Sandbox, args: argparse.Namespace) -> int:
    from importlib import metadata

    from playwright.sync_api import sync_playwright

    from rucio_widgets.sandbox.testing import SandboxSession

    session = SandboxSession(sandbox)
    alice = session.client("alice")
    ensure_bench_dids(session.client("root"), sandbox.dir)
    if not port_is_free(args.port):
        raise SystemExit(f"port {args.port} is taken: pick another with --port")

    load_before = os.getloadavg()
    version = code_version()
    fig = Figures()
    notebooks = Path(tempfile.mkdtemp(prefix="rw-bench-ui-"))
    write_notebook(notebooks / "bench.ipynb", CELLS)
    env = {
        "RUCIO_CONFIG": os.environ["RUCIO_CONFIG"],
        "RUCIO_WIDGETS_CACHE_DIR": "off",
        # The kernel imports the package from this checkout, as this script does.
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]).rstrip(
            os.pathsep),
    }
    server = LabServer(notebooks, args.port, env)
    chromium_version = "?"
    where = "?"
    try:
        log(f"starting JupyterLab on port {args.port} ...")
        server.start()
        with sync_playwright() as pw:
            chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                          args=["--headless", *CHROMIUM_ARGS])
            chromium_version = chromium.version
            try:
                context = chromium.new_context(viewport={"width": 1280, "height": 900})
                page = context.new_page()
                page.set_default_timeout(60_000)
                page.set_default_navigation_timeout(90_000)
                cdp = context.new_cdp_session(page)
                cdp.send("Performance.enable")
                log("opening the notebook ...")
                open_notebook(page, server, "bench.ipynb", timeout=120)
                page.evaluate(JS_TREE)
                run_cell(page, 0, timeout=120)
                where = run_cell(page, WHERE).strip()
                panel = Panel(page, "alice")
                if args.only in ("all", "panel"):
                    log("1-3: display, searches, expand ...")
                    bench_panel(fig, panel, cdp, alice, args.reps)
                else:
                    panel.display()
                if args.only in ("all", "scroll"):
                    log("4-5: 100,000 rows, scrolling, heap ...")
                    bench_scroll(fig, panel, cdp, args.reps)
                if args.profile is not None:
                    log(f"profiling one more full scroll pass into {args.profile} ...")
                    profile_scroll(panel, cdp, args.profile)
            finally:
                chromium.close()
    finally:
        server.stop()
        shutil.rmtree(notebooks, ignore_errors=True)

    versions = (f"jupyterlab {metadata.version('jupyterlab')}, chromium {chromium_version} "
                f"(headless, no GPU), playwright {metadata.version('playwright')}, "
                f"anywidget {metadata.version('anywidget')}, "
                f"rucio-clients {metadata.version('rucio-clients')}")
    header = [
        "# rucio-widgets real-browser benchmark results (JupyterLab 4)",
        "",
        f"- date: {datetime.datetime.now().isoformat(timespec='seconds')}",
        f"- code: {version}; the kernel imported `{where}`",
        f"- machine: {os.cpu_count()} cores (`nproc`), {platform.platform()}; the same cores "
        "run chromium, JupyterLab, the kernel and the Rucio server",
        f"- python {platform.python_version()}, {versions}",
        f"- sandbox: {sandbox.dir} ({sandbox.server_url()})",
        f"- load average (1, 5, 15 min) at start {fmt_load(load_before)}, at end "
        f"{fmt_load(os.getloadavg())} (other work on the machine adds noise)",
        f"- repetitions: {args.reps} rounds after one warm-up round (median, min..max, n); "
        "each round displays a new panel",
        f"- command: `python3 benchmarks/bench_ui.py {' '.join(sys.argv[1:])}`".rstrip(),
        "",
        "Times are read in the page (`performance.now()`): from the moment the cell is run, "
        "the Enter key or the click is dispatched, to a `MutationObserver` seeing the result, "
        "then to the next `requestAnimationFrame` callback (the frame that paints it). "
        "`raw client` is rucio's own `Client` (alice) in the benchmark's process, against "
        "the same server, in the same rounds.",
        "",
    ]
    text = "\n".join(header) + fig.table() + "\n"
    print(text)
    args.out.write_text(text)
    log(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
    sys.exit(130)
