"""The browser's state and logic, with no widget in sight.

``BrowserModel`` owns the query, the paged listings (search results and expanded
collections), the selection, and the paths derived from it. Rucio calls run on worker
threads; the model *publishes* state changes through a callback (the widget turns them
into traitlets) and answers page and details requests through reply callbacks (the widget
turns them into comm messages). Nothing here blocks the caller except the Python API's
explicit waits (``search(wait=True)``, ``wait_paths``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from . import dids as didlib
from .availability import (
    collection_status,
    download_path,
    file_status,
    pfn_to_local_path,
    webui_did_url,
    webui_rule_url,
)
from .config import Settings
from .errors import (
    CancelledError,
    ConfigurationError,
    InvalidQueryError,
    NotAvailableError,
    NotSignedInError,
    RucioWidgetsError,
    translate,
)
from .protocol import AVAILABLE, MAX_PAGE_ROWS, RESULTS_SOURCE, Row, RowStatus
from .service import DIDRow, JsonLineStream, RucioService
from .transfers import Fetcher, Request

log = logging.getLogger(__name__)

Publish = Callable[[dict[str, Any]], None]
Send = Callable[[dict[str, Any]], None]

#: Rows read ahead of what the view asked for, so scrolling rarely waits.
PAGE_SIZE = 100
#: Paths are first published after this many located files, then each time the count
#: doubles: the first paths show at once, and a 5,000-file selection costs 7 updates of
#: the (validated, observed) ``paths`` list instead of 100.
PATHS_FIRST_PUBLISH = 50
#: How often, at most, a growing listing publishes its count.
PROGRESS_INTERVAL = 0.25


@dataclass(frozen=True)
class Result:
    """One loaded row, as ``browser.results`` shows it."""

    did: str
    type: str
    bytes: int | None
    files: int | None
    status: str | None

    def __repr__(self) -> str:
        return f"Result({self.did!r}, {self.type}, status={self.status})"


class PagedListing:
    """Rows of one or more streams, read on demand by a thread of their own.

    The reader stops reading once it holds ``target`` rows and waits until someone asks
    for more (``ensure``); ``cancel`` closes the stream, so a replaced search stops at once.
    """

    def __init__(
        self,
        plan: Callable[[], Sequence[Callable[[], JsonLineStream]]],
        on_progress: Callable[[PagedListing], None],
        label: str,
    ) -> None:
        """``plan`` runs on the reader thread and returns the stream openers to read in turn
        (it may call Rucio, e.g. to find the account's scopes)."""
        self.rows: list[DIDRow] = []
        self.complete = False
        self.error: RucioWidgetsError | None = None
        self.label = label
        self._plan = plan
        self._on_progress = on_progress
        self._target = 0
        self._cond = threading.Condition()
        self._cancelled = False
        self._stream: JsonLineStream | None = None
        self._thread: threading.Thread | None = None

    @property
    def done(self) -> bool:
        return self.complete or self.error is not None or self._cancelled

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

    def wait_for(self, count: int, timeout: float | None = None) -> bool:
        """Wait until ``count`` rows are in or the listing ended; False on timeout."""
        self.ensure(count)
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while len(self.rows) < count and not self.done:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._cond.wait(remaining)
        return True

    def cancel(self) -> None:
        with self._cond:
            self._cancelled = True
            stream = self._stream
            self._cond.notify_all()
        if stream is not None:
            stream.close()

    def _read(self) -> None:
        last_progress = 0.0
        try:
            for make_stream in self._plan():
                with self._cond:
                    if self._cancelled:
                        return
                    stream = self._stream = make_stream()
                for item in stream:
                    row = DIDRow.from_rucio(item)
                    with self._cond:
                        self.rows.append(row)
                        self._cond.notify_all()
                        reached = len(self.rows) >= self._target
                    now = time.monotonic()
                    if reached or now - last_progress > PROGRESS_INTERVAL:
                        last_progress = now
                        self._on_progress(self)
                    with self._cond:
                        while len(self.rows) >= self._target and not self._cancelled:
                            self._cond.wait()
                        if self._cancelled:
                            return
            with self._cond:
                self.complete = True
                self._cond.notify_all()
        except RucioWidgetsError as exc:
            with self._cond:
                self.error = exc
                self._cond.notify_all()
        except (didlib.InvalidDIDError, didlib.FilterSyntaxError) as exc:
            with self._cond:
                self.error = InvalidQueryError(str(exc), "")
                self._cond.notify_all()
        except Exception as exc:
            with self._cond:
                self.error = translate(exc, doing=self.label)
                self._cond.notify_all()
        finally:
            if self._stream is not None:
                self._stream.close()
        if not self._cancelled:
            self._on_progress(self)


class BrowserModel:
    def __init__(
        self,
        service: RucioService,
        settings: Settings,
        *,
        publish: Publish | None = None,
        send: Send | None = None,
    ) -> None:
        self.service = service
        self.settings = settings
        self._publish_cb = publish or (lambda changes: None)
        self._send_cb = send or (lambda message: None)
        self._lock = threading.RLock()
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="rucio-widgets")
        # Badges take one call per incomplete collection on screen: they get workers of
        # their own, so page replies never queue behind them.
        self._badges = ThreadPoolExecutor(max_workers=2, thread_name_prefix="rucio-widgets-badges")
        self._resolver = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rucio-widgets-paths")

        self.state: dict[str, Any] = {
            "query": "",
            "did_type": "all",
            "filters": "",
            "selected": [],
            "scopes": [],
            "info": {
                "server": settings.server_label,
                "account": settings.account or "",
                "mode": settings.mode,
                "destination": settings.destination_rse or "",
                "webui": settings.rucio_webui_url or "",
            },
            "busy": "",
            "error": {},
            "auth": {},
            "paths": [],
            "unavailable": [],
            "results_state": {"generation": 0, "loaded": 0, "complete": True},
            "paths_state": {"files": 0, "available": 0, "pending": 0},
        }
        self._generation = 0
        self._results: PagedListing | None = None
        self._children: dict[str, PagedListing] = {}
        self._row_status: dict[str, RowStatus] = {}
        self._account_scopes: list[str] | None = None
        self._destination_rses: set[str] | None = None
        # Selection -> files -> local paths, cached across selection changes.
        self._files_of: dict[str, list[DIDRow]] = {}
        self._local_path: dict[str, str | None] = {}
        self._file_rows: dict[str, DIDRow] = {}
        self._selection_generation = 0
        self._resolved = threading.Event()
        self._resolved.set()
        self._resolve_error: RucioWidgetsError | None = None
        self._busy: dict[int, str] = {}
        self._busy_counter = 0
        self._search_busy = 0
        self._closed = False
        self._account = settings.account or ""
        self.fetcher = Fetcher(
            service,
            settings,
            self._destinations,
            self._on_requests,
            before_change=self._before_request_change,
        )

    # --- publishing -----------------------------------------------------------------------
    def _publish(self, **changes: Any) -> None:
        with self._lock:
            changed = {k: v for k, v in changes.items() if self.state.get(k) != v}
            self.state.update(changed)
        if changed:
            self._publish_cb(changed)

    def _begin(self, label: str) -> int:
        with self._lock:
            self._busy_counter += 1
            token = self._busy_counter
            self._busy[token] = label
        self._publish(busy=label)
        return token

    def _end(self, token: int) -> None:
        with self._lock:
            self._busy.pop(token, None)
            label = next(reversed(self._busy.values()), "") if self._busy else ""
        self._publish(busy=label)

    def report(self, error: RucioWidgetsError) -> None:
        """Show an error in the panel (the Python API raises it too). Missing or refused
        credentials show as the sign-in form instead of a banner."""
        if isinstance(error, NotSignedInError):
            self._signed_out(error)
            return
        self._publish(error=error.to_panel())

    def _signed_out(self, error: NotSignedInError) -> None:
        hint = self.service.credentials_hint()
        message = f"{error.message} {error.hint}".strip()
        self._publish(
            auth={
                "state": "expired" if error.expired else "signed_out",
                "auth_type": error.auth_type,
                "account": hint["account"],
                "username": hint["username"],
                "expires_at": None,
                "message": message,
            }
        )

    def clear_error(self) -> None:
        self._publish(error={})

    def _submit(self, fn: Callable[..., Any], *args: Any, pool: Any = None) -> None:
        def run() -> None:
            try:
                fn(*args)
            except RucioWidgetsError as exc:
                self.report(exc)
            except Exception as exc:  # never let a worker die silently
                log.exception("rucio-widgets worker failed")
                self.report(translate(exc))

        if not self._closed:
            (pool or self._pool).submit(run)

    # --- start ----------------------------------------------------------------------------
    def start(self, *, wait: bool = False) -> None:
        """Sign in and fetch who we are, the scopes and unfinished rules (in the background
        unless ``wait``)."""
        if wait:
            self._start()
        else:
            self._submit(self._start)

    def _start(self) -> None:
        token = self._begin("Connecting…")
        try:
            try:
                who = self.service.whoami()
            except NotSignedInError as exc:
                self._signed_out(exc)
                return
            self._publish(auth=self.service.auth_state())
            self.service.http  # noqa: B018 - built now, so the first listing does not pay for it
            account = self._account = str(who.get("account", ""))
            info = dict(self.state["info"], account=account)
            self._publish(info=info)
            self._account_scopes = self.service.account_scopes(account)
            self._publish(scopes=self.service.list_scopes())
            self._pick_up_rules(account)
        finally:
            self._end(token)

    def _default_scopes(self) -> list[str]:
        if self._account_scopes is None:
            who = self.service.whoami()
            self._account_scopes = self.service.account_scopes(str(who["account"]))
        return self._account_scopes

    # --- search ---------------------------------------------------------------------------
    def search(
        self,
        query: str,
        did_type: str = "all",
        filters: str = "",
        *,
        wait: bool = True,
        timeout: float | None = 120,
    ) -> list[Result]:
        """Start a search (cancelling the one in flight); with ``wait``, return its first page.

        Syntax errors raise at once (and show in the panel); server errors raise when waiting.
        """
        try:
            query = query.strip()
            if did_type not in didlib.DID_TYPES:
                raise InvalidQueryError(
                    f"DID type `{did_type}` is not one of {', '.join(didlib.DID_TYPES)}."
                )
            groups = didlib.parse_filters(filters)
            didlib.to_rucio_filters(groups, did_type)  # refuses what the server would refuse
            if not query:
                raise InvalidQueryError(
                    "The search is empty.", "Type `scope:name*` and press Enter."
                )
            if ":" in query:
                didlib.parse_query(query, [])  # syntax check now; scopes resolved on the worker
        except (didlib.InvalidDIDError, didlib.FilterSyntaxError) as exc:
            error = InvalidQueryError(str(exc), "")
            self.report(error)
            raise error from None
        except InvalidQueryError as exc:
            self.report(exc)
            raise

        with self._lock:
            if self._results is not None:
                self._results.cancel()
                self._end(self._search_busy)
            self._generation += 1
            generation = self._generation

            def plan() -> list[Callable[[], JsonLineStream]]:
                scopes = [] if ":" in query else self._default_scopes()
                return [
                    self._search_source(
                        scope, didlib.to_rucio_filters(groups, did_type, name=pattern), did_type
                    )
                    for scope, pattern in didlib.parse_query(query, scopes)
                ]

            listing = PagedListing(plan, self._on_results_progress, label=f"searching {query}")
            self._results = listing
            self._search_busy = self._begin("Searching…")
        self._publish(
            query=query,
            did_type=did_type,
            filters=filters,
            error={},
            results_state={"generation": generation, "loaded": 0, "complete": False},
        )
        listing.ensure(PAGE_SIZE)
        if not wait:
            return []
        listing.wait_for(1, timeout)
        listing.wait_for(PAGE_SIZE, timeout)
        if listing.error is not None:
            raise listing.error
        return self.results

    def _search_source(
        self, scope: str, filters: list[dict[str, Any]], did_type: str
    ) -> Callable[[], JsonLineStream]:
        return lambda: self.service.search(scope, filters, did_type)

    def _on_results_progress(self, listing: PagedListing) -> None:
        with self._lock:
            if listing is not self._results:
                return  # a replaced search
            generation = self._generation
        if listing.error is not None:
            self.report(listing.error)
        if len(listing.rows) >= PAGE_SIZE or listing.done:
            self._end(self._search_busy)
        self._publish(
            results_state={
                "generation": generation,
                "loaded": len(listing.rows),
                "complete": listing.complete or listing.error is not None,
            }
        )

    def cancel(self) -> None:
        with self._lock:
            listing = self._results
        if listing is not None and not listing.done:
            listing.cancel()
            self._publish(results_state=dict(self.state["results_state"], complete=True))

    @property
    def results(self) -> list[Result]:
        listing = self._results
        rows = list(listing.rows) if listing is not None else []
        return [self._result(row) for row in rows]

    def _result(self, row: DIDRow) -> Result:
        status = self._row_status.get(row.did)
        return Result(
            row.did, row.type, row.bytes, row.length, status.get("status") if status else None
        )

    def load_more(
        self, count: int = PAGE_SIZE, *, wait: bool = True, timeout: float | None = 120
    ) -> list[Result]:
        listing = self._results
        if listing is None:
            raise InvalidQueryError("Nothing to load: search first.")
        want = len(listing.rows) + count
        if wait:
            listing.wait_for(want, timeout)
            if listing.error is not None:
                raise listing.error
        else:
            listing.ensure(want)
        return self.results

    # --- pages and details (answered through reply callbacks) -----------------------------
    def request_page(
        self, source: str, offset: int, limit: int, reply: Callable[[dict[str, Any]], None]
    ) -> None:
        self._submit(
            self._answer_page, source, max(0, offset), max(1, min(limit, MAX_PAGE_ROWS)), reply
        )

    def _listing_for(self, source: str) -> PagedListing | None:
        if source == RESULTS_SOURCE:
            return self._results
        with self._lock:
            listing = self._children.get(source)
            if listing is None:
                did = didlib.parse_did(source)
                listing = PagedListing(
                    lambda: [lambda: self.service.content(did.scope, did.name)],
                    lambda _listing: None,
                    label=f"listing {source}",
                )
                self._children[source] = listing
        return listing

    def _answer_page(
        self, source: str, offset: int, limit: int, reply: Callable[[dict[str, Any]], None]
    ) -> None:
        answer: dict[str, Any] = {
            "source": source,
            "offset": offset,
            "rows": [],
            "total": None,
            "complete": True,
        }
        try:
            listing = self._listing_for(source)
            if listing is None:
                reply(answer)
                return
            # Read one page ahead so the next scroll is served from memory.
            listing.wait_for(offset + limit, timeout=120)
            listing.ensure(offset + limit + PAGE_SIZE)
            rows = listing.rows[offset : offset + limit]
            answer.update(
                rows=[self._row(row) for row in rows],
                complete=listing.complete,
                total=len(listing.rows) if listing.complete else None,
            )
            if listing.error is not None:
                answer["error"] = listing.error.message
        except RucioWidgetsError as exc:
            answer["error"] = exc.message
            self.report(exc)
        except didlib.InvalidDIDError as exc:
            answer["error"] = str(exc)
        reply(answer)
        if answer["rows"] and listing is not None:
            fresh = [r for r in rows if r.did not in self._row_status]
            self._submit(self._annotate, fresh, listing, pool=self._badges)

    def _row(self, row: DIDRow) -> Row:
        return {
            "did": row.did,
            "type": row.type,
            "bytes": row.bytes,
            "length": row.length,
            "status": self._row_status.get(row.did),
        }

    def request_details(self, did: str, reply: Callable[[dict[str, Any]], None]) -> None:
        self._submit(self._answer_details, did, reply)

    def details(self, did: str) -> dict[str, Any]:
        """Metadata, replicas (with local paths on the destination) and rules of a DID."""
        parsed = didlib.parse_did(did)
        data = self.service.details(parsed.scope, parsed.name)
        row: DIDRow = data["did"]
        replicas = []
        for replica in data["replicas"]:
            path = None
            if (
                replica.get("pfn")
                and self._is_destination(replica["rse"])
                and self.settings.rse_mount_path
            ):
                path = pfn_to_local_path(
                    replica["pfn"], self.settings.rse_mount_path, self.settings.path_begins_at
                )
            replicas.append(
                {
                    "rse": replica["rse"],
                    "state": replica.get("state", ""),
                    "path": path,
                    "available": replica.get("available"),
                    "total": replica.get("total"),
                }
            )
        rules = [
            {
                "id": r["id"],
                "rse_expression": r["rse_expression"],
                "state": r["state"],
                "account": r["account"],
                "locks_ok": r.get("locks_ok_cnt", 0),
                "locks_replicating": r.get("locks_replicating_cnt", 0),
                "locks_stuck": r.get("locks_stuck_cnt", 0),
                "expires_at": str(r["expires_at"]) if r.get("expires_at") else None,
                "error": r.get("error"),
                "url": webui_rule_url(self.settings.rucio_webui_url, str(r["id"])),
            }
            for r in data["rules"]
        ]
        metadata = {
            k: (v if isinstance(v, (int, float, bool, str)) or v is None else str(v))
            for k, v in data["metadata"].items()
        }
        return {
            "did": row.did,
            "did_url": webui_did_url(self.settings.rucio_webui_url, row.scope, row.name),
            "type": row.type,
            "metadata": metadata,
            "replicas": replicas,
            "rules": rules,
        }

    def _answer_details(self, did: str, reply: Callable[[dict[str, Any]], None]) -> None:
        try:
            reply(self.details(did))
        except RucioWidgetsError as exc:
            reply({"did": did, "error": exc.message})
        except didlib.InvalidDIDError as exc:
            reply({"did": did, "error": str(exc)})

    # --- availability badges --------------------------------------------------------------
    def _destinations(self) -> set[str]:
        if self._destination_rses is None:
            expression = self.settings.destination_rse
            self._destination_rses = set(self.service.rses(expression)) if expression else set()
        return self._destination_rses

    def _is_destination(self, rse: str) -> bool:
        return rse in self._destinations()

    def _annotate(self, rows: Sequence[DIDRow], listing: PagedListing | None = None) -> None:
        """Work out the badges of freshly shown rows, in bulk, and send them as a delta.
        Rows of a listing that a newer search replaced are skipped."""
        if not rows or (listing is not None and listing._cancelled) or self._closed:
            return
        updates: dict[str, RowStatus] = {}
        files = [r for r in rows if r.type == "FILE"]
        datasets = [r for r in rows if r.type == "DATASET"]
        containers = [r for r in rows if r.type == "CONTAINER"]
        if files:
            self._locate_files(files)
            for row in files:
                updates[row.did] = file_status(self._local_path.get(row.did) is not None)
        if self.settings.mode == "replica" and self.settings.destination_rse:
            destinations = self._destinations()
            if datasets:
                best: dict[str, tuple[int, int | None]] = {}
                for entry in self.service.dataset_replicas([(r.scope, r.name) for r in datasets]):
                    if entry.get("rse") not in destinations:
                        continue
                    did = f"{entry['scope']}:{entry['name']}"
                    pair = (int(entry.get("available_length") or 0), entry.get("length"))
                    if did not in best or pair[0] > best[did][0]:
                        best[did] = pair
                for row in datasets:
                    available, total = best.get(row.did, (0, row.length))
                    if total is None or available < total:
                        # Dataset replica rows exist only where a rule placed the dataset;
                        # files that arrived otherwise are counted by a deep look-up (about
                        # 15-30 ms each, only for rows on screen that are not complete).
                        available, total = self._deep_count(row, destinations)
                    updates[row.did] = collection_status(
                        available, total if total is not None else row.length
                    )
            for row in containers:
                updates[row.did] = collection_status(*self._deep_count(row, destinations))
        for row in rows:
            request = self.fetcher.get(row.did)
            if request is not None and updates.get(row.did, {}).get("status") != AVAILABLE:
                updates[row.did] = request.row_status()
        if updates:
            with self._lock:
                self._row_status.update(updates)
            self._send_cb({"type": "status", "updates": updates})

    def _deep_count(self, row: DIDRow, destinations: set[str]) -> tuple[int, int | None]:
        """(available, total) files of a collection on the best destination RSE."""
        entries = [
            e
            for e in self.service.collection_replicas(row.scope, row.name)
            if e.get("rse") in destinations
        ]
        if not entries:
            return 0, row.length
        best = max(entries, key=lambda e: int(e.get("available_length") or 0))
        return int(best.get("available_length") or 0), best.get("length")

    def _locate_files(
        self, files: Sequence[DIDRow], on_progress: Callable[[], None] | None = None
    ) -> None:
        """Fill ``_local_path`` for files whose place is not known yet (bulk)."""
        unknown = [f for f in files if f.did not in self._local_path]
        if not unknown:
            return
        if self.settings.mode == "download":
            for row in unknown:
                path = download_path(self.settings.download_dir, row.scope, row.name)
                local = os.path.isfile(path) and (
                    row.bytes is None or os.path.getsize(path) == row.bytes
                )
                self._local_path[row.did] = path if local else None
            return
        mount = self.settings.rse_mount_path
        if not self.settings.destination_rse or not mount:
            for row in unknown:
                self._local_path[row.did] = None
            return
        destinations = self._destinations()
        found: dict[str, str] = {}
        next_publish = PATHS_FIRST_PUBLISH
        stream = self.service.replicas(
            [(f.scope, f.name) for f in unknown], self.settings.destination_rse
        )
        for located_count, replicas in enumerate(stream, start=1):
            for rse, pfns in replicas.pfns.items():
                if rse in destinations and pfns:
                    found[replicas.did] = pfn_to_local_path(
                        pfns[0], mount, self.settings.path_begins_at
                    )
                    break
            if on_progress is not None and located_count >= next_publish:
                next_publish *= 2
                with self._lock:
                    self._local_path.update(found)
                on_progress()
        with self._lock:
            for row in unknown:
                self._local_path[row.did] = found.get(row.did)

    # --- selection and paths --------------------------------------------------------------
    def set_selected(self, selected: Iterable[str]) -> None:
        cleaned: list[str] = []
        for text in selected:
            try:
                did = str(didlib.parse_did(text))
            except didlib.InvalidDIDError as exc:
                error = InvalidQueryError(str(exc), "")
                self.report(error)
                raise error from None
            if did not in cleaned:
                cleaned.append(did)
        if (
            cleaned == self.state["selected"]
            and self.state["paths_state"].get("pending") == 0
            and self._resolved.is_set()
        ):
            return
        self._publish(selected=cleaned)
        with self._lock:
            self._selection_generation += 1
            generation = self._selection_generation
            self._resolved.clear()
        self._resolver.submit(self._resolve_guarded, generation)

    def select(self, *dids: str) -> None:
        self.set_selected([*self.state["selected"], *dids])

    def deselect(self, *dids: str) -> None:
        drop = {str(didlib.parse_did(d)) for d in dids}
        self.set_selected([d for d in self.state["selected"] if d not in drop])

    def select_all(self) -> None:
        self.set_selected([*self.state["selected"], *(r.did for r in self.results)])

    def _resolve_guarded(self, generation: int) -> None:
        token = self._begin("Resolving paths…")
        self._resolve_error = None
        try:
            self._resolve(generation)
        except RucioWidgetsError as exc:
            self._resolve_error = exc  # wait() and wait_paths() raise it
            self.report(exc)
        except Exception as exc:
            log.exception("resolving paths failed")
            self.report(translate(exc))
        finally:
            self._end(token)
            with self._lock:
                if generation == self._selection_generation:
                    self._resolved.set()

    def _stale(self, generation: int) -> bool:
        return generation != self._selection_generation or self._closed

    def _resolve(self, generation: int) -> None:
        selected = list(self.state["selected"])
        kinds = self._kinds_of(selected)
        # Files of every selected collection (cached), in selection order.
        for did in selected:
            if kinds.get(did) != "FILE" and did not in self._files_of:
                parsed = didlib.parse_did(did)
                stream = self.service.files(parsed.scope, parsed.name)
                self._files_of[did] = [
                    DIDRow(
                        scope=str(f["scope"]),
                        name=str(f["name"]),
                        type="FILE",
                        bytes=f.get("bytes"),
                    )
                    for f in stream
                ]
            if self._stale(generation):
                return
        files: list[DIDRow] = []
        seen: set[str] = set()
        for did in selected:
            members = self._files_of[did] if kinds.get(did) != "FILE" else [self._file_row(did)]
            for row in members:
                if row.did not in seen:
                    seen.add(row.did)
                    files.append(row)

        def publish_progress() -> None:
            if not self._stale(generation):
                self._publish_paths(files, pending=True)

        self._publish_paths(files, pending=True)
        self._locate_files(files, on_progress=publish_progress)
        if not self._stale(generation):
            self._publish_paths(files, pending=False)

    def _kinds_of(self, selected: Sequence[str]) -> dict[str, str]:
        known: dict[str, str] = {}
        listings = [self._results, *self._children.values()]
        for listing in listings:
            if listing is None:
                continue
            for row in listing.rows:
                known[row.did] = row.type
        for did in selected:
            if did in self._files_of:
                known.setdefault(did, "COLLECTION")
        unknown = [didlib.parse_did(d) for d in selected if d not in known]
        if unknown:
            meta = self.service.metadata_bulk([(d.scope, d.name) for d in unknown])
            missing = [str(d) for d in unknown if str(d) not in meta]
            if missing:
                raise NotAvailableError(
                    f"{', '.join(missing[:3])} {'does' if len(missing) == 1 else 'do'} not exist "
                    "in Rucio.",
                    "Deselect it, or check the scope and name.",
                    missing={d: "NOT_FOUND" for d in missing},
                )
            for did, data in meta.items():
                kind = str(data.get("did_type") or data.get("type") or "FILE").upper()
                known[did] = kind.replace("DIDTYPE.", "")
                if known[did] == "FILE":
                    self._file_rows[did] = DIDRow.from_rucio(data)
        return known

    def _known_row(self, did: str) -> DIDRow | None:
        """The row of ``did`` if a listing or a look-up already brought it (no Rucio call)."""
        if did in self._file_rows:
            return self._file_rows[did]
        with self._lock:
            listings = [self._results, *self._children.values()]
        for listing in listings:
            if listing is None:
                continue
            for row in listing.rows:
                if row.did == did:
                    return row
        return None

    def _file_row(self, did: str) -> DIDRow:
        known = self._known_row(did)
        if known is not None:
            return known
        parsed = didlib.parse_did(did)
        return DIDRow(parsed.scope, parsed.name, "FILE")

    def _publish_paths(self, files: Sequence[DIDRow], *, pending: bool) -> None:
        with self._lock:
            located = {f.did: self._local_path.get(f.did) for f in files}
        paths = [p for p in (located[f.did] for f in files) if p]
        resolved = [f for f in files if f.did in self._local_path]
        unavailable = [f.did for f in resolved if not located[f.did]]
        self._publish(
            paths=paths,
            unavailable=unavailable,
            paths_state={
                "files": len(files),
                "available": len(paths),
                "pending": len(files) - len(resolved) if pending else 0,
            },
        )
        updates = {f.did: file_status(bool(located[f.did])) for f in resolved}
        if updates:
            with self._lock:
                self._row_status.update(updates)

    @property
    def paths(self) -> list[str]:
        return list(self.state["paths"])

    def wait_paths(self, timeout: float | None = None) -> list[str]:
        """Wait until the selection's paths are resolved; return them.

        Raises NotAvailableError naming the selected files that have no local path.
        """
        if not self._resolved.wait(timeout):
            raise CancelledError(
                f"Paths are still being resolved after {timeout} s.",
                "Wait longer, or select fewer files.",
            )
        if self._resolve_error is not None:
            raise self._resolve_error
        unavailable = list(self.state["unavailable"])
        if unavailable:
            where = (
                f"on {self.settings.destination_rse}"
                if self.settings.mode == "replica"
                else f"in {self.settings.download_dir}"
            )
            raise NotAvailableError(
                f"{len(unavailable)} selected file(s) are not available {where}: "
                f"{', '.join(unavailable[:3])}{' ...' if len(unavailable) > 3 else ''}.",
                "Make them available first (browser.make_available()).",
                missing={did: "NOT_AVAILABLE" for did in unavailable},
            )
        return self.paths

    def wait_resolved(self, timeout: float | None = None) -> bool:
        """Wait until the selection's paths are resolved (available or not)."""
        return self._resolved.wait(timeout)

    def require_replica_settings(self) -> None:
        if self.settings.mode == "replica" and not self.settings.destination_rse:
            raise ConfigurationError(
                "Replica mode needs destination_rse.",
                "Set destination_rse in [widgets] of rucio.cfg or pass it.",
            )

    # --- signing in ------------------------------------------------------------------------
    def sign_in(
        self,
        *,
        account: str | None = None,
        username: str | None = None,
        password: str | None = None,
        token: str | None = None,
    ) -> tuple[bool, str]:
        """Sign in with the form's credentials (held in memory only); (ok, message)."""
        try:
            self.service.sign_in(account=account, username=username, password=password, token=token)
        except NotSignedInError as exc:
            self._signed_out(exc)
            return False, f"{exc.message} {exc.hint}".strip()
        except RucioWidgetsError as exc:
            return False, f"{exc.message} {exc.hint}".strip()
        self.clear_error()
        self._start()
        return True, "Signed in."

    def sign_out(self) -> None:
        self.service.sign_out()
        with self._lock:
            listing = self._results
        if listing is not None:
            listing.cancel()
        self._signed_out(
            NotSignedInError(
                "Signed out.",
                "Sign in to browse again.",
                auth_type=self.settings.auth_type or "userpass",
            )
        )

    # --- making data available ------------------------------------------------------------
    def _pick_up_rules(self, account: str) -> None:
        """After a kernel restart: follow this account's unfinished rules to the destination
        (one call), so their state shows and nothing is requested twice."""
        if self.settings.mode != "replica" or not self.settings.destination_rse:
            return
        for rule in self.service.account_rules(account):
            if rule.get("state") != "OK" and self.fetcher._covers(rule, account):
                self.fetcher.track(f"{rule['scope']}:{rule['name']}", rule)

    def _row_of(self, did: str) -> DIDRow:
        known = self._known_row(did)
        if known is not None:
            return known
        parsed = didlib.parse_did(did)
        row = self.service.get_did(parsed.scope, parsed.name)
        if row.type == "FILE":
            self._file_rows[did] = row
        return row

    def _files_below(self, row: DIDRow) -> list[DIDRow]:
        if row.type == "FILE":
            return [row]
        if row.did not in self._files_of:
            stream = self.service.files(row.scope, row.name)
            self._files_of[row.did] = [
                DIDRow(
                    scope=str(f["scope"]), name=str(f["name"]), type="FILE", bytes=f.get("bytes")
                )
                for f in stream
            ]
        return self._files_of[row.did]

    def make_available(self, dids: Sequence[str] | None = None, **options: Any) -> list[Request]:
        """Request DIDs (default: the selection) on the destination, or download them.

        Replica mode reuses a rule of yours that already covers the DID on the destination
        (decided by the RSEs the rule's expression selects), else adds one (1 copy,
        ``replication_rule_lifetime_days``). ``options``: rse_expression, lifetime_days,
        grouping, asynchronous, comment. Download mode queues the files not yet in
        ``download_dir``. Errors raise (typed) and show in the panel.
        """
        targets = list(dids) if dids else list(self.state["selected"])
        if not targets:
            error = InvalidQueryError(
                "Nothing to make available.", "Select files or datasets first."
            )
            self.report(error)
            raise error
        token = self._begin("Requesting…")
        requests: list[Request] = []
        try:
            for text in targets:
                did = str(didlib.parse_did(text))
                row = self._row_of(did)
                if self.settings.mode == "replica":
                    requests.append(
                        self.fetcher.request_rule(
                            row, self._account or str(self.service.whoami()["account"]), **options
                        )
                    )
                else:
                    requests.append(self.fetcher.request_download(did, self._files_below(row)))
        except didlib.InvalidDIDError as exc:
            error = InvalidQueryError(str(exc), "")
            self.report(error)
            raise error from None
        except RucioWidgetsError as exc:
            self.report(exc)
            raise
        finally:
            self._end(token)
        self.clear_error()
        return requests

    def make_available_async(self, dids: Sequence[str] | None = None, **options: Any) -> None:
        def run() -> None:
            with contextlib.suppress(RucioWidgetsError):  # reported in the panel
                self.make_available(dids, **options)

        self._submit(run)

    def retry(self, did: str) -> None:
        self.fetcher.retry(str(didlib.parse_did(did)))

    def cancel_download(self, did: str) -> None:
        self.fetcher.cancel(str(didlib.parse_did(did)))

    def _affects_paths(self, request: Request) -> bool:
        # Downloads land file by file: every step (and a failure) may have added files.
        return (
            request.state == AVAILABLE
            or request.kind == "download"
            or request.did in self.state["selected"]
        )

    def _before_request_change(self, request: Request) -> None:
        if self._affects_paths(request):
            self._resolved.clear()  # _on_requests resolves again right after

    def _on_requests(self, requests: list[Request]) -> None:
        """A request changed: update its badge; once data arrived, re-locate its files."""
        updates: dict[str, RowStatus] = {}
        arrived = False
        for request in requests:
            updates[request.did] = request.row_status()
            # Downloads land file by file: every step (and a failure) may have added files.
            if request.state == AVAILABLE or request.kind == "download":
                arrived = True
                with self._lock:
                    for file_did in self._file_dids_of(request.did):
                        self._local_path.pop(file_did, None)
        with self._lock:
            self._row_status.update(updates)
        self._send_cb({"type": "status", "updates": updates})
        if arrived:
            # Collections on screen that hold what arrived get a fresh count (2 of 3 ...).
            parents = self._expanded_parents_of({r.did for r in requests})
            if parents:
                self._submit(self._annotate, parents, pool=self._badges)
        if any(self._affects_paths(r) for r in requests):
            self._refresh_paths()

    def _expanded_parents_of(self, dids: set[str]) -> list[DIDRow]:
        with self._lock:
            parents = [
                source
                for source, listing in self._children.items()
                if any(row.did in dids for row in listing.rows)
            ]
        return [self._row_of(parent) for parent in parents]

    def _file_dids_of(self, did: str) -> list[str]:
        if did in self._files_of:
            return [f.did for f in self._files_of[did]]
        return [did]

    def _refresh_paths(self) -> None:
        with self._lock:
            self._selection_generation += 1
            generation = self._selection_generation
            self._resolved.clear()
        self._resolver.submit(self._resolve_guarded, generation)

    def _in_flight_for_selection(self) -> list[Request]:
        selected = set(self.state["selected"])
        return [
            r
            for r in self.fetcher.requests()
            if r.in_flight
            and (r.did in selected or any(r.did in self._file_dids_of(d) for d in selected))
        ]

    def wait(
        self, timeout: float | None = None, poll: float = 0.2, *, transfers: bool = True
    ) -> list[str]:
        """Wait until every selected file is available; return the paths.

        Raises NotAvailableError naming what is missing and its state (STUCK with the
        rule's error, FAILED with the reason, NOT_AVAILABLE when nothing was requested),
        or when ``timeout`` passes first.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not self._resolved.wait(remaining):
                break
            if not transfers or not self._in_flight_for_selection():
                break
            if deadline is not None and time.monotonic() >= deadline:
                break
            time.sleep(poll)
        if self.fetcher.server_error is not None and self._in_flight_for_selection():
            raise self.fetcher.server_error
        if self._resolve_error is not None:
            raise self._resolve_error
        unavailable = list(self.state["unavailable"])
        pending = self._in_flight_for_selection()
        problems = [
            r
            for r in self.fetcher.requests()
            if r.state in ("STUCK", "FAILED") and r.did in self.state["selected"]
        ]
        if not unavailable and not pending and self._resolved.is_set():
            return self.paths
        missing: dict[str, str] = {did: "NOT_AVAILABLE" for did in unavailable}
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

    # --- shutdown -------------------------------------------------------------------------
    def close(self) -> None:
        self._closed = True
        with self._lock:
            listings = [self._results, *self._children.values()]
        for listing in listings:
            if listing is not None:
                listing.cancel()
        self.fetcher.close()
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._badges.shutdown(wait=False, cancel_futures=True)
        self._resolver.shutdown(wait=False, cancel_futures=True)
        self.service.close()

    def status_of(self, did: str) -> str | None:
        status = self._row_status.get(did)
        return status.get("status") if status else None

    def is_available(self, did: str) -> bool:
        return self.status_of(did) == AVAILABLE
