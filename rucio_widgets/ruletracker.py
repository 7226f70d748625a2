"""Replica mode's rules: reuse a rule that keeps a copy on the destination, or add one, and
follow the rules in flight.

``RuleTracker`` polls them on one thread, one rule call per request per poll, each rule on
a ``PollSchedule`` of its own (soon again while its locks move, later and later while they
do not), and sets what it sees in ``Requests``. It knows nothing of widgets or the model:
``ReplicaMode`` drives it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from .errors import (
    ConfigurationError,
    InvalidQueryError,
    NotFoundError,
    RucioWidgetsError,
)
from .protocol import REPLICATING, STUCK
from .service import DIDRow, Service
from .transfers import (
    PollSchedule,
    PollTiming,
    Request,
    Requests,
    request_from_rule,
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
