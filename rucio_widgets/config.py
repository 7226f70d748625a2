"""Settings and credentials, first match wins:

1. keyword arguments to ``RucioBrowser(...)`` / ``resolve(...)`` (and ``client=``);
2. an instance of the Rucio JupyterLab extension: the ``RucioConfig`` block of a Jupyter
   server config file (``jupyter_server_config.json`` / ``jupyter_notebook_config.json`` on
   the Jupyter config path), or the ``RUCIO_*`` variables of the extension's container image
   (``RUCIO_BASE_URL`` and friends); same keys, same meanings;
3. the ``rucio.cfg`` that the ``rucio`` command reads (``RUCIO_CONFIG``, ``$RUCIO_HOME/etc``,
   ``$VIRTUAL_ENV/etc``, ``/opt/rucio/etc``): connection and credentials in ``[client]``, the
   widget's keys in ``[widgets]``.

``Settings`` holds nothing secret. ``Credentials`` holds what signs in (password, token,
key paths) in memory only; its ``repr`` hides them, and neither ever becomes a traitlet.
"""

from __future__ import annotations

import configparser
import difflib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .errors import ConfigurationError

MODES = ("replica", "download")
AUTH_TYPES = ("userpass", "x509", "x509_proxy", "oidc")

#: Keys of [widgets] in rucio.cfg and keyword arguments of RucioBrowser / resolve.
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
    "request_timeout",
    "upload_rse",
    "read_only",
)
#: Connection keys that may be given as keyword arguments.
CONNECTION_KEYS = ("rucio_host", "auth_host", "account", "auth_type", "vo", "ca_cert")
#: Credentials that may be given as keyword arguments (kept out of Settings).
CREDENTIAL_KEYS = (
    "username",
    "password",
    "client_cert",
    "client_key",
    "client_proxy",
    "token",
    "token_file",
    "token_env",
)
#: Keys of an instance of the Rucio JupyterLab extension that we read.
INSTANCE_KEYS = (
    "name",
    "display_name",
    "mode",
    "rucio_base_url",
    "rucio_auth_url",
    "rucio_webui_url",
    "rucio_ca_cert",
    "vo",
    "app_id",
    "destination_rse",
    "rse_mount_path",
    "path_begins_at",
    "replication_rule_lifetime_days",
    "wildcard_enabled",
    "oidc_auth",
    "oidc_env_name",
    "oidc_file_name",
)
#: Keys the extension knows that we accept and ignore (not a typo).
_EXTENSION_OTHER_KEYS = (
    "site_name",
    "vo_enabled",
    "voms_enabled",
    "voms_vomses_path",
    "voms_certdir_path",
    "voms_vomsdir_path",
    "log_level",
    "create_replication_rule_enabled",
    "direct_download_enabled",
    "auth",
)
_ENV_KEYS = {  # the extension's container image: variable -> instance key
    "RUCIO_NAME": "name",
    "RUCIO_DISPLAY_NAME": "display_name",
    "RUCIO_MODE": "mode",
    "RUCIO_BASE_URL": "rucio_base_url",
    "RUCIO_AUTH_URL": "rucio_auth_url",
    "RUCIO_WEBUI_URL": "rucio_webui_url",
    "RUCIO_CA_CERT": "rucio_ca_cert",
    "RUCIO_VO": "vo",
    "RUCIO_APP_ID": "app_id",
    "RUCIO_DESTINATION_RSE": "destination_rse",
    "RUCIO_RSE_MOUNT_PATH": "rse_mount_path",
    "RUCIO_PATH_BEGINS_AT": "path_begins_at",
    "RUCIO_REPLICATION_RULE_LIFETIME_DAYS": "replication_rule_lifetime_days",
    "RUCIO_WILDCARD_ENABLED": "wildcard_enabled",
    "RUCIO_OIDC_AUTH": "oidc_auth",
    "RUCIO_OIDC_ENV_NAME": "oidc_env_name",
    "RUCIO_OIDC_FILE_NAME": "oidc_file_name",
}


@dataclass(frozen=True)
class Settings:
    rucio_host: str | None = None
    auth_host: str | None = None
    account: str | None = None
    auth_type: str | None = None
    vo: str | None = None
    ca_cert: str | None = None
    app_id: str | None = None
    mode: str = "replica"
    destination_rse: str | None = None
    rse_mount_path: str | None = None
    path_begins_at: int = 0
    download_dir: str = str(Path("~/rucio-downloads").expanduser())
    replication_rule_lifetime_days: int | None = None
    rucio_webui_url: str | None = None
    display_name: str | None = None
    wildcard_enabled: bool = True
    #: Seconds one Rucio request may stay silent (connect: at most 10 s of it); bounds each
    #: request, never a whole operation nor a file transfer.
    request_timeout: float = 60.0
    #: Where uploads go unless told otherwise.
    upload_rse: str | None = None
    #: Hide and refuse everything that writes to Rucio or to disk (shared dashboards).
    read_only: bool = False
    instance: str | None = None
    #: Where the settings came from, for messages ("rucio.cfg /x/rucio.cfg", ...).
    source: str = "defaults"
    config_file: str | None = None

    @property
    def server_label(self) -> str:
        return self.display_name or self.rucio_host or "(no server configured)"


@dataclass(frozen=True)
class Credentials:
    """What signs in; in memory only. ``repr`` never shows a secret."""

    username: str | None = None
    password: str | None = field(default=None, repr=False)
    client_cert: str | None = field(default=None, repr=False)
    client_key: str | None = field(default=None, repr=False)
    client_proxy: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    token_file: str | None = field(default=None, repr=False)
    token_env: str | None = None
    #: Who keeps the token file fresh, for messages: "hub" (rucio.cfg's
    #: auth_token_file_path or the extension's oidc_file_name) or "rucio" (the rucio
    #: command's own cache).
    token_origin: str | None = None

    def __repr__(self) -> str:
        # Every field declared with repr=False is a secret: say only that it is set.
        shown = []
        for spec in fields(self):
            value = getattr(self, spec.name)
            if value:
                shown.append(f"{spec.name}={value!r}" if spec.repr else f"{spec.name}=<hidden>")
        return f"Credentials({', '.join(shown)})"

    __str__ = __repr__


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


def _choice(key: str, choices: tuple[str, ...], hint: str) -> Callable[[Any, str], str]:
    def coerce(value: Any, source: str) -> str:
        text = str(value).strip().lower()
        if text not in choices:
            raise ConfigurationError(
                f"{key} `{str(value)[:60]}` in {source} is not one of {', '.join(choices)}.", hint
            )
        return text

    return coerce


def _whole(key: str) -> Callable[[Any, str], int]:
    def coerce(value: Any, source: str) -> int:
        try:
            number = int(str(value).strip())
        except ValueError:
            raise ConfigurationError(
                f"{key} `{str(value)[:60]}` in {source} is not a whole number.",
                f"Set {key} to a number such as 4.",
            ) from None
        if number < 0:
            raise ConfigurationError(f"{key} in {source} is negative.", f"Set {key} to 0 or more.")
        return number

    return coerce


def _flag(value: Any, source: str) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def _seconds(value: Any, source: str) -> float:
    try:
        seconds = float(str(value).strip())
    except ValueError:
        raise ConfigurationError(
            f"request_timeout `{str(value)[:60]}` in {source} is not a number of seconds.",
            "Set request_timeout to a number such as 60.",
        ) from None
    if not 1 <= seconds <= 3600:
        raise ConfigurationError(
            f"request_timeout {seconds:g} in {source} is out of range.",
            "Set request_timeout between 1 and 3600 seconds (default 60).",
        )
    return seconds


def _folder(value: Any, source: str) -> str:
    return str(Path(str(value)).expanduser())


#: key -> how its text becomes a value (anything else: stripped text).
_COERCE: dict[str, Callable[[Any, str], Any]] = {
    "mode": _choice(
        "mode", MODES, "Set mode to `replica` (data lands on a mounted RSE) or `download`."
    ),
    "auth_type": _choice("auth_type", AUTH_TYPES, f"Use one of {', '.join(AUTH_TYPES)}."),
    "path_begins_at": _whole("path_begins_at"),
    "replication_rule_lifetime_days": _whole("replication_rule_lifetime_days"),
    "wildcard_enabled": _flag,
    "read_only": _flag,
    "request_timeout": _seconds,
    "download_dir": _folder,
    "rse_mount_path": _folder,
}


def _coerce(key: str, value: Any, source: str) -> Any:
    if value is None:
        return None
    coerce = _COERCE.get(key)
    return coerce(value, source) if coerce is not None else str(value).strip()


# --- the extension's instances -------------------------------------------------------------
def _jupyter_config_dirs() -> list[Path]:
    try:
        from jupyter_core.paths import jupyter_config_path

        return [Path(p) for p in jupyter_config_path()]
    except ImportError:  # pragma: no cover - jupyter_core comes with ipykernel
        explicit = os.environ.get("JUPYTER_CONFIG_DIR")
        return [Path(explicit)] if explicit else [Path.home() / ".jupyter"]


def _instances_from_jupyter_config() -> tuple[list[dict[str, Any]], str | None, str | None]:
    """(instances, default_instance, file) of the first config file with a RucioConfig."""
    for folder in _jupyter_config_dirs():
        for name in ("jupyter_server_config.json", "jupyter_notebook_config.json"):
            path = folder / name
            if not path.is_file():
                continue
            try:
                data = json.loads(path.read_text())
            except (OSError, ValueError) as exc:
                raise ConfigurationError(
                    f"{path} is not valid JSON ({exc}).", "Fix the file's syntax."
                ) from exc
            block = data.get("RucioConfig")
            if isinstance(block, Mapping) and block.get("instances"):
                instances = block["instances"]
                if not isinstance(instances, list):
                    raise ConfigurationError(
                        f"RucioConfig.instances in {path} is not a list.",
                        "Write instances as a list of objects.",
                    )
                return [dict(i) for i in instances], block.get("default_instance"), str(path)
    return [], None, None


def _instance_from_env() -> dict[str, Any] | None:
    if not os.environ.get("RUCIO_BASE_URL"):
        return None
    instance = {key: os.environ[var] for var, key in _ENV_KEYS.items() if os.environ.get(var)}
    instance.setdefault("name", "rucio")
    return instance


def discover_instances() -> tuple[list[dict[str, Any]], str | None, str]:
    """The extension's instances: (instances, default name, where they were found)."""
    instances, default, path = _instances_from_jupyter_config()
    if instances:
        return instances, default, f"the Jupyter server config {path}"
    env = _instance_from_env()
    if env is not None:
        return [env], env["name"], "the RUCIO_* environment variables"
    return [], None, ""


def _check_instance(instance: Mapping[str, Any], source: str) -> None:
    if not instance.get("name"):
        raise ConfigurationError(
            f"An instance in {source} has no `name`.", "Give every instance a unique name."
        )
    for key in instance:
        if key not in INSTANCE_KEYS and key not in _EXTENSION_OTHER_KEYS:
            raise ConfigurationError(
                f"Unknown key `{key}` in instance `{instance['name']}` of "
                f"{source}{_suggest(key, INSTANCE_KEYS)}.",
                f"Known keys: {', '.join(INSTANCE_KEYS)}.",
            )
    if not instance.get("rucio_base_url"):
        raise ConfigurationError(
            f"Instance `{instance['name']}` of {source} has no `rucio_base_url`.",
            "Set rucio_base_url to the Rucio server's URL.",
        )


def _from_instance(
    instance: Mapping[str, Any], source: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(settings values, credential values) of one extension instance."""
    where = f"instance `{instance['name']}` of {source}"
    values: dict[str, Any] = {
        "instance": instance["name"],
        "rucio_host": instance["rucio_base_url"],
        "auth_host": instance.get("rucio_auth_url") or instance["rucio_base_url"],
        "source": where,
    }
    renames = {
        "rucio_ca_cert": "ca_cert",
        "display_name": "display_name",
        "vo": "vo",
        "app_id": "app_id",
        "rucio_webui_url": "rucio_webui_url",
    }
    for key, target in renames.items():
        if instance.get(key):
            values[target] = str(instance[key])
    for key in (
        "mode",
        "destination_rse",
        "rse_mount_path",
        "path_begins_at",
        "replication_rule_lifetime_days",
        "wildcard_enabled",
    ):
        if instance.get(key) is not None and instance.get(key) != "":
            values[key] = _coerce(key, instance[key], where)
    credentials: dict[str, Any] = {}
    oidc = str(instance.get("oidc_auth") or "").strip().lower()
    if oidc:
        values["auth_type"] = "oidc"
        if oidc == "env":
            credentials["token_env"] = instance.get("oidc_env_name") or "ACCESS_TOKEN"
        elif oidc == "file":
            if not instance.get("oidc_file_name"):
                raise ConfigurationError(
                    f"{where} sets oidc_auth=file but no oidc_file_name.",
                    "Set oidc_file_name to the token file's path.",
                )
            credentials["token_file"] = instance["oidc_file_name"]
            credentials["token_origin"] = "hub"
        else:
            raise ConfigurationError(
                f"oidc_auth `{oidc}` in {where} is neither env nor file.",
                "Set oidc_auth to `env` or `file`.",
            )
    return values, credentials


# --- rucio.cfg -----------------------------------------------------------------------------------
def _from_rucio_cfg(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path)
    except configparser.Error as exc:
        raise ConfigurationError(
            f"{path} cannot be read: {exc}.", "Fix the file's syntax (sections, key = value)."
        ) from exc
    where = f"rucio.cfg {path}"
    values: dict[str, Any] = {"config_file": str(path), "source": where}
    credentials: dict[str, Any] = {}
    if parser.has_section("client"):
        client = dict(parser.items("client"))
        for key in CONNECTION_KEYS:
            if client.get(key):
                values[key] = _coerce(key, client[key], f"[client] of {path}")
        for key in ("username", "password", "client_cert", "client_key"):
            if client.get(key):
                credentials[key] = client[key]
        if client.get("client_x509_proxy"):
            credentials["client_proxy"] = client["client_x509_proxy"]
        # OIDC as hubs deploy it (CERN VRE, interTwin): the hub keeps a fresh token in
        # auth_token_file_path; the oidc_* keys are the rucio command's, not ours.
        if client.get("auth_token_file_path") and values.get("auth_type") == "oidc":
            credentials["token_file"] = client["auth_token_file_path"]
            credentials["token_origin"] = "hub"
    if parser.has_section("widgets"):
        for key, value in parser.items("widgets"):
            if key not in WIDGET_KEYS:
                raise ConfigurationError(
                    f"Unknown key `{key}` in [widgets] of {path}{_suggest(key, WIDGET_KEYS)}.",
                    f"Known keys: {', '.join(WIDGET_KEYS)}.",
                )
            values[key] = _coerce(key, value, f"[widgets] of {path}")
    return values, credentials


def load_settings(instance: str | None = None, **kwargs: Any) -> Settings:
    """Settings only (see ``load_config``)."""
    return load_config(instance, **kwargs)[0]


def _check_keywords(kwargs: Mapping[str, Any]) -> None:
    known = WIDGET_KEYS + CONNECTION_KEYS + CREDENTIAL_KEYS
    for key in kwargs:
        if key not in known:
            raise ConfigurationError(
                f"Unknown setting `{key}`{_suggest(key, known)}.",
                f"Known settings: {', '.join(known)}, instance, client.",
            )


def _choose_instance(
    name: str | None, instances: list[dict[str, Any]], default: str | None
) -> dict[str, Any] | None:
    """The instance named ``name`` (an error if none is), else the default one, else None."""
    if name is None:
        if not instances:
            return None
        return next((i for i in instances if i.get("name") == default), instances[0])
    chosen = next((i for i in instances if i.get("name") == name), None)
    if chosen is None:
        names = ", ".join(str(i.get("name")) for i in instances) or "none are configured"
        raise ConfigurationError(f"No Rucio instance named `{name}`.", f"Known instances: {names}.")
    return chosen


def _from_instance_and_cfg(
    chosen: Mapping[str, Any],
    source: str,
    cfg: Path | None,
    cfg_values: Mapping[str, Any],
    cfg_credentials: Mapping[str, Any],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """An instance's values; rucio.cfg still signs in when it points at the same server,
    and keeps its [widgets] keys that the instance does not set (download_dir, ...)."""
    _check_instance(chosen, source)
    values, credentials = _from_instance(chosen, source)
    if cfg_values.get("rucio_host", "").rstrip("/") == str(values["rucio_host"]).rstrip("/"):
        for key in ("account", "auth_type"):
            if key in cfg_values and key not in values:
                values[key] = cfg_values[key]
        if not credentials:
            credentials = dict(cfg_credentials)
    for key in WIDGET_KEYS:
        if key in cfg_values and key not in values:
            values[key] = cfg_values[key]
    if cfg is not None:
        values["config_file"] = str(cfg)
    return values, credentials


def load_config(instance: str | None = None, **kwargs: Any) -> tuple[Settings, Credentials]:
    """Settings and credentials from keyword arguments, an extension instance, rucio.cfg."""
    _check_keywords(kwargs)
    cfg = find_rucio_cfg()
    cfg_values, cfg_credentials = _from_rucio_cfg(cfg) if cfg is not None else ({}, {})
    instances, default, source = discover_instances()
    chosen = _choose_instance(instance, instances, default)
    if chosen is not None:
        values, credentials = _from_instance_and_cfg(
            chosen, source, cfg, cfg_values, cfg_credentials
        )
    else:
        values, credentials = dict(cfg_values), dict(cfg_credentials)
    for key, value in kwargs.items():
        if value is None:
            continue
        if key in CREDENTIAL_KEYS:
            credentials[key] = value
        else:
            values[key] = _coerce(key, value, "the keyword arguments")
    if "account" not in values and os.environ.get("RUCIO_ACCOUNT"):
        values["account"] = os.environ["RUCIO_ACCOUNT"]
    if chosen is None and "auth_type" not in kwargs and os.environ.get("RUCIO_AUTH_TYPE"):
        # as the rucio command: the variable wins over rucio.cfg
        values["auth_type"] = _coerce("auth_type", os.environ["RUCIO_AUTH_TYPE"], "RUCIO_AUTH_TYPE")
    if not values.get("auth_type"):
        values["auth_type"] = _implied_auth_type(credentials)
    settings_fields = {f.name for f in fields(Settings)}
    settings = replace(Settings(), **{k: v for k, v in values.items() if k in settings_fields})
    return settings, Credentials(**{k: v for k, v in credentials.items() if v})


def _implied_auth_type(credentials: Mapping[str, Any]) -> str:
    if credentials.get("token") or credentials.get("token_file") or credentials.get("token_env"):
        return "oidc"
    if credentials.get("client_proxy"):
        return "x509_proxy"
    if credentials.get("client_cert"):
        return "x509"
    return "userpass"


def instance_choices() -> list[dict[str, str]]:
    """[{name, display_name}] of the extension's instances, for the panel's selector."""
    instances, _default, _source = discover_instances()
    return [
        {"name": str(i.get("name")), "display_name": str(i.get("display_name") or i.get("name"))}
        for i in instances
    ]
