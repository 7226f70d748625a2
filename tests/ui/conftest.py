"""Fixtures of the real-browser tests (marked ``ui``): Debian's chromium through pytest-playwright,
JupyterLab 4 and Notebook 7 servers started on first use and stopped at the end of the session.

Every test uses pytest-playwright's single ``browser`` / ``page`` fixtures: a second sync
Playwright instance in the same run fails. Never run ``playwright install``: the browser is
/usr/bin/chromium (override with UI_CHROMIUM=/path).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from .harness import CHROMIUM, CHROMIUM_ARGS, JupyterServer

HERE = Path(__file__).resolve().parent

# Sized for a 2-core machine running a Jupyter server, a kernel and chromium at once.
PAGE_TIMEOUT_MS = 30_000
NAVIGATION_TIMEOUT_MS = 60_000
EXPECT_TIMEOUT_MS = 15_000

expect.set_options(timeout=EXPECT_TIMEOUT_MS)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.ui)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    headless = browser_type_launch_args.get("headless", True)
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": headless,
        "args": (["--headless"] if headless else []) + CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {"viewport": {"width": 1280, "height": 900}, **browser_context_args}


@pytest.fixture
def page(page: Page) -> Page:
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    page.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    return page


@pytest.fixture(scope="session")
def ui_notebooks_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder the Jupyter servers serve: tests write their notebooks here."""
    return tmp_path_factory.mktemp("ui-notebooks")


_started: list[JupyterServer] = []


def _server(kind: str, root: Path) -> Iterator[JupyterServer]:
    server = JupyterServer(root, kind)  # type: ignore[arg-type]
    try:
        server.start()
        _started.append(server)
        yield server
    finally:
        if server in _started:
            _started.remove(server)
        server.stop()


@pytest.fixture(scope="session")
def jupyter_lab(sandbox: Any, ui_notebooks_dir: Path) -> Iterator[JupyterServer]:
    """JupyterLab 4 serving ``ui_notebooks_dir`` (started when first asked for). It starts
    after the sandbox, so its kernels inherit RUCIO_CONFIG pointing at it."""
    yield from _server("lab", ui_notebooks_dir)


@pytest.fixture(scope="session")
def jupyter_notebook(sandbox: Any, ui_notebooks_dir: Path) -> Iterator[JupyterServer]:
    """Notebook 7 serving ``ui_notebooks_dir`` (started when first asked for), after the
    sandbox."""
    yield from _server("notebook", ui_notebooks_dir)


@pytest.fixture(autouse=True)
def _shutdown_kernels_after_test() -> Iterator[None]:
    """Kernels opened by a test are shut down after it (after its page closed), so they do
    not pile up on a small machine. Servers are not started by this fixture."""
    yield
    for server in list(_started):
        try:
            server.shutdown_kernels()
        except OSError as error:  # a dead server fails its own tests; do not mask them
            print(f"could not shut down kernels of {server.name}: {error}")
