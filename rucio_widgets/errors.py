"""The project's exceptions, and the translation of Rucio's into words a user can act on.

Every error the browser shows or raises is a ``RucioWidgetsError`` with a ``message`` (what
went wrong) and a ``hint`` (what to do next). ``translate`` maps the Rucio client's typed
exceptions (and connection failures) onto that hierarchy; the panel shows the same text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .dids import InvalidDIDError
from .filters import FilterSyntaxError
from .protocol import ECHO_LIMIT
from .words import clip


class RucioWidgetsError(Exception):
    """Base of every error rucio-widgets raises."""

    default_hint = ""

    def __init__(self, message: str, hint: str | None = None) -> None:
        self.message = message
        self.hint = self.default_hint if hint is None else hint
        #: Shown in the panel already: whoever meets it again does not show it twice.
        self.reported = False
        super().__init__(f"{message} {self.hint}".strip())

    def to_panel(self) -> dict[str, str]:
        """What the panel's error banner shows."""
        return {"message": self.message, "hint": self.hint, "kind": type(self).__name__}


class ConfigurationError(RucioWidgetsError):
    """A setting is missing or wrong; the message names it."""


class InvalidQueryError(RucioWidgetsError, ValueError):
    """The search text or a filter cannot be understood."""


class AuthenticationError(RucioWidgetsError):
    default_hint = "Check the account and credentials in rucio.cfg, then try again."


class NotSignedInError(AuthenticationError):
    """No usable credentials (none given, rejected, or expired): the panel asks to sign in."""

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        auth_type: str = "userpass",
        expired: bool = False,
    ) -> None:
        super().__init__(message, hint)
        self.auth_type = auth_type
        self.expired = expired


class ServerUnavailableError(RucioWidgetsError):
    default_hint = "Check that the Rucio server is up and reachable, then try again."


class NotFoundError(RucioWidgetsError, LookupError):
    pass


class StorageUnavailableError(RucioWidgetsError):
    """An RSE's storage did not take or give the bytes (down, refused, cut off)."""

    default_hint = (
        "Try again once the storage answers (files already there are skipped), or use "
        "another RSE (rse=)."
    )


class PermissionDeniedError(RucioWidgetsError):
    default_hint = "Ask the Rucio administrators for the permission, or use your own scope."


class ReadOnlyError(PermissionDeniedError):
    """The browser is read-only (``read_only = true``): nothing that writes to Rucio or to
    disk runs."""

    default_hint = (
        "This browser is read-only (read_only in [widgets] of rucio.cfg, or the keyword): "
        "open your own RucioBrowser() to make data available."
    )


class SidecarUnavailableError(ConfigurationError):
    """``browser.sidecar()`` needs the ``sidecar`` package (and its JupyterLab extension);
    JupyterLab's own docked view needs neither."""

    default_hint = (
        "Right-click the panel's output and choose `Create New View for Cell Output`: "
        "JupyterLab docks the panel beside the notebook, no extension needed. For a sidecar, "
        "`pip install sidecar` where JupyterLab runs and restart it."
    )


class QuotaExceededError(RucioWidgetsError):
    default_hint = "Free space (remove old rules) or ask for a larger quota on that RSE."


class NotAvailableError(RucioWidgetsError):
    """Some selected files have no local path (yet); ``missing`` maps DID -> state."""

    def __init__(
        self, message: str, hint: str | None = None, missing: dict[str, str] | None = None
    ) -> None:
        super().__init__(message, hint)
        self.missing = dict(missing or {})


class CancelledError(RucioWidgetsError):
    """The work was cancelled (a newer search replaced it)."""


def _rucio_exceptions() -> Any:
    from rucio.common import exception

    return exception


def _details(exc: BaseException) -> str:
    """Rucio's own message without its generic first line."""
    text = str(exc).strip()
    if "Details:" in text:
        text = text.split("Details:", 1)[1].strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    # the messages end with their own full stop
    return clip(first.rstrip(". "), 2 * ECHO_LIMIT)  # the server may echo a whole query back


_CHECK_RSE = "Check destination_rse (or the RSE expression you typed)."

#: Rucio's exception (by class name, most specific first) -> our error, given
#: (where: " while ...", details: Rucio's own words, auth_type).
_RUCIO_ERRORS: tuple[tuple[str, Callable[[str, str, str], RucioWidgetsError]], ...] = (
    (
        "CannotAuthenticate",
        lambda where, details, auth: NotSignedInError(
            f"Rucio did not accept the credentials{where}: {details}.",
            "Sign in again (or fix the credentials in rucio.cfg).",
            auth_type=auth,
        ),
    ),
    (
        "NoAuthInformation",
        lambda where, details, auth: NotSignedInError(
            f"Sign in: {details}.", "Enter your credentials.", auth_type=auth
        ),
    ),
    (
        "DataIdentifierNotFound",
        lambda where, details, auth: NotFoundError(
            f"Not found{where}: {details}.", "Check the scope and name (it may have been deleted)."
        ),
    ),
    (
        "RuleNotFound",
        lambda where, details, auth: NotFoundError(
            f"No such rule{where}: {details}.",
            "The rule may have been deleted; browser.rules() lists yours.",
        ),
    ),
    (
        "ScopeNotFound",
        lambda where, details, auth: NotFoundError(
            f"Unknown scope{where}: {details}.", "Pick a scope from the list."
        ),
    ),
    (
        "AccessDenied",
        lambda where, details, auth: PermissionDeniedError(
            f"Rucio refused this{where}: {details}."
        ),
    ),
    (
        "InsufficientAccountLimit",
        lambda where, details, auth: QuotaExceededError(f"Over quota{where}: {details}."),
    ),
    (
        "RSENotFound",
        lambda where, details, auth: ConfigurationError(
            f"Unknown RSE{where}: {details}.", _CHECK_RSE
        ),
    ),
    (
        "InvalidRSEExpression",
        lambda where, details, auth: ConfigurationError(
            f"The RSE expression matches no RSE{where}: {details}.", _CHECK_RSE
        ),
    ),
    (
        "InvalidMetadata",
        lambda where, details, auth: InvalidQueryError(
            f"The server does not know a filter key{where}: {details}.",
            "Use keys such as datatype, run_number, project, events.",
        ),
    ),
    (
        "UnsupportedOperation",
        lambda where, details, auth: InvalidQueryError(f"Rucio cannot do this{where}: {details}."),
    ),
    (
        "InvalidObject",
        lambda where, details, auth: InvalidQueryError(
            f"Rucio rejected the request{where}: {details}."
        ),
    ),
    (
        "ConfigNotFound",
        lambda where, details, auth: ConfigurationError(
            f"No rucio.cfg found{where}.",
            "Set RUCIO_CONFIG to your rucio.cfg, or pass rucio_host= and account= to the browser.",
        ),
    ),
)


def translate(
    exc: BaseException, *, doing: str = "", auth_type: str = "userpass"
) -> RucioWidgetsError:
    """A RucioWidgetsError for ``exc`` (raised by the Rucio client while ``doing`` ...)."""
    if isinstance(exc, RucioWidgetsError):
        return exc
    if isinstance(exc, (InvalidDIDError, FilterSyntaxError)):
        return InvalidQueryError(str(exc), "")
    where = f" while {doing}" if doing else ""
    try:
        rex = _rucio_exceptions()
    except ImportError:  # pragma: no cover - rucio-clients is a dependency
        return RucioWidgetsError(f"{type(exc).__name__}{where}: {exc}")
    details = _details(exc)
    for name, make in _RUCIO_ERRORS:
        if isinstance(exc, getattr(rex, name)):
            return make(where, details, auth_type)
    if _is_certificate_error(exc):
        return ServerUnavailableError(
            f"The server's TLS certificate is not trusted{where}: {exc}.",
            "Set ca_cert in rucio.cfg [client] (or rucio_ca_cert of the instance) to the CA "
            "bundle that signed it.",
        )
    if isinstance(exc, rex.ServerConnectionException) or _is_connection_error(exc):
        return ServerUnavailableError(f"Cannot reach the Rucio server{where}.")
    if isinstance(exc, rex.RucioException):
        return RucioWidgetsError(f"Rucio answered with an error{where}: {details}.")
    return RucioWidgetsError(
        f"Unexpected {type(exc).__name__}{where}: {exc}",
        "This looks like a bug in rucio-widgets; please report it.",
    )


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def is_timeout(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) is a request that waited too long."""
    return any("Timeout" in type(e).__name__ or "timed out" in str(e) for e in _chain(exc))


def looks_like_html(text: str) -> bool:
    head = text.lstrip()[:200].lower()
    return head.startswith("<") and ("html" in head or "<h1" in head or "<body" in head)


def silent_server(host: str, seconds: float, doing: str = "") -> ServerUnavailableError:
    """The error for a server that accepted the request and did not answer in time."""
    where = f" while {doing}" if doing else ""
    return ServerUnavailableError(
        f"The Rucio server {host} did not answer within {seconds:g} s{where}.",
        "It may be overloaded, or a proxy in front of it is stuck: try again, or raise "
        "request_timeout in [widgets] of rucio.cfg.",
    )


def garbled_answer(
    host: str, status: int | None, body: bytes | str, doing: str = ""
) -> ServerUnavailableError:
    """The error for an answer that is not Rucio's (an HTML error page, broken JSON)."""
    where = f" while {doing}" if doing else ""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    if looks_like_html(text):
        looks = "an HTML page"
    elif text:
        looks = "text that is not Rucio's JSON"
    else:
        looks = "an answer that is not Rucio's"
    answered = f"answered HTTP {status}" if status else "answered"
    return ServerUnavailableError(
        f"The server {host} {answered} with {looks}{where}.",
        "Something in front of Rucio (a proxy, a login page) or the server itself is failing: "
        "try again later, or tell its administrators.",
    )


def _is_connection_error(exc: BaseException) -> bool:
    names = {cls.__name__ for cls in type(exc).__mro__}
    return bool(
        names
        & {
            "ConnectionError",
            "ConnectError",
            "ReadTimeout",
            "ConnectTimeout",
            "RemoteProtocolError",
            "Timeout",
            "TimeoutException",
        }
    )


def _is_certificate_error(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        name = type(seen).__name__
        if "CERTIFICATE_VERIFY_FAILED" in str(seen) or name == "SSLCertVerificationError":
            return True
        seen = seen.__cause__ or seen.__context__
    return False
