"""The two availability modes behind one interface, so the model never asks which it has.

- ``ReplicaMode`` (the JupyterLab extension's "replica"): data is made available by a
  replication rule to ``destination_rse``; a file is local when it has an AVAILABLE replica
  there, and its path is the PFN mapped under ``rse_mount_path``.
- ``DownloadMode``: data is downloaded into ``download_dir/<scope>/<name>``; a file is local
  when that file exists with the expected size.

Both answer the same questions: where files are (``locate``), what collections' badges are
(``statuses``), how to make a DID available (``make_available``), and how to retry, cancel
and pick up what is in flight.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

from .availability import (
    collection_status,
    download_path,
    mount_problem,
    mount_shows,
    pfn_to_local_path,
)
from .config import Settings
from .downloads import Downloads
from .errors import ConfigurationError
from .protocol import MakeOptions, RowStatus
from .ruletracker import RuleTracker
from .service import DIDRow, FileReplicas, Service
from .transfers import Request, Requests

#: From this many files on, a dataset's badge is counted by Rucio (deep), not by listing.
LARGE_DATASET = 500

Located = dict[str, str | None]


class AvailabilityMode(Protocol):
    name: str

    def where(self) -> str:
        """Where available files are, for messages: "on RSE" / "in /dir"."""
        ...

    def locate(self, files: Sequence[DIDRow]) -> Located:
        """DID -> local path (None: not available) of each of ``files``."""
        ...

    def statuses(self, collections: Sequence[DIDRow]) -> dict[str, RowStatus]:
        """Badges of datasets and containers (those it can tell; may be fewer)."""
        ...

    def make_available(
        self,
        row: DIDRow,
        files: Callable[[], list[DIDRow]],
        account: Callable[[], str],
        options: MakeOptions,
    ) -> Request:
        """Request ``row``; ``files`` and ``account`` are asked for only when needed."""
        ...

    def retry(self, did: str, files: Callable[[], list[DIDRow]]) -> None: ...

    def cancel(self, did: str) -> None: ...

    def local_path(self, rse: str, pfn: str | None) -> str | None:
        """The local path of a replica on ``rse``, when this mode reads it in place."""
        ...

    def rse_of(self, did: str) -> str | None:
        """The RSE whose replica gave a located file its path (None: a local copy)."""
        ...

    def pick_up(self, account: str) -> None:
        """Follow what an earlier kernel left in flight."""
        ...

    def close(self) -> None: ...


class ReplicaMode:
    name = "replica"

    def __init__(self, service: Service, settings: Settings, requests: Requests) -> None:
        self.service = service
        self.settings = settings
        self._destinations: set[str] | None = None
        self._found_on: dict[str, str] = {}  # did -> the RSE its path maps from
        self._mount_seen = False
        self._mount_error: ConfigurationError | None = None
        self.rules = RuleTracker(
            service,
            requests,
            self.destinations,
            destination_rse=settings.destination_rse,
            lifetime_days=settings.replication_rule_lifetime_days,
        )

    def destinations(self) -> set[str]:
        """The RSEs ``destination_rse`` (an RSE expression) selects; asked once."""
        if self._destinations is None:
            expression = self.settings.destination_rse
            self._destinations = set(self.service.rses(expression)) if expression else set()
        return self._destinations

    def where(self) -> str:
        return f"on {self.settings.destination_rse}"

    def local_path(self, rse: str, pfn: str | None) -> str | None:
        """The local path of a replica, when it is on the destination and mounted here."""
        mount = self.settings.rse_mount_path
        if not pfn or not mount or rse not in self.destinations():
            return None
        return pfn_to_local_path(pfn, mount, self.settings.path_begins_at)

    def rse_of(self, did: str) -> str | None:
        return self._found_on.get(did)

    def keeps_copy(self, rule: dict[str, Any]) -> bool:
        """Does ``rule`` (anyone's) keep a copy on the destination (by the RSEs its
        expression selects)?"""
        rses = self.rules.rses_of(str(rule.get("rse_expression") or ""))
        return bool(rses) and rses <= self.destinations()

    def locate(self, files: Sequence[DIDRow]) -> Located:
        located: Located = dict.fromkeys((f.did for f in files), None)
        if not files or not self.settings.destination_rse or not self.settings.rse_mount_path:
            return located
        stream = self.service.replicas(
            [(f.scope, f.name) for f in files], self.settings.destination_rse
        )
        for replicas in stream:
            for rse, pfns in replicas.pfns.items():
                path = self.local_path(rse, pfns[0] if pfns else None)
                if path:
                    self._check_mount(path, pfns[0])
                    located[replicas.did] = path
                    self._found_on[replicas.did] = rse
                    break
        return located

    def _check_mount(self, path: str, pfn: str) -> None:
        """The first time a path is mapped, look at it: an unmounted storage, a wrong
        rse_mount_path or path_begins_at give plausible paths that are not there. One stat;
        after a miss, every locate looks again (the storage may be mounted meanwhile)."""
        if self._mount_seen:
            return
        if mount_shows(path, str(self.settings.rse_mount_path)):
            self._mount_seen = True
            return
        problem = mount_problem(
            path, pfn, str(self.settings.rse_mount_path), self.settings.path_begins_at
        )
        if self._mount_error is None or self._mount_error.message != problem.message:
            self._mount_error = problem  # the same problem is reported once
        raise self._mount_error

    def statuses(self, collections: Sequence[DIDRow]) -> dict[str, RowStatus]:
        """Badges of collections in at most three Rucio calls, whatever their number.

        1. ``list_dataset_replicas_bulk``: what Rucio's collection-replica table knows. Its
           rows are made only when a rule is evaluated for a dataset on an RSE (the judge's
           rule grouping); uploads, file-level rules and rules on other datasets that share
           the files leave none, so a dataset whose files arrived that way looks absent.
        2. For every collection that (1) does not show complete: one ``list_replicas`` over
           them restricted to the destination, counted per parent (``resolve_parents``).
        3. For containers and open datasets, whose file count Rucio does not keep: one
           unrestricted ``list_replicas``, counted per parent, for the total.

        Datasets of LARGE_DATASET files or more that (1) does not show complete are counted
        by Rucio instead (a deep ``list_dataset_replicas`` each), so a page holding them
        costs one call more per such dataset rather than a listing of all their files.
        """
        if not self.settings.destination_rse or not collections:
            return {}
        destinations = self.destinations()
        best = self._dataset_counts([r for r in collections if r.type == "DATASET"], destinations)
        updates: dict[str, RowStatus] = {}
        rest: list[DIDRow] = []
        for row in collections:
            available, total = best.get(row.did, (0, None))
            total = total if total is not None else row.length
            if row.type == "DATASET" and total is not None and available >= total:
                updates[row.did] = collection_status(available, total)
            else:
                rest.append(row)
        # A big dataset's files would make the listing below slow (resolving the parents of
        # 5,000 files took 9 s here, where Rucio's deep count of one dataset takes 0.03 s):
        # count each of those on the server instead, one call each.
        large = [r for r in rest if r.type == "DATASET" and (r.length or 0) >= LARGE_DATASET]
        for row in large:
            counts = [
                (int(e.get("available_length") or 0), e.get("length"))
                for e in self.service.collection_replicas(row.scope, row.name)
                if e.get("rse") in destinations
            ]
            available = max((a for a, _ in counts), default=0)
            updates[row.did] = collection_status(available, row.length or 0)
        rest = [r for r in rest if r not in large]
        if not rest:
            return updates
        counted = _count_by_parent(
            self.service.collection_files(
                [(r.scope, r.name) for r in rest], self.settings.destination_rse
            ),
            {r.did for r in rest},
            lambda file: any(rse in destinations for rse in file.pfns),
        )
        unknown = [r for r in rest if r.length is None]
        totals: dict[str, int] = {}
        if unknown:
            totals = _count_by_parent(
                self.service.collection_files([(r.scope, r.name) for r in unknown], None),
                {r.did for r in unknown},
            )
        for row in rest:
            total = row.length if row.length is not None else totals.get(row.did, 0)
            updates[row.did] = collection_status(counted.get(row.did, 0), total)
        return updates

    def _dataset_counts(
        self, datasets: Sequence[DIDRow], destinations: set[str]
    ) -> dict[str, tuple[int, int | None]]:
        """(available, total) of datasets on their best destination RSE, as the
        collection-replica table has them (one bulk call)."""
        best: dict[str, tuple[int, int | None]] = {}
        if not datasets:
            return best
        for entry in self.service.dataset_replicas([(r.scope, r.name) for r in datasets]):
            if entry.get("rse") not in destinations:
                continue
            did = f"{entry['scope']}:{entry['name']}"
            pair = (int(entry.get("available_length") or 0), entry.get("length"))
            if did not in best or pair[0] > best[did][0]:
                best[did] = pair
        return best

    def make_available(
        self,
        row: DIDRow,
        files: Callable[[], list[DIDRow]],
        account: Callable[[], str],
        options: MakeOptions,
    ) -> Request:
        return self.rules.request(row, account(), **options)

    def retry(self, did: str, files: Callable[[], list[DIDRow]]) -> None:
        self.rules.retry(did)

    def cancel(self, did: str) -> None:
        """Rules are not cancelled from the browser (delete them in Rucio)."""

    def pick_up(self, account: str) -> None:
        self.rules.pick_up(account)

    def close(self) -> None:
        self.rules.close()


class DownloadMode:
    name = "download"

    def __init__(self, service: Service, settings: Settings, requests: Requests) -> None:
        self.service = service
        self.settings = settings
        self.requests = requests
        self.downloads = Downloads(
            service, requests, Path(settings.download_dir).expanduser(), self.is_local
        )

    def where(self) -> str:
        return f"in {self.settings.download_dir}"

    def path_of(self, row: DIDRow) -> str:
        return download_path(self.settings.download_dir, row.scope, row.name)

    def is_local(self, row: DIDRow) -> bool:
        """The file is in download_dir with the size Rucio has for it."""
        try:
            size = os.path.getsize(self.path_of(row))
        except OSError:
            return False
        return row.bytes is None or size == row.bytes

    def rse_of(self, did: str) -> str | None:
        return None  # a copy in download_dir

    def locate(self, files: Sequence[DIDRow]) -> Located:
        return {row.did: (self.path_of(row) if self.is_local(row) else None) for row in files}

    def statuses(self, collections: Sequence[DIDRow]) -> dict[str, RowStatus]:
        """n of m files in download_dir, for many collections in one Rucio call."""
        if not collections:
            return {}
        wanted = {r.did for r in collections}
        local: dict[str, int] = {}
        totals: dict[str, int] = {}
        for file in self.service.collection_files([(r.scope, r.name) for r in collections], None):
            scope, name = file.did.split(":", 1)
            here = self.is_local(DIDRow(scope, name, "FILE", file.bytes))
            for parent in wanted.intersection(file.parents):
                totals[parent] = totals.get(parent, 0) + 1
                local[parent] = local.get(parent, 0) + here
        return {
            r.did: collection_status(
                local.get(r.did, 0), r.length if r.length is not None else totals.get(r.did, 0)
            )
            for r in collections
        }

    def local_path(self, rse: str, pfn: str | None) -> str | None:
        """Downloads are read from download_dir, never from a replica in place."""
        return None

    def make_available(
        self,
        row: DIDRow,
        files: Callable[[], list[DIDRow]],
        account: Callable[[], str],
        options: MakeOptions,
    ) -> Request:
        below = files()
        for file in below:  # refuse a name that would leave download_dir, before any I/O
            self.path_of(file)
        return self.downloads.request(row.did, below)

    def retry(self, did: str, files: Callable[[], list[DIDRow]]) -> None:
        self.downloads.request(did, files())

    def cancel(self, did: str) -> None:
        self.downloads.cancel(did)

    def pick_up(self, account: str) -> None:
        """Downloads do not outlive the kernel that started them."""

    def close(self) -> None:
        self.downloads.close()


def _count_by_parent(
    files: Iterable[FileReplicas],
    wanted: set[str],
    counts: Callable[[FileReplicas], bool] = lambda file: True,
) -> dict[str, int]:
    """How many of ``files`` (those ``counts`` accepts) sit below each collection of
    ``wanted``."""
    found: dict[str, int] = {}
    for file in files:
        if counts(file):
            for parent in wanted.intersection(file.parents):
                found[parent] = found.get(parent, 0) + 1
    return found


def mode_for(service: Service, settings: Settings, requests: Requests) -> AvailabilityMode:
    """The mode ``settings.mode`` names (the one place that asks)."""
    if settings.mode == "download":
        return DownloadMode(service, settings, requests)
    return ReplicaMode(service, settings, requests)
