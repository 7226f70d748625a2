"""Helpers for tests that run against a sandbox: clients per account, fresh DIDs, waiting.

``tests/conftest.py`` starts one sandbox per test session on free ports and hands tests a
``SandboxSession``. Each test makes its own DIDs with ``make_dataset`` (unique names), so
tests never depend on each other's data.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import uuid
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .layout import DEFAULT_ACCOUNT, SCRATCH_RSE, SandboxLayout
from .manager import Sandbox
from .seed import LONG_NAMES, seed_long_names, upload_item


def adler32_of(path: Path) -> str:
    value = 1
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            value = zlib.adler32(block, value)
    return f"{value & 0xFFFFFFFF:08x}"


def md5_of(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


@dataclass
class MadeDataset:
    scope: str
    name: str
    files: list[str]  # file DIDs "scope:name"
    local_paths: list[Path]  # the bytes that were uploaded, by file

    @property
    def did(self) -> str:
        return f"{self.scope}:{self.name}"


@dataclass
class SandboxSession:
    sandbox: Sandbox
    _clients: dict[str, Any] = field(default_factory=dict)

    @property
    def layout(self) -> SandboxLayout:
        return self.sandbox.layout

    @property
    def url(self) -> str:
        return self.sandbox.server_url()

    def password(self, account: str) -> str:
        return self.sandbox.secrets()[account]

    def config_path(self, account: str = DEFAULT_ACCOUNT) -> Path:
        return self.layout.client_config(account)

    def client(self, account: str = DEFAULT_ACCOUNT) -> Any:
        """A rucio Client signed in as ``account``, with that account's own token cache."""
        if account not in self._clients:
            from rucio_widgets.rucioclient import client_for

            self._clients[account] = client_for(
                rucio_host=self.url,
                auth_host=self.url,
                account=account,
                auth_type="userpass",
                creds={"username": account, "password": self.password(account)},
                ca_cert=str(self.sandbox.tls_files(account).ca_cert) if self.sandbox.tls else None,
                token_dir=self.layout.root / "tokens" / "tests",
            )
        return self._clients[account]

    def make_dataset(
        self,
        *,
        files: int = 3,
        account: str = DEFAULT_ACCOUNT,
        scope: str | None = None,
        rse: str = SCRATCH_RSE,
        size: int = 2048,
        prefix: str = "test",
        close: bool = True,
        meta: dict[str, Any] | None = None,
    ) -> MadeDataset:
        """Upload ``files`` files of random bytes into a new dataset; return its DIDs."""
        from rucio.client.uploadclient import UploadClient

        client = self.client(account)
        scope = scope or f"user.{account}"
        tag = uuid.uuid4().hex[:10]
        dataset = f"{scope}.{prefix}.{tag}" if scope.startswith("user.") else f"{prefix}.{tag}"
        folder = self.layout.root / "test-payload" / tag
        folder.mkdir(parents=True, exist_ok=True)
        items, dids, paths = [], [], []
        for number in range(files):
            name = f"{dataset}.file_{number}.dat"
            path = folder / name
            path.write_bytes(os.urandom(size + number))
            items.append(upload_item(path, rse, scope, name, dataset))
            dids.append(f"{scope}:{name}")
            paths.append(path)
        UploadClient(_client=client).upload(items)
        if meta:
            client.set_metadata_bulk(scope, dataset, meta)
        if close:
            client.close(scope, dataset)
        return MadeDataset(scope, dataset, dids, paths)

    def long_names(self) -> list[str]:
        """The DIDs of the seeded LONG_NAMES datasets, made now if the sandbox was seeded
        before they existed."""
        seed_long_names(self.client("root"))
        return [f"{scope}:{name}" for scope, name in LONG_NAMES]

    def wait_for_rule(self, rule_id: str, *, state: str = "OK", timeout: float = 90) -> dict:
        """Poll a rule until it reaches ``state``; raise with its last state otherwise."""
        client = self.client("root")
        deadline = time.monotonic() + timeout
        rule: dict = {}
        while time.monotonic() < deadline:
            rule = client.get_replication_rule(rule_id)
            if rule["state"] == state:
                return rule
            time.sleep(0.5)
        raise TimeoutError(
            f"rule {rule_id} is {rule.get('state')} after {timeout:.0f} s, not {state}: "
            f"{json.dumps(rule, default=str)[:400]}"
        )

    def mount_path_of(self, pfn: str) -> Path:
        """The local path of a destination PFN, mapped as the JupyterLab extension does."""
        from urllib.parse import urlparse

        path = urlparse(pfn).path.strip("/").split("/", self.layout.path_begins_at)[-1]
        return self.layout.mount_path / path
