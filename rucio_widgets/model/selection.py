"""The selection, the files it holds, and their local paths.

Selecting DIDs (files or collections) starts a resolution on the paths worker: the files of
each selected collection (listed once, cached), then their local paths (in bulk, through
the availability mode), published as they are found. ``paths`` is derived here and never
stored twice. A newer selection makes an older resolution stop at its next step.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from .. import dids as didlib
from ..availability import file_status
from ..errors import CancelledError, NotAvailableError, RucioWidgetsError, translate
from ..modes import AvailabilityMode
from ..protocol import FAILED, STUCK
from ..service import REPLICA_CHUNK, DIDRow, Service
from ..transfers import Request, Requests
from .filelists import FileLists
from .listings import RowIndex
from .pathcache import PathCache
from .state import Store, Workers, log
from .statuses import LocalPaths, Statuses

#: The files located first, alone, so the first paths show at once.
FIRST_BATCH = 100
#: Paths are published at least this often (seconds) while a resolution runs.
PUBLISH_EVERY = 1.0


def did_of(text: str) -> str:
    """``scope:name`` of what the user wrote; InvalidQueryError when it is not a DID."""
    try:
        return str(didlib.parse_did(text))
    except didlib.InvalidDIDError as exc:
        raise translate(exc) from None


class _Tally:
    """The paths and unavailable files of a resolution in flight, kept as files are located,
    and when to publish them: after the located count doubled, at least every PUBLISH_EVERY
    seconds, and before a replica call is waited on when files located before (known) were
    counted since the last publication."""

    def __init__(self, paths: LocalPaths) -> None:
        self._paths = paths
        self.available: list[str] = []
        self.unavailable: list[str] = []
        self.known = 0  # files located before this resolution
        self._known_shown = 0
        self._next_count = FIRST_BATCH
        self._next_time = time.monotonic() + PUBLISH_EVERY

    @property
    def located(self) -> int:
        return len(self.available) + len(self.unavailable)

    def add(self, files: Iterable[DIDRow]) -> None:
        """Count files whose place is known (located, or known from before)."""
        for file in files:
            path = self._paths.get(file.did)
            if path:
                self.available.append(path)
            else:
                self.unavailable.append(file.did)

    def add_known(self, file: DIDRow) -> None:
        """Count a file located before this resolution."""
        self.add((file,))
        self.known += 1

    @property
    def known_unshown(self) -> bool:
        return self.known > self._known_shown

    @property
    def due(self) -> bool:
        return self.located >= self._next_count or time.monotonic() >= self._next_time

    def publication(self, listed: int) -> dict[str, Any]:
        """The state to publish while ``listed`` files are listed so far (copies); counted
        as published."""
        self._next_count = 2 * self.located
        self._next_time = time.monotonic() + PUBLISH_EVERY
        self._known_shown = self.known
        return {
            "paths": list(self.available),
            "unavailable": list(self.unavailable),
            "paths_state": {
                "files": listed,
                "available": len(self.available),
                "pending": listed - self.located,
            },
        }


class Selection:
    def __init__(
        self,
        service: Service,
        *,
        store: Store,
        index: RowIndex,
        paths: LocalPaths,
        statuses: Statuses,
        requests: Requests,
        mode: AvailabilityMode,
        workers: Workers,
        cache: PathCache | None = None,
    ) -> None:
        self.service = service
        self.cache = cache
        self.store = store
        self.index = index
        self.paths = paths
        self.statuses = statuses
        self.requests = requests
        self.mode = mode
        self.workers = workers
        self._lock = threading.RLock()
        self.lists = FileLists(service, index)
        #: Collections answered from the path cache so far (benchmarks, tests).
        self.warm_answers = 0
        self._generation = 0
        self._resolved = threading.Event()
        self._resolved.set()
        #: Bumped on every request change and finished resolution: wait() wakes on it.
        self._changes = threading.Condition()
        self._change_count = 0
        self.error: RucioWidgetsError | None = None

    @property
    def selected(self) -> list[str]:
        return list(self.store.state.selected)

    # --- changing it ----------------------------------------------------------------------
    def set(self, selected: Iterable[str]) -> None:
        cleaned = list(dict.fromkeys(did_of(text) for text in selected))
        state = self.store.state
        if (
            cleaned == state.selected
            and state.paths_state["pending"] == 0
            and self._resolved.is_set()
        ):
            return
        self.store.publish(selected=cleaned)
        self.refresh()

    def add(self, *dids: str) -> None:
        self.set([*self.selected, *dids])

    def remove(self, *dids: str) -> None:
        drop = {did_of(d) for d in dids}
        self.set([d for d in self.selected if d not in drop])

    def refresh(self) -> None:
        """Resolve the selection's paths again (something arrived)."""
        with self._lock:
            self._generation += 1
            generation = self._generation
            self._resolved.clear()
        self.lists.stop()  # an older resolution's listing: it is stale
        self.workers.paths.submit(self._resolve_guarded, generation)

    # --- files ----------------------------------------------------------------------------
    def files_below(self, row: DIDRow) -> list[DIDRow]:
        """The files of a collection (listed once), or the file itself."""
        return self.lists.of(row)

    def groups(self) -> list[tuple[str, list[DIDRow]]]:
        """The selection's files grouped by the dataset that holds them (FileLists.groups)."""
        return self.lists.groups(self._rows_of(self.selected))

    def local_paths_of(self, did: str) -> tuple[list[str], int]:
        """Local paths of a DID's files (located now if need be), and how many have none."""
        files = self.files_below(self.row_of(did_of(did)))
        self.paths.locate(files)
        paths = [p for p in (self.paths.get(f.did) for f in files) if p]
        return paths, len(files) - len(paths)

    def row_of(self, did: str) -> DIDRow:
        """The row of ``did``: known already, or looked up (one call)."""
        known = self.index.get(did)
        if known is not None:
            return known
        parsed = didlib.parse_did(did)
        row = self.service.get_did(parsed.scope, parsed.name)
        self.index.add([row])
        return row

    def _rows_of(self, selected: Sequence[str]) -> list[DIDRow]:
        """Rows of the selected DIDs: from the index, the unknown ones in one bulk call."""
        unknown = [didlib.parse_did(d) for d in selected if self.index.get(d) is None]
        if unknown:
            meta = self.service.metadata_bulk([(d.scope, d.name) for d in unknown])
            missing = [str(d) for d in unknown if str(d) not in meta]
            if missing:
                raise NotAvailableError(
                    f"{', '.join(missing[:3])} {'does' if len(missing) == 1 else 'do'} not exist "
                    "in Rucio.",
                    "Deselect it, or check the scope and name.",
                    missing=dict.fromkeys(missing, "NOT_FOUND"),
                )
            self.index.add(DIDRow.from_rucio(data) for data in meta.values())
        rows = [self.index.get(d) for d in selected]
        return [row for row in rows if row is not None]

    # --- resolving ------------------------------------------------------------------------
    def _stale(self, generation: int) -> bool:
        return generation != self._generation or self.workers.closed

    def _resolve_guarded(self, generation: int) -> None:
        token = self.store.begin("Resolving paths…")
        self.error = None
        try:
            self._resolve(generation)
        except Exception as exc:
            if not isinstance(exc, RucioWidgetsError):
                log.exception("resolving paths failed")
            self.error = translate(exc)  # wait() and wait_paths() raise it
            self.store.report(self.error)
        finally:
            self.store.end(token)
            with self._lock:
                if generation == self._generation:
                    self._resolved.set()
            self.changed()

    def _warm(self, row: DIDRow) -> bool:
        """Answer ``row`` from the path cache when it validates (see pathcache)."""
        if self.cache is None or row.type == "FILE" or self.lists.known(row.did) is not None:
            return False
        entry = self.cache.load(row)
        if entry is None:
            return False
        self.lists.keep(row, entry.files)
        self.paths.seed(dict(entry.paths))
        self.warm_answers += 1
        return True

    def _refresh_warm(self, rows: Sequence[DIDRow], generation: int) -> None:
        """The full look behind a warm answer: list and locate again, bypassing what is
        remembered; when anything differs, resolve again with what is true now."""
        changed = False
        for row in rows:
            if self._stale(generation):
                return
            files = self.service.file_rows(row.scope, row.name)
            located = self.mode.locate(files)
            if [f.did for f in files] != [f.did for f in self.lists.known(row.did) or []]:
                changed = True
            self.lists.keep(row, files)
            changed = self.paths.replace(located) or changed
            if self.cache is not None:
                if all(located.get(f.did) for f in files):
                    self.cache.save(row, files, located)
                else:
                    self.cache.forget(row.did)
        if changed and not self._stale(generation):
            self.refresh()

    def _remember(self, rows: Sequence[DIDRow]) -> None:
        if self.cache is None:
            return
        for row in rows:
            files = self.lists.known(row.did)
            if row.type != "FILE" and files:
                self.cache.save(row, files, {f.did: self.paths.get(f.did) for f in files})

    def files(
        self, stop: Callable[[], bool] = lambda: False, rows: Sequence[DIDRow] | None = None
    ) -> list[DIDRow]:
        """The selection's files, in selection order, each once (Rucio calls: on a worker).
        ``stop`` is asked after each selected DID; when it says so, the list ends there."""
        files: dict[str, DIDRow] = {}
        for row in rows if rows is not None else self._rows_of(self.selected):
            for file in self.files_below(row):
                files.setdefault(file.did, file)
            if stop():
                break
        return list(files.values())

    def _resolve(self, generation: int) -> None:
        """List the selection's files and locate them batch by batch as the listings stream
        in: the first FIRST_BATCH files alone (their paths show within a fraction of a
        second, even for a 100,000-file container), then REPLICA_CHUNK at a time, one replica
        call each. Files located before (an earlier resolution, another selected DID, the
        path cache) are counted at once, published before the next replica call is waited
        on, and make the small batch needless: every call is then a full one. ``paths`` is
        published after each batch whose located count doubled, and at least every
        PUBLISH_EVERY seconds, from running tallies (each publication costs a copy, not a
        pass over every file); the last one is in listing order."""
        rows = self._rows_of(self.selected)
        warm = [row for row in rows if self._warm(row)]
        ordered: dict[str, DIDRow] = {}
        batch: list[DIDRow] = []
        tally = _Tally(self.paths)
        calls = 0

        def locate() -> None:
            nonlocal calls
            if tally.known_unshown:  # what is known shows before a replica call is waited on
                self.store.publish(**tally.publication(len(ordered)))
            self.paths.locate(batch)
            calls += 1
            self._send_statuses(batch)
            tally.add(batch)
            batch.clear()
            if tally.due:
                self.store.publish(**tally.publication(len(ordered)))

        listed = self.lists.streamed(rows)
        try:
            for file in listed:
                if file.did in ordered:
                    continue
                ordered[file.did] = file
                if self.paths.known(file.did):
                    tally.add_known(file)
                    continue
                batch.append(file)
                # The small batch is for the first paths to show at once: once some show
                # (located before, by an earlier resolution), every call is a full one.
                if len(batch) >= (REPLICA_CHUNK if calls or tally.located else FIRST_BATCH):
                    if self._stale(generation):
                        return
                    locate()
        finally:
            listed.close()  # an interrupted listing stops reading
        if self._stale(generation):
            return
        if batch:
            locate()
        if self._stale(generation):
            return
        files = list(ordered.values())
        self._send_statuses([f for f in files if self.statuses.get(f.did) is None])
        self._publish(files, pending=False)
        if warm:
            self.workers.background(self._refresh_warm, warm, generation)
        cold = [row for row in rows if row not in warm]
        if cold and self.cache is not None:
            self.workers.background(self._remember, cold)

    def _send_statuses(self, files: Sequence[DIDRow]) -> None:
        """File badges of these located files (sent with the next page or delta)."""
        self.statuses.update(
            {f.did: file_status(self.paths.get(f.did) is not None) for f in files}, send=False
        )

    def _publish(self, files: Sequence[DIDRow], *, pending: bool) -> None:
        resolved = [f for f in files if self.paths.known(f.did)]
        paths = [p for p in (self.paths.get(f.did) for f in files) if p]
        self.store.publish(
            paths=paths,
            unavailable=[f.did for f in resolved if not self.paths.get(f.did)],
            paths_state={
                "files": len(files),
                "available": len(paths),
                "pending": len(files) - len(resolved) if pending else 0,
            },
        )

    # --- waiting --------------------------------------------------------------------------
    def changed(self) -> None:
        """A request changed or a resolution ended: wake wait() to look again."""
        with self._changes:
            self._change_count += 1
            self._changes.notify_all()

    def _wait_change(self, seen: int, timeout: float) -> None:
        with self._changes:
            if self._change_count == seen:
                self._changes.wait(timeout)

    def mark_unresolved(self) -> None:
        """Paths are about to change: waiters wait for the resolution that follows (one in
        flight now is stale: it may have looked before the change)."""
        with self._lock:
            self._generation += 1
            self._resolved.clear()

    def wait_resolved(self, timeout: float | None = None) -> bool:
        """Wait until the selection's paths are resolved (available or not)."""
        return self._resolved.wait(timeout)

    def wait_paths(self, timeout: float | None = None) -> list[str]:
        """Wait until the paths are resolved; raise NotAvailableError for files without."""
        if not self._resolved.wait(timeout):
            raise CancelledError(
                f"Paths are still being resolved after {timeout} s.",
                "Wait longer, or select fewer files.",
            )
        if self.error is not None:
            raise self.error
        unavailable = list(self.store.state.unavailable)
        if unavailable:
            raise NotAvailableError(
                f"{len(unavailable)} selected file(s) are not available {self.mode.where()}: "
                f"{', '.join(unavailable[:3])}{' ...' if len(unavailable) > 3 else ''}.",
                "Make them available first (browser.make_available()).",
                missing=dict.fromkeys(unavailable, "NOT_AVAILABLE"),
            )
        return list(self.store.state.paths)

    def in_flight(self) -> list[Request]:
        """Requests in flight for the selection or for files in it."""
        selected = set(self.selected)
        files = {f for did in selected for f in self.lists.dids_of(did)}
        return [
            r for r in self.requests.all() if r.in_flight and (r.did in selected or r.did in files)
        ]

    def wait(
        self, timeout: float | None = None, poll: float = 0.2, *, transfers: bool = True
    ) -> list[str]:
        """Wait until every selected file is available; return the paths.

        Raises NotAvailableError naming what is missing and its state (STUCK with the
        rule's error, FAILED with the reason, NOT_AVAILABLE when nothing was requested),
        or when ``timeout`` passes first. It wakes on each change of a request and at the
        end of each resolution (``poll`` only bounds a wait between two looks).
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._changes:
                seen = self._change_count
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not self._resolved.wait(remaining):
                break
            if (not transfers or not self.in_flight()) and self._resolved.is_set():
                break  # (a change may have started another resolution: wait for that one)
            if deadline is not None and time.monotonic() >= deadline:
                break
            self._wait_change(seen, poll)
        pending = self.in_flight()
        if self.requests.server_error is not None and pending:
            raise self.requests.server_error
        if self.error is not None:
            raise self.error
        unavailable = list(self.store.state.unavailable)
        if not unavailable and not pending and self._resolved.is_set():
            return list(self.store.state.paths)
        selected = set(self.selected)
        problems = [
            r for r in self.requests.all() if r.state in (STUCK, FAILED) and r.did in selected
        ]
        missing: dict[str, str] = dict.fromkeys(unavailable, "NOT_AVAILABLE")
        for request in [*pending, *problems]:
            missing[request.did] = request.state + (
                f" ({request.message})" if request.message else ""
            )
        first = next(iter(missing.items()), ("", "still resolving"))
        raise NotAvailableError(
            f"{len(missing)} selected item(s) are not available yet; e.g. {first[0]}: {first[1]}.",
            "Wait longer (timeout=), retry stuck rules, or check the rule in Rucio."
            if pending or problems
            else "Make them available first (make_available()).",
            missing=missing,
        )
