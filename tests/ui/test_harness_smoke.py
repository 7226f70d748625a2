"""The harness itself, proved with a tiny stand-in anywidget defined inside the notebooks:
a button (class ``smoke-button``) that adds one to a synced ``count`` on each click."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

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

SMOKE_WIDGET = '''
import anywidget
import traitlets


class Smoke(anywidget.AnyWidget):
    _esm = """
    function render({ model, el }) {
      const button = document.createElement("button");
      button.className = "smoke-button";
      const show = () => { button.textContent = `clicked ${model.get("count")} times`; };
      button.addEventListener("click", () => {
        model.set("count", model.get("count") + 1);
        model.save_changes();
      });
      model.on("change:count", show);
      show();
      el.appendChild(button);
      return () => model.off("change:count", show);
    }
    export default { render };
    """
    count = traitlets.Int(0).tag(sync=True)
'''


def _click_twice_then_check_python(page: Page, server: JupyterServer, name: str) -> None:
    notebook = write_notebook(
        server.root_dir / f"{name}.ipynb",
        [SMOKE_WIDGET + "\nw = Smoke()\nw", "print(w.count)"],
    )
    open_notebook(page, server, notebook.name)
    run_cell(page, 0)
    button = cell_locator(page, 0).locator(".smoke-button")
    expect(button).to_have_text("clicked 0 times")
    button.click()
    expect(button).to_have_text("clicked 1 times")
    button.click()
    expect(button).to_have_text("clicked 2 times")
    # The second update may still be queued in the front end when the cell runs: poll.
    assert rerun_until(page, 1, lambda text: text.strip() == "2").strip() == "2"
    screenshot(page, name)


def test_jupyterlab(page: Page, jupyter_lab: JupyterServer) -> None:
    _click_twice_then_check_python(page, jupyter_lab, "smoke-lab")


def test_notebook7(page: Page, jupyter_notebook: JupyterServer) -> None:
    _click_twice_then_check_python(page, jupyter_notebook, "smoke-notebook7")


@pytest.fixture
def voila_smoke(ui_notebooks_dir: Path) -> Iterator[VoilaServer]:
    notebook = write_notebook(
        ui_notebooks_dir / "voila" / "smoke-voila.ipynb",
        [
            SMOKE_WIDGET,
            "import ipywidgets\n"
            "w = Smoke()\n"
            "label = ipywidgets.Label(str(w.count))\n"
            "label.add_class('smoke-label')\n"
            "w.observe(lambda change: setattr(label, 'value', str(change['new'])), 'count')\n"
            "ipywidgets.VBox([w, label])",
        ],
    )
    with VoilaServer(notebook) as server:
        yield server


def test_voila(page: Page, voila_smoke: VoilaServer) -> None:
    page.goto(voila_smoke.url)
    label = page.locator(".smoke-label")
    expect(label).to_have_text("0", timeout=60_000)  # first render starts a kernel
    page.locator(".smoke-button").click()
    expect(label).to_have_text("1")
    screenshot(page, "smoke-voila")
