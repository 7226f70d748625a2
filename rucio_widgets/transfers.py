"""What making data available sets in motion: requests, rule polling, downloads.

A ``Request`` follows one DID the user asked for. ``Requests`` is the registry every part
reads (badges, ``wait()``); it tells its listener about each change. ``RuleTracker`` (replica
mode) creates or reuses rules and polls the ones in flight on one thread, one rule call per
request per poll, each rule on a ``PollSchedule`` of its own (soon again while its locks
move, later and later while they do not). ``Downloads`` (download mode) runs Rucio's
``DownloadClient`` on one thread, in batches, so cancellation happens between batches;
while a batch runs, a watcher reports each file that lands and the bytes arrived so far
(the client writes ``<name>.part`` and renames it once its checksum matches). Neither knows
about widgets or the model: the availability modes drive them.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .errors import (
    ConfigurationError,
    InvalidQueryError,
    NotFoundError,
    RucioWidgetsError,
    translate,
)
from .protocol import AVAILABLE, DOWNLOADING, FAILED, REPLICATING, STUCK, RowStatus, Status
from .service import DIDRow, Service

log = logging.getLogger(__name__)

#: Files per download-client call: cancellation happens between batches.
DOWNLOAD_BATCH = 10
#: Seconds between two looks at the files of a batch in flight (progress in files, bytes).
PROGRESS_EVERY = 0.25


@dataclass(frozen=True)
class Request:
    did: str
    kind: str  # "rule" | "download"
    state: Status  # REPLICATING | STUCK | AVAILABLE | DOWNLOADING | FAILED
    rule_id: str | None = None
    done: int = 0  # locks OK / files downloaded
    total: int = 0
    message: str = ""
    bytes_done: int = 0  # downloads: bytes arrived (files landed and partial ones)
    bytes_total: int = 0

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
        if self.bytes_total:
            status["bytes_done"] = self.bytes_done
            status["bytes_total"] = self.bytes_total
        return status


class Requests:
    """The requests of one browser, by DID; thread-safe.

    ``before_change`` runs before a new state is visible (so a waiter never sees "done"
    while the paths that follow from it are still the old ones), ``on_change`` after.
    """

    def __init__(
        self,
        on_change: Callable[[Request], None] = lambda request: None,
        before_change: Callable[[Request], None] = lambda request: None,
    ) -> None:
        self._lock = threading.RLock()
        self._by_did: dict[str, Request] = {}
        self.on_change = on_change
        self.before_change = before_change
        #: The last server error a poll met (None once a poll succeeds again).
        self.server_error: RucioWidgetsError | None = None

    def get(self, did: str) -> Request | None:
        with self._lock:
            return self._by_did.get(did)

    def all(self) -> list[Request]:
        with self._lock:
            return list(self._by_did.values())

    def set(self, request: Request) -> None:
        with self._lock:
            previous = self._by_did.get(request.did)
            if previous == request:
                return
            self.before_change(request)
            self._by_did[request.did] = request
        self.on_change(request)


class Backoff:
    """Poll delays: start fast (a sandbox rule is OK in seconds), back off to a ceiling
    while nothing changes, and start fast again after a change."""

    def __init__(self, first: float = 1.0, factor: float = 1.5, ceiling: float = 60.0) -> None:
        self.first, self.factor, self.ceiling = first, factor, ceiling
        self.delay = first

    def next(self, changed: bool) -> float:
        """The wait before the next poll, after a poll that ``changed`` something or not."""
        self.delay = self.first if changed else min(self.delay * self.factor, self.ceiling)
        return self.delay


@dataclass(frozen=True)
class PollTiming:
    """The knobs of a ``PollSchedule``, in seconds."""

    #: The first look after a request: the rule was read when it was made.
    first: float = 1.0
    #: While locks do not move, each wait is this much longer than the one before ...
    factor: float = 1.6
    #: ... up to this.
    ceiling: float = 60.0
    #: While locks move: never sooner than this ...
    fastest: float = 0.5
    #: ... and never later than this.
    moving_ceiling: float = 10.0


class PollSchedule:
    """When to look at one rule again, from what its locks did since the last look.

    While locks move, the next look is when all of them should be OK at the rate seen (the
    files done since the last progress over the time it took), within ``fastest`` and
    ``moving_ceiling``: a rule that is about to finish is seen soon after, and a long
    transfer costs a look every few seconds, not one a second. While they do not move
    (all-or-nothing transfers, a stuck source), the waits grow by ``factor`` up to
    ``ceiling``, from ``first`` after the request; with the defaults that is no more looks
    in the first minute than a 1.5x backoff that also looked at once, and they come
    sooner in the first seconds, when a user watches.
    """

    def __init__(self, now: float, done: int = 0, timing: PollTiming | None = None) -> None:
        self.timing = timing or PollTiming()
        self.due_at = now + self.timing.first
        self._wait = self.timing.first
        self._progress_at = now  # the last time the done count rose (or the start)
        self._done = done

    def looked(self, now: float, done: int, total: int) -> float:
        """Record a look that found ``done`` of ``total`` locks OK; return when to look next
        (and keep it in ``due_at``)."""
        timing = self.timing
        if done > self._done:
            rate = (done - self._done) / max(now - self._progress_at, 1e-3)
            eta = max(total - done, 0) / rate
            wait = min(max(eta, timing.fastest), timing.moving_ceiling)
            self._progress_at, self._done = now, done
            self._wait = max(wait, timing.first)  # where the backoff resumes if it stalls
        else:
            wait = self._wait
            self._wait = min(self._wait * timing.factor, timing.ceiling)
        self.due_at = now + wait
        return self.due_at


def request_from_rule(did: str, rule: dict[str, Any]) -> Request:
    """A rule of Rucio's in the extension's vocabulary, with its lock counts."""
    ok = int(rule.get("locks_ok_cnt") or 0)
    replicating = int(rule.get("locks_replicating_cnt") or 0)
    stuck = int(rule.get("locks_stuck_cnt") or 0)
    state = str(rule.get("state"))
    mapped: Status
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


#: Covering rules in the order they are preferred.
_RULE_ORDER = {"OK": 0, "REPLICATING": 1, "INJECT": 2, "STUCK": 3, "SUSPENDED": 4}


class RuleTracker:
    """Replica mode's rules: reuse one that covers the destination, or add one; follow the
    rules in flight on one poller thread."""

    def __init__(
        self,
        service: Service,
        requests: Requests,
        destinations: Callable[[], set[str]],
        *,
        destination_rse: str | None,
        lifetime_days: int | None,
    ) -> None:
        self.service = service
        self.requests = requests
        self._destinations = destinations
        self.destination_rse = destination_rse
        self.lifetime_days = lifetime_days
        self._lock = threading.RLock()
        self._expression_rses: dict[str, set[str]] = {}
        self._wake = threading.Event()
        self._poller: threading.Thread | None = None
        self._closed = False
        self.timing = PollTiming()
        #: DID -> when to look at its rule again.
        self._schedules: dict[str, PollSchedule] = {}

    def rses_of(self, expression: str) -> set[str]:
        """The RSEs an expression selects (empty when it selects none); cached."""
        if expression not in self._expression_rses:
            try:
                self._expression_rses[expression] = set(self.service.rses(expression))
            except RucioWidgetsError:
                self._expression_rses[expression] = set()
        return self._expression_rses[expression]

    def covers(self, rule: dict[str, Any], account: str) -> bool:
        """Does ``rule`` (of ``account``) keep a copy on the destination? Decided by the
        RSEs its expression selects, not by its text: `NOTEBOOK_X|NOTEBOOK_Y` or
        `site=NOTEBOOK` cover a destination of NOTEBOOK_X as well."""
        if rule.get("account") != account:
            return False
        rses = self.rses_of(str(rule["rse_expression"]))
        return bool(rses) and rses <= self._destinations()

    def covering_rule(self, row: DIDRow, account: str) -> dict[str, Any] | None:
        if row.type == "FILE":
            rules = self.service.associated_rules(row.scope, row.name)
        else:
            rules = self.service.did_rules(row.scope, row.name)
        covering = [r for r in rules if self.covers(r, account)]
        covering.sort(key=lambda r: _RULE_ORDER.get(str(r.get("state")), 9))
        return covering[0] if covering else None

    def request(
        self,
        row: DIDRow,
        account: str,
        *,
        rse_expression: str | None = None,
        lifetime_days: int | None = None,
        grouping: str = "DATASET",
        asynchronous: bool = False,
        comment: str | None = None,
        ask_approval: bool = False,
    ) -> Request:
        """Reuse a rule of ``account`` that covers ``row`` on the destination, or add one
        (``ask_approval``: one that waits for an administrator, which needs a comment)."""
        if ask_approval and not (comment or "").strip():
            raise InvalidQueryError(
                "Asking for approval needs a comment.",
                "Say why you need the data (the administrators read it), e.g. comment='...'.",
            )
        expression = rse_expression or self.destination_rse
        if not expression:
            raise ConfigurationError(
                "Replica mode needs a destination: destination_rse is not set.",
                "Set destination_rse in [widgets] of rucio.cfg, or pass destination_rse=.",
            )
        if not self.rses_of(expression):
            raise ConfigurationError(
                f"The RSE expression `{expression}` matches no RSE.",
                "Check destination_rse (or the expression you typed).",
            )
        rule = None if rse_expression else self.covering_rule(row, account)
        if rule is None:
            lifetime = lifetime_days if lifetime_days is not None else self.lifetime_days
            rule_id = self.service.add_rule(
                row.scope,
                row.name,
                expression,
                lifetime=lifetime * 86400 if lifetime else None,
                grouping=grouping,
                asynchronous=asynchronous,
                comment=comment or "rucio-widgets",
                ask_approval=ask_approval,
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
        request = request_from_rule(row.did, rule)
        self.requests.set(request)
        self.kick(request)
        return request

    def retry(self, did: str) -> None:
        request = self.requests.get(did)
        if request is not None and request.kind == "rule" and request.rule_id:
            self.service.boost_rule(request.rule_id)
            retried = replace(request, state=REPLICATING, message="")
            self.requests.set(retried)
            self.kick(retried)

    def pick_up(self, account: str) -> None:
        """After a kernel restart: follow this account's unfinished rules to the
        destination (one call), so their state shows and nothing is requested twice."""
        if not self.destination_rse:
            return
        for rule in self.service.account_rules(account):
            if rule.get("state") != "OK" and self.covers(rule, account):
                request = request_from_rule(f"{rule['scope']}:{rule['name']}", rule)
                self.requests.set(request)
                self.kick(request)

    # --- polling --------------------------------------------------------------------------
    def kick(self, request: Request | None = None) -> None:
        """Follow ``request`` (its first look comes ``timing.first`` later: it was just
        read) and make sure the poller runs."""
        with self._lock:
            if request is not None:
                self._schedules[request.did] = PollSchedule(
                    time.monotonic(), request.done, self.timing
                )
            if self._poller is None or not self._poller.is_alive():
                self._poller = threading.Thread(
                    target=self._poll_loop, daemon=True, name="rucio-widgets poller"
                )
                self._poller.start()
        self._wake.set()

    def _in_flight(self) -> list[Request]:
        return [r for r in self.requests.all() if r.kind == "rule" and r.in_flight]

    def _schedule_of(self, request: Request, now: float) -> PollSchedule:
        schedule = self._schedules.get(request.did)
        if schedule is None:  # in flight without a kick (set by someone else): look soon
            schedule = self._schedules[request.did] = PollSchedule(now, request.done, self.timing)
        return schedule

    def _poll_loop(self) -> None:
        while not self._closed:
            self._wake.clear()
            with self._lock:
                active = self._in_flight()
                if not active:
                    self._poller = None
                    self._schedules.clear()
                    return
                now = time.monotonic()
                for did in set(self._schedules) - {r.did for r in active}:
                    del self._schedules[did]
                due = [r for r in active if self._schedule_of(r, now).due_at <= now]
            if due:
                self.poll(due)
                continue
            with self._lock:
                next_at = min(s.due_at for s in self._schedules.values())
            self._wake.wait(max(next_at - time.monotonic(), 0.0))

    def poll(self, active: Sequence[Request]) -> bool:
        """One look at each of ``active``: one rule call per request; whether anything
        changed. Each request's next look follows from what its locks did."""
        changed = False
        for index, request in enumerate(active):
            try:
                rule = self.service.get_rule(str(request.rule_id))
                self.requests.server_error = None
            except NotFoundError:
                self.requests.set(replace(request, state=STUCK, message="the rule was deleted"))
                changed = True
                continue
            except RucioWidgetsError as exc:
                self.requests.server_error = exc  # keep polling: the server may come back
                now = time.monotonic()
                with self._lock:  # all of them look again later, as after no progress
                    for waiting in active[index:]:
                        self._schedule_of(waiting, now).looked(now, waiting.done, waiting.total)
                break
            updated = request_from_rule(request.did, rule)
            now = time.monotonic()
            with self._lock:
                self._schedule_of(request, now).looked(now, updated.done, updated.total)
            if updated != request:
                changed = True
                self.requests.set(updated)
        return changed

    def close(self) -> None:
        self._closed = True
        self._wake.set()


@dataclass
class _Download:
    did: str
    files: list[DIDRow]
    done: int = 0  # files landed in the batches finished so far
    bytes_done: int = 0  # their bytes
    cancelled: threading.Event = field(default_factory=threading.Event)

    @property
    def bytes_total(self) -> int:
        return sum(row.bytes or 0 for row in self.files)


class Downloads:
    """Download mode's jobs: Rucio's DownloadClient into ``base/<scope>/``, one job at a
    time on one thread; files that ``is_local`` are skipped."""

    def __init__(
        self,
        service: Service,
        requests: Requests,
        base: Path,
        is_local: Callable[[DIDRow], bool],
    ) -> None:
        self.service = service
        self.requests = requests
        self.base = base
        self.is_local = is_local
        self._lock = threading.RLock()
        self._jobs: dict[str, _Download] = {}
        self._queue: list[_Download] = []
        self._thread: threading.Thread | None = None
        self._closed = False

    def request(self, did: str, files: Sequence[DIDRow]) -> Request:
        """Queue the files of ``did`` (a job already in flight is reused)."""
        with self._lock:
            current = self._jobs.get(did)
            known = self.requests.get(did)
            if (
                current is not None
                and not current.cancelled.is_set()
                and known is not None
                and known.in_flight
            ):
                return known
            job = _Download(did, list(files))
            self._jobs[did] = job
            self._queue.append(job)
        request = Request(
            did, "download", DOWNLOADING, done=0, total=len(files), bytes_total=job.bytes_total
        )
        self.requests.set(request)
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._loop, daemon=True, name="rucio-widgets downloads"
                )
                self._thread.start()
        return request

    def cancel(self, did: str) -> None:
        with self._lock:
            job = self._jobs.get(did)
        if job is not None:
            job.cancelled.set()
            request = self.requests.get(did)
            if request is not None and request.in_flight:
                self.requests.set(replace(request, state=FAILED, message="cancelled"))

    def _loop(self) -> None:
        while not self._closed:
            with self._lock:
                if not self._queue:
                    self._thread = None
                    return
                job = self._queue.pop(0)
            self._run(job)

    def _request(self, job: _Download, state: Status, **changes: Any) -> Request:
        values: dict[str, Any] = {
            "done": job.done,
            "total": len(job.files),
            "bytes_done": job.bytes_done,
            "bytes_total": job.bytes_total,
            **changes,
        }
        return Request(job.did, "download", state, **values)

    def _fail(self, job: _Download, message: str) -> None:
        self.requests.set(self._request(job, FAILED, message=message))

    def _landed(self, row: DIDRow) -> int | None:
        """The bytes of ``row`` when it is in place (None: not yet)."""
        if not self.is_local(row):
            return None
        return row.bytes if row.bytes is not None else self._size(self._target(row))

    def _target(self, row: DIDRow) -> Path:
        return self.base / row.scope / row.name

    @staticmethod
    def _size(path: Path) -> int:
        try:
            return os.path.getsize(path)
        except OSError:
            return 0

    def _partial(self, row: DIDRow) -> Path:
        """Where the download client writes ``row`` until its checksum is verified."""
        return self._target(row).with_name(row.name + ".part")

    def _batch_progress(self, batch: Sequence[DIDRow], *, partial: bool) -> tuple[int, int]:
        """(files landed, bytes arrived) of ``batch``: whole files, and with ``partial`` the
        ``.part`` files the download client is writing."""
        files = arrived = 0
        for row in batch:
            landed = self._landed(row)
            if landed is not None:
                files += 1
                arrived += landed
            elif partial:
                arrived += min(self._size(self._partial(row)), row.bytes or 0)
        return files, arrived

    def _watch(self, job: _Download, batch: Sequence[DIDRow], stop: threading.Event) -> None:
        """Report the files and bytes of ``batch`` while it downloads, when they change."""
        last = (-1, -1)
        while not stop.wait(PROGRESS_EVERY):
            if job.cancelled.is_set() or self._closed:
                return
            files, arrived = self._batch_progress(batch, partial=True)
            if (files, arrived) != last:
                last = (files, arrived)
                self.requests.set(
                    self._request(
                        job,
                        DOWNLOADING,
                        done=job.done + files,
                        bytes_done=job.bytes_done + arrived,
                    )
                )

    def _run(self, job: _Download) -> None:
        from rucio.client.downloadclient import DownloadClient

        try:
            self.base.mkdir(parents=True, exist_ok=True)
            downloader = DownloadClient(
                client=self.service.client, logger=_quiet_logger(), tracing=False
            )
        except Exception as exc:
            self._fail(job, translate(exc, doing="preparing the download").message)
            return
        failures: list[str] = []
        job.done = job.bytes_done = 0
        for start in range(0, len(job.files), DOWNLOAD_BATCH):
            if job.cancelled.is_set() or self._closed:
                return
            batch = job.files[start : start + DOWNLOAD_BATCH]
            todo = [r for r in batch if not self.is_local(r)]
            stop = threading.Event()
            watcher = threading.Thread(
                target=self._watch,
                args=(job, batch, stop),
                daemon=True,
                name="rucio-widgets download progress",
            )
            watcher.start()
            try:
                failures += self._download_batch(downloader, todo)
            finally:
                stop.set()
                watcher.join()
            for row in todo:  # a copy that broke off leaves nothing behind
                if not self.is_local(row):
                    self._partial(row).unlink(missing_ok=True)
            files, arrived = self._batch_progress(batch, partial=False)
            job.done += files
            job.bytes_done += arrived
            if not job.cancelled.is_set():
                self.requests.set(self._request(job, DOWNLOADING))
        if job.cancelled.is_set():
            return
        if all(self.is_local(row) for row in job.files):
            self.requests.set(self._request(job, AVAILABLE))
        else:
            missing = [row.did for row in job.files if not self.is_local(row)]
            reason = next((f for f in failures if f not in missing), None)  # said in words
            if reason is None:
                reason = (
                    f"{len(missing)} of {len(job.files)} files did not arrive (e.g. "
                    f"{missing[0] if missing else '?'}): the storage did not deliver them, "
                    "or not with their checksum"
                )
            self._fail(job, f"download failed: {reason}")

    def _download_batch(self, downloader: Any, todo: Sequence[DIDRow]) -> list[str]:
        """Download ``todo``; the failures, in words."""
        if not todo:
            return []
        items = [
            {"did": row.did, "base_dir": str(self.base / row.scope), "no_subdir": True}
            for row in todo
        ]
        try:
            results = downloader.download_dids(
                items, num_threads=2, deactivate_file_download_exceptions=True
            )
        except OSError as exc:  # disk full, permission denied in download_dir
            return [f"{exc.strerror or exc} in {self.base}"]
        except Exception as exc:
            return [translate(exc, doing="downloading").message]
        return [
            f"{r.get('scope')}:{r.get('name')}"
            for r in results
            if r.get("clientState") not in ("DONE", "ALREADY_DONE")
        ]

    def close(self) -> None:
        self._closed = True
        with self._lock:
            for job in self._jobs.values():
                job.cancelled.set()


def _quiet_logger() -> Any:
    return logging.getLogger("rucio_widgets.download").log
