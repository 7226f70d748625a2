"""Smoke test in marimo (``mo.ui.anywidget``): the panel renders, searches and signs in."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from rucio_widgets.sandbox.testing import SandboxSession

from .harness import free_port, screenshot

pytest.importorskip("marimo")

APP = """
import marimo

app = marimo.App()


@app.cell
def _():
    import marimo as mo
    from rucio_widgets import RucioBrowser

    browser = mo.ui.anywidget(RucioBrowser(query="data18:*RAW*", did_type="dataset"))
    browser
    return (browser,)


if __name__ == "__main__":
    app.run()
"""


def test_browser_in_marimo(sandbox: SandboxSession, tmp_path: Path, page: Page) -> None:
    app = tmp_path / "app.py"
    app.write_text(APP)
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "marimo",
            "run",
            str(app),
            "--headless",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env={**os.environ},
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
        page.goto(f"http://127.0.0.1:{port}/")
        widget = page.locator(".rucio-widgets")
        expect(widget).to_be_visible(timeout=60_000)
        expect(widget.locator(".rw-status")).to_contain_text("alice")
        expect(
            widget.locator('.rw-row[data-did="data18:data18_13TeV.00348885.physics_Main.daq.RAW"]')
        ).to_be_visible()
        screenshot(page, "marimo")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(10)
