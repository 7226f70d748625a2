"""A listing read to its end on a thread of its own, while its consumer takes what came.

Resolving a 100,000-file container lists its files (one stream, about 1.4 s on the sandbox)
and locates them (100 replica calls, about 30 s). Read in the consumer's thread, the listing
would wait for every locate, hold the server's stream open all that time, and show no path
before the whole listing has arrived. Read ahead, the listing drains at the server's pace and
the first files are located while the rest still come.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class ReadAhead(Generic[T]):
    """Iterates ``source`` on a daemon thread; iterating the ReadAhead yields its items in
    order as they arrive, then raises the source's error if it had one. ``close()`` (from any
    thread) stops both sides; ``stop_source`` stops a read in flight (a stream's close)."""

    def __init__(
        self,
        source: Iterable[T],
        stop_source: Callable[[], None] | None = None,
        *,
        name: str = "rucio-widgets-listing",
    ) -> None:
        self._items: deque[T] = deque()
        self._ready = threading.Condition()
        self._done = False
        self._closed = False
        self._error: BaseException | None = None
        self._stop_source = stop_source
        self._thread = threading.Thread(target=self._read, args=(source,), name=name, daemon=True)
        self._thread.start()

    def _read(self, source: Iterable[T]) -> None:
        try:
            for item in source:
                with self._ready:
                    if self._closed:
                        return
                    self._items.append(item)
                    self._ready.notify()
        except BaseException as exc:  # handed to the consumer, raised there
            with self._ready:
                self._error = exc
        finally:
            with self._ready:
                self._done = True
                self._ready.notify_all()

    def __iter__(self) -> Iterator[T]:
        while True:
            with self._ready:
                self._ready.wait_for(lambda: self._items or self._done or self._closed)
                if self._closed:
                    return
                if not self._items:
                    if self._error is not None:
                        raise self._error
                    return
                arrived = list(self._items)
                self._items.clear()
            for item in arrived:
                if self._closed:
                    return
                yield item

    def close(self) -> None:
        with self._ready:
            self._closed = True
            self._items.clear()
            self._ready.notify_all()
        if self._stop_source is not None:
            self._stop_source()

    @property
    def closed(self) -> bool:
        return self._closed

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the reading thread to end; whether it did."""
        self._thread.join(timeout)
        return not self._thread.is_alive()
