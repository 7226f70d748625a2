"""The message kinds and payload shapes shared by ``widget.py`` and ``js/protocol.js``.

Data flows one way: the view sends *intents* (search, page, details, make available) as
custom messages; the widget hands them to the model; the model answers with pages and
deltas.  Synced traitlets carry only small state (query, selection, flags); listings never
travel as one trait, because synced state is saved into every notebook.

Every request that expects an answer carries a ``request_id`` chosen by the view; the reply
repeats it, and the widget always replies, with ``error`` set when the work failed.
"""

from __future__ import annotations

from typing import Literal, TypedDict

# --- view -> Python -----------------------------------------------------------------------
MSG_SEARCH = "search"  # {type, query, did_type, filters}
MSG_PAGE = "page"  # {type, request_id, source, offset, limit}
MSG_DETAILS = "details"  # {type, request_id, did}
MSG_LOAD_MORE = "load_more"  # {type}
MSG_SELECT_ALL = "select_all"  # {type}: every loaded search result
MSG_MAKE_AVAILABLE = "make_available"  # {type, dids}: [] means the selection
MSG_CANCEL = "cancel"  # {type}: stop the search in flight
MSG_CANCEL_DOWNLOAD = "cancel_download"  # {type, did}
#: Options a make_available message may carry (replica mode).
MAKE_OPTIONS = ("rse_expression", "lifetime_days", "grouping", "asynchronous", "comment")

MSG_SIGN_IN = "sign_in"  # {type, request_id, account?, username?, password?, token?}
MSG_SIGN_OUT = "sign_out"  # {type}

# --- Python -> view -----------------------------------------------------------------------
# MSG_PAGE and MSG_DETAILS replies reuse the request's type and request_id.
MSG_STATUS = "status"  # {type, updates: {did: RowStatus}}: availability deltas

#: ``source`` of a page: the search results, or the content of one collection.
RESULTS_SOURCE = "results"

DidType = Literal["all", "container", "dataset", "file", "collection"]
DID_TYPES: tuple[str, ...] = ("all", "container", "dataset", "file", "collection")

#: Availability vocabulary, shared with the Rucio JupyterLab extension where it has one.
AVAILABLE = "AVAILABLE"
PARTIALLY_AVAILABLE = "PARTIALLY_AVAILABLE"
REPLICATING = "REPLICATING"
STUCK = "STUCK"
NOT_AVAILABLE = "NOT_AVAILABLE"
EMPTY = "EMPTY"
DOWNLOADING = "DOWNLOADING"
FAILED = "FAILED"
STATUSES: tuple[str, ...] = (
    AVAILABLE,
    PARTIALLY_AVAILABLE,
    REPLICATING,
    STUCK,
    NOT_AVAILABLE,
    EMPTY,
    DOWNLOADING,
    FAILED,
)


class RowStatus(TypedDict, total=False):
    status: str  # one of STATUSES
    available: int  # files available (collections)
    total: int  # files in total (collections)
    message: str  # why STUCK / FAILED


class Row(TypedDict):
    did: str  # "scope:name"
    type: str  # "FILE" | "DATASET" | "CONTAINER"
    bytes: int | None
    length: int | None  # number of files; None when unknown (open dataset)
    status: RowStatus | None  # None until known


class PageRequest(TypedDict):
    type: str
    request_id: int
    source: str  # RESULTS_SOURCE or a collection's DID
    offset: int
    limit: int


class PageReply(TypedDict, total=False):
    type: str
    request_id: int
    source: str
    offset: int
    rows: list[Row]
    total: int | None  # number of rows when the listing is complete, else None
    complete: bool
    error: str


class ReplicaInfo(TypedDict):
    rse: str
    state: str
    path: str | None  # local path when the replica is on the destination


class RuleInfo(TypedDict):
    id: str
    rse_expression: str
    state: str
    account: str
    locks_ok: int
    locks_replicating: int
    locks_stuck: int
    expires_at: str | None
    error: str | None


class DetailsReply(TypedDict, total=False):
    type: str
    request_id: int
    did: str
    metadata: dict[str, object]
    replicas: list[ReplicaInfo]
    rules: list[RuleInfo]
    error: str


#: Upper bound on rows in one page reply, whatever the view asks for: keeps each comm
#: message small (a row is about 150 bytes of JSON, so 200 rows stay near 30 KB).
MAX_PAGE_ROWS = 200


#: ``auth`` trait states.
SIGNED_IN = "signed_in"
SIGNED_OUT = "signed_out"  # no or rejected credentials: the panel shows the sign-in form
EXPIRED = "expired"  # the token ran out and cannot be renewed here: sign in again


class AuthState(TypedDict, total=False):
    """The synced ``auth`` trait. Never holds a secret (no password, token, key path)."""

    state: str  # SIGNED_IN | SIGNED_OUT | EXPIRED
    auth_type: str  # userpass | x509 | x509_proxy | oidc (a token from a file or variable)
    account: str
    username: str  # userpass identity, to prefill the form
    expires_at: str | None  # ISO 8601 UTC, when known
    message: str  # why signed out, in the user's words


class InstanceInfo(TypedDict):
    name: str
    display_name: str


class SignInReply(TypedDict, total=False):
    type: str
    request_id: int
    ok: bool
    message: str
