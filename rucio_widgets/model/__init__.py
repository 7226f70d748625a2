"""The browser's state and logic, with no widget in sight.

``BrowserModel`` is a small façade over the rooms of the model:

- ``state``: the typed ``State``, its ``Store`` (publication, busy label, error reports) and
  the ``Workers`` that run Rucio calls;
- ``listings`` and ``search``: paged listings, the search in flight, pages;
- ``selection``: selection -> files -> local paths, and the waits on them; its
  ``lists`` (``filelists``) list each collection's files once, streamed and read ahead;
- ``statuses``: where files are, and availability badges, in bulk;
- ``details``: one DID's metadata, replicas and rules;
- ``remote``: remote-read URLs (root://, davs://, https://) of the selected files;
- the availability mode (``rucio_widgets.modes``): replica or download, one interface.

Rucio calls run on workers; the model tells its owner about state changes and status
deltas through ``ModelEvents`` (the widget turns them into traitlets and messages).
Nothing here blocks the caller except the Python API's explicit waits.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from ..config import Settings
from ..errors import (
    CancelledError,
    ConfigurationError,
    InvalidQueryError,
    NotSignedInError,
    ReadOnlyError,
    RucioWidgetsError,
)
from ..modes import ReplicaMode, mode_for
from ..protocol import (
    AVAILABLE,
    PAGE_SIZE,
    DetailsAnswer,
    LocalPathsAnswer,
    MakeOptions,
    PageAnswer,
    QuotasAnswer,
    RemoteUrlsAnswer,
    RowStatus,
    SortState,
    Status,
)
from ..rules import Quota, Rule
from ..service import DIDRow, Service
from ..transfers import Request, Requests
from .details import details
from .export import Export, Fileset, SelectionTable
from .listings import RowIndex
from .pathcache import PathCache
from .rules import RulesDesk
from .search import Search
from .selection import Selection, did_of
from .state import ModelEvents, NoEvents, State, Store, Workers
from .statuses import LocalPaths, Statuses
from .uploads import Uploads
from .urls import RemoteUrls, Urls

__all__ = ["BrowserModel", "ModelEvents", "RemoteUrls", "Result", "State"]


T = TypeVar("T")


@dataclass(frozen=True)
class Result:
    """One loaded row, as ``browser.results`` shows it."""

    did: str
    type: str
    bytes: int | None
    files: int | None
    status: Status | None

    def __repr__(self) -> str:
        return f"Result({self.did!r}, {self.type}, status={self.status})"


class BrowserModel:
    def __init__(
        self, service: Service, settings: Settings, *, events: ModelEvents | None = None
    ) -> None:
        self.service = service
        self.settings = settings
        self.store = Store(
            State(
                info={
                    "server": settings.server_label,
                    "account": settings.account or "",
                    "mode": "download" if settings.mode == "download" else "replica",
                    "destination": settings.destination_rse or "",
                    "webui": settings.rucio_webui_url or "",
                    "read_only": settings.read_only,
                }
            ),
            events or NoEvents(),
        )
        self.store.on_signed_out = self._signed_out
        self.workers = Workers(self.store)
        self.requests = Requests(self._on_request, before_change=self._before_request)
        self.mode = mode_for(service, settings, self.requests)
        self.index = RowIndex()
        self.paths_cache = LocalPaths(self.mode)
        self.statuses = Statuses(self.store, self.mode, self.paths_cache, self.requests)
        self.searcher = Search(service, self.store, self.index, self.workers, self.statuses)
        self.selection = Selection(
            service,
            store=self.store,
            index=self.index,
            paths=self.paths_cache,
            statuses=self.statuses,
            requests=self.requests,
            mode=self.mode,
            workers=self.workers,
            cache=(
                PathCache(service, settings, self.account, self.mode.keeps_copy)
                if isinstance(self.mode, ReplicaMode)
                else None
            ),
        )
        self.export = Export(self.selection, self.paths_cache, self.statuses, self.mode)
        self.remote = Urls(service, self.selection)
        #: DID -> (state, done) of the last request change that moved files.
        self._seen: dict[str, tuple[Status, int]] = {}
        self._account = settings.account or ""
        self.uploads = Uploads(service, settings, self.account, self.searcher.default_scopes)
        self.rules_desk = RulesDesk(
            service, settings, self.account, (events or NoEvents()).rules_changed
        )

    @property
    def state(self) -> State:
        return self.store.state

    def report(self, error: RucioWidgetsError) -> None:
        """Show an error in the panel (once; the Python API raises it too)."""
        self.store.report(error)

    def clear_error(self) -> None:
        self.store.clear_error()

    # --- signing in -----------------------------------------------------------------------
    def _signed_out(self, error: NotSignedInError) -> None:
        hint = self.service.credentials_hint()
        self.store.publish(
            auth={
                "state": "expired" if error.expired else "signed_out",
                "auth_type": error.auth_type,
                "account": hint["account"],
                "username": hint["username"],
                "expires_at": None,
                "message": f"{error.message} {error.hint}".strip(),
            }
        )

    def start(self, *, wait: bool = False) -> None:
        """Sign in and fetch who we are, the scopes and unfinished requests (in the
        background unless ``wait``)."""
        if wait:
            self._start()
        else:
            self.workers.background(self._start)

    def _start(self) -> None:
        token = self.store.begin("Connecting…")
        try:
            try:
                who = self.service.whoami()
            except NotSignedInError as exc:
                self._signed_out(exc)
                return
            self.store.publish(auth=self.service.auth_state())
            self.service.prepare()
            self._account = str(who.get("account", ""))
            self.store.publish(info={**self.state.info, "account": self._account})
            self.searcher.account_scopes = self.service.account_scopes(self._account)
            self.store.publish(scopes=self.service.list_scopes())
            self.mode.pick_up(self._account)
        finally:
            self.store.end(token)

    def account(self) -> str:
        if not self._account:
            self._account = str(self.service.whoami()["account"])
        return self._account

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
        self.searcher.close()
        self._signed_out(
            NotSignedInError(
                "Signed out.",
                "Sign in to browse again.",
                auth_type=self.settings.auth_type or "userpass",
            )
        )

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
        """Start a search (cancelling the one in flight); with ``wait``, its first page.
        Syntax errors raise at once; server errors when waiting."""
        listing = self.searcher.start(query, did_type, filters)
        if wait:
            self.searcher.wait(listing, PAGE_SIZE, timeout)
        return self.results if wait else []

    @property
    def generation(self) -> int:
        return self.searcher.generation

    @property
    def results(self) -> list[Result]:
        return [self._result(row) for row in self.searcher.rows]

    def _result(self, row: DIDRow) -> Result:
        status = self.statuses.get(row.did)
        return Result(
            row.did, row.type, row.bytes, row.length, status.get("status") if status else None
        )

    def load_more(
        self, count: int = PAGE_SIZE, *, wait: bool = True, timeout: float | None = 120
    ) -> list[Result]:
        self.searcher.load_more(count, wait=wait, timeout=timeout)
        return self.results

    def cancel(self) -> None:
        """Stop the search in flight."""
        self.searcher.cancel()

    def sort(self, by: str | None, descending: bool = False) -> SortState | None:
        """Sort the loaded results (a snapshot; nothing more is read for it), or go back to
        the listing's order with ``by=None``. Pages and ``results`` follow the sort."""
        return self.searcher.sort(by, descending)

    @property
    def sort_state(self) -> SortState | None:
        return self.searcher.sort_state

    def request_page(
        self, source: str, offset: int, limit: int, stop: Any = None
    ) -> Future[PageAnswer]:
        """A page of the results or of a collection, answered on a worker."""
        return self.workers.run(self.searcher.page, source, offset, limit, stop)

    def request_details(self, did: str) -> Future[DetailsAnswer]:
        return self.workers.run(self.details, did)

    def details(self, did: str) -> DetailsAnswer:
        """Metadata, replicas (with local paths on the destination) and rules of a DID."""
        return details(self.service, self.settings, self.mode, did)

    # --- selection ------------------------------------------------------------------------
    def set_selected(self, selected: Iterable[str]) -> None:
        self.selection.set(selected)

    def select(self, *dids: str) -> None:
        self.selection.add(*dids)

    def deselect(self, *dids: str) -> None:
        self.selection.remove(*dids)

    def select_all(self) -> None:
        self.selection.add(*(row.did for row in self.searcher.rows))

    @property
    def paths(self) -> list[str]:
        return list(self.state.paths)

    def local_paths(self, did: str | None = None, timeout: float | None = 60) -> LocalPathsAnswer:
        """Local paths of a DID's files, or of the selection's (once resolved; blocking: run
        it on a worker). ``missing`` counts the files without one."""
        if did:
            paths, missing = self.selection.local_paths_of(did)
            return {"paths": paths, "missing": missing}
        if not self.selection.wait_resolved(timeout):
            raise CancelledError(
                f"The selection's paths are not resolved after {timeout} s.",
                "Try again once the status bar no longer says it is resolving paths.",
            )
        if self.selection.error is not None:
            raise self.selection.error
        return {"paths": self.paths, "missing": len(self.state.unavailable)}

    def wait_paths(self, timeout: float | None = None) -> list[str]:
        return self.selection.wait_paths(timeout)

    def wait_resolved(self, timeout: float | None = None) -> bool:
        return self.selection.wait_resolved(timeout)

    def wait(
        self, timeout: float | None = None, poll: float = 0.2, *, transfers: bool = True
    ) -> list[str]:
        return self.selection.wait(timeout, poll, transfers=transfers)

    def urls(self, timeout: float | None = 120) -> RemoteUrls:
        """Remote-read URLs of the selected files, one per file that an RSE serves over
        root://, davs:// or https:// (worked out on a worker, kept until data moves)."""
        return self._finish(self.workers.run(self.remote.compute), timeout, "the URLs")

    def remote_urls(self, did: str | None = None) -> RemoteUrlsAnswer:
        """Remote-read URLs of a DID's files, or of the selection's (blocking: run it on a
        worker); ``missing`` counts the files no RSE serves remotely."""
        found = self.remote.of_did(did_of(did)) if did else self.remote.compute()
        return {"urls": list(found.urls.values()), "missing": len(found.missing)}

    # --- rules and quotas -----------------------------------------------------------------
    def rules(self, state: str | None = None, timeout: float | None = 60) -> list[Rule]:
        """The account's rules, newest first (only those in ``state`` when given)."""
        return self._finish(self.workers.run(self.rules_desk.rules, state), timeout, "your rules")

    def extend_rule(self, rule_id: str, days: int, timeout: float | None = 60) -> Rule:
        self.refuse_writes("extend rules")
        return self._finish(
            self.workers.run(self.rules_desk.extend, rule_id, days), timeout, "the rule"
        )

    def boost_rule(self, rule_id: str, timeout: float | None = 60) -> tuple[Rule, str]:
        self.refuse_writes("boost rules")
        return self._finish(self.workers.run(self.rules_desk.boost, rule_id), timeout, "the rule")

    def delete_rule(self, rule_id: str, timeout: float | None = 60) -> tuple[Rule | None, str]:
        self.refuse_writes("delete rules")
        return self._finish(self.workers.run(self.rules_desk.delete, rule_id), timeout, "the rule")

    def quotas(self, timeout: float | None = 60) -> list[Quota]:
        return self._finish(self.workers.run(self.rules_desk.quotas), timeout, "your quotas")

    def check_quota(self, dids: Sequence[str] | None, rse_expression: str | None) -> QuotasAnswer:
        """On a worker: the quotas of the RSEs the request would land on, and whether the
        DIDs (default: the selection) fit."""
        expression = rse_expression or self.settings.destination_rse or ""
        if not expression:
            raise ConfigurationError(
                "No destination to check the quota of: destination_rse is not set.",
                "Set destination_rse in [widgets] of rucio.cfg, or type an RSE expression.",
            )
        targets = [did_of(text) for text in (dids or self.selection.selected)]
        size: int | None = 0
        for did in targets:
            row = self.selection.row_of(did)
            if row.bytes is None:
                size = None
                break
            size = (size or 0) + row.bytes
        return self.rules_desk.fit(expression, self.service.rses(expression), size)

    # --- uploads --------------------------------------------------------------------------
    def start_upload(
        self,
        paths: Sequence[str | os.PathLike[str]],
        *,
        dataset: str | None = None,
        scope: str | None = None,
        rse: str | None = None,
        lifetime_days: int | None = None,
    ) -> Future[list[str]]:
        """Upload local files (paths or globs) into ``dataset`` on a worker; the Future
        holds their DIDs. The busy label counts the files as they go."""
        self.refuse_writes("upload")
        token = self.store.begin("Uploading…")

        def progress(done: int, total: int) -> None:
            self.store.relabel(token, f"Uploading {done} of {total} files…")

        future = self.workers.run(
            partial(
                self.uploads.upload,
                paths,
                dataset=dataset,
                scope=scope,
                rse=rse,
                lifetime_days=lifetime_days,
                on_progress=progress,
            )
        )
        future.add_done_callback(lambda _: self.store.end(token))
        return future

    def upload(
        self,
        paths: Sequence[str | os.PathLike[str]],
        *,
        dataset: str | None = None,
        scope: str | None = None,
        rse: str | None = None,
        lifetime_days: int | None = None,
        timeout: float | None = None,
    ) -> list[str]:
        """Upload local files (paths or globs) into ``dataset``; their DIDs."""
        future = self.start_upload(
            paths, dataset=dataset, scope=scope, rse=rse, lifetime_days=lifetime_days
        )
        return self._finish(future, timeout, "the upload")

    # --- export ---------------------------------------------------------------------------
    def selection_table(self, timeout: float | None = 120) -> SelectionTable:
        """One row per selected file, once the selection's paths are resolved."""
        self.export._resolved(timeout)
        return self._finish(self.workers.run(self.export.table), timeout, "the table")

    def fileset(self, treename: str | None = None, timeout: float | None = 120) -> Fileset:
        """Local paths grouped by dataset; NotAvailableError when some have none."""
        self.export._resolved(timeout)
        return self._finish(self.workers.run(self.export.fileset, treename), timeout, "the fileset")

    @staticmethod
    def _finish(future: Future[T], timeout: float | None, what: str) -> T:
        try:
            return future.result(timeout)
        except FutureTimeout:
            future.cancel()
            raise CancelledError(
                f"Working out {what} took longer than {timeout} s.",
                "Wait longer (timeout=), or check that the Rucio server answers.",
            ) from None

    def status_of(self, did: str) -> Status | None:
        status = self.statuses.get(did)
        return status.get("status") if status else None

    def status(self, did: str, timeout: float | None = 30) -> RowStatus:
        """The availability of ``did``, worked out now if no listing brought it; raises
        CancelledError when ``timeout`` passes first."""
        did = did_of(did)
        if not self.statuses.known(did):
            row = self.selection.row_of(did)
            self.workers.background(self.statuses.annotate, [row], pool=self.workers.badges)
        found = self.statuses.wait(did, timeout)
        if found is None:
            raise CancelledError(
                f"The availability of {did} is not known after {timeout} s.",
                "Wait longer (timeout=), or check that the Rucio server answers.",
            )
        return found

    # --- making data available ------------------------------------------------------------
    def make_available(
        self, dids: Sequence[str] | None = None, options: MakeOptions | None = None
    ) -> list[Request]:
        """Request DIDs (default: the selection) on the destination, or download them.

        Replica mode reuses a rule of yours that already covers the DID on the destination
        (decided by the RSEs the rule's expression selects), else adds one. ``options``:
        rse_expression, lifetime_days, grouping, asynchronous, comment. Download mode
        queues the files not yet in ``download_dir``. Errors raise, typed.
        """
        self.refuse_writes("make data available")
        targets = [did_of(text) for text in (dids or self.selection.selected)]
        if not targets:
            raise InvalidQueryError("Nothing to make available.", "Select files or datasets first.")
        token = self.store.begin("Requesting…")
        try:
            requests = []
            for did in targets:
                row = self.selection.row_of(did)
                files = partial(self.selection.files_below, row)
                requests.append(self.mode.make_available(row, files, self.account, options or {}))
        finally:
            self.store.end(token)
        self.clear_error()
        return requests

    def retry(self, did: str) -> None:
        """Retry a STUCK rule or a FAILED download."""
        self.refuse_writes("retry")
        did = did_of(did)
        self.mode.retry(did, lambda: self.selection.files_below(self.selection.row_of(did)))

    def cancel_download(self, did: str) -> None:
        self.refuse_writes("cancel downloads")
        self.mode.cancel(did_of(did))

    def refuse_writes(self, action: str) -> None:
        """A read-only browser (shared dashboards) writes nothing to Rucio or to disk."""
        if self.settings.read_only:
            raise ReadOnlyError(f"This browser is read-only: it cannot {action}.")

    def _moves_files(self, request: Request) -> bool:
        """Whether a change can move files (its state or count changed), not only its
        bytes: a download reports bytes every fraction of a second."""
        return self._seen.get(request.did) != (request.state, request.done)

    def _affects_paths(self, request: Request) -> bool:
        # Downloads land file by file: every step (and a failure) may have added files.
        return self._moves_files(request) and (
            request.state == AVAILABLE
            or request.kind == "download"
            or request.did in self.state.selected
        )

    def _before_request(self, request: Request) -> None:
        if self._affects_paths(request):
            self.selection.mark_unresolved()  # resolved again right after

    def _on_request(self, request: Request) -> None:
        """A request changed: update its badge; once data arrived, locate its files again;
        then wake whoever waits on the selection."""
        try:
            self._follow_request(request)
        finally:
            self.selection.changed()

    def _follow_request(self, request: Request) -> None:
        self.statuses.update({request.did: request.row_status()})
        if not self._moves_files(request):
            return
        if request.kind == "rule":
            self.remote.forget()  # new replicas: other URLs may serve
        if request.state == AVAILABLE or request.kind == "download":
            self.paths_cache.forget(self.selection.lists.dids_of(request.did))
            # Collections on screen that hold what arrived get a fresh count (2 of 3 ...).
            parents = self.index.parents_of([request.did])
            if parents:
                rows = [self.selection.row_of(p) for p in parents]
                self.workers.background(self.statuses.annotate, rows, pool=self.workers.badges)
        if self._affects_paths(request):
            self.selection.refresh()
        self._seen[request.did] = (request.state, request.done)

    # --- shutdown -------------------------------------------------------------------------
    def close(self) -> None:
        self.workers.closed = True
        self.selection.lists.stop()
        self.rules_desk.close()
        self.searcher.close()
        self.mode.close()
        self.workers.close()
        self.service.close()
