"""A warm second look: the local paths of a collection, remembered across kernels.

A memo of the model's own derivation, not a second source of truth. When every file of a
dataset or container was found on the destination, and an OK rule keeps it there, the
files and their paths are written to a private file under ``~/.cache/rucio-widgets/paths``
(0700), keyed by server, account, DID and destination (and the mount settings that map
the paths). A later look answers from it only after a cheap validation:

1. the rule that guaranteed the paths still exists and is OK (one ``get_rule``) or, for
   data placed without a rule, a few sampled files still have a replica on the destination
   (one ``list_replicas``);
2. those sampled paths still exist on the mount (stat-ing every file on a FUSE mount would
   cost seconds).

The answer is then refreshed in full in the background, and a path found missing is never
returned. Anything unreadable is treated as no entry.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import RucioWidgetsError
from ..service import DIDRow, Service
from .state import log

#: Paths stat-ed to validate an entry.
SAMPLED_PATHS = 5
FORMAT = 1


def default_folder() -> Path | None:
    """``RUCIO_WIDGETS_CACHE_DIR`` (``off``: no cache), else the user's cache folder."""
    chosen = os.environ.get("RUCIO_WIDGETS_CACHE_DIR")
    if chosen:
        return None if chosen.lower() == "off" else Path(chosen).expanduser() / "paths"
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return Path(base) / "rucio-widgets" / "paths"


@dataclass(frozen=True)
class Entry:
    did: str
    rule_id: str | None  # None: placed without a rule, the replicas are checked instead
    files: list[DIDRow]
    paths: dict[str, str]  # file DID -> local path


class PathCache:
    def __init__(
        self,
        service: Service,
        settings: Settings,
        account: Callable[[], str],
        covers: Callable[[dict[str, Any]], bool],
        folder: Path | None = None,
    ) -> None:
        self.service = service
        self.settings = settings
        self.account = account
        self.covers = covers  # does this rule keep a copy on the destination?
        self.folder = folder if folder is not None else default_folder()
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        s = self.settings
        return (
            self.folder is not None
            and s.mode != "download"
            and bool(s.destination_rse and s.rse_mount_path)
        )

    def _file(self, did: str) -> Path:
        assert self.folder is not None
        s = self.settings
        key = json.dumps(
            [
                FORMAT,
                s.rucio_host,
                self.account(),
                did,
                s.destination_rse,
                str(s.rse_mount_path),
                s.path_begins_at,
            ]
        )
        return self.folder / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.json"

    # --- reading --------------------------------------------------------------------------
    def load(self, row: DIDRow) -> Entry | None:
        """A validated entry for ``row`` (one rule call, a few stats), or None."""
        if not self.enabled or row.type == "FILE":
            return None
        try:
            data = json.loads(self._file(row.did).read_text())
            files = [
                DIDRow(sys.intern(f[0]), f[1], "FILE", f[2], None, f[3], f[4])
                for f in data["files"]
            ]
            rule_id = str(data["rule_id"]) if data.get("rule_id") else None
            entry = Entry(row.did, rule_id, files, dict(data["paths"]))
        except (OSError, ValueError, KeyError, IndexError, TypeError):
            return None
        if set(entry.paths) != {f.did for f in files}:
            return None
        sample = random.sample(entry.files, min(SAMPLED_PATHS, len(entry.files)))
        try:
            valid = self._guaranteed(entry, sample)
        except RucioWidgetsError:
            valid = False
        if not valid or not all(os.path.exists(entry.paths[f.did]) for f in sample):
            self.forget(row.did)
            return None
        return entry

    def _guaranteed(self, entry: Entry, sample: Sequence[DIDRow]) -> bool:
        if entry.rule_id is not None:
            rule = self.service.get_rule(entry.rule_id)
            return rule.get("state") == "OK" and self.covers(rule)
        found = {
            r.did
            for r in self.service.replicas(
                [(f.scope, f.name) for f in sample], self.settings.destination_rse
            )
            if r.pfns
        }
        return found == {f.did for f in sample}

    # --- writing --------------------------------------------------------------------------
    def save(self, row: DIDRow, files: Sequence[DIDRow], paths: dict[str, str | None]) -> None:
        """Remember ``row``'s paths when every file has one and an OK rule keeps them."""
        if not self.enabled or row.type == "FILE" or not files:
            return
        if any(not paths.get(f.did) for f in files):
            return
        rules = [
            r
            for r in self.service.did_rules(row.scope, row.name)
            if r.get("state") == "OK" and self.covers(r)
        ]
        data = {
            "did": row.did,
            "rule_id": str(rules[0]["id"]) if rules else None,
            "files": [[f.scope, f.name, f.bytes, f.adler32, f.md5] for f in files],
            "paths": {f.did: paths[f.did] for f in files},
        }
        folder = self.folder
        assert folder is not None  # enabled
        with self._lock:
            try:
                folder.mkdir(parents=True, exist_ok=True, mode=0o700)
                os.chmod(folder, 0o700)
                fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
                with os.fdopen(fd, "w") as stream:
                    json.dump(data, stream)
                os.replace(tmp, self._file(row.did))
            except OSError as exc:
                log.debug("rucio-widgets: path cache not written: %s", exc)

    def forget(self, did: str) -> None:
        with contextlib.suppress(OSError):
            self._file(did).unlink(missing_ok=True)
