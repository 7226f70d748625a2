"""The selection exported to where analyses go: a table of files, and a fileset.

``selection_table()`` gives one row per selected file (``did, dataset, bytes, adler32, md5,
status, path, rse``); ``fileset()`` groups the local paths by the dataset that holds each
file within the selection, in the shape coffea and ``uproot.dask`` take:
``{dataset_did: {"files": {path: treename}}}``, or ``{dataset_did: {"files": [path, ...]}}``
without a tree name. Both are plain data with ``to_json()``; the table also has
``to_pandas()`` when pandas is installed.

The Rucio look-ups behind them (the datasets below a selected container, each listed once)
run on the model's workers, never on the caller's thread.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, overload

from ..availability import file_status
from ..errors import CancelledError, ConfigurationError, NotAvailableError
from ..modes import AvailabilityMode
from .selection import Selection
from .statuses import LocalPaths, Statuses


@dataclass(frozen=True)
class FileEntry:
    """One selected file: where it comes from, what it is, and where it is here."""

    did: str
    dataset: str  # the dataset that holds it within the selection (its own DID if alone)
    bytes: int | None
    adler32: str | None
    md5: str | None
    status: str  # AVAILABLE, NOT_AVAILABLE, or a request's state (REPLICATING, ...)
    path: str | None  # the local path, None when not available here
    rse: str | None  # the RSE the path maps from; None for a download-mode copy


class SelectionTable(Sequence[FileEntry]):
    """The selection's files, one :class:`FileEntry` each, in selection order."""

    columns = ("did", "dataset", "bytes", "adler32", "md5", "status", "path", "rse")

    def __init__(self, entries: Sequence[FileEntry]) -> None:
        self._entries = list(entries)

    @overload
    def __getitem__(self, index: int) -> FileEntry: ...

    @overload
    def __getitem__(self, index: slice) -> SelectionTable: ...

    def __getitem__(self, index: int | slice) -> FileEntry | SelectionTable:
        if isinstance(index, slice):
            return SelectionTable(self._entries[index])
        return self._entries[index]

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[FileEntry]:
        return iter(self._entries)

    def to_dicts(self) -> list[dict[str, Any]]:
        return [asdict(entry) for entry in self._entries]

    def to_json(self, path: str | Path | None = None) -> str:
        """The table as a JSON list of objects; also written to ``path`` when given."""
        return _write_json(self.to_dicts(), path)

    def to_pandas(self) -> Any:
        """A ``pandas.DataFrame`` with :attr:`columns` (``pip install rucio-widgets[pandas]``)."""
        try:
            import pandas
        except ImportError:
            raise ConfigurationError(
                "selection_table().to_pandas() needs pandas, which is not installed.",
                "pip install 'rucio-widgets[pandas]' (or pandas), or use to_dicts().",
            ) from None
        return pandas.DataFrame(self.to_dicts(), columns=list(self.columns))

    def __repr__(self) -> str:
        available = sum(1 for e in self._entries if e.path)
        datasets = len({e.dataset for e in self._entries})
        return f"<SelectionTable: {len(self)} files in {datasets} datasets, {available} available>"


class Fileset(dict[str, dict[str, Any]]):
    """``{dataset_did: {"files": {path: treename} | [path, ...]}}``: a dict, as coffea and
    ``uproot.dask`` take it, with ``to_json()``."""

    def to_json(self, path: str | Path | None = None) -> str:
        return _write_json(dict(self), path)


def _write_json(data: Any, path: str | Path | None) -> str:
    text = json.dumps(data, indent=1)
    if path is not None:
        Path(path).expanduser().write_text(text + "\n")
    return text


class Export:
    def __init__(
        self,
        selection: Selection,
        paths: LocalPaths,
        statuses: Statuses,
        mode: AvailabilityMode,
    ) -> None:
        self.selection = selection
        self.paths = paths
        self.statuses = statuses
        self.mode = mode

    def _resolved(self, timeout: float | None) -> None:
        if not self.selection.wait_resolved(timeout):
            raise CancelledError(
                f"Paths are still being resolved after {timeout} s.",
                "Wait longer (timeout=), or select fewer files.",
            )
        if self.selection.error is not None:
            raise self.selection.error

    def table(self) -> SelectionTable:
        """The table of what is known now (call after the selection is resolved)."""
        entries = []
        for dataset, files in self.selection.groups():
            for file in files:
                path = self.paths.get(file.did)
                status = self.statuses.get(file.did) or {}
                state = status.get("status") or file_status(path is not None)["status"]
                entries.append(
                    FileEntry(
                        did=file.did,
                        dataset=dataset,
                        bytes=file.bytes,
                        adler32=file.adler32,
                        md5=file.md5,
                        status=str(state),
                        path=path,
                        rse=self.mode.rse_of(file.did) if path else None,
                    )
                )
        return SelectionTable(entries)

    def fileset(self, treename: str | None) -> Fileset:
        """The fileset of the selection; NotAvailableError (with ``missing``) when a
        selected file has no local path."""
        groups = self.selection.groups()
        missing = {
            f.did: "NOT_AVAILABLE"
            for _, files in groups
            for f in files
            if self.paths.get(f.did) is None
        }
        if missing:
            first = next(iter(missing))
            raise NotAvailableError(
                f"{len(missing)} selected file(s) have no local path yet, e.g. {first}.",
                "Make them available first (browser.make_available(), then browser.wait()), "
                "or deselect them.",
                missing=missing,
            )
        fileset = Fileset()
        for dataset, files in groups:
            paths = [str(self.paths.get(f.did)) for f in files]
            fileset[dataset] = {
                "files": dict.fromkeys(paths, treename) if treename is not None else paths
            }
        return fileset
