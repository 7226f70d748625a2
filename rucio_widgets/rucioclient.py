"""Building ``rucio.client.Client`` objects: per-account token caches, checked credentials,
and tokens read from a file or a variable that may be refreshed outside the notebook.

The stock client keeps tokens either in ``$TMPDIR/<user>/.rucio_<user>/`` (shared by every
server the user talks to) or in the one file named by ``auth_token_file_path`` in rucio.cfg
(shared by every account, so a second account would silently reuse the first one's token).
``client_for`` puts each (server, account) pair's token in a private folder of its own.
A cached token would also hide a wrong password: ``connect`` signs in afresh whenever it is
given a password.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rucio.client import Client

from .config import Credentials, Settings
from .errors import AuthenticationError, ConfigurationError, NotSignedInError

log = logging.getLogger(__name__)

#: A token this close to its expiry is re-read from its file or variable before use.
REFRESH_MARGIN = dt.timedelta(minutes=5)


def token_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rucio-widgets" / "tokens"


def _token_folder(root: Path, host: str, account: str | None, vo: str | None) -> Path:
    digest = hashlib.sha256(f"{host}|{vo or 'def'}".encode()).hexdigest()[:16]
    folder = root / digest / (account or "default")
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def client_class(root: Path | None = None) -> type[Client]:
    """A Client subclass that caches tokens under ``root``/<server>/<account>/."""
    base_root = root or token_root()

    class AccountTokenClient(Client):
        def _get_auth_tokens(self) -> tuple[str | None, str, str, str]:
            folder = _token_folder(base_root, str(self.host), self.account, self.vo)
            suffix = "for_account_" + (self.account or "default")
            return (
                None,
                str(folder / (self.TOKEN_EXP_PREFIX + suffix)),
                str(folder / (self.TOKEN_PREFIX + suffix)),
                str(folder),
            )

    return AccountTokenClient


def client_for(
    *,
    rucio_host: str | None = None,
    auth_host: str | None = None,
    account: str | None = None,
    auth_type: str | None = None,
    creds: dict[str, Any] | None = None,
    ca_cert: str | bool | None = None,
    vo: str | None = None,
    token_dir: Path | None = None,
    fresh: bool = False,
    **kwargs: Any,
) -> Client:
    """A client for ``account`` with its own token cache (see the module's docstring).

    ``fresh``: forget a cached token first, so the credentials themselves are checked.
    """
    cls = client_class(token_dir)
    if fresh and rucio_host:
        folder = _token_folder(token_dir or token_root(), rucio_host, account, vo)
        for cached in folder.glob("*"):
            cached.unlink(missing_ok=True)
    return cls(
        rucio_host=rucio_host,
        auth_host=auth_host,
        account=account,
        auth_type=auth_type,
        creds=creds,
        ca_cert=ca_cert,
        vo=vo,
        **kwargs,
    )


# --- tokens from a file or a variable -------------------------------------------------------
def jwt_expiry(token: str) -> dt.datetime | None:
    """The ``exp`` of a JWT (unverified: only to know when to re-read), else None."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = parts[1] + "=" * (-len(parts[1]) % 4)
        claims = json.loads(base64.urlsafe_b64decode(payload))
        return dt.datetime.fromtimestamp(int(claims["exp"]), tz=dt.timezone.utc)
    except (ValueError, KeyError, TypeError):
        raise AuthenticationError(
            "The token is malformed: it looks like a JWT but its payload cannot be read.",
            "Replace it with a fresh token.",
        ) from None


class TokenSource:
    """A token given as text, or read from a file or an environment variable, re-read when
    the file changes or the token nears its expiry (tokens on JupyterHubs often last 2 h
    and are refreshed by the hub)."""

    def __init__(
        self,
        *,
        token: str | None = None,
        token_file: str | None = None,
        token_env: str | None = None,
        origin: str | None = None,
        account: str | None = None,
    ) -> None:
        self._fixed = token.strip() if token else None
        self._file = Path(token_file).expanduser() if token_file else None
        self._env = token_env
        self._origin = origin
        self._account = account
        self._lock = threading.Lock()
        self._token: str | None = None
        self._mtime: float | None = None
        self.expires_at: dt.datetime | None = None

    @property
    def refresh_hint(self) -> str:
        """What keeps this token fresh, and what the user can do meanwhile."""
        if self._origin == "rucio":
            return (
                f"Run `rucio -S OIDC whoami` in a terminal (it caches a token for "
                f"{self._account or 'your account'} in {self._file}), or paste a token below."
            )
        if self._origin == "hub" and self._file is not None:
            return (
                f"Your hub writes {self._file}: restart your server from the hub's control "
                "panel if it does not come back, or paste a token below."
            )
        if self._env:
            return f"Set {self._env} again (the hub or your shell sets it), or paste a token below."
        return "Paste a fresh token below."

    def _expiry_file(self) -> Path | None:
        """The rucio command's expiry file beside its token cache (epoch seconds)."""
        if self._file is None or not self._account:
            return None
        return self._file.with_name(f"auth_token_exp_for_account_{self._account}")

    def _expiry(self, token: str) -> dt.datetime | None:
        found = jwt_expiry(token)
        expiry_file = self._expiry_file()
        if found is None and expiry_file is not None:
            try:
                epoch = float(expiry_file.read_text().strip())
                found = dt.datetime.fromtimestamp(epoch, tz=dt.timezone.utc)
            except (OSError, ValueError):
                return None
        return found

    @property
    def where(self) -> str:
        if self._file is not None:
            return f"the token file {self._file}"
        if self._env:
            return f"the variable {self._env}"
        return "the token you entered"

    def _read(self) -> str:
        if self._fixed:
            return self._fixed
        if self._file is not None:
            try:
                text = self._file.read_text().strip()
                self._mtime = self._file.stat().st_mtime
            except FileNotFoundError:
                raise NotSignedInError(
                    f"No token: {self._file} does not exist.",
                    self.refresh_hint,
                    auth_type="oidc",
                ) from None
            except OSError as exc:
                raise ConfigurationError(
                    f"Cannot read the token file {self._file}: {exc.strerror}.",
                    "Fix its permissions.",
                ) from exc
            if not text:
                raise NotSignedInError(
                    f"The token file {self._file} is empty.",
                    self.refresh_hint,
                    auth_type="oidc",
                )
            return text
        if self._env:
            text = os.environ.get(self._env, "").strip()
            if not text:
                raise NotSignedInError(
                    f"No token: the variable {self._env} is not set.",
                    self.refresh_hint,
                    auth_type="oidc",
                )
            return text
        raise NotSignedInError("No token configured.", "Sign in with a token.", auth_type="oidc")

    def current(self) -> str:
        """The token to send now, re-read when its source changed or it nears expiry."""
        with self._lock:
            stale = self._token is None
            if not stale and self._file is not None:
                try:
                    stale = self._file.stat().st_mtime != self._mtime
                except OSError:
                    stale = True
            if not stale and self._env:
                stale = os.environ.get(self._env, "").strip() != self._token
            if not stale and self.expires_at is not None:
                stale = self.expires_at - dt.datetime.now(dt.timezone.utc) < REFRESH_MARGIN
            if stale:
                self._token = self._read()
                self.expires_at = self._expiry(self._token)
            assert self._token is not None
            return self._token

    def check_not_expired(self) -> None:
        token = self.current()
        if self.expires_at is not None and self.expires_at <= dt.datetime.now(dt.timezone.utc):
            raise NotSignedInError(
                f"The token from {self.where} expired at {self.expires_at:%Y-%m-%d %H:%M} UTC.",
                self.refresh_hint,
                auth_type="oidc",
                expired=True,
            )
        del token


def token_client_class(source: TokenSource, root: Path | None = None) -> type[Client]:
    """A Client that sends the token of ``source`` and never writes it to a cache."""
    base = client_class(root)

    class TokenClient(base):  # type: ignore[misc, valid-type]
        # BaseClient calls these name-mangled methods itself; overriding them is the one way
        # to hand it a token without a token file of its own.
        def _BaseClient__read_token(self) -> bool:
            self.auth_token = source.current()
            self.headers["X-Rucio-Auth-Token"] = self.auth_token
            return True

        def _BaseClient__get_token(self) -> None:
            # Called on a 401: the token was refused. A refreshed source gives a new one.
            old = self.auth_token
            token = source.current()
            if token == old:
                raise NotSignedInError(
                    f"The server refused the token from {source.where}: it is expired or "
                    "malformed.",
                    source.refresh_hint,
                    auth_type="oidc",
                )
            self.auth_token = token
            self.headers["X-Rucio-Auth-Token"] = token

        def _BaseClient__write_token(self) -> None:
            return None

    return TokenClient


def rucio_token_cache(account: str | None, vo: str | None) -> str:
    """Where the rucio command caches ``account``'s token when rucio.cfg sets no
    auth_token_file_path (``BaseClient._get_auth_tokens``):
    ``<tmp>/<user>/.rucio_<user>[@vo]/auth_token_for_account_<account>``."""
    import getpass

    from rucio.client.baseclient import BaseClient

    folder = BaseClient.TOKEN_PATH_PREFIX + getpass.getuser()
    if vo and vo != "def":
        folder += f"@{vo}"
    suffix = f"for_account_{account}" if account else "for_default_account"
    return f"{folder}/{BaseClient.TOKEN_PREFIX}{suffix}"


# --- X.509 ------------------------------------------------------------------------------------
def certificate_expiry(path: str) -> dt.datetime | None:
    """notAfter of the first certificate in a PEM file (None when it cannot be read)."""
    try:
        from cryptography import x509

        certificate = x509.load_pem_x509_certificate(Path(path).read_bytes())
        return certificate.not_valid_after_utc
    except Exception:  # not PEM, or cryptography missing: the server will judge
        return None


def _check_file(path: str | None, setting: str, what: str) -> str:
    if not path:
        raise NotSignedInError(
            f"No {what} is configured.",
            f"Set {setting} in rucio.cfg [client] or pass {setting}=.",
            auth_type="x509",
        )
    expanded = os.path.expanduser(path)
    if not os.path.exists(expanded):
        raise ConfigurationError(
            f"The {what} {expanded} does not exist.",
            f"Fix {setting} in rucio.cfg [client] (or pass {setting}=).",
        )
    if not os.access(expanded, os.R_OK):
        raise ConfigurationError(
            f"The {what} {expanded} cannot be read.",
            f"Fix its permissions, or point {setting} elsewhere.",
        )
    return expanded


def _check_not_expired(path: str, what: str, auth_type: str, renew: str) -> dt.datetime | None:
    expiry = certificate_expiry(path)
    if expiry is not None and expiry <= dt.datetime.now(dt.timezone.utc):
        raise NotSignedInError(
            f"Your {what} expired at {expiry:%Y-%m-%d %H:%M} UTC.",
            renew,
            auth_type=auth_type,
            expired=True,
        )
    return expiry


# --- connecting -----------------------------------------------------------------------------------
class Connection:
    """A signed-in client and what the panel may show about it (never a secret)."""

    def __init__(
        self,
        client: Any,
        auth_type: str,
        token_source: TokenSource | None,
        expires_at: dt.datetime | None,
    ) -> None:
        self.client = client
        self.auth_type = auth_type
        self.token_source = token_source
        self.expires_at = expires_at

    def refresh_token(self) -> None:
        """Hand the client a token re-read from its source, if it changed."""
        if self.token_source is None:
            return
        token = self.token_source.current()
        if token != self.client.auth_token:
            self.client.auth_token = token
            self.client.headers["X-Rucio-Auth-Token"] = token
        self.expires_at = self.token_source.expires_at or self.expires_at


def connect(
    settings: Settings, credentials: Credentials, *, token_dir: Path | None = None
) -> Connection:
    """Sign in with ``credentials``; raise NotSignedInError/AuthenticationError/
    ConfigurationError with a message that names the setting to fix."""
    if not settings.rucio_host:
        raise ConfigurationError(
            "No Rucio server is configured.",
            "Set rucio_host in rucio.cfg [client] (RUCIO_CONFIG), configure the JupyterLab "
            "extension's instance, or pass rucio_host=.",
        )
    auth_type = settings.auth_type or "userpass"
    common: dict[str, Any] = {
        "rucio_host": settings.rucio_host,
        "auth_host": settings.auth_host or settings.rucio_host,
        "account": settings.account,
        "auth_type": auth_type,
        "vo": settings.vo,
        "ca_cert": os.path.expanduser(settings.ca_cert) if settings.ca_cert else None,
        "token_dir": token_dir,
        # Each request of the Rucio client (requests) waits at most this long.
        "timeout": settings.request_timeout,
    }
    if settings.ca_cert and not os.path.exists(str(common["ca_cert"])):
        raise ConfigurationError(
            f"The CA bundle {common['ca_cert']} does not exist.",
            "Fix ca_cert in rucio.cfg [client] (or rucio_ca_cert).",
        )
    expires_at = None
    source = None
    if auth_type == "userpass":
        if not credentials.username or not credentials.password:
            raise NotSignedInError(
                "Sign in: no username and password are configured.",
                "Enter them below (they stay in this kernel's memory).",
                auth_type="userpass",
            )
        client = _construct(
            lambda: client_for(
                creds={"username": credentials.username, "password": credentials.password},
                fresh=True,
                **common,
            ),
            auth_type,
            str(settings.rucio_host),
            common["ca_cert"],
        )
    elif auth_type == "x509":
        cert = _check_file(credentials.client_cert, "client_cert", "certificate")
        key = _check_file(
            credentials.client_key or credentials.client_cert, "client_key", "private key"
        )
        expires_at = _check_not_expired(
            cert, "certificate", "x509", "Renew your certificate and point client_cert at it."
        )
        client = _construct(
            lambda: client_for(
                creds={"client_cert": cert, "client_key": key}, fresh=True, **common
            ),
            auth_type,
            str(settings.rucio_host),
            common["ca_cert"],
        )
    elif auth_type == "x509_proxy":
        proxy = _check_file(credentials.client_proxy, "client_x509_proxy", "X.509 proxy")
        expires_at = _check_not_expired(
            proxy, "X.509 proxy", "x509_proxy", "Renew it (voms-proxy-init), then sign in again."
        )
        client = _construct(
            lambda: client_for(creds={"client_proxy": proxy}, fresh=True, **common),
            auth_type,
            str(settings.rucio_host),
            common["ca_cert"],
        )
    elif auth_type == "oidc":
        token_file, origin = credentials.token_file, credentials.token_origin
        if not (credentials.token or token_file or credentials.token_env):
            # `rucio -S OIDC whoami` leaves the account's token in its cache: use it.
            token_file, origin = rucio_token_cache(settings.account, settings.vo), "rucio"
        source = TokenSource(
            token=credentials.token,
            token_file=token_file,
            token_env=credentials.token_env,
            origin=origin,
            account=settings.account,
        )
        source.check_not_expired()
        expires_at = source.expires_at
        cls = token_client_class(source, token_dir)
        args = {k: v for k, v in common.items() if k != "token_dir"}
        client = _construct(
            lambda: cls(**args), auth_type, str(settings.rucio_host), common["ca_cert"]
        )
    else:  # load_config refuses other types; keep a clear message for direct callers
        raise ConfigurationError(
            f"auth_type `{auth_type}` is not supported.", "Use userpass, x509, x509_proxy or oidc."
        )
    return Connection(client, auth_type, source, expires_at)


def _diagnose_tls(host: str, ca_cert: str | None) -> None:
    """The Rucio client reports a refused certificate as "cannot connect" (the reason is
    only in its log): ask the server directly, and raise the real reason if it is TLS."""
    import requests

    from .errors import translate

    try:
        requests.get(f"{host}/ping", verify=ca_cert or True, timeout=10)
    except requests.exceptions.SSLError as exc:
        raise translate(exc, doing="connecting to Rucio") from None
    except requests.exceptions.RequestException:
        return


def _construct(
    make: Callable[[], Any], auth_type: str, host: str = "", ca_cert: str | None = None
) -> Any:
    from rucio.common import exception as rex

    from .errors import translate

    try:
        return make()
    except rex.ServerConnectionException:
        if host.startswith("https://"):
            _diagnose_tls(host, ca_cert)
        raise translate(rex.ServerConnectionException(), doing="signing in to Rucio") from None
    except rex.NoAuthInformation as exc:
        raise NotSignedInError(
            f"Sign in: {exc}.", "Enter your credentials below.", auth_type=auth_type
        ) from None
    except rex.CannotAuthenticate as exc:
        raise NotSignedInError(
            f"Rucio did not accept the credentials: {_short(exc)}.",
            "Check the account, username and password (or certificate), and sign in again.",
            auth_type=auth_type,
        ) from None
    except Exception as exc:
        raise translate(exc, doing="signing in to Rucio") from exc


def _short(exc: BaseException) -> str:
    text = str(exc).strip()
    if "Details:" in text:
        text = text.split("Details:", 1)[1].strip()
    return text.splitlines()[0] if text else type(exc).__name__


def token_lifetime(connection: Connection) -> dt.datetime | None:
    """When the session's token expires, as the server says (one call), else None."""
    if connection.expires_at is not None:
        return connection.expires_at
    client = connection.client
    try:
        import requests

        response = requests.get(
            f"{client.auth_host}/auth/validate",
            headers={"X-Rucio-Auth-Token": client.auth_token},
            verify=client.ca_cert if client.ca_cert not in (None, "") else True,
            timeout=10,
        )
        if response.status_code != 200:
            return None
        return _parse_lifetime(response.text)
    except Exception:  # the lifetime is a nicety: never fail a sign-in over it
        log.debug("token lifetime unknown", exc_info=False)
        return None


def _parse_lifetime(text: str) -> dt.datetime | None:
    """The token's end from /auth/validate, which Rucio 41 answers with a Python repr
    (``'lifetime': datetime.datetime(2026, 11, 26, 12, 17, 14, 726558)``), UTC."""
    import re

    found = re.search(r"datetime\.datetime\(([\d,\s]+)\)", text)
    if found:
        parts = [int(p) for p in found.group(1).split(",") if p.strip()]
        values = (parts + [0] * 7)[:7]
        return dt.datetime(
            values[0],
            values[1],
            values[2],
            values[3],
            values[4],
            values[5],
            values[6],
            tzinfo=dt.timezone.utc,
        )
    found = re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", text)
    if found:
        return dt.datetime.fromisoformat(found.group(0)).replace(tzinfo=dt.timezone.utc)
    return None
