"""Building ``rucio.client.Client`` objects whose token cache belongs to one account.

The stock client keeps tokens either in ``$TMPDIR/<user>/.rucio_<user>/`` (shared by every
server the user talks to) or in the one file named by ``auth_token_file_path`` in rucio.cfg
(shared by every account, so a second account would silently reuse the first one's token).
``client_for`` puts each (server, account) pair's token in a private folder of its own.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from rucio.client import Client


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

    class AccountTokenClient(Client):  # type: ignore[misc]
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
    **kwargs: Any,
) -> Client:
    """A client for ``account`` with its own token cache (see the module's docstring)."""
    cls = client_class(token_dir)
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
