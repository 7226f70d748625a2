"""Making data available: replication rules (replica mode) and downloads (download mode).

A ``Request`` follows one DID the user asked for. ``Fetcher`` creates or reuses the rule,
or queues the download, and a single background thread polls what is in flight (one rule
call per request per poll, with backoff), reporting changes through ``on_change``; the
model then re-locates the files in bulk and publishes paths and badges.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .availability import download_path
from .config import Settings
from .errors import (
    ConfigurationError,
    NotFoundError,
    RucioWidgetsError,
    ServerUnavailableError,
    translate,
)
from .protocol import AVAILABLE, DOWNLOADING, FAILED, REPLICATING, STUCK, RowStatus
from .service import DIDRow, RucioService

log = logging.getLogger(__name__)

#: Poll delays: start fast (a sandbox rule is OK in seconds), back off to a minute.
FIRST_POLL = 1.0
MAX_POLL = 60.0
BACKOFF = 1.5
#: Files per download-client call: progress and cancellation happen between batches.
DOWNLOAD_BATCH = 10


@dataclass(frozen=True)
class Request:
    did: str
    kind: str  # "rule" | "download"
    state: str  # REPLICATING | STUCK | AVAILABLE | DOWNLOADING | FAILED
    rule_id: str | None = None
    done: int = 0  # locks OK / files downloaded
    total: int = 0
    message: str = ""

    @property
    def in_flight(self) -> bool:
        return self.state in (REPLICATING, DOWNLOADING)

    def row_status(self) -> RowStatus:
        status: RowStatus = {"status": self.state}
        if self.total:
            status["available"] = self.done
            status["total"] = self.total
        if self.message:
            status["message"] = self.message
        return status


@dataclass
class _Download:
    did: str
    files: list[DIDRow]
    done: int = 0
    cancelled: threading.Event = field(default_factory=threading.Event)


class Fetcher:
    """Rules and downloads for one browser; thread-safe."""

    def __init__(
        self,
        service: RucioService,
        settings: Settings,
        destinations: Callable[[], set[str]],
        on_change: Callable[[list[Request]], None],
        before_change: Callable[[Request], None] | None = None,
    ) -> None:
        self.service = service
        self.settings = settings
        self._destinations = destinations
        self._on_change = on_change
        # Called before a new state is visible, so a waiter never sees "done" while the
        # paths that follow from it are still the old ones.
        self._before_change = before_change or (lambda request: None)
        self._lock = threading.RLock()
        self._requests: dict[str, Request] = {}
        self._wake = threading.Event()
        self._poller: threading.Thread | None = None
        self._closed = False
        self._expression_rses: dict[str, set[str]] = {}
        self._downloads: dict[str, _Download] = {}
        self._download_queue: list[_Download] = []
        self._downloader: threading.Thread | None = None
        self.server_error: RucioWidgetsError | None = None

    # --- queries --------------------------------------------------------------------------
    def get(self, did: str) -> Request | None:
        with self._lock:
            return self._requests.get(did)

    def requests(self) -> list[Request]:
        with self._lock:
            return list(self._requests.values())

    def _set(self, request: Request) -> None:
        with self._lock:
            previous = self._requests.get(request.did)
            if previous != request:
                self._before_change(request)
            self._requests[request.did] = request
        if previous != request:
            self._on_change([request])

    # --- replica mode ---------------------------------------------------------------------
    def _rses_of(self, expression: str) -> set[str]:
        if expression not in self._expression_rses:
            try:
                self._expression_rses[expression] = set(self.service.rses(expression))
            except RucioWidgetsError:
                self._expression_rses[expression] = set()
        return self._expression_rses[expression]

    def _covers(self, rule: dict[str, Any], account: str) -> bool:
        """Does ``rule`` (of ``account``) keep a copy on the destination? Decided by the
        RSEs its expression selects, not by its text: `NOTEBOOK_X|NOTEBOOK_Y` or
        `site=NOTEBOOK` cover a destination of NOTEBOOK_X as well."""
        if rule.get("account") != account:
            return False
        rses = self._rses_of(str(rule["rse_expression"]))
        return bool(rses) and rses <= self._destinations()

    def covering_rule(self, row: DIDRow, account: str) -> dict[str, Any] | None:
        if row.type == "FILE":
            rules = self.service.associated_rules(row.scope, row.name)
        else:
            rules = self.service.did_rules(row.scope, row.name)
        covering = [r for r in rules if self._covers(r, account)]
        order = {"OK": 0, "REPLICATING": 1, "INJECT": 2, "STUCK": 3, "SUSPENDED": 4}
        covering.sort(key=lambda r: order.get(str(r.get("state")), 9))
        return covering[0] if covering else None

    def request_rule(
        self,
        row: DIDRow,
        account: str,
        *,
        rse_expression: str | None = None,
        lifetime_days: int | None = None,
        grouping: str = "DATASET",
        asynchronous: bool = False,
        comment: str | None = None,
    ) -> Request:
        """Reuse a rule of ``account`` that covers ``row`` on the destination, or add one."""
        expression = rse_expression or self.settings.destination_rse
        if not expression:
            raise ConfigurationError(
                "Replica mode needs a destination: destination_rse is not set.",
                "Set destination_rse in [widgets] of rucio.cfg, or pass destination_rse=.",
            )
        if not self._rses_of(expression):
            raise ConfigurationError(
                f"The RSE expression `{expression}` matches no RSE.",
                "Check destination_rse (or the expression you typed).",
            )
        rule = None if rse_expression else self.covering_rule(row, account)
        if rule is None:
            lifetime = (
                lifetime_days
                if lifetime_days is not None
                else self.settings.replication_rule_lifetime_days
            )
            rule_id = self.service.add_rule(
                row.scope,
                row.name,
                expression,
                lifetime=lifetime * 86400 if lifetime else None,
                grouping=grouping,
                asynchronous=asynchronous,
                comment=comment or "rucio-widgets",
            )
            if rule_id is None:  # DuplicateRule: it exists after all
                rule = self.covering_rule(row, account)
                if rule is None:
                    raise RucioWidgetsError(
                        f"Rucio reports a duplicate rule for {row.did} but lists none of yours."
                    )
            else:
                rule = self.service.get_rule(rule_id)
        elif rule.get("state") in ("STUCK", "SUSPENDED"):
            self.service.boost_rule(str(rule["id"]))  # asking again means: retry it
        request = self._from_rule(row.did, rule)
        self._set(request)
        self._kick()
        return request

    def retry(self, did: str) -> None:
        request = self.get(did)
        if request is None:
            return
        if request.kind == "rule" and request.rule_id:
            self.service.boost_rule(request.rule_id)
            self._set(replace(request, state=REPLICATING, message=""))
            self._kick()

    def track(self, did: str, rule: dict[str, Any]) -> None:
        """Follow an existing rule (found again after a kernel restart)."""
        self._set(self._from_rule(did, rule))
        self._kick()

    @staticmethod
    def _from_rule(did: str, rule: dict[str, Any]) -> Request:
        ok = int(rule.get("locks_ok_cnt") or 0)
        replicating = int(rule.get("locks_replicating_cnt") or 0)
        stuck = int(rule.get("locks_stuck_cnt") or 0)
        state = str(rule.get("state"))
        if state == "OK":
            mapped = AVAILABLE
        elif state in ("STUCK", "SUSPENDED"):
            mapped = STUCK
        else:  # REPLICATING, INJECT, WAITING_APPROVAL
            mapped = REPLICATING
        message = ""
        if mapped == STUCK:
            message = str(rule.get("error") or "a transfer failed; Rucio will retry")
        return Request(
            did=did,
            kind="rule",
            state=mapped,
            rule_id=str(rule["id"]),
            done=ok,
            total=ok + replicating + stuck,
            message=message,
        )

    # --- download mode --------------------------------------------------------------------
    def request_download(self, did: str, files: Sequence[DIDRow]) -> Request:
        """Queue the files of ``did`` that are not downloaded yet."""
        for row in files:  # refuse a name that would leave download_dir, before any I/O
            download_path(self.settings.download_dir, row.scope, row.name)
        with self._lock:
            current = self._downloads.get(did)
            if (
                current is not None
                and not current.cancelled.is_set()
                and self._requests.get(did, Request(did, "download", FAILED)).in_flight
            ):
                return self._requests[did]
            job = _Download(did, list(files))
            self._downloads[did] = job
            self._download_queue.append(job)
        request = Request(did, "download", DOWNLOADING, done=0, total=len(files))
        self._set(request)
        with self._lock:
            if self._downloader is None or not self._downloader.is_alive():
                self._downloader = threading.Thread(
                    target=self._download_loop, daemon=True, name="rucio-widgets downloads"
                )
                self._downloader.start()
        return request

    def cancel(self, did: str) -> None:
        with self._lock:
            job = self._downloads.get(did)
        if job is not None:
            job.cancelled.set()
            request = self.get(did)
            if request is not None and request.in_flight:
                self._set(replace(request, state=FAILED, message="cancelled"))

    def _download_loop(self) -> None:
        while not self._closed:
            with self._lock:
                if not self._download_queue:
                    self._downloader = None
                    return
                job = self._download_queue.pop(0)
            self._download(job)

    def _download(self, job: _Download) -> None:
        from rucio.client.downloadclient import DownloadClient

        base = Path(self.settings.download_dir).expanduser()
        try:
            base.mkdir(parents=True, exist_ok=True)
            downloader = DownloadClient(
                client=self.service.client, logger=_quiet_logger(), tracing=False
            )
        except Exception as exc:
            error = translate(exc, doing="preparing the download")
            self._set(
                Request(job.did, "download", FAILED, total=len(job.files), message=error.message)
            )
            return
        failures: list[str] = []
        for start in range(0, len(job.files), DOWNLOAD_BATCH):
            if job.cancelled.is_set() or self._closed:
                return
            batch = job.files[start : start + DOWNLOAD_BATCH]
            todo = [row for row in batch if not _is_complete(self.settings, row)]
            if todo:
                items = [
                    {"did": row.did, "base_dir": str(base / row.scope), "no_subdir": True}
                    for row in todo
                ]
                try:
                    results = downloader.download_dids(
                        items, num_threads=2, deactivate_file_download_exceptions=True
                    )
                    failures += [
                        f"{r.get('scope')}:{r.get('name')}"
                        for r in results
                        if r.get("clientState") not in ("DONE", "ALREADY_DONE")
                    ]
                except OSError as exc:  # disk full, permission denied in download_dir
                    failures.append(f"{exc.strerror or exc} in {base}")
                except Exception as exc:
                    failures.append(translate(exc, doing="downloading").message)
            job.done = sum(
                1 for row in job.files[: start + len(batch)] if _is_complete(self.settings, row)
            )
            if not job.cancelled.is_set():
                self._set(
                    Request(job.did, "download", DOWNLOADING, done=job.done, total=len(job.files))
                )
        if job.cancelled.is_set():
            return
        complete = all(_is_complete(self.settings, row) for row in job.files)
        if complete:
            self._set(
                Request(job.did, "download", AVAILABLE, done=len(job.files), total=len(job.files))
            )
        else:
            reason = failures[0] if failures else "some files did not arrive"
            self._set(
                Request(
                    job.did,
                    "download",
                    FAILED,
                    done=job.done,
                    total=len(job.files),
                    message=f"download failed: {reason}",
                )
            )

    # --- polling --------------------------------------------------------------------------
    def _kick(self) -> None:
        with self._lock:
            if self._poller is None or not self._poller.is_alive():
                self._poller = threading.Thread(
                    target=self._poll_loop, daemon=True, name="rucio-widgets poller"
                )
                self._poller.start()
        self._wake.set()

    def _poll_loop(self) -> None:
        delay = FIRST_POLL
        while not self._closed:
            with self._lock:
                active = [r for r in self._requests.values() if r.kind == "rule" and r.in_flight]
                if not active:
                    self._poller = None
                    return
            changed = False
            for request in active:
                try:
                    rule = self.service.get_rule(str(request.rule_id))
                    self.server_error = None
                except NotFoundError:
                    self._set(replace(request, state=STUCK, message="the rule was deleted"))
                    changed = True
                    continue
                except ServerUnavailableError as exc:
                    self.server_error = exc  # keep polling: the server may come back
                    break
                except RucioWidgetsError as exc:
                    self.server_error = exc
                    break
                updated = self._from_rule(request.did, rule)
                if updated != request:
                    changed = True
                    self._set(updated)
            delay = FIRST_POLL if changed else min(delay * BACKOFF, MAX_POLL)
            self._wake.clear()
            self._wake.wait(delay)

    def close(self) -> None:
        self._closed = True
        with self._lock:
            for job in self._downloads.values():
                job.cancelled.set()
        self._wake.set()


def _is_complete(settings: Settings, row: DIDRow) -> bool:
    path = download_path(settings.download_dir, row.scope, row.name)
    try:
        size = os.path.getsize(path)
    except OSError:
        return False
    return row.bytes is None or size == row.bytes


def _quiet_logger() -> Any:
    logger = logging.getLogger("rucio_widgets.download")
    return logger.log


def poll_delays(count: int) -> list[float]:
    """The waits between polls when nothing changes (documented and tested)."""
    delays, delay = [], FIRST_POLL
    for _ in range(count):
        delays.append(delay)
        delay = min(delay * BACKOFF, MAX_POLL)
    return delays
