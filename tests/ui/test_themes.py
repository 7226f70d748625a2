"""The panel in JupyterLab's light and dark themes: screenshots, and a contrast check that
reads the colours Chromium computed. Every text of the panel and every availability badge
(each status, with and without a progress bar behind its text) must reach WCAG's 4.5:1."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from rucio_widgets.protocol import STATUSES
from rucio_widgets.sandbox.testing import SandboxSession

from .harness import (
    JupyterServer,
    cell_locator,
    open_notebook,
    run_cell,
    screenshot,
    write_notebook,
)

THEMES = ("JupyterLab Light", "JupyterLab Dark")
#: WCAG 2 AA for normal text.
MIN_CONTRAST = 4.5

# Runs in the page, on the widget's root. Colours are parsed from the computed styles
# (rgb(), rgba() and color(srgb ...), which is what color-mix() computes to), text colours
# are composited over the backgrounds behind them, and contrast is WCAG's relative
# luminance ratio. Returns every text and badge below the threshold, and the count checked.
_CONTRAST = """
(root, [statuses, threshold]) => {
  const parse = (css) => {
    let m = css.match(/^rgba?\\(([^)]+)\\)$/);
    if (m) {
      const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
      return { r: p[0] / 255, g: p[1] / 255, b: p[2] / 255, a: p.length > 3 ? p[3] : 1 };
    }
    m = css.match(/^color\\(srgb ([^)]+)\\)$/);
    if (m) {
      const p = m[1].split(/[ /]+/).filter(Boolean).map(Number);
      return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
    }
    throw new Error(`cannot read the colour ${css}`);
  };
  const over = (top, bottom) => {
    const a = top.a + bottom.a * (1 - top.a);
    const mix = (k) => (top[k] * top.a + bottom[k] * bottom.a * (1 - top.a)) / (a || 1);
    return { r: mix('r'), g: mix('g'), b: mix('b'), a };
  };
  const lum = (c) => {
    const f = (v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const ratio = (x, y) => {
    const [hi, lo] = [lum(x), lum(y)].sort((a, b) => b - a);
    return (hi + 0.05) / (lo + 0.05);
  };
  // What is painted behind an element: its background and its ancestors', down to the first
  // opaque one (white when none is).
  const behind = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c.a > 0) layers.push(c);
      if (c.a >= 1) break;
    }
    let bg = { r: 1, g: 1, b: 1, a: 1 };
    for (const layer of layers.reverse()) bg = over(layer, bg);
    return bg;
  };
  const opacity = (el) => {
    let o = 1;
    for (let e = el; e; e = e.parentElement) o *= Number(getComputedStyle(e).opacity);
    return o;
  };
  const fail = [];
  let checked = 0;
  const check = (el, text, extra = []) => {
    const fg = parse(getComputedStyle(el).color);
    fg.a *= opacity(el);
    for (const bg of [behind(el), ...extra.map((layer) => over(layer, behind(el)))]) {
      const r = ratio(over(fg, bg), bg);
      checked += 1;
      if (r < threshold) {
        fail.push({ text: text.slice(0, 40), cls: el.className, ratio: Math.round(r * 100) / 100,
                    color: getComputedStyle(el).color, bg: JSON.stringify(bg) });
      }
    }
  };
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!n.data.trim() || !el || !el.getClientRects().length) continue;
    if (getComputedStyle(el).visibility === 'hidden') continue;
    // WCAG exempts disabled controls.
    if (el.closest(':disabled, [aria-disabled="true"]')) continue;
    if (el.closest('.rw-badge')) continue;  // below, with their progress bars
    check(el, n.data.trim());
  }
  for (const input of root.querySelectorAll('input[type="text"], select')) {
    if (input.value && !input.disabled && input.getClientRects().length) check(input, input.value);
  }
  // Every status, in a badge of the real CSS, with the progress bar's layer behind its text.
  const cell = root.querySelector('.rw-cell-badge');
  if (!cell) throw new Error('no badge cell to test the badges in');
  for (const status of statuses) {
    const badge = document.createElement('span');
    badge.className = 'rw-badge';
    badge.dataset.status = status;
    badge.textContent = status;
    cell.append(badge);
    const probe = document.createElement('span');
    probe.style.backgroundColor = 'var(--rw-badge-bar)';  // the progress bar's colour
    badge.append(probe);
    const bar = parse(getComputedStyle(probe).backgroundColor);
    probe.remove();
    check(badge, status, status === 'UNKNOWN' ? [] : [bar]);
    badge.remove();
  }
  return { fail, checked };
}
"""


def set_theme(page: Page, theme: str) -> None:
    page.evaluate(
        "t => window.jupyterapp.commands.execute('apputils:change-theme', {theme: t})", theme
    )
    page.wait_for_function("t => document.body.dataset.jpThemeName === t", arg=theme)
    page.wait_for_timeout(300)  # the theme's stylesheet applies


def test_text_and_badges_reach_4_5_to_1_in_light_and_dark_themes(
    sandbox: SandboxSession, jupyter_lab: JupyterServer, ui_notebooks_dir: Path, page: Page
) -> None:
    write_notebook(
        ui_notebooks_dir / "themes.ipynb",
        [
            "from rucio_widgets import RucioBrowser\n"
            "browser = RucioBrowser(query='mc20:*', did_type='collection')\nbrowser"
        ],
    )
    open_notebook(page, jupyter_lab, "themes.ipynb")
    run_cell(page, 0)
    widget = cell_locator(page, 0).locator(".rucio-widgets")
    expect(widget.locator(".rw-status")).to_contain_text("alice")
    # Real badges of several kinds, a selection, and the details pane, so their text counts.
    expect(widget.locator('.rw-badge[data-status="AVAILABLE"]').first).to_be_visible()
    expect(widget.locator('.rw-badge[data-status="PARTIALLY_AVAILABLE"]').first).to_be_visible()
    widget.locator(".rw-row input.rw-check").first.check()
    widget.locator(".rw-row .rw-name").first.click()
    expect(widget.locator(".rw-details-metadata")).to_be_visible()
    results: dict[str, Any] = {}
    try:
        for theme in THEMES:
            set_theme(page, theme)
            widget.scroll_into_view_if_needed()
            screenshot(page, f"theme-{theme.split()[-1].lower()}")
            results[theme] = widget.evaluate(_CONTRAST, [[*STATUSES, "UNKNOWN"], MIN_CONTRAST])
    finally:
        set_theme(page, THEMES[0])  # later tests see the default theme
    for theme, found in results.items():
        assert found["checked"] > 50, (theme, found)  # it looked at the panel
    failures = {theme: found["fail"] for theme, found in results.items() if found["fail"]}
    for theme, found in failures.items():
        seen = sorted({(f["cls"], f["text"][:20], f["ratio"], f["color"], f["bg"]) for f in found})
        print(f"{theme}: {len(found)} below {MIN_CONTRAST}:1", *seen, sep="\n  ")
    assert not failures, failures
