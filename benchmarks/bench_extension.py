#!/usr/bin/env python3
"""The official Rucio JupyterLab extension (rucio-jupyterlab 41.0.0) side by side with the widget.

    python3 benchmarks/bench_extension.py [--dir /tmp/rw-bench] [--port 28650] [--reps 5]

Against a running sandbox (the bench sandbox of bench_browser.py): installs rucio-jupyterlab
41.0.0 and jupyter_server once in a virtual environment of their own, serves the extension
with ``jupyter server`` (private HOME, config, data and runtime folders, hence its own
SQLite cache), signs it in as alice through its own REST API, and times its handlers
(``did-search``, ``did``, ``files``) next to ``RucioBrowser`` (alice, replica mode, same
destination RSE) doing the same in this process. Seeds once, as root, a 10,000-file dataset
registered on the destination RSE only. Prints a markdown table and writes it to
benchmarks/RESULTS-extension.md. The jupyter server is stopped at the end (also on Ctrl-C or
SIGTERM) unless ``--keep``; the sandbox is never stopped.

This is a script that prints figures, not a test: nothing here fails on a missed goal.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

# Only the sandbox and the helpers here: nothing of rucio before RUCIO_CONFIG is set.
from bench_browser import (  # noqa: E402
    Figures,
    _fmt_s,
    _raise_interrupt,
    code_version,
    fmt_load,
    log,
    logging_quiet,
    new_browser,
    now,
    ratio_of,
    register_fake_dataset,
    secs,
    settle,
    yes,
)
from bench_warm import look  # noqa: E402

from rucio_widgets.sandbox import Sandbox  # noqa: E402
from rucio_widgets.sandbox.layout import DESTINATION_RSE  # noqa: E402

EXTENSION = "rucio-jupyterlab"
EXTENSION_VERSION = "41.0.0"
DEFAULT_VENV = Path.home() / ".cache" / "rucio-widgets" / "bench-ext-venv"
DEFAULT_PORT = 28650
INSTANCE = "sandbox"
DATASET_FILES = 10_000
DATASET_SCOPE = "data18"
SEED_MARKER = "bench-ext-seed.json"
#: (label, pattern, expected matches)
PATTERNS = [("~10k", "bench:bench.00*", 10_000), ("~100k", "bench:*", 100_000)]
#: The extension answers a search with at most this many rows (handlers/did_search.py).
EXTENSION_ROWS = 1_000
#: How often this script asks `/did` again while it answers FETCHING (the extension's own
#: front end asks every 10 s: `DIDPollingManager`, setInterval 1e4).
POLL_INTERVAL = 0.25
UI_POLL_INTERVAL = 10.0
#: What the extension logs (at level info) when a background refresh of a dataset's
#: replicas ends (mode_handlers/replica.py).
REFRESHED = "Background refresh completed for"


# --- the extension's environment and server ---------------------------------------------------

def ensure_venv(venv: Path) -> dict[str, Any]:
    """A virtual environment with rucio-jupyterlab==41.0.0 and jupyter_server (made once)."""
    python = venv / "bin" / "python"
    marker = venv / "bench-ext-venv.json"
    check = [str(python), "-c", "import importlib.metadata as m, jupyter_server, "
             "rucio_jupyterlab; print(m.version('rucio-jupyterlab'), "
             "m.version('jupyter_server'), m.version('rucio-clients'))"]
    if python.exists() and marker.exists():
        done = subprocess.run(check, capture_output=True, text=True, check=False)
        if done.returncode == 0 and done.stdout.split()[0] == EXTENSION_VERSION:
            ext, server, clients = done.stdout.split()
            return dict(json.loads(marker.read_text()), reused=True, extension=ext,
                        jupyter_server=server, rucio_clients=clients)
    log(f"making {venv} with {EXTENSION}=={EXTENSION_VERSION} and jupyter_server ...")
    shutil.rmtree(venv, ignore_errors=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    t0 = now()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    with (venv / "pip.log").open("w") as out:  # pip's output, kept for a failed install
        subprocess.run([str(python), "-m", "pip", "install", "--disable-pip-version-check",
                        f"{EXTENSION}=={EXTENSION_VERSION}", "jupyter_server"],
                       stdout=out, stderr=subprocess.STDOUT, check=True)
    elapsed = now() - t0
    recorded = {"seconds": elapsed, "date": datetime.datetime.now().isoformat(timespec="seconds")}
    marker.write_text(json.dumps(recorded) + "\n")
    done = subprocess.run(check, capture_output=True, text=True, check=True)
    ext, server, clients = done.stdout.split()
    return dict(recorded, reused=False, extension=ext, jupyter_server=server,
                rucio_clients=clients)


def extension_config(sandbox: Sandbox, log_level: str | None = None) -> dict[str, Any]:
    """The extension's `jupyter_server_config.json`: one instance, the sandbox, replica mode
    (``log_level``: the extension's own, default warning)."""
    url = sandbox.server_url()
    layout = sandbox.layout
    config: dict[str, Any] = {"RucioConfig": {
        "instances": [{
            "name": INSTANCE,
            "display_name": "Rucio sandbox",
            "rucio_base_url": url,
            "rucio_auth_url": url,
            "mode": "replica",
            "destination_rse": DESTINATION_RSE,
            "rse_mount_path": str(layout.mount_path),
            "path_begins_at": layout.path_begins_at,
            "wildcard_enabled": True,
        }],
        "default_instance": INSTANCE,
        "default_auth_type": "userpass",
    }}
    if log_level:
        config["RucioConfig"]["log_level"] = log_level
    return config


def alice_credentials(sandbox: Sandbox) -> dict[str, str]:
    """username, password, account from alice's rucio.cfg (the sandbox's own secrets)."""
    import configparser

    parser = configparser.ConfigParser()
    parser.read(sandbox.layout.client_config("alice"))
    client = parser["client"]
    return {"username": client["username"], "password": client["password"],
            "account": client["account"]}


class ExtensionServer:
    """`jupyter server` with rucio-jupyterlab, in a folder of its own (HOME, config, data,
    runtime): its SQLite cache is ``HOME/.rucio_jupyterlab/cache.db``, made at import."""

    def __init__(self, venv: Path, state: Path, port: int, config: dict[str, Any]) -> None:
        self.venv, self.state, self.port, self.config = venv, state, port, config
        self.token = secrets.token_hex(16)
        self.base = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.home = state / "home"
        self.session: Any = None
        self.starts: list[float] = []

    @property
    def cache_db(self) -> Path:
        return self.home / ".rucio_jupyterlab" / "cache.db"

    def start(self) -> None:
        """Start it with an empty HOME (so an empty cache) and wait until it answers."""
        import requests

        self.stop()
        shutil.rmtree(self.state, ignore_errors=True)
        config_dir = self.state / "config"
        for folder in (self.home, config_dir, self.state / "data", self.state / "runtime",
                       self.state / "root"):
            folder.mkdir(parents=True, exist_ok=True)
        (config_dir / "jupyter_server_config.json").write_text(json.dumps(self.config, indent=1))
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("JUPYTER", "RUCIO", "VIRTUAL_ENV", "PYTHON"))
               and k not in ("KUBERNETES_SERVICE_HOST", "HOME")}
        env.update(HOME=str(self.home), JUPYTER_CONFIG_DIR=str(config_dir), PYTHONUNBUFFERED="1",
                   JUPYTER_DATA_DIR=str(self.state / "data"),
                   JUPYTER_RUNTIME_DIR=str(self.state / "runtime"),
                   PATH=f"{self.venv / 'bin'}:{env.get('PATH', '/usr/bin:/bin')}")
        cmd = [str(self.venv / "bin" / "jupyter"), "server", "--no-browser", "--allow-root",
               "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}",
               "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
               f"--ServerApp.root_dir={self.state / 'root'}"]
        t0 = now()
        with (self.state / "server.log").open("ab") as out:
            self.proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"token {self.token}"
        deadline = now() + 60
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter server exited ({self.proc.returncode}); see "
                                   f"{self.state / 'server.log'}")
            try:
                if self.session.get(f"{self.base}/api/status", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            if now() > deadline:
                raise TimeoutError(f"jupyter server did not answer on {self.base}")
            time.sleep(0.1)
        self.starts.append(now() - t0)

    def sign_in(self, credentials: dict[str, str]) -> None:
        """What the extension's settings panel does: pick the instance and auth type, then
        store the credentials (it checks them against Rucio); then one call that makes it
        get and keep a token (list-scopes), so that no timed request pays the sign-in."""
        answer = self.session.put(self.url("instances"), timeout=30,
                                  json={"instance": INSTANCE, "auth": "userpass"})
        answer.raise_for_status()
        answer = self.session.put(self.url("auth"), timeout=60, json={
            "namespace": INSTANCE, "type": "userpass", "params": credentials})
        answer.raise_for_status()
        answer = self.session.get(self.url("list-scopes"), params={"namespace": INSTANCE},
                                  timeout=60)
        answer.raise_for_status()

    def log_count(self, text: str) -> int:
        """Lines of the server's log (its stdout and stderr) that hold ``text``."""
        log_file = self.state / "server.log"
        if not log_file.exists():
            return 0
        with log_file.open(errors="replace") as lines:
            return sum(1 for line in lines if text in line)

    def wait_log(self, text: str, count: int, timeout: float = 600) -> float:
        """Wait until ``count`` lines of the log hold ``text``; return the seconds waited."""
        t0 = now()
        while self.log_count(text) < count:
            if now() - t0 > timeout:
                raise TimeoutError(f"no {count} x {text!r} in the extension's log")
            time.sleep(0.05)
        return now() - t0

    def url(self, endpoint: str) -> str:
        return f"{self.base}/rucio-jupyterlab/{endpoint}"

    def get(self, endpoint: str, **params: str) -> tuple[float, Any, int]:
        """One request: (seconds until the whole body is in, parsed JSON, body bytes)."""
        t0 = now()
        answer = self.session.get(self.url(endpoint), params={"namespace": INSTANCE, **params},
                                  timeout=600)
        body = answer.content
        elapsed = now() - t0
        answer.raise_for_status()
        return elapsed, json.loads(body), len(body)

    def purge_cache(self) -> None:
        self.session.post(self.url("purge-cache"), params={"namespace": INSTANCE},
                          timeout=60).raise_for_status()

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        except ProcessLookupError:
            pass


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


# --- data ---------------------------------------------------------------------------------------

def ensure_dataset(root: Any, sandbox_dir: Path) -> dict[str, Any]:
    """A closed DATASET_FILES-file dataset registered on the destination RSE only (files
    without bytes; a replica on the destination maps its PFN to the mount), made once."""
    from rucio.common.exception import DataIdentifierNotFound

    marker = sandbox_dir / SEED_MARKER
    if marker.exists():
        recorded = json.loads(marker.read_text())
        scope, name = recorded["did"].split(":", 1)
        try:
            if root.get_did(scope, name)["length"] == DATASET_FILES:
                return dict(recorded, reused=True)
        except DataIdentifierNotFound:
            pass
    log(f"seeding a {DATASET_FILES:,}-file dataset on {DESTINATION_RSE} (about 90 s) ...")
    t0 = now()
    did = register_fake_dataset(root, DATASET_SCOPE, DATASET_FILES, DESTINATION_RSE)
    recorded = {"did": did, "files": DATASET_FILES, "rse": DESTINATION_RSE,
                "seconds": now() - t0,
                "date": datetime.datetime.now().isoformat(timespec="seconds")}
    marker.write_text(json.dumps(recorded) + "\n")
    return dict(recorded, reused=False)


def touch_missing(paths: Sequence[str]) -> int:
    """Give the registered files (empty) bytes on the mount, as a real mount has them, so
    the widget's warm look finds the files it samples. Returns how many were made."""
    made = 0
    for line in paths:
        path = Path(line)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch()
            made += 1
    return made


# --- measurements -------------------------------------------------------------------------------

def bench_search(fig: Figures, server: ExtensionServer, reps: int) -> None:
    """did-search next to the widget's first page and its first 1,000 rows."""
    browser, _capture = new_browser()
    got: dict[str, dict[str, list[float]]] = {}
    sizes: dict[str, int] = {}
    for rep in range(reps + 1):  # the first round warms connections and caches
        for label, pattern, _expected in PATTERNS:
            t_ext, rows, size = server.get("did-search", did=pattern, type="all")
            sizes[label] = size
            if len(rows) != EXTENSION_ROWS:
                log(f"  extension: {len(rows)} rows for {pattern}, not {EXTENSION_ROWS}")
            settle()
            t0 = now()
            first = browser.search(pattern)
            t_first = now() - t0
            loaded = browser.load_more(EXTENSION_ROWS - len(first))
            t_1000 = now() - t0
            if len(first) != 100 or len(loaded) < EXTENSION_ROWS:
                log(f"  widget: {len(first)} then {len(loaded)} rows for {pattern}")
            settle()
            if rep == 0:
                continue
            entry = got.setdefault(label, {"ext": [], "first": [], "1000": []})
            entry["ext"].append(t_ext)
            entry["first"].append(t_first)
            entry["1000"].append(t_1000)
    browser.close()
    for label, pattern, expected in PATTERNS:
        entry = got[label]
        r_first = ratio_of(entry["first"], entry["ext"])
        fig.add("S", f"search `{pattern}` ({expected:,} matches): widget's first page (100 rows, "
                f"`search()`) / extension's whole answer ({EXTENSION_ROWS:,} rows, "
                f"{sizes[label] / 1024:.0f} KB)", secs(entry["first"]), secs(entry["ext"]),
                f"{r_first:.2f}x", "≤ 1x", yes(r_first <= 1))
        r_1000 = ratio_of(entry["1000"], entry["ext"])
        fig.add("S", f"search `{pattern}`: {EXTENSION_ROWS:,} rows loaded (widget: `search()` + "
                f"`load_more({EXTENSION_ROWS - 100})`; extension: the same answer)",
                secs(entry["1000"]), secs(entry["ext"]), f"{r_1000:.2f}x", "≤ 1x",
                yes(r_1000 <= 1))


def extension_dataset_round(server: ExtensionServer, did: str,
                            credentials: dict[str, str]) -> dict[str, Any]:
    """One round on a fresh server (empty cache): /files cold and warm, then (cache purged)
    /did polled until nothing is FETCHING, then /did again a while later (from its cache)."""
    server.start()
    server.sign_in(credentials)
    out: dict[str, Any] = {}
    out["files_cold"], files, out["files_bytes"] = server.get("files", did=did)
    out["files_dids"] = {f["did"] for f in files}
    out["files_count"] = len(files)
    settle()
    out["files_warm"], _files, _size = server.get("files", did=did)
    server.purge_cache()  # /files is synchronous: nothing is in flight that could refill it
    settle()
    polls = 0
    t0 = now()
    while True:
        t_poll, answer, size = server.get("did", did=did)
        polls += 1
        if polls == 1:
            out["did_first_answer"] = t_poll
        if not any(item.get("status") == "FETCHING" for item in answer):
            break
        if now() - t0 > 600:
            raise TimeoutError(f"/did still FETCHING after {polls} polls")
        time.sleep(POLL_INTERVAL)
    out["did_cold"] = now() - t0
    out["did_polls"] = polls
    out["did_bytes"] = size
    out["did_statuses"] = sorted({item.get("status") for item in answer})
    out["did_paths"] = {item["path"] for item in answer if item.get("path")}
    # Each answer from its cache starts a background refresh (the whole replica lookup again,
    # replica.py `_refresh_replicas_async`); the last poll's was one. Let it end (its log
    # says so) before the warm look, so that the warm look is a later second look, and let
    # the warm look's own refresh end before the server is stopped, so that no abandoned
    # lookup keeps the Rucio server busy while the widget is timed.
    out["refresh"] = server.wait_log(REFRESHED, 1)
    settle()
    out["did_warm"], warm_answer, _size = server.get("did", did=did)
    out["did_warm_ok"] = (len(warm_answer) == DATASET_FILES
                          and all(item.get("status") == "OK" for item in warm_answer))
    server.wait_log(REFRESHED, 2)
    server.stop()
    return out


def widget_paths_round(did: str) -> dict[str, Any]:
    """A fresh browser (signed in, start-up done; no cache): select() → wait_paths()."""
    browser, _capture = new_browser()
    seen: dict[str, float] = {}

    def on_paths(change: dict[str, Any]) -> None:
        if change["new"] and "first" not in seen:
            seen["first"] = now()

    browser.observe(on_paths, names="paths")
    t0 = now()
    browser.select(did)
    paths = browser.wait_paths(600)
    elapsed = now() - t0
    browser.close()
    return {"paths": elapsed, "first": seen.get("first", now()) - t0, "set": set(paths),
            "count": len(paths)}


def widget_files_round(did: str) -> dict[str, Any]:
    """A fresh browser: the dataset's first page of files, then its whole listing."""
    browser, _capture = new_browser()
    done = threading.Event()
    got: dict[str, Any] = {}

    def reply(future: Any) -> None:
        got["t"] = now()
        got["answer"] = future.result()
        done.set()

    t0 = now()
    browser.model.request_page(did, 0, 100).add_done_callback(reply)
    if not done.wait(300):
        raise TimeoutError("no first page of the dataset's files")
    first = got["t"] - t0
    listing = browser.model.searcher.listing_for(did)
    listing.wait_for(DATASET_FILES + 1, timeout=600)
    full = now() - t0
    rows = list(listing.rows)
    complete = listing.complete
    browser.close()
    return {"first": first, "first_rows": len(got["answer"]["rows"]), "full": full,
            "complete": complete, "dids": {row.did for row in rows}, "count": len(rows)}


def widget_warm_round(did: str, env: dict[str, str], cache: Path) -> dict[str, Any]:
    """As bench_warm.py: new processes with a private cache, a cold look then a warm one."""
    shutil.rmtree(cache / "paths", ignore_errors=True)
    cold = look(did, env)
    time.sleep(3.0)  # the cold look writes its entry in the background
    warm = look(did, env)
    settle(2.0)  # a refresh that process left behind ends on the Rucio server
    return {"cold": float(cold["look"]), "warm": float(warm["look"]),
            "hit": bool(warm["warm"]), "count": int(warm["paths"])}


def bench_dataset(fig: Figures, server: ExtensionServer, did: str, reps: int,
                  credentials: dict[str, str], env: dict[str, str], cache: Path) -> None:
    """/did and /files of the 10,000-file dataset next to the widget's paths and listing."""
    ext: list[dict[str, Any]] = []
    paths: list[dict[str, Any]] = []
    files: list[dict[str, Any]] = []
    warm: list[dict[str, Any]] = []
    for rep in range(reps + 1):  # the first round warms the Rucio server's caches
        log(f"  round {rep}/{reps}: extension ...")
        e = extension_dataset_round(server, did, credentials)
        settle(1.0)
        log(f"  round {rep}/{reps}: widget ...")
        p = widget_paths_round(did)
        if rep == 0:
            made = touch_missing(sorted(p["set"]))
            if made:
                log(f"  gave {made:,} registered files empty bytes on the mount")
        settle(1.0)
        f = widget_files_round(did)
        settle(1.0)
        w = widget_warm_round(did, env, cache)
        settle(1.0)
        log(f"  extension /files {_fmt_s(e['files_cold'])}, /did {_fmt_s(e['did_cold'])} "
            f"({e['did_polls']} polls), warm {_fmt_s(e['did_warm'])}; widget paths "
            f"{_fmt_s(p['paths'])}, files {_fmt_s(f['full'])}, new process cold "
            f"{_fmt_s(w['cold'])} / warm {_fmt_s(w['warm'])}")
        if rep:
            ext.append(e)
            paths.append(p)
            files.append(f)
            warm.append(w)

    def col(rows: list[dict[str, Any]], key: str) -> list[float]:
        return [float(r[key]) for r in rows]

    did_cold, did_warm = col(ext, "did_cold"), col(ext, "did_warm")
    polls = col(ext, "did_polls")
    n = f"{DATASET_FILES:,}-file dataset"
    fig.add("D", f"{n}: paths, cold. Widget: `select()` → `wait_paths()` (fresh browser, no "
            f"cache); extension: `/did` asked every {POLL_INTERVAL} s until nothing is FETCHING "
            f"(polls: median {statistics.median(polls):.0f}, {min(polls):.0f}..{max(polls):.0f})",
            secs(col(paths, "paths")), secs(did_cold),
            f"{ratio_of(col(paths, 'paths'), did_cold):.2f}x", "≤ 1x",
            yes(ratio_of(col(paths, "paths"), did_cold) <= 1))
    fig.add("D", "...time to the first paths (widget: first `paths` update; extension: all "
            "at once, when `/did` stops answering FETCHING)", secs(col(paths, "first")),
            secs(did_cold), f"{ratio_of(col(paths, 'first'), did_cold):.2f}x", "< 0.5 s",
            yes(statistics.median(col(paths, "first")) < 0.5))
    fig.add("D", "...extension's first `/did` answer (FETCHING, no paths) / that answer in "
            f"its front end, which asks again every {UI_POLL_INTERVAL:.0f} s: paths shown after",
            "", secs(col(ext, "did_first_answer")) + " / " + secs(
                [UI_POLL_INTERVAL * max(1, -(-t // UI_POLL_INTERVAL)) for t in did_cold]),
            "", "", "")
    hits = sum(1 for w in warm if w["hit"])
    fig.add("D", f"{n}: paths, warm (a later second look). Widget: a new process with a "
            f"private cache after a cold one, answered from the cache {hits}/{len(warm)}; "
            "extension: `/did` again from its SQLite cache", secs(col(warm, "warm")),
            secs(did_warm), f"{ratio_of(col(warm, 'warm'), did_warm):.2f}x", "≤ 0.3 s",
            yes(statistics.median(col(warm, "warm")) <= 0.3))
    fig.add("D", "...the widget's cold look in a new process (the one before each warm look)",
            secs(col(warm, "cold")), secs(did_cold),
            f"{ratio_of(col(warm, 'cold'), did_cold):.2f}x", "", "")
    fig.add("D", "...extension: the background refresh each answer from its cache starts (the "
            "whole replica lookup again; from the answer that ended the polling until its "
            "log says the refresh is done)", "", secs(col(ext, "refresh")), "", "", "")
    files_cold = col(ext, "files_cold")
    fig.add("F", f"{n}: first page of its files. Widget: `request_page(did, 0, 100)` (fresh "
            f"browser); extension: `/files` (all {DATASET_FILES:,}, cold, "
            f"{ext[-1]['files_bytes'] / 1024:.0f} KB)", secs(col(files, "first")),
            secs(files_cold), f"{ratio_of(col(files, 'first'), files_cold):.2f}x", "≤ 1x",
            yes(ratio_of(col(files, "first"), files_cold) <= 1))
    fig.add("F", f"...full listing of its {DATASET_FILES:,} files (widget: the same listing read "
            "to the end; extension: the same `/files` answer)", secs(col(files, "full")),
            secs(files_cold), f"{ratio_of(col(files, 'full'), files_cold):.2f}x", "≤ 1x",
            yes(ratio_of(col(files, "full"), files_cold) <= 1))
    fig.add("F", "...extension's `/files` again, from its cache (the widget keeps no listing "
            "across browsers)", "", secs(col(ext, "files_warm")), "", "", "")
    fig.add("F", "extension's `jupyter server` start, until `/api/status` answers (not timed "
            "above)", "", secs(server.starts), "", "", "")

    # Do both give the same answer?
    last_ext, last_paths, last_files = ext[-1], paths[-1], files[-1]
    same_paths = last_ext["did_paths"] == last_paths["set"]
    fig.add("C", f"same local paths for the {n} (widget `wait_paths()` vs extension `/did` "
            "`path`s, last round)",
            f"{last_paths['count']:,} paths", f"{len(last_ext['did_paths']):,} paths "
            f"(statuses {', '.join(last_ext['did_statuses'])})", "",
            "identical", yes(same_paths)
            + ("" if same_paths else f" ({len(last_ext['did_paths'] ^ last_paths['set'])} "
               "differ)"))
    same_files = last_ext["files_dids"] == last_files["dids"]
    fig.add("C", f"same files for the {n} (widget listing vs extension `/files`, last round)",
            f"{last_files['count']:,} files" + ("" if last_files["complete"] else " (incomplete)"),
            f"{last_ext['files_count']:,} files", "", "identical", yes(same_files))
    all_ok = all(e["did_warm_ok"] for e in ext)
    fig.add("C", "extension's warm `/did`: every file OK with a path, every round", "",
            yes(all_ok), "", "", "")


# --- main ---------------------------------------------------------------------------------------

def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/rw-bench"),
                        help="folder of a running sandbox (default /tmp/rw-bench); never stopped")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help=f"port of the extension's jupyter server (default {DEFAULT_PORT})")
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV,
                        help=f"the extension's virtual environment (default {DEFAULT_VENV})")
    parser.add_argument("--reps", type=int, default=5,
                        help="timed repetitions per figure, after one warm-up (default 5)")
    parser.add_argument("--keep", action="store_true",
                        help="leave the last jupyter server running, and its folder")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS-extension.md",
                        help="where to write the table (default benchmarks/RESULTS-extension.md)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _raise_interrupt)

    sandbox = Sandbox(args.dir, log=log)
    if not sandbox.status().up:
        log(f"no sandbox running in {args.dir}: start one first (bench_browser.py --keep)")
        return 2
    if not port_free(args.port):
        log(f"port {args.port} is in use: pick another with --port")
        return 2
    os.environ["RUCIO_CONFIG"] = str(sandbox.layout.client_config("alice"))
    os.environ["RUCIO_WIDGETS_CACHE_DIR"] = "off"  # in this process: cold looks only
    for name in ("RUCIO_HOME", "RUCIO_ACCOUNT", "RUCIO_AUTH_TYPE"):
        os.environ.pop(name, None)
    logging_quiet()

    venv = ensure_venv(args.venv)
    state = Path(tempfile.mkdtemp(prefix="rw-bench-ext-"))
    server = ExtensionServer(args.venv, state / "server", args.port, extension_config(sandbox))
    try:
        return run(sandbox, args, server, venv, state)
    finally:
        if args.keep and server.proc is not None:
            log(f"extension server left running on {server.base} (token {server.token}, "
                f"pid {server.proc.pid}, folder {state})")
        else:
            server.stop()
            shutil.rmtree(state, ignore_errors=True)


def run(sandbox: Sandbox, args: argparse.Namespace, server: ExtensionServer,
        venv: dict[str, Any], state: Path) -> int:
    from importlib import metadata

    from rucio_widgets.sandbox.testing import SandboxSession

    session = SandboxSession(sandbox)
    root = session.client("root")
    alice = session.client("alice")
    server_version = alice.ping().get("version", "?")
    memcached = sandbox.status().running.get("memcached", False)
    load_before = os.getloadavg()
    version = code_version()
    fig = Figures()
    fig.add("-", f"extension environment: {EXTENSION}=={venv['extension']}, jupyter_server "
            f"{venv['jupyter_server']} ({'reused' if venv['reused'] else 'made'}; made in "
            f"{_fmt_s(venv['seconds'])}, {venv['date']})", "", "", "", "", "")
    seeded = ensure_dataset(root, sandbox.dir)
    did = seeded["did"]
    fig.add("-", f"seeding `{did}`: {seeded['files']:,} files registered on {seeded['rse']} "
            f"only, as root ({'reused' if seeded['reused'] else 'made now'}, {seeded['date']})",
            _fmt_s(seeded["seconds"]), "", "", "", "")
    credentials = alice_credentials(sandbox)
    cache = state / "widget-cache"
    env = {**os.environ, "RUCIO_WIDGETS_CACHE_DIR": str(cache), "PYTHONPATH": str(HERE.parent)}

    log("searches ...")
    server.start()
    server.sign_in(credentials)
    bench_search(fig, server, args.reps)
    server.stop()
    log("the dataset: /did, /files, paths, listing ...")
    # Its log at info for these rounds: the log tells when a background refresh ends.
    server.config = extension_config(sandbox, "info")
    bench_dataset(fig, server, did, args.reps, credentials, env, cache)
    if args.keep:  # leave one signed-in server to look at
        server.start()
        server.sign_in(credentials)

    table = fig.table().splitlines()
    table[0] = table[0].replace("| raw client |", f"| {EXTENSION} {venv['extension']} |")
    header = [
        "# rucio-widgets next to the Rucio JupyterLab extension: figures",
        "",
        f"- date: {datetime.datetime.now().isoformat(timespec='seconds')}",
        f"- code: {version}",
        f"- machine: {os.cpu_count()} cores (`nproc`), {platform.platform()}",
        f"- python {platform.python_version()}, rucio-clients {metadata.version('rucio-clients')} "
        f"(widget), rucio server {server_version} (sandbox, PostgreSQL, flask dev server), "
        f"memcached {'running' if memcached else 'NOT running'}",
        f"- extension: {EXTENSION} {venv['extension']}, jupyter_server {venv['jupyter_server']}, "
        f"rucio-clients {venv['rucio_clients']} (its venv), served by `jupyter server` on "
        "127.0.0.1 with a private HOME (cache `~/.rucio_jupyterlab/cache.db`), replica mode, "
        f"destination {DESTINATION_RSE}, alice (userpass); its log level: its default "
        "(warning) for the searches, info for the dataset rounds (its log tells when a "
        "background refresh ends)",
        f"- load average (1, 5, 15 min) at start {fmt_load(load_before)}, at end "
        f"{fmt_load(os.getloadavg())} (other work on the machine adds noise)",
        f"- repetitions: {args.reps} per figure after one warm-up round (median, min..max, n); "
        "each dataset round on a freshly started extension server (empty cache)",
        f"- command: `python3 benchmarks/bench_extension.py {' '.join(sys.argv[1:])}`".rstrip(),
        "",
        "Ratios are widget / extension, medians over medians. The extension's times are HTTP "
        "requests to its handlers (the whole body read), without its front end; the widget's "
        "are its Python API in this process, without a browser.",
        "",
        "",
    ]
    text = "\n".join(header) + "\n".join(table) + "\n"
    print(text)
    args.out.write_text(text)
    log(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
