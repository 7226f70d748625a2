"""Searches and listings: the current search's results, expanded collections, and pages.

A new search cancels the one in flight (its stream is closed). Pages are answered from
what the listing holds, reading one page ahead so the next scroll is served from memory.
Rows that a page shows for the first time get their badges on the badge workers.

A sort orders a *snapshot* of the loaded results (``SortedResults``): pages of the results
then come from it, and it never makes the listing read further. Load more adds the rows it
read to the snapshot (sorted again); a new search ends the sort.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .. import dids as didlib
from .. import filters as filterlib
from ..errors import CancelledError, InvalidQueryError, translate
from ..protocol import (
    DID_TYPES,
    MAX_PAGE_ROWS,
    PAGE_SIZE,
    RESULTS_SOURCE,
    SORT_KEYS,
    PageAnswer,
    ResultsState,
    Row,
    SortKey,
    SortState,
)
from ..service import DIDRow, Service, Stream
from .listings import PagedListing, RowIndex, sorted_rows
from .state import Store, Workers
from .statuses import Statuses

#: How long a page waits for its rows before it answers with what there is.
PAGE_WAIT = 120.0


def check_search(query: str, did_type: str, filters: str) -> list[list[filterlib.Condition]]:
    """The parsed filter of a search; raises InvalidQueryError for what the server would
    refuse (scopes of a bare name are resolved later, on the reader thread)."""
    try:
        if did_type not in DID_TYPES:
            raise InvalidQueryError(f"DID type `{did_type}` is not one of {', '.join(DID_TYPES)}.")
        groups = filterlib.parse_filters(filters)
        filterlib.to_rucio_filters(groups, did_type)  # refuses what the server would refuse
        if not query:
            raise InvalidQueryError("The search is empty.", "Type `scope:name*` and press Enter.")
        if ":" in query:
            didlib.parse_query(query, [])
    except (didlib.InvalidDIDError, filterlib.FilterSyntaxError) as exc:
        raise translate(exc) from None
    return groups


@dataclass
class SortedResults:
    """A sorted snapshot of the rows a listing had loaded."""

    by: SortKey
    descending: bool
    listing: PagedListing
    rows: list[DIDRow]
    #: Load more asked for this many rows: sort again once they are in (or the listing ended).
    target: int | None = None

    @classmethod
    def of(cls, listing: PagedListing, by: SortKey, descending: bool) -> SortedResults:
        rows = sorted_rows(list(listing.rows), by, descending)
        # A sort taken while a page is on its way (a click before the first rows arrive)
        # takes that page in too, instead of freezing an empty or partial snapshot.
        waiting = not listing.done and listing.target > len(rows)
        return cls(by, descending, listing, rows, listing.target if waiting else None)

    def again(self) -> SortedResults:
        """The same sort over everything the listing has loaded now."""
        return SortedResults.of(self.listing, self.by, self.descending)

    @property
    def due(self) -> bool:
        """Load more's rows are in: time to sort again."""
        listing = self.listing
        return self.target is not None and (len(listing.rows) >= self.target or listing.done)

    @property
    def complete(self) -> bool:
        """The snapshot holds every row of the listing."""
        return self.listing.done and len(self.rows) >= len(self.listing.rows)

    def state(self) -> SortState:
        listing = self.listing
        more = len(listing.rows) - len(self.rows) if listing.done else None
        return {"by": self.by, "descending": self.descending, "rows": len(self.rows), "more": more}


class Search:
    def __init__(
        self,
        service: Service,
        store: Store,
        index: RowIndex,
        workers: Workers,
        statuses: Statuses,
    ) -> None:
        self.service = service
        self.store = store
        self.index = index
        self.workers = workers
        self.statuses = statuses
        self._lock = threading.RLock()
        self.generation = 0
        self.results: PagedListing | None = None
        self._children: dict[str, PagedListing] = {}
        self._busy = 0
        self._groups: list[list[filterlib.Condition]] = []
        self._sorted: SortedResults | None = None
        #: The signed-in account's scopes, searched for a name without a scope.
        self.account_scopes: list[str] | None = None

    def default_scopes(self) -> list[str]:
        if self.account_scopes is None:
            who = self.service.whoami()
            self.account_scopes = self.service.account_scopes(str(who["account"]))
        return self.account_scopes

    def scopes_for_bare(self, name: str) -> list[str]:
        """Scopes a name without ``scope:`` searches: the scope it starts with (the longest
        followed by ``.`` or ``_``, among the server's scopes), then the user's own."""
        known = self.store.state.scopes or self.service.list_scopes()
        named = didlib.scope_named_in(name, known)
        return list(dict.fromkeys([*([named] if named else []), *self.default_scopes()]))

    # --- search ---------------------------------------------------------------------------
    def start(self, query: str, did_type: str = "all", filters: str = "") -> PagedListing:
        """Start a search, cancelling the one in flight; returns its listing."""
        query = query.strip()
        groups = check_search(query, did_type, filters)

        def plan() -> list[Callable[[], Stream]]:
            scopes = [] if ":" in query else self.scopes_for_bare(query)
            return [
                self._opener(
                    scope, filterlib.to_rucio_filters(groups, did_type, name=pattern), did_type
                )
                for scope, pattern in didlib.parse_query(query, scopes)
            ]

        with self._lock:
            if self.results is not None:
                self.results.cancel()
                self.store.end(self._busy)
            self.generation += 1
            listing = PagedListing(
                plan,
                label=f"searching {query}",
                on_rows=self.index.add,
                on_progress=self._on_progress,
                on_batch=lambda rows: self._annotate(rows, listing),
            )
            self.results = listing
            self._sorted = None
            self._groups = groups
            self._busy = self.store.begin("Searching…")
        self.store.publish(
            query=query,
            did_type=did_type,
            filters=filters,
            error={},
            results_state={"generation": self.generation, "loaded": 0, "complete": False},
        )
        listing.ensure(PAGE_SIZE)
        return listing

    def _opener(
        self, scope: str, rucio_filters: list[dict[str, object]], did_type: str
    ) -> Callable[[], Stream]:
        return lambda: self.service.search(scope, rucio_filters, did_type)

    def _annotate(self, rows: Sequence[DIDRow], listing: PagedListing) -> None:
        """Every row a listing reads gets its badge, in bulk, with or without a view."""
        self.workers.background(
            self.statuses.annotate, list(rows), lambda: listing.cancelled, pool=self.workers.badges
        )

    def _on_progress(self, listing: PagedListing) -> None:
        with self._lock:
            if listing is not self.results:
                return  # a replaced search
            if self._sorted is not None and self._sorted.due:
                self._sorted = self._sorted.again()
        if listing.error is not None:
            self.store.report(listing.error)
        if len(listing.rows) >= PAGE_SIZE or listing.done:
            self.store.end(self._busy)
        self._publish(listing)

    def _publish(self, listing: PagedListing) -> None:
        with self._lock:
            if listing is not self.results:
                return
            generation = self.generation
            snapshot = self._sorted
        state: ResultsState = {
            "generation": generation,
            "loaded": len(listing.rows),
            "complete": listing.complete or listing.error is not None,
        }
        if snapshot is not None:
            # The view pages through the snapshot: it is what is loaded, as far as it knows.
            state["loaded"] = len(snapshot.rows)
            state["complete"] = snapshot.complete
            state["sort"] = snapshot.state()
        if listing.complete and not listing.rows and listing.error is None:
            hint = filterlib.no_match_hint(self._groups)
            if hint:
                state["hint"] = hint
        self.store.publish(results_state=state)

    # --- sorting --------------------------------------------------------------------------
    def sort(self, by: str | None, descending: bool = False) -> SortState | None:
        """Sort the loaded results (a snapshot: nothing more is read for it), or go back to
        the listing's order with ``by=None``; returns the sort now in force."""
        if by is not None and by not in SORT_KEYS:
            raise InvalidQueryError(
                f"Results cannot be sorted by `{str(by)[:40]}`.",
                "Sort by `name`, `bytes` (the size) or `length` (the number of files).",
            )
        with self._lock:
            listing = self.results
            if listing is None:
                raise InvalidQueryError("Nothing to sort: search first.")
            self._sorted = None if by is None else SortedResults.of(listing, by, descending)
            snapshot = self._sorted
        self._publish(listing)
        return snapshot.state() if snapshot is not None else None

    @property
    def sort_state(self) -> SortState | None:
        snapshot = self._sorted
        return snapshot.state() if snapshot is not None else None

    def wait(self, listing: PagedListing, count: int, timeout: float | None) -> None:
        """Wait for ``count`` rows (or the end); raise the listing's error."""
        listing.wait_for(min(count, 1), timeout)
        listing.wait_for(count, timeout)
        if listing.error is not None:
            raise listing.error

    def load_more(
        self, count: int = PAGE_SIZE, *, wait: bool = True, timeout: float | None = 120
    ) -> None:
        listing = self.results
        if listing is None:
            raise InvalidQueryError("Nothing to load: search first.")
        want = len(listing.rows) + count
        with self._lock:
            snapshot = self._sorted
            if snapshot is not None and snapshot.listing is listing:
                snapshot.target = want  # the rows read go into the sort
        if wait:
            self.wait(listing, want, timeout)
        else:
            listing.ensure(want)
        if snapshot is not None and (wait or listing.done):
            self._on_progress(listing)  # sorted again now, not at the next progress report

    def cancel(self) -> None:
        listing = self.results
        if listing is not None and not listing.done:
            listing.cancel()
            self.store.end(self._busy)
            self.store.publish(results_state={**self.store.state.results_state, "complete": True})

    @property
    def rows(self) -> list[DIDRow]:
        """The loaded results in the order the view shows them (sorted, when they are)."""
        snapshot = self._sorted
        if snapshot is not None:
            return list(snapshot.rows)
        listing = self.results
        return list(listing.rows) if listing is not None else []

    def listings(self) -> list[PagedListing]:
        with self._lock:
            listings = list(self._children.values())
            if self.results is not None:
                listings.append(self.results)
        return listings

    # --- pages ----------------------------------------------------------------------------
    def listing_for(self, source: str) -> PagedListing | None:
        """The results, or the content of the collection ``source`` (made on first use)."""
        if source == RESULTS_SOURCE:
            return self.results
        with self._lock:
            listing = self._children.get(source)
            if listing is None:
                did = didlib.parse_did(source)
                made = PagedListing(
                    lambda: [lambda: self.service.content(did.scope, did.name)],
                    label=f"listing {source}",
                    on_rows=lambda rows: self.index.add(rows, parent=source),
                    on_batch=lambda rows: self._annotate(rows, made),
                )
                self._children[source] = listing = made
        return listing

    def page(
        self, source: str, offset: int, limit: int, stop: threading.Event | None = None
    ) -> PageAnswer:
        """Rows ``offset`` to ``offset + limit`` of ``source`` (blocking: run it on a worker).
        Raises the listing's error; CancelledError when ``stop`` is set first."""
        offset, limit = max(0, offset), max(1, min(limit, MAX_PAGE_ROWS))
        try:
            listing = self.listing_for(source)
        except didlib.InvalidDIDError as exc:
            raise translate(exc) from None
        if listing is None:
            return {"source": source, "offset": offset, "rows": [], "total": 0, "complete": True}
        snapshot = self._sorted if source == RESULTS_SOURCE else None
        if snapshot is not None and snapshot.listing is listing:
            # Offsets refer to the sorted snapshot; beyond it, nothing is read.
            complete = snapshot.complete
            return {
                "source": source,
                "offset": offset,
                "rows": [self.row(r) for r in snapshot.rows[offset : offset + limit]],
                "complete": complete,
                "total": len(snapshot.rows) if complete else None,
            }
        listing.wait_for(offset + limit, timeout=PAGE_WAIT, stop=stop)
        if stop is not None and stop.is_set():
            raise CancelledError("The page request was cancelled.", "")
        listing.ensure(offset + limit + PAGE_SIZE)  # read one page ahead
        rows = listing.rows[offset : offset + limit]
        if listing.error is not None and offset + limit > len(listing.rows):
            raise listing.error  # the page stops short because the listing failed
        answer: PageAnswer = {
            "source": source,
            "offset": offset,
            "rows": [self.row(r) for r in rows],
            "complete": listing.complete,
            "total": len(listing.rows) if listing.complete else None,
        }
        return answer  # badges follow as status deltas, worked out as rows were read

    def row(self, row: DIDRow) -> Row:
        return {
            "did": row.did,
            "type": row.kind,
            "bytes": row.bytes,
            "length": row.length,
            "status": self.statuses.get(row.did),
        }

    def close(self) -> None:
        for listing in self.listings():
            listing.cancel()
