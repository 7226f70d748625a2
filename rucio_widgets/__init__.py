"""Browse, filter and fetch Rucio data from a notebook.

``RucioBrowser`` is the widget; the error types are what it (and the Python API) raise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .doctor import doctor
from .errors import (
    AuthenticationError,
    ConfigurationError,
    InvalidQueryError,
    NotAvailableError,
    NotFoundError,
    NotSignedInError,
    PermissionDeniedError,
    QuotaExceededError,
    ReadOnlyError,
    RucioWidgetsError,
    ServerUnavailableError,
    SidecarUnavailableError,
    StorageUnavailableError,
)
from .resolve import resolve, upload

if TYPE_CHECKING:
    from .widget import RucioBrowser

# The one place the version is set: pyproject.toml reads it ([tool.hatch.version]).
__version__ = "0.1.0"

__all__ = [
    "AuthenticationError",
    "ConfigurationError",
    "InvalidQueryError",
    "NotAvailableError",
    "NotFoundError",
    "NotSignedInError",
    "PermissionDeniedError",
    "QuotaExceededError",
    "ReadOnlyError",
    "RucioBrowser",
    "RucioWidgetsError",
    "ServerUnavailableError",
    "SidecarUnavailableError",
    "StorageUnavailableError",
    "doctor",
    "resolve",
    "upload",
]


def __getattr__(name: str) -> Any:
    # The widget module needs the built front end and anywidget; import it on first use so
    # the sandbox, the errors and the pure helpers work without them.
    if name == "RucioBrowser":
        from .widget import RucioBrowser

        return RucioBrowser
    raise AttributeError(f"module 'rucio_widgets' has no attribute {name!r}")
