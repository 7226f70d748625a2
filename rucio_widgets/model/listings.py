"""Paged listings read on demand, and the one index of every row the browser has seen.

A ``PagedListing`` reads one or more streams (a search over several scopes, or one
collection's content) on a thread of its own, stops once it holds what was asked for, and
waits until more is asked (``ensure``). ``cancel`` closes the stream at once.

``RowIndex`` maps each DID to its row and to the expanded collections that list it, fed as
rows arrive, so "which kind is this DID", "which row is it" and "which collections on
screen hold it" are dictionary look-ups, never scans over listings.

``sorted_rows`` orders a snapshot of loaded rows by name, size or files.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence

from ..errors import RucioWidgetsError, translate
from ..protocol import PAGE_SIZE, SortKey
from ..service import DIDRow, Stream

#: How often, at most, a growing listing reports its progress.
PROGRESS_INTERVAL = 0.25
#: Rows handed on together to be worked out in bulk (badges: at most 3 calls a batch).
BATCH = PAGE_SIZE


def sorted_rows(rows: Iterable[DIDRow], by: SortKey, descending: bool = False) -> list[DIDRow]:
    """``rows`` ordered by ``by``: the name (then the scope), ``bytes`` or ``length``. Rows
    whose size or count is unknown go last in either direction; ties keep name order."""
    by_name = sorted(rows, key=lambda row: (row.name, row.scope))
    if by == "name":
        return by_name[::-1] if descending else by_name
    known = [row for row in by_name if getattr(row, by) is not None]
    unknown = [row for row in by_name if getattr(row, by) is None]
    # sorted() is stable: equal sizes stay in name order, in both directions.
    return sorted(known, key=lambda row: int(getattr(row, by)), reverse=descending) + unknown


class RowIndex:
    """DID -> row, and DID -> the collections whose (expanded) listing holds it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: dict[str, DIDRow] = {}
        self._parents: dict[str, set[str]] = {}

    def add(self, rows: Iterable[DIDRow], parent: str | None = None) -> None:
        with self._lock:
            for row in rows:
                self._rows[row.did] = row
                if parent is not None:
                    self._parents.setdefault(row.did, set()).add(parent)

    def get(self, did: str) -> DIDRow | None:
        return self._rows.get(did)

    def kind(self, did: str) -> str | None:
        row = self._rows.get(did)
        return row.type if row is not None else None

    def parents_of(self, dids: Iterable[str]) -> set[str]:
        """The collections (DIDs) whose listing holds one of ``dids``."""
        with self._lock:
            return {p for did in dids for p in self._parents.get(did, ())}


class PagedListing:
    """Rows of one or more streams, read on demand by a thread of their own."""

    def __init__(
        self,
        plan: Callable[[], Sequence[Callable[[], Stream]]],
        label: str,
        *,
        on_rows: Callable[[Sequence[DIDRow]], None] = lambda rows: None,
        on_batch: Callable[[Sequence[DIDRow]], None] = lambda rows: None,
        on_progress: Callable[[PagedListing], None] = lambda listing: None,
    ) -> None:
        """``plan`` runs on the reader thread and returns the stream openers to read in turn
        (it may call Rucio, e.g. to find the account's scopes). ``on_rows`` hears of every
        row as it arrives; ``on_batch`` of rows in batches of at most BATCH (and of what is
        read before the reader waits or ends), to work things out in bulk; ``on_progress`` at
        most every PROGRESS_INTERVAL, and at the end."""
        self.rows: list[DIDRow] = []
        self.complete = False
        self.error: RucioWidgetsError | None = None
        self.label = label
        self._plan = plan
        self._on_rows = on_rows
        self._on_batch = on_batch
        self._batch: list[DIDRow] = []
        self._on_progress = on_progress
        self._target = 0
        self._cond = threading.Condition()
        self.cancelled = False
        self._stream: Stream | None = None
        self._thread: threading.Thread | None = None

    @property
    def stream_closed(self) -> bool:
        """Whether the stream being read (if any) is closed: nothing is left reading."""
        stream = self._stream
        return stream is None or stream.closed

    @property
    def done(self) -> bool:
        return self.complete or self.error is not None or self.cancelled

    @property
    def target(self) -> int:
        """How many rows the reader was asked to hold."""
        return self._target

    def ensure(self, count: int) -> None:
        """Ask the reader to hold at least ``count`` rows (starting it if needed)."""
        with self._cond:
            if count > self._target:
                self._target = count
                self._cond.notify_all()
            if self._thread is None and not self.done:
                self._thread = threading.Thread(
                    target=self._read, name=f"rucio-widgets {self.label}", daemon=True
                )
                self._thread.start()

    def wait_for(
        self, count: int, timeout: float | None = None, stop: threading.Event | None = None
    ) -> bool:
        """Wait until ``count`` rows are in or the listing ended; False on timeout or when
        ``stop`` is set (checked every 0.1 s)."""
        self.ensure(count)
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while len(self.rows) < count and not self.done:
                if stop is not None and stop.is_set():
                    return False
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                wait = 0.1 if stop is not None else remaining
                if remaining is not None and wait is not None:
                    wait = min(wait, remaining)
                self._cond.wait(wait)
        return True

    def cancel(self) -> None:
        with self._cond:
            self.cancelled = True
            stream = self._stream
            self._cond.notify_all()
        if stream is not None:
            stream.close()

    def _read(self) -> None:
        try:
            self._read_streams()
            with self._cond:
                self.complete = not self.cancelled
                self._cond.notify_all()
        except Exception as exc:  # every failure becomes the listing's typed error
            with self._cond:
                self.error = translate(exc, doing=self.label)
                self._cond.notify_all()
        finally:
            if self._stream is not None:
                self._stream.close()
        if not self.cancelled:
            self._flush()
            self._on_progress(self)

    def _flush(self) -> None:
        batch, self._batch = self._batch, []
        if batch:
            self._on_batch(batch)

    def _read_streams(self) -> None:
        last_progress = 0.0
        for make_stream in self._plan():
            with self._cond:
                if self.cancelled:
                    return
                stream = self._stream = make_stream()
            for item in stream:
                row = DIDRow.from_rucio(item)
                self._on_rows((row,))
                self._batch.append(row)
                with self._cond:
                    self.rows.append(row)
                    self._cond.notify_all()
                    reached = len(self.rows) >= self._target
                if reached or len(self._batch) >= BATCH:
                    self._flush()
                now = time.monotonic()
                if reached or now - last_progress > PROGRESS_INTERVAL:
                    last_progress = now
                    self._on_progress(self)
                with self._cond:
                    while len(self.rows) >= self._target and not self.cancelled:
                        self._cond.wait()
                    if self.cancelled:
                        return
