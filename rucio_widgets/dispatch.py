"""The view's requests, dispatched through one table, each answered exactly once.

``HANDLERS`` maps each request kind of ``protocol.REQUESTS`` to a ``Handler``: the function
that starts the work (on the kernel's thread it only starts it; Rucio calls run on the
model's workers), whether it writes to Rucio or to disk, and whether the view shows its
errors in place. ``Dispatcher`` runs the table: every request with a ``request_id`` gets one
reply, its answer or its error; every failure is translated into the project's typed error
and reported once (the panel's banner, unless the view shows it in place).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import CancelledError as FutureCancelled
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, cast

from . import protocol
from .errors import CancelledError, InvalidQueryError, RucioWidgetsError, translate
from .model import BrowserModel
from .protocol import MakeOptions

log = logging.getLogger(__name__)

Answer = dict[str, Any] | None


@dataclass
class Call:
    """One request being handled."""

    model: BrowserModel
    content: dict[str, Any]
    stop: threading.Event = field(default_factory=threading.Event)  # set: the view gave up
    cancel: Callable[[int], None] = lambda request_id: None  # give up another request

    def text(self, key: str, default: str = "") -> str:
        return str(self.content.get(key, default))

    def number(self, key: str, default: int) -> int:
        try:
            return int(self.content.get(key, default))
        except (TypeError, ValueError):
            raise InvalidQueryError(
                f"`{key}` of a {self.text('type')} request is not a number.", ""
            ) from None


@dataclass(frozen=True)
class Handler:
    """How one request kind is answered."""

    run: Callable[[Call], Answer | Future[Any]]  # the answer, or a Future of it
    writes: bool = False  # writes to Rucio or to disk (refused in a read-only browser)
    inline_errors: bool = False  # the view shows errors in place: no banner


def make_options(raw: dict[str, Any], *, strict: bool = False) -> MakeOptions:
    """The make_available options set in ``raw`` (empty ones dropped), typed. ``strict``:
    an unknown option is an error (Python callers), not ignored (older views)."""
    known = MakeOptions.__annotations__
    unknown = sorted(set(raw) - set(known))
    if strict and unknown:
        raise InvalidQueryError(
            f"Unknown option `{unknown[0][:40]}` for make_available.",
            f"Known options: {', '.join(known)}.",
        )
    options = {k: raw[k] for k in known if raw.get(k) not in (None, "")}
    if "lifetime_days" in options:
        try:
            options["lifetime_days"] = int(options["lifetime_days"])
        except (TypeError, ValueError):
            raise InvalidQueryError(
                f"lifetime_days `{str(options['lifetime_days'])[:40]}` is not a whole number of "
                "days.",
                "Give a number such as 7.",
            ) from None
    return cast(MakeOptions, options)


# --- handlers ---------------------------------------------------------------------------------


def _search(call: Call) -> Answer:
    call.model.search(
        call.text("query"), call.text("did_type", "all"), call.text("filters"), wait=False
    )
    return {"generation": call.model.generation}


def _page(call: Call) -> Future[Any]:
    return call.model.request_page(
        call.text("source", protocol.RESULTS_SOURCE),
        call.number("offset", 0),
        call.number("limit", protocol.PAGE_SIZE),
        call.stop,
    )


def _details(call: Call) -> Future[Any]:
    return call.model.request_details(call.text("did"))


def _load_more(call: Call) -> Answer:
    call.model.load_more(wait=False)
    return None


def _select_all(call: Call) -> Answer:
    call.model.select_all()
    return None


def _cancel(call: Call) -> Answer:
    call.model.cancel()
    return None


def _cancel_request(call: Call) -> Answer:
    call.cancel(call.number("target", -1))
    return None


def _make_available(call: Call) -> Future[Any]:
    dids = [str(d) for d in call.content.get("dids") or []] or None
    options = make_options(call.content.get("options") or {})
    model = call.model

    def run() -> dict[str, Any]:
        return {"requested": [r.did for r in model.make_available(dids, options)]}

    return model.workers.run(run)


def _cancel_download(call: Call) -> Answer:
    call.model.cancel_download(call.text("did"))
    return None


def _sign_in(call: Call) -> Future[Any]:
    # The password or token lives in this message only: handed to the model, never
    # logged, never stored in a trait.
    fields = {
        key: (str(call.content[key]) if call.content.get(key) is not None else None)
        for key in ("account", "username", "password", "token")
    }
    model = call.model

    def run() -> dict[str, Any]:
        ok, message = model.sign_in(**fields)
        return {"ok": ok, "message": message}

    return model.workers.run(run)


def _sort(call: Call) -> Answer:
    by = call.content.get("by")
    state = call.model.sort(None if by is None else str(by), bool(call.content.get("descending")))
    return {"sort": state}


def _local_paths(call: Call) -> Future[Any]:
    did = call.text("did") or None
    return call.model.workers.run(call.model.local_paths, did)


def _remote_urls(call: Call) -> Future[Any]:
    did = call.text("did") or None
    return call.model.workers.run(call.model.remote_urls, did)


def _sign_out(call: Call) -> Answer:
    call.model.sign_out()
    return None


def _rules(call: Call) -> Future[Any]:
    desk = call.model.rules_desk
    return call.model.workers.run(
        desk.page,
        call.number("offset", 0),
        call.number("limit", protocol.RULES_PAGE_SIZE),
        call.text("state") or None,
        call.text("text") or None,
        bool(call.content.get("watch")),
    )


def _rule_action(call: Call) -> Future[Any]:
    action, rule_id = call.text("action"), call.text("rule_id")
    if action not in protocol.RULE_ACTIONS:
        raise InvalidQueryError(
            f"Unknown rule action `{action[:40]}`.",
            f"Use one of {', '.join(protocol.RULE_ACTIONS)}.",
        )
    model, desk = call.model, call.model.rules_desk
    if action != "examine":
        model.refuse_writes(f"{action} rules")

    def run() -> dict[str, Any]:
        if action == "examine":
            rule = desk.get(rule_id)
            return {"rule": rule.to_wire(), "note": "", "examine": desk.examine(rule_id)}
        if action == "extend":
            days = call.number("days", 0)
            return {
                "rule": desk.extend(rule_id, days).to_wire(),
                "note": f"Extended to {days} days.",
            }
        after, note = desk.boost(rule_id) if action == "boost" else desk.delete(rule_id)
        return {"rule": after.to_wire() if after else None, "note": note}

    return model.workers.run(run)


def _quotas(call: Call) -> Future[Any]:
    dids = [str(d) for d in call.content.get("dids") or []] or None
    return call.model.workers.run(call.model.check_quota, dids, call.text("rse_expression") or None)


def _upload(call: Call) -> Future[Any]:
    paths = [str(p) for p in call.content.get("paths") or [] if str(p).strip()]
    if not paths:
        raise InvalidQueryError("Nothing to upload.", "Type a path or a glob such as `out/*.root`.")
    dataset = call.text("dataset").strip() or None
    model = call.model
    future = model.start_upload(paths, dataset=dataset)
    answer: Future[Any] = Future()

    def done(finished: Future[list[str]]) -> None:
        error = finished.exception()
        if error is not None:
            answer.set_exception(error)
            return
        dids = finished.result()
        scope = dids[0].split(":", 1)[0] if dids else ""
        named = dataset if dataset is None or ":" in dataset else f"{scope}:{dataset}"
        answer.set_result({"dids": dids, "dataset": named})

    future.add_done_callback(done)
    return answer


#: Request kind -> handler. Covers exactly protocol.REQUESTS (a test checks it).
HANDLERS: dict[str, Handler] = {
    protocol.MSG_SEARCH: Handler(_search),
    protocol.MSG_PAGE: Handler(_page, inline_errors=True),
    protocol.MSG_DETAILS: Handler(_details, inline_errors=True),
    protocol.MSG_LOAD_MORE: Handler(_load_more),
    protocol.MSG_SELECT_ALL: Handler(_select_all),
    protocol.MSG_CANCEL: Handler(_cancel),
    protocol.MSG_CANCEL_REQUEST: Handler(_cancel_request),
    protocol.MSG_MAKE_AVAILABLE: Handler(_make_available, writes=True),
    protocol.MSG_CANCEL_DOWNLOAD: Handler(_cancel_download, writes=True),
    protocol.MSG_SIGN_IN: Handler(_sign_in, inline_errors=True),
    protocol.MSG_SIGN_OUT: Handler(_sign_out),
    protocol.MSG_RULES: Handler(_rules, inline_errors=True),
    protocol.MSG_RULE_ACTION: Handler(_rule_action, inline_errors=True),
    protocol.MSG_QUOTAS: Handler(_quotas, inline_errors=True),
    protocol.MSG_UPLOAD: Handler(_upload, writes=True, inline_errors=True),
    protocol.MSG_SORT: Handler(_sort),
    protocol.MSG_LOCAL_PATHS: Handler(_local_paths, inline_errors=True),
    protocol.MSG_REMOTE_URLS: Handler(_remote_urls, inline_errors=True),
}


class Dispatcher:
    """Runs HANDLERS for one widget: one reply per request, errors in one path."""

    def __init__(
        self, model: Callable[[], BrowserModel], send: Callable[[dict[str, Any]], None]
    ) -> None:
        self._model = model
        self._send = send
        self._lock = threading.Lock()
        self._pending: dict[int, threading.Event] = {}

    def on_message(self, content: dict[str, Any]) -> None:
        kind = str(content.get("type", ""))
        raw_id = content.get("request_id")
        request_id = raw_id if isinstance(raw_id, int) else None
        handler = HANDLERS.get(kind)
        if handler is None:
            log.debug("rucio-widgets: unknown message %r", kind)
            if request_id is not None:
                error = RucioWidgetsError(f"Unknown request `{kind[:50]}`.", "Reload the page.")
                self._send({"type": kind, "request_id": request_id, "error": error.to_panel()})
            return
        call = Call(self._model(), content, cancel=self.cancel)
        if request_id is not None:
            with self._lock:
                self._pending[request_id] = call.stop
        try:
            if handler.writes:
                call.model.refuse_writes(f"answer `{kind}`")
            result = handler.run(call)
        except Exception as exc:
            self._finish(kind, request_id, handler, exc)
            return
        if isinstance(result, Future):
            result.add_done_callback(
                lambda done: self._finish_future(kind, request_id, handler, done)
            )
        else:
            self._finish(kind, request_id, handler, None, result)

    def cancel(self, request_id: int) -> None:
        """The view gives up ``request_id``: its reply will be a CancelledError."""
        with self._lock:
            stop = self._pending.get(request_id)
        if stop is not None:
            stop.set()

    def _finish_future(
        self, kind: str, request_id: int | None, handler: Handler, done: Future[Any]
    ) -> None:
        try:
            answer = done.result()
        except (FutureCancelled, Exception) as exc:
            self._finish(kind, request_id, handler, exc)
            return
        self._finish(kind, request_id, handler, None, answer)

    def _finish(
        self,
        kind: str,
        request_id: int | None,
        handler: Handler,
        failure: BaseException | None,
        answer: Answer = None,
    ) -> None:
        """Reply once to ``request_id``: the answer, or the failure as the project's error."""
        stop = None
        if request_id is not None:
            with self._lock:
                stop = self._pending.pop(request_id, None)
        reply: dict[str, Any] = {"type": kind, "request_id": request_id}
        if failure is not None:
            if isinstance(failure, FutureCancelled) or (stop is not None and stop.is_set()):
                error: RucioWidgetsError = CancelledError("Cancelled.", "")
            else:
                error = translate(failure)
                if not isinstance(failure, RucioWidgetsError):
                    log.error("rucio-widgets: %s failed", kind, exc_info=failure)
                if not handler.inline_errors:
                    self._model().report(error)
            reply["error"] = error.to_panel()
        elif answer:
            reply.update(answer)
        if stop is not None:  # pending until now: this is its one reply
            self._send(reply)
