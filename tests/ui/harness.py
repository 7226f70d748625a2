"""Helpers for the real-browser tests: Jupyter and Voila servers, notebooks, cells, screenshots.

Plain functions and classes, no fixtures (those live in conftest.py), so a test reads as the
steps a person would take::

    write_notebook(dir / "x.ipynb", ["w = MyWidget(); w", "print(w.value)"])
    open_notebook(page, jupyter_lab, "x.ipynb")
    run_cell(page, 0)
    cell_locator(page, 0).locator(".my-root").click()
    rerun_until(page, 1, "expected")

Servers run in their own process group with private config, runtime and workspace folders;
``stop()`` stops them and every kernel they started, even when a test failed half-way.
The page helpers use ``window.jupyterapp``, which JupyterLab 4 and Notebook 7 expose when
started with ``expose_app_in_browser`` (as ``JupyterServer`` does).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from playwright.sync_api import Locator, Page

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = REPO_ROOT / "test-output" / "screenshots"

POLL_SECONDS = 0.1
SERVER_START_TIMEOUT = 60.0
KERNEL_TIMEOUT = 60.0
CELL_TIMEOUT = 30.0

#: Debian's chromium (tools here cannot download a browser of their own); UI_CHROMIUM overrides.
CHROMIUM = os.environ.get("UI_CHROMIUM", "/usr/bin/chromium")
#: Launch flags for this machine: without the networking ones, chromium's background
#: connections are refused by the closed network, many at a time. (--headless is added by
#: whoever launches headless.)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class HarnessError(RuntimeError):
    """A server or page did not get where the harness waited for it to be."""


class CellError(AssertionError):
    """A cell run by ``run_cell`` produced an error output."""


# --------------------------------------------------------------------------------------
# Processes


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_time(pid: int) -> str | None:
    """Field 22 of /proc/PID/stat (tells a reused PID apart), None if gone or a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2 :].split()
    if not fields or fields[0] == "Z":
        return None
    return fields[19] if len(fields) > 19 else None


def _descendants(root: int) -> list[tuple[int, str]]:
    """(pid, start time) of every process below ``root``, found through /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 1:
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: list[tuple[int, str]] = []
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            started = _start_time(child)
            if started is not None:
                found.append((child, started))
                todo.append(child)
    return found


def _wait_gone(procs: Iterable[tuple[int, str]], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    procs = list(procs)
    while True:
        alive = [(p, s) for p, s in procs if _start_time(p) == s]
        if not alive or time.monotonic() > deadline:
            return not alive
        time.sleep(POLL_SECONDS)


def _signal(pid: int, started: str, sig: int, *, group: bool) -> None:
    """Send ``sig`` to ``pid`` (or its group when it leads one) if it is still the same process."""
    if _start_time(pid) != started:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if group and os.getpgid(pid) == pid:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)


# Runs first in the child and execs the server: it gets SIGTERM when the test process dies,
# even by SIGKILL (Linux PR_SET_PDEATHSIG survives exec), so a killed pytest leaves no server
# behind; the server then shuts its kernels down itself. Elsewhere it just execs.
_DIE_WITH_PARENT = """
import os, signal, sys
try:
    import ctypes
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)
except Exception:
    pass
if os.getppid() != int(sys.argv[1]):
    sys.exit(1)
os.execv(sys.argv[2], sys.argv[2:])
"""


def _dying_with_us(argv: Sequence[str]) -> list[str]:
    return [sys.executable, "-c", _DIE_WITH_PARENT, str(os.getpid()), *argv]


def _http_get(url: str, timeout: float = 2.0) -> tuple[int, bytes]:
    """Status and body of a GET; an HTTP error status is an answer too. Raises OSError if none."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


class _ServerProcess:
    """A server started in its own process group, logged to a file, stopped with its kernels."""

    name = "server"

    def __init__(self, env: Mapping[str, str] | None) -> None:
        self._extra_env = dict(env or {})
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self._started_at = ""
        self.port = 0
        self.log_path: Path | None = None

    # subclass API
    def _argv(self, tmp: Path) -> list[str]:
        raise NotImplementedError

    def _extra_child_env(self, tmp: Path) -> dict[str, str]:
        return {}

    def _ready(self) -> bool:
        raise NotImplementedError

    def _before_stop(self) -> None:
        """Best-effort polite shutdown before the signals (e.g. through a REST API)."""

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = SERVER_START_TIMEOUT) -> None:
        if self.proc is not None:
            raise HarnessError(f"{self.name} already started")
        self._tmp = tempfile.TemporaryDirectory(prefix=f"ui-{self.name}-")
        tmp = Path(self._tmp.name)
        self.port = free_port()
        self.log_path = tmp / "server.log"
        # The environment of the test process *now*, so variables set by earlier fixtures
        # (RUCIO_CONFIG, ...) reach the server and its kernels.
        child_env = {**os.environ, **self._extra_child_env(tmp), **self._extra_env}
        atexit.register(self.stop)
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                _dying_with_us(self._argv(tmp)),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=child_env,
                cwd=tmp,
                start_new_session=True,
            )
        self._started_at = _start_time(self.proc.pid) or ""
        deadline = time.monotonic() + timeout
        try:
            while True:
                if self.proc.poll() is not None:
                    raise HarnessError(
                        f"{self.name} exited with code {self.proc.returncode} before it was "
                        f"ready\n{self.log_tail()}"
                    )
                if self._ready():
                    return
                if time.monotonic() > deadline:
                    raise HarnessError(
                        f"{self.name} did not answer on {self.base_url} within {timeout:.0f} s"
                        f"\n{self.log_tail()}"
                    )
                time.sleep(POLL_SECONDS)
        except BaseException:
            self.stop()
            raise

    def log_tail(self, lines: int = 40) -> str:
        if self.log_path is None or not self.log_path.exists():
            return "(no log)"
        text = self.log_path.read_text(errors="replace").splitlines()[-lines:]
        return f"--- last {len(text)} lines of {self.log_path} ---\n" + "\n".join(text)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server and all it started (kernels run in sessions of their own). Idempotent."""
        proc = self.proc
        if proc is None:
            return
        try:
            pid, started = proc.pid, self._started_at
            below: list[tuple[int, str]] = []
            if proc.returncode is None:  # not reaped: its PID and group id are still ours
                if _start_time(pid) == started:
                    # Kernels run in sessions of their own: note them before the server goes.
                    below = _descendants(pid)
                    with contextlib.suppress(Exception):
                        self._before_stop()
                    # Jupyter server and Voila both shut their kernels down on SIGTERM.
                    _signal(pid, started, signal.SIGTERM, group=True)
                    _wait_gone([(pid, started)], timeout)
                # The leader is dead or a zombie (not reaped yet, so the group id cannot have
                # been reused): kill whatever is left in its group, then reap it.
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pid, signal.SIGKILL)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(5)
            if not _wait_gone(below, 5.0):
                for child, child_started in below:
                    _signal(child, child_started, signal.SIGTERM, group=True)
                if not _wait_gone(below, 5.0):
                    for child, child_started in below:
                        _signal(child, child_started, signal.SIGKILL, group=True)
        finally:
            self.proc = None
            atexit.unregister(self.stop)
            if self._tmp is not None:
                keep = os.environ.get("UI_KEEP_SERVER_LOGS")
                if keep and self.log_path is not None and self.log_path.exists():
                    dest = REPO_ROOT / "test-output" / "logs"
                    dest.mkdir(parents=True, exist_ok=True)
                    (dest / f"{self.name}-{self.port}.log").write_bytes(self.log_path.read_bytes())
                self._tmp.cleanup()
                self._tmp = None

    def __enter__(self) -> _ServerProcess:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class JupyterServer(_ServerProcess):
    """JupyterLab 4 (``kind="lab"``) or Notebook 7 (``kind="notebook"``) serving ``root_dir``.

    ``env`` is added to the test process's environment as it is when ``start()`` runs.
    """

    def __init__(
        self,
        root_dir: Path | str,
        kind: Literal["lab", "notebook"] = "lab",
        *,
        env: Mapping[str, str] | None = None,
        extra_args: Sequence[str] = (),
    ) -> None:
        super().__init__(env)
        if kind not in ("lab", "notebook"):
            raise ValueError(f"kind must be 'lab' or 'notebook', not {kind!r}")
        self.kind = kind
        self.name = f"jupyter-{kind}"
        self.root_dir = Path(root_dir).resolve()
        self.token = secrets.token_hex(16)
        self.extra_args = list(extra_args)

    def _argv(self, tmp: Path) -> list[str]:
        app = "LabApp" if self.kind == "lab" else "JupyterNotebookApp"
        return [
            sys.executable, "-m", "jupyter", self.kind,
            "--no-browser",
            "--allow-root",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root_dir}",
            f"--LabServerApp.workspaces_dir={tmp / 'workspaces'}",
            f"--{app}.expose_app_in_browser=True",
            *self.extra_args,
        ]  # fmt: skip

    def _extra_child_env(self, tmp: Path) -> dict[str, str]:
        config = tmp / "config"
        # Keep JupyterLab's "news" toast (and its network check) out of screenshots and clicks.
        (config / "labconfig").mkdir(parents=True)
        (config / "labconfig" / "page_config.json").write_text(
            json.dumps(
                {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}
            )
        )
        return {
            "JUPYTER_CONFIG_DIR": str(config),
            "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"),
        }

    def api(self, path: str, method: str = "GET") -> Any:
        """Call the server's REST API (``path`` like ``/api/kernels``); the decoded JSON or None."""
        sep = "&" if "?" in path else "?"
        request = urllib.request.Request(
            f"{self.base_url}{path}{sep}token={self.token}", method=method
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def _ready(self) -> bool:
        try:
            status, _ = _http_get(f"{self.base_url}/api/status?token={self.token}")
        except OSError:
            return False
        return status == 200

    def url_for(self, notebook_relpath: str | Path) -> str:
        """The page URL opening ``notebook_relpath`` (relative to ``root_dir``), token included."""
        path = Path(notebook_relpath)
        if path.is_absolute():
            path = path.relative_to(self.root_dir)
        quoted = urllib.parse.quote(path.as_posix())
        if self.kind == "notebook":
            return f"{self.base_url}/notebooks/{quoted}?token={self.token}"
        # ``reset``: start from an empty workspace, or JupyterLab reopens (and starts kernels
        # for) the notebooks of earlier tests next to this one.
        return f"{self.base_url}/lab/tree/{quoted}?reset&token={self.token}"

    def shutdown_kernels(self) -> None:
        """Shut down every session and kernel (between tests, so kernels do not pile up)."""
        if self.proc is None:
            return
        for session in self.api("/api/sessions") or []:
            with contextlib.suppress(urllib.error.HTTPError):
                self.api(f"/api/sessions/{session['id']}", method="DELETE")
        for kernel in self.api("/api/kernels") or []:
            with contextlib.suppress(urllib.error.HTTPError):
                self.api(f"/api/kernels/{kernel['id']}", method="DELETE")

    def _before_stop(self) -> None:
        self.shutdown_kernels()

    def __enter__(self) -> JupyterServer:
        self.start()
        return self


class VoilaServer(_ServerProcess):
    """Voila rendering one notebook; ``url`` is the rendered page (no token)."""

    name = "voila"

    def __init__(
        self,
        notebook: Path | str,
        *,
        env: Mapping[str, str] | None = None,
        extra_args: Sequence[str] = (),
    ) -> None:
        super().__init__(env)
        self.notebook = Path(notebook).resolve()
        if not self.notebook.is_file():
            raise FileNotFoundError(self.notebook)
        self.extra_args = list(extra_args)

    def _argv(self, tmp: Path) -> list[str]:
        # Voila's root_dir defaults to the notebook's folder when given a notebook path.
        return [
            sys.executable, "-m", "voila",
            "--no-browser",
            str(self.notebook),
            f"--port={self.port}",
            "--Voila.ip=127.0.0.1",
            "--Voila.port_retries=0",
            *self.extra_args,
        ]  # fmt: skip

    def _extra_child_env(self, tmp: Path) -> dict[str, str]:
        return {
            "JUPYTER_CONFIG_DIR": str(tmp / "config"),
            "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"),
        }

    def _ready(self) -> bool:
        try:
            _http_get(f"{self.base_url}/voila/static/extension.js")
        except OSError:
            return False
        return True

    @property
    def url(self) -> str:
        return f"{self.base_url}/"

    def __enter__(self) -> VoilaServer:
        self.start()
        return self


# --------------------------------------------------------------------------------------
# Notebooks


def write_notebook(path: Path | str, cells: Sequence[str]) -> Path:
    """Write an nbformat v4 notebook whose code cells hold ``cells`` (python3 kernel)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    notebook = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        },
        "cells": [
            {
                "cell_type": "code",
                "id": f"cell-{i}",
                "metadata": {},
                "execution_count": None,
                "outputs": [],
                "source": source,
            }
            for i, source in enumerate(cells)
        ],
    }
    path.write_text(json.dumps(notebook, indent=1) + "\n")
    return path


# --------------------------------------------------------------------------------------
# Pages of JupyterLab 4 / Notebook 7

# Defines window.__ui (idempotently) in the page: finding the notebook panel and reading cells.
_JS_PRELUDE = """
() => {
  if (window.__ui) return true;
  const isPanel = (w) => !!(w && w.sessionContext && w.content && w.content.widgets);
  window.__ui = {
    panel() {
      const app = window.jupyterapp;
      if (!app || !app.shell) return null;
      if (isPanel(app.shell.currentWidget)) return app.shell.currentWidget;
      if (typeof app.shell.widgets === 'function') {
        for (const w of app.shell.widgets('main')) if (isPanel(w)) return w;
      }
      return null;
    },
    kernelIdle() {
      const p = this.panel();
      if (!p || !p.sessionContext.isReady) return false;
      const k = p.sessionContext.session && p.sessionContext.session.kernel;
      return !!k && k.status === 'idle' && k.connectionStatus === 'connected';
    },
    cell(i) {
      const p = this.panel();
      if (!p) throw new Error('no notebook panel is open');
      const c = p.content.widgets[i];
      if (!c) throw new Error(`no cell ${i} (notebook has ${p.content.widgets.length})`);
      return c;
    },
    outputs(i) {
      const c = this.cell(i);
      return c.outputArea ? c.outputArea.model.toJSON() : [];
    },
    text(i) {
      const parts = [];
      const join = (t) => Array.isArray(t) ? t.join('') : String(t);
      for (const o of this.outputs(i)) {
        if (o.output_type === 'stream') parts.push(join(o.text));
        else if (o.output_type === 'error') parts.push(`${o.ename}: ${o.evalue}\\n`);
        else if (o.data && o.data['text/plain'] !== undefined) {
          parts.push(join(o.data['text/plain']));
        }
      }
      return parts.join('');
    },
    run(i) {
      const app = window.jupyterapp;
      const p = this.panel();
      const c = this.cell(i);
      const before = c.model.executionCount;
      const state = { index: i, before, done: false, error: null };
      window.__uiRun = state;
      app.shell.activateById(p.id);
      p.content.deselectAll();
      p.content.activeCellIndex = i;
      app.commands.execute('notebook:run-cell').then(
        () => { state.done = true; },
        (e) => { state.done = true; state.error = String(e); });
      return before;
    },
    runFinished(i) {
      const s = window.__uiRun;
      if (!s || s.index !== i) return false;
      if (s.error) return true;
      const count = this.cell(i).model.executionCount;
      return s.done && count !== null && count !== s.before && this.kernelIdle();
    },
  };
  return true;
}
"""


def _ms(seconds: float) -> float:
    return seconds * 1000.0


def _prelude(page: Page) -> None:
    page.evaluate(_JS_PRELUDE)


def wait_notebook_app(page: Page, timeout: float = KERNEL_TIMEOUT) -> None:
    """Wait until ``window.jupyterapp`` shows an open notebook panel."""
    page.wait_for_function(
        "() => !!(window.jupyterapp && window.jupyterapp.shell)", timeout=_ms(timeout)
    )
    _prelude(page)
    page.wait_for_function("() => !!window.__ui.panel()", timeout=_ms(timeout))


def wait_kernel_idle(page: Page, timeout: float = KERNEL_TIMEOUT) -> None:
    """Wait until the current notebook's kernel is connected and idle."""
    wait_notebook_app(page, timeout)
    page.wait_for_function("() => window.__ui.kernelIdle()", timeout=_ms(timeout))


def open_notebook(
    page: Page, server: JupyterServer, notebook_relpath: str | Path, timeout: float = KERNEL_TIMEOUT
) -> None:
    """Open a notebook of ``server`` in ``page`` and wait for its kernel to be idle."""
    page.goto(server.url_for(notebook_relpath), wait_until="domcontentloaded")
    wait_kernel_idle(page, timeout)


def run_cell(
    page: Page, index: int, timeout: float = CELL_TIMEOUT, *, raise_on_error: bool = True
) -> str:
    """Run cell ``index`` of the current notebook; wait until it ran and the kernel is idle.

    Returns the cell's output text; raises ``CellError`` if the cell raised (unless told not to).
    """
    wait_kernel_idle(page, timeout)
    page.evaluate(f"() => window.__ui.run({int(index)})")
    try:
        page.wait_for_function(f"() => window.__ui.runFinished({int(index)})", timeout=_ms(timeout))
    except Exception as error:
        raise HarnessError(
            f"cell {index} did not finish within {timeout:.0f} s; outputs so far: "
            f"{cell_output_text(page, index)!r}"
        ) from error
    failure = page.evaluate("() => window.__uiRun.error")
    if failure:
        raise HarnessError(f"notebook:run-cell failed for cell {index}: {failure}")
    if raise_on_error:
        errors = [o for o in cell_outputs(page, index) if o.get("output_type") == "error"]
        if errors:
            trace = "\n".join(_strip_ansi("\n".join(e.get("traceback", []))) for e in errors)
            raise CellError(f"cell {index} raised:\n{trace}")
    return cell_output_text(page, index)


def run_cells(
    page: Page,
    indices: Iterable[int],
    timeout: float = CELL_TIMEOUT,
    *,
    raise_on_error: bool = True,
) -> list[str]:
    """Run the cells one after the other; their output texts."""
    return [run_cell(page, i, timeout, raise_on_error=raise_on_error) for i in indices]


def cell_outputs(page: Page, index: int) -> list[dict[str, Any]]:
    """The cell's outputs as nbformat dicts (from the front end's model)."""
    _prelude(page)
    return list(page.evaluate(f"() => window.__ui.outputs({int(index)})"))


def cell_output_text(page: Page, index: int) -> str:
    """Text of the cell's outputs: streams, ``text/plain`` of results and displays, errors."""
    _prelude(page)
    return str(page.evaluate(f"() => window.__ui.text({int(index)})"))


def cell_locator(page: Page, index: int) -> Locator:
    """The ``.jp-Cell`` element of cell ``index`` in the current notebook (to find widgets in)."""
    _prelude(page)
    page.evaluate(
        """(i) => {
          for (const n of document.querySelectorAll('[data-ui-cell-index]'))
            n.removeAttribute('data-ui-cell-index');
          const p = window.__ui.panel();
          p.content.widgets.forEach((c, j) => c.node.setAttribute('data-ui-cell-index', String(j)));
          return i;
        }""",
        int(index),
    )
    return page.locator(f'.jp-Cell[data-ui-cell-index="{int(index)}"]')


Match = str | Callable[[str], bool]


def _matches(match: Match, text: str) -> bool:
    return match(text) if callable(match) else match in text


def wait_for_output(page: Page, index: int, match: Match, timeout: float = CELL_TIMEOUT) -> str:
    """Poll cell ``index``'s output text until it contains ``match`` (or ``match(text)``)."""
    deadline = time.monotonic() + timeout
    while True:
        text = cell_output_text(page, index)
        if _matches(match, text):
            return text
        if time.monotonic() > deadline:
            raise AssertionError(
                f"cell {index} output never matched {match!r} within {timeout:.0f} s; "
                f"last: {text!r}"
            )
        page.wait_for_timeout(_ms(POLL_SECONDS * 2))


def rerun_until(page: Page, index: int, match: Match, timeout: float = CELL_TIMEOUT) -> str:
    """Run cell ``index`` again and again until its output matches (Python-side checks of
    browser actions: widget updates reach the kernel asynchronously, one message in flight
    per model at a time)."""
    deadline = time.monotonic() + timeout
    while True:
        text = run_cell(page, index, max(1.0, deadline - time.monotonic()))
        if _matches(match, text):
            return text
        if time.monotonic() > deadline:
            raise AssertionError(
                f"cell {index} output never matched {match!r} within {timeout:.0f} s; "
                f"last: {text!r}"
            )
        page.wait_for_timeout(_ms(POLL_SECONDS * 2))


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


# --------------------------------------------------------------------------------------
# Screenshots


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """Save a PNG of ``page`` as ``test-output/screenshots/<name>.png`` at the repo root."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "screenshot"
    path = SCREENSHOT_DIR / f"{safe}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
