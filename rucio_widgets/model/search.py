"""Searches and listings: the current search's results, expanded collections, and pages.

A new search cancels the one in flight (its stream is closed). Pages are answered from
what the listing holds, reading one page ahead so the next scroll is served from memory.
Rows that a page shows for the first time get their badges on the badge workers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from .. import dids as didlib
from .. import filters as filterlib
from ..errors import CancelledError, InvalidQueryError, translate
from ..protocol import (
    DID_TYPES,
    MAX_PAGE_ROWS,
    PAGE_SIZE,
    RESULTS_SOURCE,
    PageAnswer,
    ResultsState,
    Row,
)
from ..service import DIDRow, Service, Stream
from .listings import PagedListing, RowIndex
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
            generation = self.generation
        if listing.error is not None:
            self.store.report(listing.error)
        if len(listing.rows) >= PAGE_SIZE or listing.done:
            self.store.end(self._busy)
        state: ResultsState = {
            "generation": generation,
            "loaded": len(listing.rows),
            "complete": listing.complete or listing.error is not None,
        }
        if listing.complete and not listing.rows and listing.error is None:
            hint = filterlib.no_match_hint(self._groups)
            if hint:
                state["hint"] = hint
        self.store.publish(results_state=state)

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
        if wait:
            self.wait(listing, want, timeout)
        else:
            listing.ensure(want)

    def cancel(self) -> None:
        listing = self.results
        if listing is not None and not listing.done:
            listing.cancel()
            self.store.end(self._busy)
            self.store.publish(results_state={**self.store.state.results_state, "complete": True})

    @property
    def rows(self) -> list[DIDRow]:
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
