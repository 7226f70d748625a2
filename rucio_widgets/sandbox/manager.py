"""A real Rucio server on 127.0.0.1, with its database, cache, daemons and seeded data.

``Sandbox(dir).up()`` makes or restarts it, ``down()`` stops exactly what it started,
``status()`` tells what runs, ``env_lines(account)`` prints the shell lines that point the
``rucio`` command and ``RucioBrowser()`` at it.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import postgres, processes, serverenv, xrootd
from .layout import (
    ALL_RSES,
    DEFAULT_ACCOUNT,
    DEFAULT_SERVER_PORT,
    DESTINATION_RSE,
    FORMAT_VERSION,
    SCRATCH_RSE,
    USER_ACCOUNTS,
    XRD_RSES,
    SandboxLayout,
)
from .postgres import PostgresCluster, find_bindir
from .processes import ProcessRecord, SandboxError
from .serverenv import RUCIO_VERSION, ensure_server_env
from .tls import TlsFiles, TlsLayout
from .xrootd import XrootdServer

Log = Callable[[str], None]

_SERVER_SIDE = Path(__file__).parent / "server_side"

#: REST endpoints the sandbox serves: Rucio's, less `traces`, which needs a message broker.
_ENDPOINTS = (
    "accountlimits",
    "accounts",
    "auth",
    "config",
    "credentials",
    "dids",
    "export",
    "heartbeats",
    "identities",
    "import",
    "lifetime_exceptions",
    "locks",
    "meta_conventions",
    "ping",
    "redirect",
    "replicas",
    "requests",
    "rses",
    "rules",
    "scopes",
    "subscriptions",
    "vos",
)

#: Templates Rucio opens for rule approval, approval and denial mails.
_MAIL_TEMPLATES = (
    "rule_approval_request",
    "rule_approved_user",
    "rule_approved_admin",
    "rule_denied_user",
    "rule_denied_admin",
    "rule_ok_notification",
)


def default_dir() -> Path:
    explicit = os.environ.get("RUCIO_WIDGETS_SANDBOX")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "rucio-widgets" / "sandbox"


@dataclass
class SandboxState:
    """What ``sandbox.json`` records between commands."""

    db: str
    ports: dict[str, int | None]
    tls: bool = False
    format: int = FORMAT_VERSION
    rucio_version: str = RUCIO_VERSION
    bootstrapped: bool = False
    seeded: bool = False
    processes: list[ProcessRecord] = field(default_factory=list)
    postgres_pid: int | None = None
    #: The token in the owner file of this sandbox's PostgreSQL cluster (see postgres.py).
    postgres_owner: str | None = None
    #: Whether the XRootD RSEs were seeded (xrootd was installed when the sandbox was made).
    xrootd: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "rucio_version": self.rucio_version,
            "db": self.db,
            "tls": self.tls,
            "ports": self.ports,
            "bootstrapped": self.bootstrapped,
            "seeded": self.seeded,
            "processes": [p.to_json() for p in self.processes],
            "postgres_pid": self.postgres_pid,
            "postgres_owner": self.postgres_owner,
            "xrootd": self.xrootd,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SandboxState:
        return cls(
            db=str(data["db"]),
            ports=dict(data.get("ports", {})),
            tls=bool(data.get("tls", False)),
            format=int(data.get("format", 0)),
            rucio_version=str(data.get("rucio_version", "?")),
            bootstrapped=bool(data.get("bootstrapped")),
            seeded=bool(data.get("seeded")),
            processes=[ProcessRecord.from_json(p) for p in data.get("processes", [])],
            postgres_pid=data.get("postgres_pid"),
            postgres_owner=data.get("postgres_owner"),
            xrootd=bool(data.get("xrootd", False)),
        )


@dataclass(frozen=True)
class StatusReport:
    directory: Path
    exists: bool
    db: str | None
    server_url: str | None
    running: dict[str, bool]
    seeded: bool
    tls: bool = False
    rucio_version: str = RUCIO_VERSION

    @property
    def up(self) -> bool:
        return bool(self.running) and all(self.running.values())

    def describe(self) -> str:
        if not self.exists:
            return f"No sandbox at {self.directory} (run `rucio-widgets sandbox up`)."
        lines = [f"Sandbox at {self.directory} ({self.db}, rucio {self.rucio_version})"]
        lines.append(
            f"  server: {self.server_url}"
            + (" (TLS: x509 and x509_proxy sign-in work too)" if self.tls else "")
        )
        for name, alive in self.running.items():
            lines.append(f"  {name}: {'running' if alive else 'stopped'}")
        lines.append(f"  data: {'seeded' if self.seeded else 'not seeded'}")
        return "\n".join(lines)


class Sandbox:
    def __init__(self, directory: Path | str | None = None, *, log: Log | None = None) -> None:
        self.dir = Path(directory).expanduser().resolve() if directory else default_dir()
        self.layout = SandboxLayout(self.dir)
        self.log: Log = log or (lambda message: print(message, file=sys.stderr, flush=True))

    # --- state ----------------------------------------------------------------------------
    def _load_state(self) -> SandboxState | None:
        path = self.layout.state_file
        if not path.exists():
            return None
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise SandboxError(
                f"{path} is unreadable ({exc}): remove {self.dir} to start afresh."
            ) from exc
        state = SandboxState.from_json(data)
        try:
            serverenv.check_supported(state.rucio_version)
            supported = True
        except SandboxError:
            supported = False
        if state.format != FORMAT_VERSION or not supported:
            oldest = ".".join(map(str, serverenv.OLDEST_SUPPORTED))
            raise SandboxError(
                f"The sandbox at {self.dir} was made by another version (format "
                f"{state.format}, rucio {state.rucio_version}; this one needs format "
                f"{FORMAT_VERSION}, rucio {oldest} or newer): stop it with `rucio-widgets "
                f"sandbox down --dir {self.dir}`, then remove the folder or pass another --dir."
            )
        return state

    def _save_state(self, state: SandboxState) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = self.layout.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(state.to_json(), indent=2) + "\n")
        os.replace(tmp, self.layout.state_file)

    def secrets(self) -> dict[str, str]:
        """Passwords of the sandbox's accounts and database (made once, kept 0600)."""
        path = self.layout.secrets_file
        if path.exists():
            return dict(json.loads(path.read_text()))
        made = {name: secrets.token_urlsafe(12) for name in ("root", *USER_ACCOUNTS, "postgres")}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.parent.chmod(0o700)
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
            json.dump(made, out)
        return made

    @property
    def accounts(self) -> tuple[str, ...]:
        return ("root", *USER_ACCOUNTS)

    def server_url(self) -> str:
        state = self._load_state()
        if state is None or not state.ports.get("server"):
            raise SandboxError(f"No sandbox at {self.dir}: run `rucio-widgets sandbox up` first.")
        return _url(state)

    @property
    def tls(self) -> bool:
        """Whether the sandbox serves HTTPS (made with ``up(tls=True)``)."""
        state = self._load_state()
        return state is not None and state.tls

    def tls_files(self, account: str = DEFAULT_ACCOUNT) -> TlsFiles:
        """The CA, certificate, key, proxy and expired certificate of ``account`` (--tls only)."""
        if not self.tls:
            raise SandboxError(
                f"The sandbox at {self.dir} serves plain HTTP: X.509 files exist only in a "
                "sandbox made with `rucio-widgets sandbox up --tls`."
            )
        return TlsLayout.of(self.layout).files(account)

    # --- up -------------------------------------------------------------------------------
    def up(
        self,
        *,
        db: str | None = None,
        port: int | None = None,
        tls: bool | None = None,
        rucio_version: str | None = None,
    ) -> StatusReport:
        """Make or restart the sandbox; ``db``, ``tls`` and ``rucio_version`` (the server
        release, default RUCIO_VERSION) are fixed when it is made."""
        if rucio_version is not None:
            serverenv.check_supported(rucio_version)
        state = self._load_state()
        db = self._choose_db(db, state)
        if state is not None:
            # Before a restart: a mismatched `up` leaves a running sandbox running.
            self._check_unchanged(state, db, tls, rucio_version)
            if any(processes.is_running(p) for p in state.processes):
                self.log(f"Sandbox at {self.dir} is running: restarting it.")
                self.down(quiet=True)
                state = self._load_state()
        # Processes of an earlier sandbox at this path whose records went with its folder.
        self._stop_leftovers()
        self._sweep_orphan_clusters()
        if state is None:
            state = SandboxState(
                db=db, ports={}, tls=bool(tls), rucio_version=rucio_version or RUCIO_VERSION
            )
        state.ports["server"] = self._choose_server_port(port, state)
        self.dir.mkdir(parents=True, exist_ok=True)
        started: list[ProcessRecord] = []
        try:
            self._up(state, started)
        except BaseException as exc:
            # An interrupted or failed up leaves nothing running, and a sandbox that was
            # never seeded keeps no database cluster (the next `up` makes it afresh anyway).
            self.log("Stopping what this `up` started ...")
            self._stop_all(state)
            if not state.seeded:
                self._discard_cluster(state)
                xrootd.remove_storage(self.dir)
            self._save_state(state)
            if isinstance(exc, KeyboardInterrupt):
                raise SandboxError("Interrupted: nothing of the sandbox is left running.") from exc
            raise
        return self.status()

    def _stop_leftovers(self) -> None:
        """Stop processes tagged with this sandbox folder that no record knows of any more."""
        left = processes.stop_owned(self.dir)
        if left:
            self.log(
                f"Stopped {len(left)} processes ({', '.join(sorted(set(left)))}) left running "
                f"by an earlier sandbox at {self.dir}."
            )

    def _sweep_orphan_clusters(self) -> None:
        removed = xrootd.sweep_orphans()
        if removed:
            self.log(
                f"Deleted {len(removed)} XRootD folder(s) of sandboxes whose folder is gone: "
                f"{', '.join(str(r) for r in removed)}."
            )
        removed = postgres.sweep_orphans()
        if removed:
            self.log(
                f"Deleted {len(removed)} PostgreSQL cluster(s) of sandboxes whose folder is "
                f"gone: {', '.join(str(r) for r in removed)}."
            )

    def _discard_cluster(self, state: SandboxState) -> None:
        if state.db != "postgresql" or find_bindir() is None:
            return
        cluster = PostgresCluster(self.dir, 0, "")
        if cluster.root.exists():
            # Its log may tell why the up failed: keep it with the sandbox's logs.
            with contextlib.suppress(OSError):
                shutil.copyfile(cluster.log_path, self.layout.logs / "postgres.log")
            cluster.remove()
        state.postgres_owner = None
        state.bootstrapped = False

    def _check_unchanged(
        self, state: SandboxState, db: str, tls: bool | None, rucio_version: str | None
    ) -> None:
        if rucio_version is not None and rucio_version != state.rucio_version:
            raise SandboxError(
                f"The sandbox at {self.dir} runs rucio {state.rucio_version}, not "
                f"{rucio_version}: drop --rucio-version, or use another --dir for a second "
                "sandbox."
            )
        if state.db != db:
            raise SandboxError(
                f"The sandbox at {self.dir} uses {state.db}, not {db}: drop --db, or use "
                "another --dir for a second sandbox."
            )
        if tls is not None and state.tls != tls:
            made = "HTTPS (made with --tls): drop --no-tls" if state.tls else "HTTP: drop --tls"
            raise SandboxError(
                f"The sandbox at {self.dir} serves {made}, or use another --dir for a second "
                "sandbox."
            )

    def _choose_db(self, requested: str | None, state: SandboxState | None) -> str:
        if requested not in (None, "postgresql", "sqlite"):
            raise SandboxError(f"--db must be postgresql or sqlite, not {requested!r}.")
        if requested:
            return requested
        if state is not None:
            return state.db
        if find_bindir() is not None:
            return "postgresql"
        self.log("PostgreSQL is not installed: using SQLite (fine for trying the browser).")
        return "sqlite"

    def _choose_server_port(self, requested: int | None, state: SandboxState) -> int:
        if requested is not None:
            if not processes.port_is_free(requested):
                raise SandboxError(
                    f"Port {requested} on 127.0.0.1 is in use by another program: "
                    "pass another --port."
                )
            return requested
        preferred = state.ports.get("server") or DEFAULT_SERVER_PORT
        if processes.port_is_free(preferred):
            return preferred
        chosen = processes.free_port()
        self.log(f"Port {preferred} is in use by another program: the server takes {chosen}.")
        return chosen

    def _up(self, state: SandboxState, started: list[ProcessRecord]) -> None:
        t0 = time.monotonic()
        python = ensure_server_env(self.log, state.rucio_version)
        passwords = self.secrets()
        for sub in ("logs", "logs/trace", "tokens"):
            (self.dir / sub).mkdir(parents=True, exist_ok=True)
        fresh = not (state.bootstrapped and state.seeded)

        database_url, new_database = self._start_database(state, passwords["postgres"], fresh)
        fresh = fresh or new_database
        self._save_state(state)
        memcached_port = self._start_memcached(state)
        self._save_state(state)
        self._write_server_config(
            database_url, memcached_port, passwords["root"], state.rucio_version
        )
        server_env = processes.owned_env(
            self.dir, {**os.environ, "RUCIO_CONFIG": str(self.layout.server_config)}
        )
        server_env.pop("RUCIO_HOME", None)
        if fresh:
            self._reset_storage()
            state.seeded = state.bootstrapped = False
            processes.run(
                [str(python), str(_SERVER_SIDE / "bootstrap.py")],
                env=server_env,
                what="Creating Rucio's schema and root account",
                timeout=300,
            )
            state.bootstrapped = True
            self._save_state(state)
        xrootd_ports, moved = self._start_xrootd(state, fresh)
        self._save_state(state)

        if state.tls:
            TlsLayout.of(self.layout).ensure(python, self.log)
        self._start_server(state, python, server_env)
        self._save_state(state)
        self._write_client_configs(state)
        seeding = not state.seeded
        if seeding:
            t_seed = time.monotonic()
            self.log("Seeding accounts, RSEs and the demo catalogue ...")
            self._seed(state.tls, *_port_args(xrootd_ports))
            state.seeded = True
            state.xrootd = bool(xrootd_ports)
            self._save_state(state)
            self.log(f"Seeded in {time.monotonic() - t_seed:.1f} s.")
        elif moved:
            # A port taken meanwhile by another program moved a server: Rucio must know.
            self._seed(state.tls, "--update-xrootd", *_port_args(xrootd_ports))
        self._start_daemons(state, python, server_env)
        if seeding:
            # The demo's "already on the destination" dataset arrives by a real transfer.
            self._seed(state.tls, "--wait-settled")
        self._save_state(state)
        self.log(f"Sandbox up in {time.monotonic() - t0:.1f} s: {self.server_url()}")

    def _start_database(self, state: SandboxState, password: str, fresh: bool) -> tuple[str, bool]:
        """Start the database; return its URL and whether it is new (empty)."""
        if state.db == "sqlite":
            new = fresh or not self.layout.sqlite_db.exists()
            if new:
                self.layout.sqlite_db.unlink(missing_ok=True)
            return f"sqlite:///{self.layout.sqlite_db}", new
        port = processes.free_port()
        state.ports["postgres"] = port
        cluster = PostgresCluster(self.dir, port, password)
        if cluster.exists() and not self._owns(cluster, state):
            # Left by an earlier sandbox at this path whose folder was deleted: it knows
            # another password and holds another sandbox's data.
            self.log(
                f"The PostgreSQL cluster in {cluster.root} belongs to an earlier sandbox at "
                "this path (its folder was deleted): making a new one."
            )
            cluster.remove()
        if not cluster.exists():
            # Recorded here before the cluster exists: a sweep never takes a cluster that
            # is being made for a live folder.
            state.postgres_owner = secrets.token_urlsafe(16)
            self._save_state(state)
            cluster.init(state.postgres_owner)
            fresh = True
        cluster.stop()  # a cluster left by a killed session would hold its data folder
        state.postgres_pid = cluster.start()
        if fresh:
            cluster.recreate_database()
        return cluster.url(serverenv.database_driver(state.rucio_version)), fresh

    def _owns(self, cluster: PostgresCluster, state: SandboxState) -> bool:
        token = cluster.owner_token()
        if token is None and state.postgres_owner is None and state.bootstrapped:
            # Made before clusters had owner files, by this very sandbox folder: adopt it.
            state.postgres_owner = secrets.token_urlsafe(16)
            cluster.claim(state.postgres_owner)
            return True
        return token is not None and token == state.postgres_owner

    def _start_memcached(self, state: SandboxState) -> int:
        binary = shutil.which("memcached")
        if binary is None:
            # Point Rucio at a port where nothing listens, never at a shared default one.
            self.log(
                "memcached is not installed: the server runs without a cache (slower "
                "replica listings; Debian: apt-get install memcached)."
            )
            state.ports["memcached"] = None
            return processes.free_port()
        port = processes.free_port()
        argv = [binary, "-l", "127.0.0.1", "-p", str(port), "-U", "0", "-m", "64"]
        if os.geteuid() == 0:
            argv += ["-u", "nobody"]
        _, record = processes.start(
            "memcached",
            argv,
            log_path=self.layout.logs / "memcached.log",
            env=processes.owned_env(self.dir),
        )
        state.processes.append(record)
        state.ports["memcached"] = port
        processes.wait_for_port(port, timeout=10, what="memcached")
        return port

    def _start_xrootd(self, state: SandboxState, fresh: bool) -> tuple[dict[str, int], bool]:
        """Start an XRootD server per XRootD RSE: RSE -> port (empty: file:// RSEs only),
        and whether a server moved to another port than Rucio knows."""
        binary = xrootd.find_binary()
        if binary is None:
            if fresh or state.xrootd:
                self.log(
                    "XRootD is not installed: the sandbox runs with file:// RSEs only "
                    "(Debian: apt-get install xrootd-server xrootd-client)."
                )
            return {}, False
        if not fresh and not state.xrootd:
            self.log(
                f"The sandbox at {self.dir} was made without XRootD: run `rucio-widgets "
                "sandbox remove` and `up` again for its root:// RSEs."
            )
            return {}, False
        ports: dict[str, int] = {}
        moved = False
        for rse in XRD_RSES:
            key = f"xrootd:{rse}"
            port = state.ports.get(key)
            taken = set(ports.values()) | {p for p in state.ports.values() if p}
            if not port or not processes.port_is_free(port):
                moved = moved or bool(port)
                port = processes.free_port(avoid=sorted(taken))
            state.ports[key] = port
            record = XrootdServer(self.dir, rse, port).start(binary, self.layout.logs)
            state.processes.append(record)
            ports[rse] = port
        return ports, moved

    def _write_mail_templates(self) -> None:
        """Rucio reads a mail template when a rule asks for approval (and when one is
        approved or denied); the sandbox sends no mail, but the files must be there."""
        folder = self.layout.etc / "mail_templates"
        folder.mkdir(parents=True, exist_ok=True)
        for name in _MAIL_TEMPLATES:
            path = folder / f"{name}.tmpl"
            if not path.exists():
                path.write_text(f"rucio-widgets sandbox: {name.replace('_', ' ')} (not sent)\n")

    def _write_server_config(
        self, database_url: str, cache_port: int, root_password: str, rucio_version: str
    ) -> None:
        site_packages = serverenv.site_packages(rucio_version)
        migrate_repo = site_packages / "rucio" / "db" / "sqla" / "migrate_repo"
        self.layout.server_config.parent.mkdir(parents=True, exist_ok=True)
        self.layout.alembic_ini.write_text(
            "[alembic]\n"
            f"script_location = {migrate_repo}\n"
            f"sqlalchemy.url = {database_url}\n"
            # alembic's env.py configures logging from this file: it needs these sections.
            "\n[loggers]\nkeys = root\n\n[handlers]\nkeys = console\n\n"
            "[formatters]\nkeys = generic\n\n[logger_root]\nlevel = WARN\nhandlers = console\n\n"
            "[handler_console]\nclass = StreamHandler\nargs = (sys.stderr,)\n"
            "formatter = generic\n\n"
            "[formatter_generic]\nformat = %%(levelname)s [%%(name)s] %%(message)s\n"
        )
        self._write_mail_templates()
        config = f"""\
[common]
logdir = {self.layout.logs}
loglevel = WARNING
mailtemplatedir = {self.layout.etc / "mail_templates"}

[trace]
tracedir = {self.layout.logs / "trace"}

[nongrid-trace]
tracedir = {self.layout.logs / "trace"}

[database]
default = {database_url}
pool_size = 10
max_overflow = 20

[alembic]
cfg = {self.layout.alembic_ini}

[bootstrap]
userpass_identity = root
userpass_pwd = {root_password}
userpass_email = root@localhost

[policy]
permission = generic
schema = generic
lfn2pfn_algorithm_default = hash
support = https://github.com/rucio/rucio/issues/
support_rucio = https://github.com/rucio/rucio/issues/

[conveyor]
transfertool = mock
scheme = file,root
use_preparer = False

[cache]
url = 127.0.0.1:{cache_port}

[api]
endpoints = {", ".join(_ENDPOINTS)}
"""
        _write_private(self.layout.server_config, config)

    def _start_server(self, state: SandboxState, python: Path, env: dict[str, str]) -> None:
        port = state.ports["server"]
        context = None
        if state.tls:
            # HTTPS on the same port: werkzeug with the server certificate, asking for
            # (optional) client certificates of the sandbox's CA and passing their DN to
            # Rucio as mod_ssl does.
            files = TlsLayout.of(self.layout)
            argv = [
                str(python),
                str(_SERVER_SIDE / "serve_tls.py"),
                "--port",
                str(port),
                "--cert",
                str(files.server_cert),
                "--key",
                str(files.server_key),
                "--ca",
                str(files.ca_cert),
            ]
            context = files.client_context()
        else:
            argv = [
                str(python),
                "-m",
                "flask",
                "--app",
                "rucio.web.rest.flaskapi.v1.main:application",
                "run",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--with-threads",
                "--no-reload",
            ]
        log_path = self.layout.logs / "server.log"
        proc, record = processes.start("server", argv, log_path=log_path, env=env, cwd=self.dir)
        state.processes.append(record)
        answer = processes.wait_for_http(
            f"{_url(state)}/ping",
            timeout=90,
            proc=proc,
            log_path=log_path,
            what="The Rucio server",
            context=context,
        )
        if state.rucio_version not in answer.decode(errors="replace"):
            raise SandboxError(f"Port {port} answered /ping with {answer!r}: not our server.")

    def _start_daemons(self, state: SandboxState, python: Path, env: dict[str, str]) -> None:
        argv = [str(python), str(_SERVER_SIDE / "daemons.py"), "--interval", "1"]
        _, record = processes.start(
            "daemons", argv, log_path=self.layout.logs / "daemons.log", env=env, cwd=self.dir
        )
        state.processes.append(record)

    def _reset_storage(self) -> None:
        for rse in ALL_RSES:
            shutil.rmtree(self.layout.rse_dir(rse), ignore_errors=True)
        xrootd.remove_storage(self.dir)
        for folder in ("tokens", "downloads", "payload"):
            shutil.rmtree(self.dir / folder, ignore_errors=True)

    def _seed(self, tls: bool, *extra: str) -> None:
        env = {**os.environ, "RUCIO_CONFIG": str(self.layout.client_config("root"))}
        for name in ("RUCIO_HOME", *_CLIENT_TLS_VARIABLES):
            env.pop(name, None)
        log_path = self.layout.logs / "seed.log"
        argv = [sys.executable, "-m", "rucio_widgets.sandbox.seed", "--dir", str(self.dir), *extra]
        with open(log_path, "ab") as log:
            done = subprocess.run(
                [*argv, "--tls"] if tls else argv,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                check=False,
            )
        if done.returncode != 0:
            raise SandboxError(
                f"Seeding failed (exit {done.returncode}); see {log_path}:\n"
                + processes.tail(log_path, 25)
            )

    # --- client configuration -------------------------------------------------------------
    def _write_client_configs(self, state: SandboxState) -> None:
        passwords = self.secrets()
        url = _url(state)
        tls = TlsLayout.of(self.layout) if state.tls else None
        for account in self.accounts:
            token_dir = self.layout.token_dir(account)
            token_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            download_dir = self.layout.download_dir(account)
            # One config file per account, each with its own token file: accounts never
            # share a cached token, and no token lands in the shared system temp dir.
            # With TLS, auth_type stays userpass; x509 and x509_proxy find their files here
            # (RUCIO_AUTH_TYPE=x509 rucio whoami).
            x509 = ""
            if tls is not None:
                files = tls.files(account)
                x509 = (
                    f"ca_cert = {files.ca_cert}\n"
                    f"client_cert = {files.cert}\n"
                    f"client_key = {files.key}\n"
                )
                if files.proxy is not None:
                    x509 += f"client_x509_proxy = {files.proxy}\n"
            config = f"""\
[client]
rucio_host = {url}
auth_host = {url}
auth_type = userpass
username = {account}
password = {passwords[account]}
account = {account}
request_retries = 2
auth_token_file_path = {token_dir / "token"}
{x509}
[widgets]
mode = replica
destination_rse = {DESTINATION_RSE}
rse_mount_path = {self.layout.mount_path}
path_begins_at = {self.layout.path_begins_at}
download_dir = {download_dir}
replication_rule_lifetime_days = 7
upload_rse = {SCRATCH_RSE}
"""
            _write_private(self.layout.client_config(account), config)

    def env_lines(self, account: str = DEFAULT_ACCOUNT) -> str:
        if account not in self.accounts:
            raise SandboxError(
                f"No account {account!r} in the sandbox: use one of {', '.join(self.accounts)}."
            )
        config = self.layout.client_config(account)
        if not config.exists():
            raise SandboxError(f"No sandbox at {self.dir}: run `rucio-widgets sandbox up` first.")
        unset = ["RUCIO_HOME", "RUCIO_ACCOUNT", "RUCIO_AUTH_TYPE"]
        if self.tls:
            # The client prefers these to rucio.cfg's ca_cert and certificate paths.
            unset += _CLIENT_TLS_VARIABLES
        return f"export RUCIO_CONFIG={_shell_quote(str(config))}\nunset {' '.join(unset)}\n"

    # --- down / status --------------------------------------------------------------------
    def down(self, *, quiet: bool = False) -> bool:
        """Stop the sandbox's processes; False when nothing was running."""
        state = self._load_state()
        if state is None:
            # The folder may have been deleted while its processes ran: they carry its tag.
            left = processes.stop_owned(self.dir)
            if find_bindir() is not None:
                PostgresCluster(self.dir, 0, "").stop()
            if not quiet:
                self.log(
                    f"No sandbox at {self.dir}; stopped {len(left)} processes it had left running."
                    if left
                    else f"No sandbox at {self.dir}: nothing to stop."
                )
            return bool(left)
        stopped = self._stop_all(state)
        left = processes.stop_owned(self.dir)
        if left:
            stopped.append(f"{len(left)} processes no record knew of")
        self._save_state(state)
        if not quiet:
            self.log(
                f"Stopped {', '.join(stopped)}."
                if stopped
                else f"The sandbox at {self.dir} was not running."
            )
        return bool(stopped)

    def _stop_all(self, state: SandboxState) -> list[str]:
        stopped = []
        # Daemons and server first, so nothing writes to the database while it stops.
        order = {"daemons": 0, "server": 1, "memcached": 2}
        for record in sorted(state.processes, key=lambda r: order.get(r.name, 9)):
            if processes.stop(record):
                stopped.append(record.name)
        state.processes = []
        if state.db == "postgresql" and state.ports.get("postgres"):
            cluster = PostgresCluster(self.dir, int(state.ports["postgres"] or 0), "")
            if cluster.postmaster_pid() is not None:
                cluster.stop()
                stopped.append("postgresql")
        state.postgres_pid = None
        return stopped

    def status(self) -> StatusReport:
        state = self._load_state()
        if state is None:
            return StatusReport(self.dir, False, None, None, {}, False)
        running = {p.name: processes.is_running(p) for p in state.processes}
        for name in ("server", "daemons"):
            running.setdefault(name, False)
        if state.db == "postgresql":
            cluster = PostgresCluster(self.dir, int(state.ports.get("postgres") or 0), "")
            pid = cluster.postmaster_pid()
            running["postgresql"] = (
                pid is not None and processes.process_start_time(pid) is not None
            )
        return StatusReport(
            self.dir,
            True,
            state.db,
            _url(state),
            running,
            state.seeded,
            tls=state.tls,
            rucio_version=state.rucio_version,
        )

    def _records(self, name: str) -> list[ProcessRecord]:
        state = self._load_state()
        records = [p for p in state.processes if p.name == name] if state else []
        if not records:
            raise SandboxError(f"The sandbox in {self.dir} runs no process named `{name}`.")
        return records

    def stop_process(self, name: str) -> None:
        """Stop one of the sandbox's processes ("server", "daemons", "memcached",
        "xrootd-<RSE>"), e.g. to see what a browser does while the server is away;
        ``up()`` starts it again (an XRootD server: ``start_process``)."""
        for record in self._records(name):
            processes.stop(record)

    def signal_process(self, name: str, signum: int) -> None:
        """Send ``signum`` to a running process of the sandbox (its whole group): SIGSTOP
        freezes a storage server mid-transfer, SIGKILL kills it as a crash would."""
        for record in self._records(name):
            if processes.is_running(record):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(record.pid, signum)

    def start_process(self, name: str) -> None:
        """Start again an XRootD server ("xrootd-<RSE>") that was stopped, on its port."""
        state = self._load_state()
        rse = name.removeprefix("xrootd-")
        port = state.ports.get(f"xrootd:{rse}") if state else None
        binary = xrootd.find_binary()
        if state is None or rse not in XRD_RSES or not port or binary is None:
            raise SandboxError(
                f"`{name}` is not an XRootD server of the sandbox in {self.dir}: start the "
                "others with `up`."
            )
        old = [p for p in state.processes if p.name == name]
        for record in old:
            processes.stop(record)
        record = XrootdServer(self.dir, rse, int(port)).start(binary, self.layout.logs)
        state.processes = [p for p in state.processes if p.name != name] + [record]
        self._save_state(state)

    def xrootd_ports(self) -> dict[str, int]:
        """RSE -> port of the sandbox's XRootD servers (empty without XRootD)."""
        state = self._load_state()
        if state is None or not state.xrootd:
            return {}
        found = {rse: state.ports.get(f"xrootd:{rse}") for rse in XRD_RSES}
        return {rse: int(port) for rse, port in found.items() if port}

    def remove(self, *, keep_folder: bool = False) -> None:
        """Stop the sandbox and delete its database cluster and (unless ``keep_folder``,
        which keeps the logs to read, as the tests do) its folder."""
        with contextlib.suppress(SandboxError):
            self.down(quiet=True)
        processes.stop_owned(self.dir)
        if find_bindir() is not None:
            PostgresCluster(self.dir, 0, "").remove()
        xrootd.remove_storage(self.dir)
        if keep_folder:
            with contextlib.suppress(SandboxError, OSError):
                state = self._load_state()
                if state is not None:
                    state.postgres_owner = None
                    state.bootstrapped = state.seeded = False
                    self._save_state(state)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)
        self._sweep_orphan_clusters()


#: Environment variables the rucio client reads before rucio.cfg's ca_cert and X.509 paths.
_CLIENT_TLS_VARIABLES = [
    "X509_CERT_DIR",
    "RUCIO_CLIENT_CERT",
    "RUCIO_CLIENT_KEY",
    "RUCIO_CLIENT_PROXY",
    "X509_USER_PROXY",
]


def _port_args(ports: dict[str, int]) -> list[str]:
    return [arg for rse, port in ports.items() for arg in ("--xrootd", f"{rse}={port}")]


def _url(state: SandboxState) -> str:
    scheme = "https" if state.tls else "http"
    return f"{scheme}://127.0.0.1:{state.ports.get('server')}"


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
        out.write(text)


def _shell_quote(text: str) -> str:
    import shlex

    return shlex.quote(text)


@contextlib.contextmanager
def running_sandbox(directory: Path, **kwargs: Any) -> Iterator[Sandbox]:
    """A sandbox that is up inside the block and stopped after it, whatever happens."""
    sandbox = Sandbox(directory)
    try:
        sandbox.up(**kwargs)
        yield sandbox
    finally:
        sandbox.down(quiet=True)
