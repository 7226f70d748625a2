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
