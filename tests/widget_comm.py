"""A dummy comm for widgets, the ipywidgets way: it records what the widget sends and
plays the view's part by delivering messages through the comm's own callback.

``ViewComm`` is installed by the ``view`` fixture (tests/conftest.py): every widget made
while it is active opens a ``RecordingComm``; ``view.of(widget)`` gives that widget's comm.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from typing import Any

from comm.base_comm import BaseComm

_ids = itertools.count(1)


class RecordingComm(BaseComm):
    """A comm with no kernel behind it: sends are recorded, receives are delivered."""

    def __init__(self, **kwargs: Any) -> None:
        self.sent: list[dict[str, Any]] = []  # custom message contents, in order
        self.states: list[dict[str, Any]] = []  # state updates sent
        self._cond = threading.Condition()
        self._callback: Callable[[dict[str, Any]], None] | None = None
        kwargs.setdefault("comm_id", f"test-comm-{next(_ids)}")
        super().__init__(**kwargs)

    def publish_msg(
        self,
        msg_type: str,
        data: Any = None,
        metadata: Any = None,
        buffers: Any = None,
        **keys: Any,
    ) -> None:
        if msg_type != "comm_msg" or not isinstance(data, dict):
            return
        with self._cond:
            if data.get("method") == "custom":
                self.sent.append(data["content"])
            elif data.get("method") == "update":
                self.states.append(data.get("state", {}))
            self._cond.notify_all()

    def on_msg(self, callback: Callable[[dict[str, Any]], None] | None) -> None:
        self._callback = callback

    # --- the view's side ------------------------------------------------------------------
    def deliver(self, content: dict[str, Any]) -> None:
        """The view sends ``content`` (a custom message)."""
        assert self._callback is not None, "the widget did not register a message handler"
        self._callback(
            {"content": {"data": {"method": "custom", "content": content}}, "buffers": []}
        )

    def wait_for(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 30
    ) -> dict[str, Any]:
        """The first message sent (so far or within ``timeout``) that ``predicate`` accepts."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for message in self.sent:
                    if predicate(message):
                        return message
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"no such message within {timeout} s; sent: {self.sent[-5:]}"
                    )
                self._cond.wait(remaining)

    def reply_to(self, request_id: int, timeout: float = 30) -> dict[str, Any]:
        return self.wait_for(lambda m: m.get("request_id") == request_id, timeout)

    def replies_to(self, request_id: int) -> list[dict[str, Any]]:
        with self._cond:
            return [m for m in self.sent if m.get("request_id") == request_id]

    def request(self, content: dict[str, Any], timeout: float = 30) -> dict[str, Any]:
        """Send a request with a fresh request_id and return its reply."""
        request_id = next(_ids) + 1_000_000
        self.deliver({**content, "request_id": request_id})
        return self.reply_to(request_id, timeout)


class ViewComm:
    """Makes every widget created meanwhile open a RecordingComm."""

    def __init__(self) -> None:
        self.comms: list[RecordingComm] = []

    def create_comm(self, *args: Any, **kwargs: Any) -> RecordingComm:
        made = RecordingComm(**kwargs)
        self.comms.append(made)
        return made

    @staticmethod
    def of(widget: Any) -> RecordingComm:
        comm = widget.comm
        assert isinstance(comm, RecordingComm), "make the widget while the view fixture is active"
        return comm
