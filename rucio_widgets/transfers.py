"""What making data available sets in motion, as every part sees it: requests and when to
look at them again.

A ``Request`` follows one DID the user asked for. ``Requests`` is the registry every part
reads (badges, ``wait()``); it tells its listener about each change. ``PollSchedule`` says
when a rule in flight is looked at next (soon again while its locks move, later and later
while they do not); ``Backoff`` is the plain growing wait. The workers that set requests
are ``ruletracker.RuleTracker`` (replica mode) and ``downloads.Downloads`` (download mode).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import RucioWidgetsError
from .protocol import AVAILABLE, DOWNLOADING, REPLICATING, STUCK, RowStatus, Status


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

    #: The wait before the first look after a request (the rule was read when it was
    #: made), and between the looks of the first seconds ...
    first: float = 1.0
    #: ... for this many waits in all: a rule that completes within seconds (a small
    #: dataset, a copy within a site) is seen within ``first`` of it.
    quick: int = 4
    #: Then, while locks do not move, each wait is this much longer than the one before ...
    factor: float = 2.2
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
    (all-or-nothing transfers, a stuck source), the first ``quick`` waits are ``first``
    (looks at 1, 2, 3 and 4 s with the defaults: when a user watches, and when small rules
    complete), then they grow by ``factor`` up to ``ceiling`` (6.2, 11, 21.7, 45 s ...).
    That is no more looks in the first 20 s (6) and the first minute (8) than a 1.5x backoff
    that also looked at once, and once a minute after that, as it.
    """

    def __init__(self, now: float, done: int = 0, timing: PollTiming | None = None) -> None:
        self.timing = timing or PollTiming()
        self.due_at = now + self.timing.first
        self._quick = self.timing.quick - 1  # waits of `first` still to come
        self._wait = min(self.timing.first * self.timing.factor, self.timing.ceiling)
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
            self._quick = 0
        elif self._quick > 0:
            self._quick -= 1
            wait = timing.first
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
