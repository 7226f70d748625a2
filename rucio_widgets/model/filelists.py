"""The files below collections and the datasets below containers, each listed once.

A collection's files are listed in one call and kept for the life of the browser (the
selection, the copy menu, make-available and the URL export all ask for them). The
selection's resolution reads them as they stream in (``streamed``); only a listing read to
its end is kept, so an interrupted one is listed again in full next time.
"""

from __future__ import annotations

import threading
from collections.abc import Generator, Sequence

from ..service import DIDRow, Service
from .listings import RowIndex
from .readahead import ReadAhead


class FileLists:
    def __init__(self, service: Service, index: RowIndex) -> None:
        self.service = service
        self.index = index
        self._lock = threading.Lock()
        self._files_of: dict[str, list[DIDRow]] = {}
        self._datasets_of: dict[str, list[DIDRow]] = {}
        self._listing: ReadAhead[DIDRow] | None = None  # the one in flight

    def of(self, row: DIDRow) -> list[DIDRow]:
        """The files of a collection (listed once), or the file itself."""
        if row.type == "FILE":
            return [row]
        if row.did not in self._files_of:
            self.keep(row, self.service.file_rows(row.scope, row.name))
        return self._files_of[row.did]

    def known(self, did: str) -> list[DIDRow] | None:
        """The files of ``did`` when they were listed (or remembered) already."""
        return self._files_of.get(did)

    def keep(self, row: DIDRow, files: list[DIDRow]) -> None:
        """Take ``files`` as the whole of ``row``'s (listed, or from the path cache)."""
        self.index.add(files)
        self._files_of[row.did] = files

    def dids_of(self, did: str) -> list[str]:
        """DIDs of the files of ``did`` as far as known (a file, or unlisted: itself)."""
        files = self._files_of.get(did)
        return [f.did for f in files] if files is not None else [did]

    def streamed(self, rows: Sequence[DIDRow]) -> Generator[DIDRow, None, None]:
        """The files of ``rows`` in order: known ones at once, a collection's others as its
        listing streams in (read ahead on a thread of its own, stopped by ``stop()``)."""
        for row in rows:
            if row.type == "FILE":
                yield row
                continue
            known = self._files_of.get(row.did)
            if known is not None:
                yield from known
                continue
            stream = self.service.files(row.scope, row.name)
            listing = ReadAhead((DIDRow.file_of(f) for f in stream), stream.close)
            with self._lock:
                self._listing = listing
            files: list[DIDRow] = []
            try:
                for file in listing:
                    files.append(file)
                    yield file
                whole = not listing.closed
            finally:
                listing.close()
            if not whole:  # stopped by a newer selection or by close(): not all of it
                return
            self.keep(row, files)

    def stop(self) -> None:
        """Stop reading the listing in flight (its resolution is stale)."""
        with self._lock:
            listing, self._listing = self._listing, None
        if listing is not None:
            listing.close()

    def groups(self, rows: Sequence[DIDRow]) -> list[tuple[str, list[DIDRow]]]:
        """The files of ``rows`` grouped by the dataset that holds them within them.

        A dataset is one group; a container one group per dataset below it (nested
        containers followed); a file is its own group. Each file counts once, in the first
        group that holds it.
        """
        seen: set[str] = set()
        groups: dict[str, list[DIDRow]] = {}
        for row in rows:
            for group, files in self._groups_below(row):
                fresh = [f for f in files if f.did not in seen]
                seen.update(f.did for f in fresh)
                if fresh:
                    groups.setdefault(group, []).extend(fresh)
        return list(groups.items())

    def _groups_below(self, row: DIDRow) -> list[tuple[str, list[DIDRow]]]:
        if row.type != "CONTAINER":
            return [(row.did, self.of(row))]
        return [(dataset.did, self.of(dataset)) for dataset in self._datasets_below(row)]

    def _datasets_below(self, row: DIDRow) -> list[DIDRow]:
        """The datasets below a container: one content listing per container level."""
        cached = self._datasets_of.get(row.did)
        if cached is not None:
            return cached
        found: list[DIDRow] = []
        todo, visited = [row], {row.did}
        while todo:
            parent = todo.pop(0)
            for child in self.service.content(parent.scope, parent.name):
                child_row = DIDRow.from_rucio(child)
                if child_row.did in visited:
                    continue
                visited.add(child_row.did)
                if child_row.type == "CONTAINER":
                    todo.append(child_row)
                elif child_row.type == "DATASET":
                    found.append(child_row)
        self.index.add(found)
        self._datasets_of[row.did] = found
        return found
