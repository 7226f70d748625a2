"""Download mode's jobs: Rucio's ``DownloadClient`` into the user's folder.

``Downloads`` runs one job at a time on one thread, in batches of DOWNLOAD_BATCH files, so
cancellation happens between batches; while a batch runs, a watcher reports each file that
lands and the bytes arrived so far (the client writes ``<name>.part`` and renames it once
its checksum matches). It knows nothing of widgets or the model: ``DownloadMode`` drives it.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .errors import translate
from .protocol import AVAILABLE, DOWNLOADING, FAILED, Status
from .service import DIDRow, Service
from .transfers import (
    Request,
    Requests,
)

#: Files per download-client call: cancellation happens between batches.
DOWNLOAD_BATCH = 10
#: Seconds between two looks at the files of a batch in flight (progress in files, bytes).
PROGRESS_EVERY = 0.25


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
