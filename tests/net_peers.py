"""Misbehaving network peers on 127.0.0.1, for the failures real hubs meet: a proxy in
front of the real sandbox server that goes silent on some paths, serves each connection
late, or answers with an HTML error page or broken JSON. Real sockets and the real Rucio
server behind them; nothing here imitates Rucio itself.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlparse


@dataclass
class Misbehaviour:
    #: requests whose path starts with one of these are read and never answered
    silent: tuple[str, ...] = ()
    #: requests whose path starts with one of these get this raw HTTP answer instead
    answers: dict[str, bytes] = field(default_factory=dict)
    #: seconds each new connection waits before it is served
    delay: float = 0.0


def raw_answer(status: str, content_type: str, body: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nConnection: close\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


#: What a failing nginx in front of Rucio answers.
HTML_500 = raw_answer(
    "500 Internal Server Error", "text/html", b"<html><h1>Bad Gateway</h1></html>"
)
#: A login page where Rucio's JSON lines were expected.
NOT_JSON_200 = raw_answer("200 OK", "application/x-json-stream", b"<html>please log in</html>\n")


class Proxy:
    """Forwards HTTP to ``target`` one request per connection (it asks for
    ``Connection: close``), misbehaving as told; ``stop()`` closes everything."""

    def __init__(self, target: str, how: Misbehaviour | None = None) -> None:
        parsed = urlparse(target)
        self.upstream = (parsed.hostname or "127.0.0.1", parsed.port or 80)
        self.how = how or Misbehaviour()
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self.silenced = 0  # requests held silent so far
        threading.Thread(target=self._accept, daemon=True, name="test proxy").start()

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                conn, _ = self._server.accept()
            except OSError:
                return
            with self._lock:
                self._open.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            if self.how.delay:
                time.sleep(self.how.delay)
            head, body = _read_request(conn)
            if head is None:
                return
            path = head.split(b" ", 2)[1].decode("latin-1")
            if any(path.startswith(p) for p in self.how.silent):
                self.silenced += 1
                self._stopped.wait()  # hold the connection open, say nothing
                return
            for prefix, answer in self.how.answers.items():
                if path.startswith(prefix):
                    conn.sendall(answer)
                    return
            self._forward(conn, _closing(head) + body)
        except OSError:
            return
        finally:
            conn.close()

    def _forward(self, conn: socket.socket, request: bytes) -> None:
        with socket.create_connection(self.upstream) as up:
            up.sendall(request)
            while chunk := up.recv(65536):
                conn.sendall(chunk)

    def stop(self) -> None:
        self._stopped.set()
        self._server.close()
        with self._lock:
            for conn in self._open:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
                conn.close()

    def __enter__(self) -> Proxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _read_request(conn: socket.socket) -> tuple[bytes | None, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None, b""
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head, body


def _closing(head: bytes) -> bytes:
    lines = [
        line
        for line in head.split(b"\r\n")
        if not line.lower().startswith((b"connection:", b"keep-alive:"))
    ]
    return b"\r\n".join([*lines, b"Connection: close"]) + b"\r\n\r\n"


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
