"""X.509 files of a sandbox made with ``--tls``: which files, and making them.

The sandbox then serves HTTPS with a certificate of its own CA and accepts client
certificates of that CA for Rucio's ``x509`` and ``x509_proxy`` authentication. Everything
lives in ``DIR/etc/tls/`` (0700, keys 0600):

- ``ca.pem`` (trust this), ``ca.key.pem``; ``server.pem``/``server.key.pem`` for
  ``localhost`` and ``127.0.0.1``;
- ``<account>.cert.pem``/``<account>.key.pem`` for root, alice and bob (``CN=<account>``);
- ``alice.proxy.pem``: an RFC 3820 proxy of alice's certificate (proxy, key, alice's
  certificate in one file), valid 2 hours and renewed by ``up`` when less than 1 hour is left;
- ``alice.expired.cert.pem``/``alice.expired.key.pem``: expired yesterday, for error tests;
- ``identities.json``: each account's DN, as the server hands it to Rucio.

The certificates are made with ``cryptography`` in the server's environment
(``server_side/make_tls.py``), so the widget's environment does not need it.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .layout import DEFAULT_ACCOUNT, USER_ACCOUNTS, SandboxLayout
from .processes import SandboxError, run

_MAKE_TLS = Path(__file__).parent / "server_side" / "make_tls.py"

#: Accounts with a client certificate, and those that also get a proxy and an expired one.
CERT_ACCOUNTS = ("root", *USER_ACCOUNTS)
PROXY_ACCOUNTS = (DEFAULT_ACCOUNT,)
EXPIRED_ACCOUNTS = (DEFAULT_ACCOUNT,)
PROXY_HOURS = 2
SERVER_NAMES = ("localhost",)
SERVER_IPS = ("127.0.0.1",)


@dataclass(frozen=True)
class TlsFiles:
    """What a client of ``account`` needs for HTTPS and X.509 authentication."""

    account: str
    dn: str  # the X509 identity registered for the account
    ca_cert: Path
    cert: Path
    key: Path
    proxy: Path | None  # cert + key + user cert in one PEM (``x509_proxy``)
    expired_cert: Path | None
    expired_key: Path | None


@dataclass(frozen=True)
class TlsLayout:
    folder: Path

    @classmethod
    def of(cls, layout: SandboxLayout) -> TlsLayout:
        return cls(layout.tls_dir)

    @property
    def ca_cert(self) -> Path:
        return self.folder / "ca.pem"

    @property
    def ca_key(self) -> Path:
        return self.folder / "ca.key.pem"

    @property
    def server_cert(self) -> Path:
        return self.folder / "server.pem"

    @property
    def server_key(self) -> Path:
        return self.folder / "server.key.pem"

    @property
    def identities(self) -> Path:
        return self.folder / "identities.json"

    def cert(self, account: str) -> Path:
        return self.folder / f"{account}.cert.pem"

    def key(self, account: str) -> Path:
        return self.folder / f"{account}.key.pem"

    def proxy(self, account: str) -> Path:
        return self.folder / f"{account}.proxy.pem"

    def expired_cert(self, account: str) -> Path:
        return self.folder / f"{account}.expired.cert.pem"

    def expired_key(self, account: str) -> Path:
        return self.folder / f"{account}.expired.key.pem"

    def plan(self) -> dict[str, Any]:
        """What ``make_tls.py`` makes, and where."""
        return {
            "folder": str(self.folder),
            "ca_cert": str(self.ca_cert),
            "ca_key": str(self.ca_key),
            "server": {
                "cert": str(self.server_cert),
                "key": str(self.server_key),
                "dns": list(SERVER_NAMES),
                "ips": list(SERVER_IPS),
            },
            "clients": [
                {"cn": a, "cert": str(self.cert(a)), "key": str(self.key(a))} for a in CERT_ACCOUNTS
            ],
            "proxies": [
                {
                    "of": a,
                    "file": str(self.proxy(a)),
                    "user_cert": str(self.cert(a)),
                    "user_key": str(self.key(a)),
                    "hours": PROXY_HOURS,
                }
                for a in PROXY_ACCOUNTS
            ],
            "expired": [
                {"cn": a, "cert": str(self.expired_cert(a)), "key": str(self.expired_key(a))}
                for a in EXPIRED_ACCOUNTS
            ],
            "identities": str(self.identities),
        }

    def ensure(self, server_python: Path, log: Callable[[str], None]) -> None:
        """Make what is missing, renew what is about to expire (the proxy, mostly)."""
        fresh = not self.ca_cert.exists()
        if fresh:
            log(f"Making the sandbox's CA and certificates in {self.folder} ...")
        self.folder.parent.mkdir(parents=True, exist_ok=True)
        output = run(
            [str(server_python), str(_MAKE_TLS)],
            what="Making the sandbox's X.509 certificates",
            input=json.dumps(self.plan()),
            timeout=120,
        )
        if not fresh and "made nothing" not in output:
            log(output.strip().replace("make_tls: made", "Renewed"))
        self.folder.chmod(0o700)

    def dns(self) -> dict[str, str]:
        """Each account's DN, exactly as the server passes it to Rucio."""
        try:
            return dict(json.loads(self.identities.read_text()))
        except (OSError, ValueError) as exc:
            raise SandboxError(
                f"{self.identities} is missing or unreadable ({exc}): run "
                "`rucio-widgets sandbox up` to make the sandbox's certificates again."
            ) from exc

    def files(self, account: str) -> TlsFiles:
        dns = self.dns()
        if account not in dns:
            raise SandboxError(
                f"No certificate for {account!r} in the sandbox: use one of {', '.join(dns)}."
            )
        return TlsFiles(
            account=account,
            dn=dns[account],
            ca_cert=self.ca_cert,
            cert=self.cert(account),
            key=self.key(account),
            proxy=self.proxy(account) if account in PROXY_ACCOUNTS else None,
            expired_cert=self.expired_cert(account) if account in EXPIRED_ACCOUNTS else None,
            expired_key=self.expired_key(account) if account in EXPIRED_ACCOUNTS else None,
        )

    def client_context(self) -> ssl.SSLContext:
        """Trusts the sandbox's CA only (for the readiness check)."""
        return ssl.create_default_context(cafile=str(self.ca_cert))
