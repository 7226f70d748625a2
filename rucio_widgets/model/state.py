"""The model's state, how it is published, how errors are reported, and its workers.

``State`` is the small, typed state the widget syncs as traitlets. ``Store`` holds it and
tells ``ModelEvents`` about every change (the widget turns changes into traits and status
deltas into messages: the model never writes a wire message). ``Store.report`` is the one
path by which an error reaches the panel, and it shows each error once, whoever meets it.
``Workers`` runs Rucio calls off the caller's thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Protocol, TypeVar

from ..errors import NotSignedInError, RucioWidgetsError, translate
from ..protocol import (
    AuthState,
    Info,
    PanelError,
    PathsState,
    ResultsState,
    RowStatus,
    RuleInfo,
)

log = logging.getLogger("rucio_widgets.model")

T = TypeVar("T")


class ModelEvents(Protocol):
    """What the model tells its owner (the widget; nothing for ``resolve()``)."""

    def state_changed(self, changes: dict[str, Any]) -> None:
        """Some fields of ``State`` changed (name -> new value)."""

    def statuses_changed(self, updates: dict[str, RowStatus]) -> None:
        """Availability of some rows changed (DID -> status)."""

    def rules_changed(self, rules: list[RuleInfo]) -> None:
        """Rules the Rules pane watches changed state or locks."""


class NoEvents:
    def state_changed(self, changes: dict[str, Any]) -> None:
        pass

    def statuses_changed(self, updates: dict[str, RowStatus]) -> None:
        pass

    def rules_changed(self, rules: list[RuleInfo]) -> None:
        pass


def _results_state() -> ResultsState:
    return {"generation": 0, "loaded": 0, "complete": True}


def _paths_state() -> PathsState:
    return {"files": 0, "available": 0, "pending": 0}


@dataclass
class State:
    """What the view (and ``browser.<name>``) sees; every field is a synced trait except
    ``paths`` and ``unavailable``."""

    info: Info
    query: str = ""
    did_type: str = "all"
    filters: str = ""
    selected: list[str] = field(default_factory=list)
    scopes: list[str] = field(default_factory=list)
    busy: str = ""
    error: PanelError = field(default_factory=PanelError)
    auth: AuthState = field(default_factory=AuthState)
    paths: list[str] = field(default_factory=list)
    unavailable: list[str] = field(default_factory=list)
    results_state: ResultsState = field(default_factory=_results_state)
    paths_state: PathsState = field(default_factory=_paths_state)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


_FIELDS = frozenset(f.name for f in fields(State))


class Store:
    """The state, its publication, the busy label and error reporting; thread-safe."""

    def __init__(self, state: State, events: ModelEvents) -> None:
        self._state = state
        self.events = events
        self._lock = threading.RLock()
        self._busy: dict[int, str] = {}
        self._busy_counter = 0
        #: Shows missing or refused credentials (as the sign-in form, not a banner).
        self.on_signed_out: Callable[[NotSignedInError], None] = lambda error: None

    @property
    def state(self) -> State:
        return self._state

    def publish(self, **changes: Any) -> None:
        """Set fields of the state; the owner hears about the ones that changed."""
        unknown = set(changes) - _FIELDS
        if unknown:
            raise TypeError(f"State has no field {', '.join(sorted(unknown))}")
        with self._lock:
            changed = {k: v for k, v in changes.items() if getattr(self._state, k) != v}
            for name, value in changed.items():
                setattr(self._state, name, value)
        if changed:
            self.events.state_changed(changed)

    def statuses(self, updates: dict[str, RowStatus]) -> None:
        if updates:
            self.events.statuses_changed(updates)

    # --- busy -----------------------------------------------------------------------------
    def begin(self, label: str) -> int:
        """Show ``label`` as what is in flight; ``end(token)`` takes it back."""
        with self._lock:
            self._busy_counter += 1
            token = self._busy_counter
            self._busy[token] = label
        self.publish(busy=label)
        return token

    def relabel(self, token: int, label: str) -> None:
        """Change what ``token`` shows (progress of a long job)."""
        with self._lock:
            if token not in self._busy:
                return
            self._busy[token] = label
            shown = next(reversed(self._busy.values()))
        self.publish(busy=shown)

    def end(self, token: int) -> None:
        with self._lock:
            self._busy.pop(token, None)
            label = next(reversed(self._busy.values()), "") if self._busy else ""
        self.publish(busy=label)

    # --- errors ---------------------------------------------------------------------------
    def report(self, error: RucioWidgetsError) -> None:
        """Show ``error`` in the panel, once however often it is reported. Missing or
        refused credentials show as the sign-in form instead of a banner."""
        with self._lock:
            if error.reported:
                return
            error.reported = True
        if isinstance(error, NotSignedInError):
            self.on_signed_out(error)
        else:
            self.publish(error=error.to_panel())

    def clear_error(self) -> None:
        self.publish(error={})


class Workers:
    """Thread pools for Rucio calls. Page and details answers, badges, and path resolution
    each have their own, so none queues behind another."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.closed = False
        self.main = ThreadPoolExecutor(max_workers=4, thread_name_prefix="rucio-widgets")
        # Badges take Rucio calls per page of collections: workers of their own, so page
        # replies never queue behind them.
        self.badges = ThreadPoolExecutor(max_workers=2, thread_name_prefix="rucio-widgets-badges")
        self.paths = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rucio-widgets-paths")

    def run(
        self, fn: Callable[..., T], *args: Any, pool: ThreadPoolExecutor | None = None
    ) -> Future[T]:
        """Run ``fn`` on a worker; its result or exception is the future's (the caller
        reports). Raises RuntimeError once closed."""
        return (pool or self.main).submit(fn, *args)

    def background(
        self, fn: Callable[..., Any], *args: Any, pool: ThreadPoolExecutor | None = None
    ) -> None:
        """Run ``fn`` on a worker with no one waiting: its errors go to the panel."""

        def guarded() -> None:
            try:
                fn(*args)
            except Exception as exc:  # a worker never dies silently
                if not isinstance(exc, RucioWidgetsError):
                    log.exception("rucio-widgets worker failed")
                self.store.report(translate(exc))

        if not self.closed:
            (pool or self.main).submit(guarded)

    def close(self) -> None:
        self.closed = True
        for pool in (self.main, self.badges, self.paths):
            pool.shutdown(wait=False, cancel_futures=True)
