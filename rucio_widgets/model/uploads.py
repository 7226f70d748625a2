"""Put results back into Rucio: upload local files into a dataset of the user's scope.

Everything is checked before a byte moves:

- the paths (or globs, relative to the working directory) name readable files;
- the scope is one of the account's (Rucio lets users write only there);
- the RSE is given or configured (``[widgets] upload_rse``);
- a name already registered must hold the same bytes (adler32): then it is skipped, so a
  re-run is idempotent; different bytes under a registered name are refused;
- what is left fits in the account's quota on the RSE. Rucio itself refuses only after the
  upload, and this check can race with other uploads of the same account.

Then Rucio's UploadClient copies each file, verifies it, and registers it; the dataset is
created if missing and every file is attached to it. Call on a worker (the façade does).
"""

from __future__ import annotations

import glob
import os
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..config import Settings
from ..errors import (
    ConfigurationError,
    InvalidQueryError,
    PermissionDeniedError,
    QuotaExceededError,
)
from ..service import Service
from ..words import clip, format_bytes

#: Bytes read at a time for checksums.
_CHUNK = 1 << 20


@dataclass(frozen=True)
class LocalFile:
    path: Path
    bytes: int
    adler32: str


def adler32_of(path: Path) -> str:
    value = 1
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            value = zlib.adler32(chunk, value)
    return f"{value & 0xFFFFFFFF:08x}"


def local_files(paths: Sequence[str | os.PathLike[str]], base: Path | None = None) -> list[Path]:
    """The files that ``paths`` (files or globs, relative to ``base``) name, each once; an
    InvalidQueryError naming the first that is missing, a folder, or unreadable."""
    base = base or Path.cwd()
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    found: dict[Path, None] = {}
    for given in paths:
        text = os.path.expanduser(str(given))
        pattern = text if os.path.isabs(text) else str(base / text)
        matches = sorted(glob.glob(pattern, recursive=True)) if glob.has_magic(text) else [pattern]
        if not matches:
            raise InvalidQueryError(
                f"`{clip(str(given))}` matches no file.", "Check the pattern and the folder."
            )
        for match in matches:
            path = Path(match)
            if not path.exists():
                raise InvalidQueryError(
                    f"`{clip(str(given))}` does not exist.", "Check the path: nothing was uploaded."
                )
            if path.is_dir():
                raise InvalidQueryError(
                    f"`{clip(str(given))}` is a folder.",
                    "Give the files in it, e.g. `folder/*.root`: nothing was uploaded.",
                )
            if not os.access(path, os.R_OK):
                raise InvalidQueryError(
                    f"`{clip(str(given))}` cannot be read.",
                    "Check its permissions: nothing was uploaded.",
                )
            found[path.resolve()] = None
    if not found:
        raise InvalidQueryError("Nothing to upload.", "Give file paths or a glob such as `*.root`.")
    return list(found)


class Uploads:
    def __init__(
        self,
        service: Service,
        settings: Settings,
        account: Callable[[], str],
        account_scopes: Callable[[], list[str]],
    ) -> None:
        self.service = service
        self.settings = settings
        self.account = account
        self.account_scopes = account_scopes

    def upload(
        self,
        paths: Sequence[str | os.PathLike[str]],
        *,
        dataset: str | None = None,
        scope: str | None = None,
        rse: str | None = None,
        lifetime_days: int | None = None,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> list[str]:
        """Upload files; the DIDs of all of them (uploaded now or registered already)."""
        files = [Path(p) for p in local_files(paths)]
        scope = scope or self._own_scope()
        if scope not in self.account_scopes():
            raise PermissionDeniedError(
                f"Scope `{clip(scope, 40)}` is not yours: Rucio lets {self.account()} upload "
                f"only into {', '.join(self.account_scopes()) or 'its own scopes'}.",
                "Leave scope out (your own is used), or pick one of yours.",
            )
        target = rse or self.settings.upload_rse
        if not target:
            raise ConfigurationError(
                "No RSE to upload to.",
                "Pass rse=, or set upload_rse in [widgets] of rucio.cfg.",
            )
        dataset_scope, dataset_name = self._dataset(dataset, scope)
        measured = [LocalFile(p, p.stat().st_size, adler32_of(p)) for p in files]
        dids = [(scope, f.path.name) for f in measured]
        registered = self.service.metadata_bulk(dids)
        todo = []
        for local, (file_scope, name) in zip(measured, dids, strict=True):
            known = registered.get(f"{file_scope}:{name}")
            if known is None:
                todo.append(local)
            elif str(known.get("adler32") or "").lower() != local.adler32:
                raise InvalidQueryError(
                    f"`{file_scope}:{clip(name, 60)}` is registered with other bytes "
                    f"(adler32 {known.get('adler32')}, yours {local.adler32}).",
                    "Rucio names are write-once: rename your file (e.g. add _v2) and upload it "
                    "again. Nothing was uploaded.",
                )
        self._check_quota(target, sum(f.bytes for f in todo))
        if dataset_name:
            self.service.add_dataset(dataset_scope, dataset_name)
        for done, local in enumerate(todo, start=1):
            item: dict[str, object] = {
                "path": str(local.path),
                "rse": target,
                "did_scope": scope,
                "did_name": local.path.name,
                "register_after_upload": True,
            }
            if lifetime_days:
                item["lifetime"] = int(lifetime_days) * 86400
            self.service.upload([item])
            if on_progress is not None:
                on_progress(done, len(todo))
        if dataset_name:
            self.service.attach(dataset_scope, dataset_name, dids)
        return [f"{s}:{n}" for s, n in dids]

    def _own_scope(self) -> str:
        scopes = self.account_scopes()
        own = f"user.{self.account()}"
        if own in scopes:
            return own
        if scopes:
            return scopes[0]
        raise PermissionDeniedError(
            f"Account {self.account()} has no scope to upload into.",
            "Ask the Rucio administrators for a scope (user.<account>).",
        )

    @staticmethod
    def _dataset(dataset: str | None, scope: str) -> tuple[str, str | None]:
        if not dataset:
            return scope, None
        if ":" in dataset:
            dataset_scope, name = dataset.split(":", 1)
            if dataset_scope != scope:
                raise InvalidQueryError(
                    f"Dataset `{clip(dataset)}` is not in scope `{scope}`.",
                    "Upload into a dataset of the files' scope, or pass scope= to match.",
                )
            return scope, name
        return scope, dataset

    def _check_quota(self, rse: str, size: int) -> None:
        if size <= 0:
            return
        usage = {str(u["rse"]): u for u in self.service.local_usage(self.account())}
        entry = usage.get(rse)
        if entry is None:
            raise QuotaExceededError(
                f"You have no quota on {rse}: the {format_bytes(size)} cannot be uploaded there.",
                "Pick another RSE (rse=), or ask for a quota there.",
            )
        limit = entry.get("bytes_limit")
        if limit is None or limit == float("inf"):
            return
        remaining = int(limit) - int(entry.get("bytes") or 0)
        if size > remaining:
            raise QuotaExceededError(
                f"{format_bytes(size)} do not fit in your quota on {rse} "
                f"({format_bytes(max(0, remaining))} left): nothing was uploaded.",
                "Free space (delete old rules or files) or ask for a larger quota; this check "
                "can race with your other uploads.",
            )
