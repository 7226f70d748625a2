"""Settings: keyword arguments, then the ``[widgets]`` section of rucio.cfg, then defaults.

The connection (server, account, auth type, credentials) comes from the ``[client]``
section of the same rucio.cfg that the ``rucio`` command reads; the widget's own keys keep
the names and meanings of the Rucio JupyterLab extension's instance configuration.
Secrets never enter ``Settings``: the Rucio client reads them from the file itself.
"""

from __future__ import annotations

import configparser
import difflib
import os
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from .errors import ConfigurationError

MODES = ("replica", "download")

#: Keys of the [widgets] section, and keyword arguments of RucioBrowser / resolve.
WIDGET_KEYS = (
    "mode",
    "destination_rse",
    "rse_mount_path",
    "path_begins_at",
    "download_dir",
    "replication_rule_lifetime_days",
    "rucio_webui_url",
    "display_name",
    "wildcard_enabled",
)
#: Connection keys that may be given as keyword arguments (never credentials).
CONNECTION_KEYS = ("rucio_host", "auth_host", "account", "auth_type", "vo", "ca_cert")


@dataclass(frozen=True)
class Settings:
    rucio_host: str | None = None
    auth_host: str | None = None
    account: str | None = None
    auth_type: str | None = None
    vo: str | None = None
    ca_cert: str | None = None
    mode: str = "replica"
    destination_rse: str | None = None
    rse_mount_path: str | None = None
    path_begins_at: int = 0
    download_dir: str = str(Path("~/rucio-downloads").expanduser())
    replication_rule_lifetime_days: int | None = None
    rucio_webui_url: str | None = None
    display_name: str | None = None
    wildcard_enabled: bool = True
    config_file: str | None = None

    @property
    def server_label(self) -> str:
        return self.display_name or self.rucio_host or "(rucio.cfg)"


def find_rucio_cfg() -> Path | None:
    """The rucio.cfg the ``rucio`` command would read, or None."""
    candidates = []
    if os.environ.get("RUCIO_CONFIG"):
        candidates.append(Path(os.environ["RUCIO_CONFIG"]))
    if os.environ.get("RUCIO_HOME"):
        candidates.append(Path(os.environ["RUCIO_HOME"]) / "etc" / "rucio.cfg")
    if os.environ.get("VIRTUAL_ENV"):
        candidates.append(Path(os.environ["VIRTUAL_ENV"]) / "etc" / "rucio.cfg")
    candidates.append(Path("/opt/rucio/etc/rucio.cfg"))
    return next((path for path in candidates if path.is_file()), None)


def _suggest(key: str, known: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, known, n=1)
    return f" (did you mean `{close[0]}`?)" if close else ""


def _coerce(key: str, value: Any, source: str) -> Any:
    if value is None:
        return None
    if key == "mode":
        mode = str(value).strip().lower()
        if mode not in MODES:
            raise ConfigurationError(
                f"mode `{value}` in {source} is not a mode.",
                "Set mode to `replica` (data lands on a mounted RSE) or `download`.",
            )
        return mode
    if key in ("path_begins_at", "replication_rule_lifetime_days"):
        try:
            number = int(str(value).strip())
        except ValueError:
            raise ConfigurationError(
                f"{key} `{value}` in {source} is not a whole number.",
                f"Set {key} to a number such as 4.",
            ) from None
        if number < 0:
            raise ConfigurationError(f"{key} in {source} is negative.", f"Set {key} to 0 or more.")
        return number
    if key == "wildcard_enabled":
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in ("1", "true", "yes", "on")
    if key in ("download_dir", "rse_mount_path"):
        return str(Path(str(value)).expanduser())
    return str(value).strip()


def load_settings(**kwargs: Any) -> Settings:
    """Settings from keyword arguments, the rucio.cfg [widgets] and [client] sections."""
    known = WIDGET_KEYS + CONNECTION_KEYS
    for key in kwargs:
        if key not in known:
            raise ConfigurationError(
                f"Unknown setting `{key}`{_suggest(key, known)}.",
                f"Known settings: {', '.join(known)}.",
            )
    values: dict[str, Any] = {}
    path = find_rucio_cfg()
    if path is not None:
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(path)
        except configparser.Error as exc:
            raise ConfigurationError(
                f"{path} cannot be read: {exc}.", "Fix the file's syntax (sections, key = value)."
            ) from exc
        values["config_file"] = str(path)
        if parser.has_section("client"):
            for key in CONNECTION_KEYS:
                if parser.has_option("client", key):
                    values[key] = parser.get("client", key)
        if parser.has_section("widgets"):
            for key, value in parser.items("widgets"):
                if key not in WIDGET_KEYS:
                    raise ConfigurationError(
                        f"Unknown key `{key}` in [widgets] of {path}{_suggest(key, WIDGET_KEYS)}.",
                        f"Known keys: {', '.join(WIDGET_KEYS)}.",
                    )
                values[key] = _coerce(key, value, f"[widgets] of {path}")
    for key, value in kwargs.items():
        if value is not None:
            values[key] = _coerce(key, value, "the keyword arguments")
    names = {f.name for f in fields(Settings)}
    return replace(Settings(), **{k: v for k, v in values.items() if k in names})
