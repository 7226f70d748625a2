"""The whole journey in a real browser: search, filter, expand, select, look at the
details, make available, wait for AVAILABLE, and read ``browser.paths`` from a later cell;
in JupyterLab 4, Notebook 7 and a Voila dashboard, against the session's sandbox."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from rucio_widgets.sandbox import SOURCE_RSES
from rucio_widgets.sandbox.testing import MadeDataset, SandboxSession

from .harness import (
    JupyterServer,
    VoilaServer,
    cell_locator,
    open_notebook,
    rerun_until,
    run_cell,
    screenshot,
    write_notebook,
)

TRANSFER_TIMEOUT_MS = 120_000


def fresh_dataset(sandbox: SandboxSession, datatype: str) -> MadeDataset:
    """Three files that live only on a source disk: making them available is a transfer."""
    return sandbox.make_dataset(
        files=3,
        rse=SOURCE_RSES[0],
        account="root",
        scope="data18",
        prefix="ui",
        meta={"datatype": datatype},
    )


def row(widget: Locator, did: str) -> Locator:
    return widget.locator(f'.rw-row[data-did="{did}"]')


def journey(page: Page, widget: Locator, made: MadeDataset, datatype: str) -> None:
    """Drive the panel like a user; returns once the picked files are AVAILABLE."""
    search = widget.locator("input.rw-search")
    search.fill(f"data18:{made.name[:-3]}*")
    widget.locator("button.rw-filters-toggle").click()
    widget.locator("input.rw-filter-text").fill(f"datatype={datatype}")
    widget.locator("select.rw-did-type").select_option("dataset")
    search.press("Enter")

    dataset_row = row(widget, made.did)
    expect(dataset_row).to_be_visible()
    expect(widget.locator(".rw-row")).to_have_count(1)  # the filter and the type narrowed it
    dataset_row.locator(".rw-expand").click()
    picked = made.files[:2]
    for did in picked:
        expect(row(widget, did)).to_be_visible()
        row(widget, did).locator("input.rw-check").check()
    expect(widget.locator(".rw-status")).to_contain_text("2")

    # The dataset's details: its metadata and where its files are.
    dataset_row.locator(".rw-name").click()
    details = widget.locator(".rw-details")
    expect(details).to_be_visible()
    expect(details.locator(".rw-details-metadata")).to_contain_text(datatype)
    expect(details.locator(".rw-details-replicas")).to_contain_text(SOURCE_RSES[0])
    details.locator(".rw-details-close").click()
    expect(details).to_be_hidden()

    widget.locator("button.rw-make-selection-available").click()
    for did in picked:
        expect(row(widget, did).locator(".rw-badge")).to_have_attribute(
            "data-status", "AVAILABLE", timeout=TRANSFER_TIMEOUT_MS
        )


@pytest.mark.parametrize("front_end", ["lab", "notebook7"])
def test_journey_in_jupyter(
    front_end: str,
    sandbox: SandboxSession,
    request: pytest.FixtureRequest,
    ui_notebooks_dir: Path,
    page: Page,
) -> None:
    server: JupyterServer = request.getfixturevalue(
        "jupyter_lab" if front_end == "lab" else "jupyter_notebook"
    )
    datatype = f"UI_{front_end.upper()}_{int(time.time())}"
    made = fresh_dataset(sandbox, datatype)
    name = f"journey_{front_end}.ipynb"
    write_notebook(
        ui_notebooks_dir / name,
        [
            "from rucio_widgets import RucioBrowser\nbrowser = RucioBrowser()\nbrowser",
            "import os\nprint(len(browser.paths), all(os.path.isfile(p) for p in browser.paths))\n"
            "print(sorted(os.path.basename(p) for p in browser.paths))",
        ],
    )
    started = time.monotonic()
    open_notebook(page, server, name)
    run_cell(page, 0)
    widget = cell_locator(page, 0).locator(".rucio-widgets")
    expect(widget).to_be_visible()
    expect(widget.locator(".rw-status")).to_contain_text("alice")

    journey(page, widget, made, datatype)
    screenshot(page, f"journey-{front_end}")

    expected = sorted(Path(p).name for p in made.local_paths[:2])
    output = rerun_until(page, 1, lambda text: "2 True" in text, timeout=60)
    assert str(expected) in output
    print(f"{front_end} journey: {time.monotonic() - started:.1f} s")


def test_journey_in_voila_dashboard(sandbox: SandboxSession, tmp_path: Path, page: Page) -> None:
    datatype = f"UI_VOILA_{int(time.time())}"
    made = fresh_dataset(sandbox, datatype)
    notebook = write_notebook(
        tmp_path / "dashboard.ipynb",
        [
            "import os\nimport ipywidgets as widgets\nfrom rucio_widgets import RucioBrowser\n"
            "browser = RucioBrowser()\n"
            "mirror = widgets.Label(value='0 files')\nmirror.add_class('paths-mirror')\n"
            "def show(change=None):\n"
            "    ok = all(os.path.isfile(p) for p in browser.paths)\n"
            "    mirror.value = f'{len(browser.paths)} files on disk: {ok}'\n"
            "browser.observe(show, names='paths')\n"
            "widgets.VBox([browser, mirror])",
        ],
    )
    started = time.monotonic()
    with VoilaServer(notebook) as voila:
        page.goto(voila.url)
        widget = page.locator(".rucio-widgets")
        expect(widget).to_be_visible(timeout=60_000)
        expect(widget.locator(".rw-status")).to_contain_text("alice")
        journey(page, widget, made, datatype)
        expect(page.locator(".paths-mirror")).to_contain_text(
            "2 files on disk: True", timeout=60_000
        )
        screenshot(page, "journey-voila")
    print(f"voila journey: {time.monotonic() - started:.1f} s")


# Characters of a row's name that are painted: inside the box of the span that clips them
# (the head ends in an ellipsis, the tail never shrinks) and of the name cell.
_VISIBLE_NAME = """
(row) => {
  const name = row.querySelector('.rw-name');
  const cell = name.getBoundingClientRect();
  const walker = document.createTreeWalker(name, NodeFilter.SHOW_TEXT);
  let visible = '';
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const part = node.parentElement.closest('.rw-name-head, .rw-name-tail') || name;
    const clip = part.getBoundingClientRect();
    const left = Math.max(clip.left, cell.left) - 0.5;
    const right = Math.min(clip.right, cell.right) + 0.5;
    for (let i = 0; i < node.data.length; i++) {
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const r = range.getBoundingClientRect();
      if (r.width > 0 && r.left >= left && r.right <= right) visible += node.data[i];
    }
  }
  return visible;
}
"""

LONG_NAME_SEARCHES = (
    "mc20:mc20_13TeV.410470.PhPy8EG_A14_ttbar_hdamp258p75*",
    "cms:*",
    "escape:*",
)


def test_long_names_keep_their_tails_at_600_and_1400_px(
    sandbox: SandboxSession, tmp_path: Path, page: Page
) -> None:
    """Long, real-looking names in a Voila panel: at 600 px the middle of each name gives
    way (size and files fold away) and its last 12 characters stay in view; at 1,400 px the
    columns are back and ATLAS names show whole. Hover and the details pane show the full
    name."""
    long_dids = sandbox.long_names()
    notebook = write_notebook(
        tmp_path / "names.ipynb",
        ["from rucio_widgets import RucioBrowser\nRucioBrowser(did_type='dataset')"],
    )
    with VoilaServer(notebook) as voila:
        page.set_viewport_size({"width": 600, "height": 800})
        page.goto(voila.url)
        widget = page.locator(".rucio-widgets")
        expect(widget).to_be_visible(timeout=60_000)
        expect(widget.locator(".rw-status")).to_contain_text("alice")
        for width in (600, 1400):
            page.set_viewport_size({"width": width, "height": 800})
            narrow = widget.locator(".rw-listing.rw-narrow")
            if width < 700:
                expect(narrow).to_have_count(1)
                expect(widget.locator(".rw-columns .rw-col-size")).to_be_hidden()
            else:
                expect(narrow).to_have_count(0)
                expect(widget.locator(".rw-columns .rw-col-size")).to_be_visible()
            for query in LONG_NAME_SEARCHES:
                widget.locator("input.rw-search").fill(query)
                widget.locator("input.rw-search").press("Enter")
                scope = query.split(":")[0]
                dids = [d for d in long_dids if d.startswith(f"{scope}:")]
                for did in dids:
                    expect(row(widget, did)).to_be_visible()
                    shown = row(widget, did).evaluate(_VISIBLE_NAME)
                    assert shown.endswith(did[-12:]), (width, did, shown)
                    assert shown.startswith(f"{scope}:"), (width, did, shown)
                    if width < 700:
                        assert len(shown) < len(did), (width, did, shown)  # the middle gave way
                    elif scope == "mc20":
                        assert shown == did, (width, did, shown)  # room enough: all of it
                    title = row(widget, did).locator(".rw-name").get_attribute("title") or ""
                    assert title.split("\n")[0] == did
                screenshot(page, f"long-names-{scope}-{width}px")
            # The details pane shows the whole name, wrapped.
            did = long_dids[-1]
            row(widget, did).locator(".rw-name").click()
            title = widget.locator(".rw-details-title")
            expect(title).to_have_text(did)
            box = title.bounding_box()
            assert box is not None and box["x"] + box["width"] <= width
            screenshot(page, f"long-names-details-{width}px")
            widget.locator(".rw-details-close").click()
        sort_and_copy(page, widget, long_dids)


def sort_and_copy(page: Page, widget: Locator, long_dids: list[str]) -> None:
    """Sort by the Name heading (the two ATLAS names differ only in their tails), then copy
    a row's DID with its menu: the clipboard holds the full name."""
    widget.locator("input.rw-search").fill(LONG_NAME_SEARCHES[0])
    widget.locator("input.rw-search").press("Enter")
    first = widget.locator('.rw-item[data-index="0"]')
    heading = widget.locator('.rw-sort[data-sort-by="name"]')
    heading.click()
    expect(widget.locator(".rw-sort-note")).to_contain_text("Sorted all 2 rows by name, A to Z")
    expect(first).to_have_attribute("data-did", long_dids[1])  # r13144 before r13167
    heading.click()
    expect(widget.locator(".rw-sort-note")).to_contain_text("by name, Z to A")
    expect(first).to_have_attribute("data-did", long_dids[0])
    screenshot(page, "long-names-sorted-1400px")

    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    first.locator(".rw-row-menu").click()
    menu = widget.locator(".rw-copy-menu")
    expect(menu).to_be_visible()
    screenshot(page, "copy-menu-1400px")
    menu.get_by_role("menuitem", name="Copy DID").click()
    expect(widget.locator(".rw-copied")).to_have_text("Copied the DID")
    assert page.evaluate("navigator.clipboard.readText()") == long_dids[0]


def test_panel_docked_beside_the_notebook_still_works(
    sandbox: SandboxSession, jupyter_lab: JupyterServer, ui_notebooks_dir: Path, page: Page
) -> None:
    """JupyterLab's "Create New View for Cell Output" docks the panel in a view of its own,
    outside the notebook (no extension): the panel shows there and a search in it works,
    for Python and for the notebook's own view of the same widget."""
    write_notebook(
        ui_notebooks_dir / "docked.ipynb",
        [
            "from rucio_widgets import RucioBrowser\nbrowser = RucioBrowser()\nbrowser",
            "print(browser.query, [r.did for r in browser.results])",
        ],
    )
    open_notebook(page, jupyter_lab, "docked.ipynb")
    run_cell(page, 0)
    in_cell = cell_locator(page, 0).locator(".rucio-widgets")
    expect(in_cell.locator(".rw-status")).to_contain_text("alice")
    page.evaluate(
        """() => {
          const panel = window.__ui.panel();
          panel.content.activeCellIndex = 0;
          return window.jupyterapp.commands.execute('notebook:create-output-view');
        }"""
    )
    docked = page.locator(".jp-LinkedOutputView .rucio-widgets")
    expect(docked).to_be_visible()
    assert page.locator(".jp-Notebook .jp-LinkedOutputView").count() == 0  # outside the notebook
    # The view opens under the notebook; dragging its tab to the right edge docks it beside.
    page.evaluate(
        """() => {
          const app = window.jupyterapp;
          const panel = window.__ui.panel();
          const view = [...app.shell.widgets('main')].find(
            (w) => w.node.querySelector('.jp-LinkedOutputView'));
          app.shell.add(view, 'main', { ref: panel.id, mode: 'split-right' });
        }"""
    )
    notebook_box = page.locator(".jp-NotebookPanel").first.bounding_box()
    docked_box = docked.bounding_box()
    assert notebook_box and docked_box
    assert docked_box["x"] >= notebook_box["x"] + notebook_box["width"] - 1  # beside it
    expect(docked.locator(".rw-status")).to_contain_text("alice")

    raw = "data18:data18_13TeV.00348885.physics_Main.daq.RAW"
    docked.locator("input.rw-search").fill("data18:*RAW*")
    docked.locator("select.rw-did-type").select_option("dataset")
    docked.locator("input.rw-search").press("Enter")
    expect(row(docked, raw)).to_be_visible()
    expect(row(in_cell, raw)).to_have_count(1)  # one widget, two views
    screenshot(page, "docked-output-view-lab")
    output = rerun_until(page, 1, lambda text: raw in text, timeout=30)
    assert output.startswith("data18:*RAW*")
