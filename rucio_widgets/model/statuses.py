"""Where files are, and the availability badge of every row.

``LocalPaths`` caches DID -> local path (None: not available) across selections and badges;
``Statuses`` works badges out in bulk for rows that were shown, overlays what requests in
flight say, and publishes them as deltas.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence

from ..availability import file_status
from ..modes import AvailabilityMode, Located
from ..protocol import AVAILABLE, RowStatus
from ..service import DIDRow
from ..transfers import Requests
from .state import Store


class LocalPaths:
    """DID -> local path of files located so far, asked of the mode only once each."""

    def __init__(self, mode: AvailabilityMode) -> None:
        self.mode = mode
        self._lock = threading.Lock()
        self._paths: Located = {}

    def known(self, did: str) -> bool:
        return did in self._paths

    def get(self, did: str) -> str | None:
        return self._paths.get(did)

    def locate(self, files: Sequence[DIDRow]) -> None:
        """Locate the files whose place is not known yet (bulk)."""
        unknown = [f for f in files if f.did not in self._paths]
        if not unknown:
            return
        located = self.mode.locate(unknown)
        with self._lock:
            self._paths.update(located)

    def seed(self, located: Located) -> None:
        """Take paths known from elsewhere (the path cache); what is known stays."""
        with self._lock:
            for did, path in located.items():
                self._paths.setdefault(did, path)

    def replace(self, located: Located) -> bool:
        """Set these files' paths (a fresh look); whether anything changed."""
        with self._lock:
            changed = any(self._paths.get(d, "?") != p for d, p in located.items())
            self._paths.update(located)
        return changed

    def forget(self, dids: Iterable[str]) -> None:
        """Forget where these files are (data arrived: look again)."""
        with self._lock:
            for did in dids:
                self._paths.pop(did, None)


class Statuses:
    """The availability of rows, worked out in bulk and sent as deltas."""

    def __init__(
        self, store: Store, mode: AvailabilityMode, paths: LocalPaths, requests: Requests
    ) -> None:
        self.store = store
        self.mode = mode
        self.paths = paths
        self.requests = requests
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._by_did: dict[str, RowStatus] = {}

    def wait(self, did: str, timeout: float | None) -> RowStatus | None:
        """The status of ``did`` once it is known (None when ``timeout`` passes first)."""
        with self._changed:
            self._changed.wait_for(lambda: did in self._by_did, timeout)
            return self._by_did.get(did)

    def get(self, did: str) -> RowStatus | None:
        return self._by_did.get(did)

    def known(self, did: str) -> bool:
        return did in self._by_did

    def update(self, updates: dict[str, RowStatus], *, send: bool = True) -> None:
        if not updates:
            return
        with self._changed:
            self._by_did.update(updates)
            self._changed.notify_all()
        if send:
            self.store.statuses(updates)

    def annotate(
        self, rows: Sequence[DIDRow], cancelled: Callable[[], bool] = lambda: False
    ) -> None:
        """Work out the badges of ``rows`` (freshly shown), in bulk, and send them; nothing
        when ``cancelled()`` says their listing was replaced."""
        if not rows or cancelled():
            return
        updates: dict[str, RowStatus] = {}
        files = [r for r in rows if r.type == "FILE"]
        if files:
            self.paths.locate(files)
            for row in files:
                updates[row.did] = file_status(self.paths.get(row.did) is not None)
        collections = [r for r in rows if r.type != "FILE"]
        updates.update(self.mode.statuses(collections))
        for row in rows:
            request = self.requests.get(row.did)
            if request is not None and updates.get(row.did, {}).get("status") != AVAILABLE:
                updates[row.did] = request.row_status()
        self.update(updates)
