"""Serve Rucio's REST API over HTTPS with optional client certificates (server env only).

What Apache with mod_ssl does in a real deployment, in little: the server presents its
certificate, asks the client for one (optional: userpass and token requests come without),
verifies it against the sandbox's CA (RFC 3820 proxies allowed), and hands the application
the client's subject as ``SSL_CLIENT_S_DN``, the variable Rucio's x509 authentication reads.
werkzeug's development server puts the verified peer certificate in the WSGI environ as
``SSL_CLIENT_CERT`` (PEM); the wrapper below derives the mod_ssl variables from it.

A certificate that fails verification (expired, unknown issuer) ends the TLS handshake, so a
request that reaches Rucio carries either no certificate or a verified one.

Run with RUCIO_CONFIG pointing at the sandbox's server configuration.
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import ssl
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any

from cryptography import x509
from werkzeug.serving import WSGIRequestHandler

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WsgiApp = Callable[[Environ, StartResponse], Iterable[bytes]]

#: Set from the connection only; anything else under these names is dropped.
_SSL_VARIABLES = ("SSL_CLIENT_S_DN", "SSL_CLIENT_I_DN", "SSL_CLIENT_VERIFY")


class ClientCertificateEnviron:
    """WSGI middleware: mod_ssl's SSL_CLIENT_* variables from werkzeug's SSL_CLIENT_CERT."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        for name in _SSL_VARIABLES:
            environ.pop(name, None)
        pem = environ.get("SSL_CLIENT_CERT")
        if pem:
            cert = x509.load_pem_x509_certificate(str(pem).encode("ascii"))
            # RFC 4514 (last RDN first), mod_ssl's default format since Apache 2.3.11.
            environ["SSL_CLIENT_S_DN"] = cert.subject.rfc4514_string()
            environ["SSL_CLIENT_I_DN"] = cert.issuer.rfc4514_string()
            environ["SSL_CLIENT_VERIFY"] = "SUCCESS"
        else:
            environ["SSL_CLIENT_VERIFY"] = "NONE"
        return self.app(environ, start_response)


class _HandshakeInHandlerContext(ssl.SSLContext):
    """Accepted connections shake hands in their own thread (``_TlsRequestHandler``).

    werkzeug wraps the listening socket; by default each accepted connection then completes
    the TLS handshake inside ``accept()``, in the one thread that accepts, so a client that
    connects and stalls would hold up every other one.
    """

    def wrap_socket(self, sock: Any, *args: Any, **kwargs: Any) -> Any:
        kwargs["do_handshake_on_connect"] = False
        return super().wrap_socket(sock, *args, **kwargs)


class _TlsRequestHandler(WSGIRequestHandler):
    #: A client that connects and never finishes the handshake is dropped after this.
    handshake_timeout = 30.0

    def handle(self) -> None:
        try:
            self.connection.settimeout(self.handshake_timeout)
            self.connection.do_handshake()
            self.connection.settimeout(None)
        except (ssl.SSLError, OSError) as exc:
            self.log_error("TLS handshake failed: %s", exc)
            _linger(self.connection)
            return
        super().handle()


def _linger(connection: socket.socket) -> None:
    """Half-close, and read what the client still sends before closing (as Apache does).

    With TLS 1.3 the client sends its request before it learns that its certificate was
    refused; closing with those bytes unread resets the connection, and the client would
    see "EOF occurred in violation of protocol" instead of the server's alert ("certificate
    expired", "unknown ca").
    """
    with contextlib.suppress(OSError):
        connection.settimeout(1.0)
        connection.shutdown(socket.SHUT_WR)
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline and connection.recv(65536):
            pass


def ssl_context(cert: str, key: str, ca: str) -> ssl.SSLContext:
    context = _HandshakeInHandlerContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.load_verify_locations(cafile=ca)
    context.verify_mode = ssl.CERT_OPTIONAL
    context.verify_flags |= ssl.VERIFY_ALLOW_PROXY_CERTS
    return context


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--ca", required=True)
    args = parser.parse_args()

    from rucio.web.rest.flaskapi.v1.main import application
    from werkzeug.serving import run_simple

    run_simple(
        args.host,
        args.port,
        ClientCertificateEnviron(application),
        threaded=True,
        request_handler=_TlsRequestHandler,
        ssl_context=ssl_context(args.cert, args.key, args.ca),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
