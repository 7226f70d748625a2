"""``rucio-widgets doctor`` / ``rucio_widgets.doctor()``: check a hub's setup, one line each.

It checks, in order, and stops early only where the rest cannot be asked:

1. where the settings came from (keyword arguments, the JupyterLab extension's instance,
   rucio.cfg) and that they are valid;
2. which credentials are used, and when they expire;
3. that the server answers ``/ping`` (its version);
4. ``whoami`` with those credentials;
5. replica mode: the destination RSE(s) and their protocols;
6. replica mode: one file on the destination, its mapped path, and whether it exists;
7. download mode: the download folder, that it can be written, and its free space.

Each line is ``ok`` or ``WRONG`` with what to do. The command exits 1 when a line is wrong.
"""

from __future__ import annotations

import itertools
import os
import shutil
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import Credentials, Settings, load_config
from .errors import RucioWidgetsError, translate
from .words import clip, format_bytes


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""

    def __str__(self) -> str:
        mark = "ok   " if self.ok else "WRONG"
        return f"{mark} {self.name}: {self.detail}" + (f"\n      → {self.fix}" if self.fix else "")


@dataclass
class Report:
    """What ``doctor()`` found; ``ok`` when every line is."""

    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def add(self, name: str, ok: bool, detail: str, fix: str = "") -> bool:
        self.checks.append(Check(name, ok, detail, fix))
        return ok

    def failed(self, name: str, error: BaseException) -> bool:
        problem = translate(error)
        return self.add(name, False, problem.message, problem.hint)

    def __str__(self) -> str:
        lines = [str(c) for c in self.checks]
        verdict = (
            "Everything checked is fine." if self.ok else "Something is wrong: see WRONG above."
        )
        return "\n".join([*lines, verdict])

    def __repr__(self) -> str:  # shows in a notebook cell as the lines themselves
        return str(self)


def doctor(instance: str | None = None, **settings: Any) -> Report:
    """Check the setup the browser would use (same arguments as ``RucioBrowser``)."""
    report = Report()
    try:
        config, credentials = load_config(instance, **settings)
    except RucioWidgetsError as exc:
        report.failed("settings", exc)
        return report
    report.add("settings", True, _settings_line(config))
    if not config.rucio_host:
        report.add(
            "server",
            False,
            "no Rucio server is configured",
            "Set rucio_host in rucio.cfg [client] (RUCIO_CONFIG) or configure an instance.",
        )
        return report
    report.add("credentials", True, _credentials_line(config, credentials))
    if not _ping(report, config):
        return report
    client = _whoami(report, config, credentials)
    if config.mode == "download":
        _download_dir(report, config)
    elif client is not None:
        _destination(report, config, client)
    return report


def _settings_line(config: Settings) -> str:
    where = config.source
    if config.config_file and config.config_file not in where:
        where += f" (rucio.cfg {config.config_file})"
    mode = f"mode {config.mode}"
    if config.mode == "replica":
        mode += f" to {config.destination_rse or '(no destination_rse)'}"
    return f"from {where}; {mode}; account {config.account or '(the server decides)'}"


def _credentials_line(config: Settings, credentials: Credentials) -> str:
    from .rucioclient import certificate_expiry, jwt_expiry

    auth = config.auth_type or "userpass"
    if auth == "userpass":
        return f"userpass as {credentials.username or '(no username: the panel will ask)'}"
    if auth in ("x509", "x509_proxy"):
        path = credentials.client_proxy if auth == "x509_proxy" else credentials.client_cert
        expiry = certificate_expiry(os.path.expanduser(path)) if path else None
        return f"{auth} from {path or '(none configured)'}" + (
            f", valid until {expiry:%Y-%m-%d %H:%M} UTC" if expiry else ""
        )
    if credentials.token_env:
        return f"oidc token from the variable {credentials.token_env}"
    source = credentials.token_file or "the rucio command's token cache"
    detail = f"oidc token from {source}"
    if credentials.token_file and Path(credentials.token_file).expanduser().is_file():
        try:
            token = Path(credentials.token_file).expanduser().read_text().strip()
            expiry = jwt_expiry(token)
            if expiry:
                detail += f", valid until {expiry:%Y-%m-%d %H:%M} UTC"
        except (OSError, RucioWidgetsError):
            detail += " (unreadable)"
    return detail


def _ping(report: Report, config: Settings) -> bool:
    import requests

    host = str(config.rucio_host).rstrip("/")
    verify: Any = os.path.expanduser(config.ca_cert) if config.ca_cert else True
    try:
        answer = requests.get(
            f"{host}/ping", verify=verify, timeout=min(10.0, config.request_timeout)
        )
        version = answer.json().get("version")
    except requests.exceptions.SSLError:
        return report.add(
            "server",
            False,
            f"{host} answers, but its TLS certificate is not trusted",
            "Set ca_cert in rucio.cfg [client] (or rucio_ca_cert of the instance) to the CA "
            "bundle that signed it.",
        )
    except requests.exceptions.Timeout:
        return report.add(
            "server",
            False,
            f"{host} did not answer /ping within {min(10.0, config.request_timeout):g} s",
            "The server may be overloaded or behind a stuck proxy: try again later.",
        )
    except requests.exceptions.RequestException:
        return report.add(
            "server",
            False,
            f"cannot reach {host}",
            "Check rucio_host, and that this host can reach the server (proxy, firewall).",
        )
    except ValueError:
        return report.add(
            "server",
            False,
            f"{host}/ping answered HTTP {answer.status_code} with something that is not Rucio's",
            "Check rucio_host: it should be the Rucio server's URL, not its web UI.",
        )
    return report.add("server", True, f"{host} answers, Rucio {version}")


def _whoami(report: Report, config: Settings, credentials: Credentials) -> Any:
    from .rucioclient import connect

    try:
        connection = connect(config, credentials)
        who = connection.client.whoami()
    except Exception as exc:
        report.failed("whoami", exc)
        return None
    expires = connection.expires_at
    report.add(
        "whoami",
        True,
        f"account {who.get('account')} ({who.get('status', 'ACTIVE').lower()})"
        + (f", token until {expires:%Y-%m-%d %H:%M} UTC" if expires else ""),
    )
    return connection.client


def _destination(report: Report, config: Settings, client: Any) -> None:
    expression = config.destination_rse
    if not expression:
        report.add(
            "destination",
            False,
            "replica mode needs destination_rse",
            "Set destination_rse in [widgets] of rucio.cfg (or mode = download).",
        )
        return
    try:
        rses = sorted(r["rse"] for r in client.list_rses(expression))
        schemes = sorted({p["scheme"] for p in client.get_protocols(rses[0])})
    except Exception as exc:
        report.failed("destination", exc)
        return
    report.add(
        "destination",
        True,
        f"`{clip(expression)}` selects {', '.join(rses)}; {rses[0]} serves {', '.join(schemes)}",
    )
    if not config.rse_mount_path:
        report.add(
            "mount",
            False,
            "rse_mount_path is not set: paths on the destination cannot be mapped",
            "Set rse_mount_path (where the destination is mounted here) and path_begins_at.",
        )
        return
    _sample_path(report, config, client, rses)


def _first(items: Any) -> Any:
    return next(iter(itertools.islice(items, 1)), None)


def _sample_file(client: Any, rse: str, account: str) -> tuple[str, str] | None:
    """One file with a replica on ``rse``: from a dataset Rucio lists there, else from one
    of the account's rules there."""
    dataset = _first(client.list_datasets_per_rse(rse, limit=1))
    dids = [(dataset["scope"], dataset["name"])] if dataset else []
    if not dids:
        dids = [
            (r["scope"], r["name"])
            for r in itertools.islice(client.list_account_rules(account), 50)
            if r.get("state") == "OK"
        ][:1]
    for scope, name in dids:
        file = _first(client.list_files(scope, name))
        if file:
            return str(file["scope"]), str(file["name"])
    return None


def _sample_path(report: Report, config: Settings, client: Any, rses: Sequence[str]) -> None:
    from .availability import pfn_to_local_path

    try:
        sample = _sample_file(client, rses[0], str(client.account))
        if sample is None:
            report.add(
                "mount",
                True,
                f"no file on {rses[0]} to try the mapping with (make one available, then "
                "run doctor again)",
            )
            return
        replica = _first(
            client.list_replicas(
                [{"scope": sample[0], "name": sample[1]}], rse_expression=rses[0], sort="random"
            )
        )
        pfn = next(iter(p for pfns in (replica or {}).get("rses", {}).values() for p in pfns))
        path = pfn_to_local_path(pfn, str(config.rse_mount_path), config.path_begins_at)
    except Exception as exc:
        report.failed("mount", exc)
        return
    if os.path.exists(path):
        report.add("mount", True, f"{sample[0]}:{sample[1]} → {path} (exists)")
    else:
        report.add(
            "mount",
            False,
            f"{sample[0]}:{sample[1]} maps to {path}, which does not exist (PFN {pfn})",
            f"Is the storage mounted at rse_mount_path ({config.rse_mount_path}), and is "
            f"path_begins_at = {config.path_begins_at} right for that PFN?",
        )


def _download_dir(report: Report, config: Settings) -> None:
    folder = Path(config.download_dir).expanduser()
    existing = next((p for p in (folder, *folder.parents) if p.exists()), Path("/"))
    if not existing.is_dir() or not os.access(existing, os.W_OK):
        report.add(
            "download folder",
            False,
            f"{folder} cannot be made or written ({existing} is not a writable folder)",
            "Set download_dir in [widgets] of rucio.cfg to a folder you can write.",
        )
        return
    free = shutil.disk_usage(existing).free
    report.add(
        "download folder",
        True,
        f"{folder} ({'exists' if folder.exists() else 'will be made'}), {format_bytes(free)} free",
    )


def main(argv: Sequence[str] | None = None, out: Callable[[str], Any] = print) -> int:
    """``rucio-widgets doctor [--instance NAME]``: print the report, exit 1 if wrong."""
    import argparse

    parser = argparse.ArgumentParser(prog="rucio-widgets doctor", description=__doc__)
    parser.add_argument("--instance", default=None, help="an instance of the extension")
    args = parser.parse_args(argv)
    report = doctor(args.instance)
    out(str(report))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
