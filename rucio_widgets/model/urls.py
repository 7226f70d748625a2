"""Remote-read URLs: one ``root://`` (or ``davs://``, ``https://``) URL per selected file.

For analyses that read the bytes where they are (uproot, the XRootD bindings, fsspec)
rather than from a local path, whatever the availability mode. Worked out on demand, on a
worker: the selection's files (each collection listed once), then their replicas in bulk,
``list_replicas(..., schemes=REMOTE_SCHEMES, sort="random")``, 1,000 files a call. Any
AVAILABLE replica serves, and the server's random order spreads readers over the RSEs
that have one. A file that no RSE serves over these protocols has no URL (``missing``).
The answer is kept until the selection changes or a request of the browser moves data.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..service import DIDRow, Service
from .selection import Selection

#: The protocols a reader can open remotely, in the order they are preferred on an RSE.
REMOTE_SCHEMES = ("root", "davs", "https")


@dataclass(frozen=True)
class RemoteUrls:
    """DID -> URL of the selected files that have one (selection order), and the rest."""

    urls: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)


def pick_url(pfns: dict[str, list[str]]) -> str | None:
    """One URL among an answer's PFNs (RSE -> PFNs): the first RSE's (the server shuffled
    them), its PFN of the most preferred scheme."""
    for found in pfns.values():
        for scheme in REMOTE_SCHEMES:
            for pfn in found:
                if pfn.startswith(f"{scheme}://"):
                    return pfn
    return None


class Urls:
    def __init__(self, service: Service, selection: Selection) -> None:
        self.service = service
        self.selection = selection
        self._lock = threading.Lock()
        self._cached: tuple[tuple[str, ...], RemoteUrls] | None = None

    def forget(self) -> None:
        """Data moved (a rule or a download changed): ask Rucio again next time."""
        with self._lock:
            self._cached = None

    def compute(self) -> RemoteUrls:
        """The URLs of the selection's files (Rucio calls: run it on a worker)."""
        selected = tuple(self.selection.selected)
        with self._lock:
            if self._cached is not None and self._cached[0] == selected:
                return self._cached[1]
        answer = self.of_files(self.selection.files())
        with self._lock:
            self._cached = (selected, answer)
        return answer

    def of_did(self, did: str) -> RemoteUrls:
        """The URLs of one DID's files: a file's own, or a collection's (not cached)."""
        return self.of_files(self.selection.files_below(self.selection.row_of(did)))

    def of_files(self, files: Sequence[DIDRow]) -> RemoteUrls:
        """One URL per file that an RSE serves remotely: replicas in bulk, in file order."""
        found: dict[str, str] = {}
        for replicas in self.service.replicas(
            [(f.scope, f.name) for f in files], None, schemes=REMOTE_SCHEMES
        ):
            url = pick_url(replicas.pfns)
            if url is not None:
                found[replicas.did] = url
        return RemoteUrls(
            {f.did: found[f.did] for f in files if f.did in found},
            [f.did for f in files if f.did not in found],
        )
