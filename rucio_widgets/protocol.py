"""The ONE source of the widget's message protocol: kinds, payloads, replies, sizes.

``js/protocol.js`` is generated from this file (``python scripts/gen_protocol.py``), and
``tests/unit/test_protocol.py`` fails when the generated file is stale: never edit the
JavaScript copy by hand.

Data flows one way. The view sends *requests* (search, page, details, make available ...)
as custom messages; the widget looks each one up in its handler table and calls the model;
the model answers with replies, deltas (``status``) and small synced traits. Listings never
travel as one trait, because synced state is saved into every notebook.

Every request carries a ``request_id`` chosen by the view, and gets exactly ONE reply: a
message of the request's own ``type`` with the same ``request_id``, carrying the reply's
payload, or ``error`` when the work failed or was cancelled (``cancel_request``).
"""

from __future__ import annotations

from typing import Final, Literal

from typing_extensions import NotRequired, TypedDict

# --- sizes ----------------------------------------------------------------------------------

#: Rows the view asks for in one page request; Python reads this many ahead of the view.
PAGE_SIZE = 100
#: Upper bound on rows in one page reply, whatever the view asks for: keeps each comm
#: message small (a row is about 150 bytes of JSON, so 200 rows stay near 30 KB).
MAX_PAGE_ROWS = 200
#: Messages echo at most this many characters of what the user typed at a time (Python's
#: words.clip_quoted and js/filters.js cut the same way).
ECHO_LIMIT = 100

# --- vocabularies ---------------------------------------------------------------------------

DidType = Literal["all", "container", "dataset", "file", "collection"]
#: The DID types a search can ask for (``did_type`` trait, ``type=`` filter).
DID_TYPES: tuple[DidType, ...] = ("all", "container", "dataset", "file", "collection")

Status = Literal[
    "AVAILABLE",
    "PARTIALLY_AVAILABLE",
    "REPLICATING",
    "STUCK",
    "NOT_AVAILABLE",
    "EMPTY",
    "DOWNLOADING",
    "FAILED",
]
#: Availability vocabulary, shared with the Rucio JupyterLab extension where it has one.
AVAILABLE: Final = "AVAILABLE"
PARTIALLY_AVAILABLE: Final = "PARTIALLY_AVAILABLE"
REPLICATING: Final = "REPLICATING"
STUCK: Final = "STUCK"
NOT_AVAILABLE: Final = "NOT_AVAILABLE"
EMPTY: Final = "EMPTY"
DOWNLOADING: Final = "DOWNLOADING"
FAILED: Final = "FAILED"
STATUSES: tuple[Status, ...] = (
    AVAILABLE,
    PARTIALLY_AVAILABLE,
    REPLICATING,
    STUCK,
    NOT_AVAILABLE,
    EMPTY,
    DOWNLOADING,
    FAILED,
)

#: ``auth`` trait states; ``{}`` (no state) means not known yet, shown as signed in.
SIGNED_IN: Final = "signed_in"
#: No or rejected credentials: the panel shows the sign-in form.
SIGNED_OUT: Final = "signed_out"
#: The credentials ran out and cannot be renewed here: sign in again.
EXPIRED: Final = "expired"

#: ``source`` of a page: the search results, or the content of one collection (its DID).
RESULTS_SOURCE = "results"

SortKey = Literal["name", "bytes", "length"]
#: What loaded results can be sorted by: the name (then the scope), the size, the number of
#: files. Unknown sizes and counts go last either way.
SORT_KEYS: tuple[SortKey, ...] = ("name", "bytes", "length")

#: Rule grouping of make_available's options; the first is Rucio's default.
Grouping = Literal["DATASET", "ALL", "NONE"]
GROUPINGS: tuple[Grouping, ...] = ("DATASET", "ALL", "NONE")

RuleState = Literal["OK", "REPLICATING", "STUCK", "SUSPENDED", "WAITING_APPROVAL", "INJECT"]
#: States of a replication rule, as Rucio names them (the Rules pane filters by these).
RULE_STATES: tuple[RuleState, ...] = (
    "OK",
    "REPLICATING",
    "STUCK",
    "SUSPENDED",
    "WAITING_APPROVAL",
    "INJECT",
)
RuleAction = Literal["extend", "boost", "delete", "examine"]
#: What the Rules pane can do to one rule.
RULE_ACTIONS: tuple[RuleAction, ...] = ("extend", "boost", "delete", "examine")
#: Rules listed per page in the Rules pane.
RULES_PAGE_SIZE = 50

# --- request kinds: view -> Python ------------------------------------------------------------

MSG_SEARCH = "search"
MSG_PAGE = "page"
MSG_DETAILS = "details"
MSG_LOAD_MORE = "load_more"
MSG_SELECT_ALL = "select_all"
MSG_CANCEL = "cancel"
MSG_CANCEL_REQUEST = "cancel_request"
MSG_MAKE_AVAILABLE = "make_available"
MSG_CANCEL_DOWNLOAD = "cancel_download"
MSG_SIGN_IN = "sign_in"
MSG_SIGN_OUT = "sign_out"
MSG_RULES = "rules"
MSG_RULE_ACTION = "rule_action"
MSG_QUOTAS = "quotas"
MSG_UPLOAD = "upload"
MSG_SORT = "sort"
MSG_LOCAL_PATHS = "local_paths"
MSG_REMOTE_URLS = "remote_urls"

# --- messages: Python -> view ---------------------------------------------------------------

#: Availability deltas: ``StatusMessage``.
MSG_STATUS = "status"
#: Rules that changed while the Rules pane watches: ``RulesChangedMessage``.
MSG_RULES_CHANGED = "rules_changed"


# --- shapes shared by requests, replies and traits ----------------------------------------------


class PanelError(TypedDict, total=False):
    """An error as the panel shows it (the ``error`` trait, and ``error`` of a reply)."""

    message: str  # what went wrong, in the user's words
    hint: str  # what to do next
    kind: str  # the Python exception's class name, e.g. InvalidQueryError


class RowStatus(TypedDict, total=False):
    """Availability of one row (a file, dataset or container)."""

    status: Status
    available: int  # files available (collections, transfers)
    total: int  # files in total (collections, transfers)
    message: str  # why STUCK / FAILED
    bytes_done: int  # bytes arrived so far (downloads, partial files included)
    bytes_total: int  # bytes in total (downloads)


class Row(TypedDict):
    """One DID of a listing."""

    did: str  # "scope:name"
    type: Literal["FILE", "DATASET", "CONTAINER"]
    bytes: int | None
    length: int | None  # number of files; null when unknown (an open dataset)
    status: RowStatus | None  # null until known


class MakeOptions(TypedDict, total=False):
    """Options of make_available: only what the user set (replica mode)."""

    rse_expression: str
    lifetime_days: int  # a whole number of days, 1 or more
    grouping: Grouping  # absent for DATASET
    asynchronous: bool  # absent unless true
    comment: str
    ask_approval: bool  # absent unless true: the rule waits for an administrator (needs comment)


class ReplicaInfo(TypedDict):
    """One RSE's copy of a DID, in the details pane."""

    rse: str
    state: str
    path: str | None  # local path when the replica is on the destination
    pfn: NotRequired[str | None]  # the replica's PFN (files)
    available: NotRequired[int | None]  # files available on the RSE (collections)
    total: NotRequired[int | None]  # files of the collection (collections)


class SortState(TypedDict):
    """A sort of the loaded search results: a snapshot, which pages then refer to."""

    by: SortKey
    descending: bool
    rows: int  # rows in the sorted snapshot (what was loaded when it was taken)
    more: int | None  # rows known to exist beyond the snapshot; null: more may exist


class RuleInfo(TypedDict):
    """One replication rule, with its lock counts: the ``Rule`` of rucio_widgets/rules.py
    as it travels (the same fields, the same names)."""

    id: str
    account: str
    did: str  # scope:name the rule is on
    rse_expression: str
    state: str  # one of RULE_STATES
    locks_ok: int
    locks_replicating: int
    locks_stuck: int
    created_at: str | None  # ISO 8601 UTC
    expires_at: str | None  # ISO 8601 UTC; null: never
    error: str | None  # why it is STUCK (or SUSPENDED)
    comment: str | None
    url: str | None  # the rule in the Rucio web UI, when one is configured


class ParentInfo(TypedDict):
    """A dataset or container that holds a DID (details pane: each one navigable)."""

    did: str
    type: str  # DATASET or CONTAINER


class QuotaInfo(TypedDict):
    """The account's quota on one RSE (or, for a global limit, one RSE expression)."""

    rse: str  # an RSE, or an RSE expression for a global limit
    kind: Literal["local", "global"]
    limit: int | None  # bytes; null: no limit
    used: int  # bytes
    remaining: int | None  # bytes; null: no limit


# --- requests: view -> Python ------------------------------------------------------------------


class SearchRequest(TypedDict):
    """Start a search; it replaces the one in flight."""

    type: Literal["search"]
    request_id: int
    query: str  # scope:name with * wildcards
    did_type: DidType
    filters: str  # the filter grammar of rucio_widgets/filters.py


class PageRequest(TypedDict):
    """Rows of a listing, from offset."""

    type: Literal["page"]
    request_id: int
    source: str  # RESULTS_SOURCE or a collection's DID
    offset: int
    limit: int  # at most MAX_PAGE_ROWS are sent


class DetailsRequest(TypedDict):
    """Metadata, replicas and rules of one DID."""

    type: Literal["details"]
    request_id: int
    did: str


class LoadMoreRequest(TypedDict):
    """Read PAGE_SIZE more search results."""

    type: Literal["load_more"]
    request_id: int


class SelectAllRequest(TypedDict):
    """Add every loaded search result to the selection."""

    type: Literal["select_all"]
    request_id: int


class CancelRequest(TypedDict):
    """Stop the search in flight."""

    type: Literal["cancel"]
    request_id: int


class CancelRequestRequest(TypedDict):
    """Give up a request in flight; it is then answered with a CancelledError."""

    type: Literal["cancel_request"]
    request_id: int
    target: int  # the request_id of the request to cancel


class MakeAvailableRequest(TypedDict):
    """Make DIDs available: a rule (replica mode) or a download (download mode)."""

    type: Literal["make_available"]
    request_id: int
    dids: list[str]  # [] means the selection
    options: NotRequired[MakeOptions]  # never an empty object


class CancelDownloadRequest(TypedDict):
    """Stop a DOWNLOADING DID."""

    type: Literal["cancel_download"]
    request_id: int
    did: str


class RulesRequest(TypedDict):
    """A page of the account's rules, newest first; ``watch`` keeps the rules of the page
    fresh on the poller (``rules_changed`` messages) until a request without it."""

    type: Literal["rules"]
    request_id: int
    offset: int
    limit: int  # at most RULES_PAGE_SIZE are sent
    state: NotRequired[str]  # one of RULE_STATES; absent: all
    text: NotRequired[str]  # a part of the DID or the RSE expression, case-insensitive
    watch: NotRequired[bool]


class RuleActionRequest(TypedDict):
    """Extend, boost, delete or examine one rule."""

    type: Literal["rule_action"]
    request_id: int
    rule_id: str
    action: RuleAction
    days: NotRequired[int]  # extend: the new lifetime from now, in days


class QuotasRequest(TypedDict):
    """The account's quotas on the RSEs an expression selects (default: the destination),
    and whether the DIDs to make available fit."""

    type: Literal["quotas"]
    request_id: int
    dids: list[str]  # [] means the selection
    rse_expression: NotRequired[str]


class UploadRequest(TypedDict):
    """Upload files the kernel can read (paths or globs under its working directory) into
    the user's scope on upload_rse; the dataset is made if missing."""

    type: Literal["upload"]
    request_id: int
    paths: list[str]
    dataset: NotRequired[str]  # name or scope:name; absent: no dataset


class SignInRequest(TypedDict):
    """Sign in: userpass sends account?, username, password; oidc a pasted token or none
    (try the configured token file again); x509 and x509_proxy nothing (try again)."""

    type: Literal["sign_in"]
    request_id: int
    account: NotRequired[str]
    username: NotRequired[str]
    password: NotRequired[str]  # in this message only: never a trait, never logged
    token: NotRequired[str]  # in this message only: never a trait, never logged


class SignOutRequest(TypedDict):
    """Forget the credentials given in this kernel."""

    type: Literal["sign_out"]
    request_id: int


class SortRequest(TypedDict):
    """Sort the loaded search results (a snapshot; nothing more is loaded for it), or go
    back to the listing's own order with ``by`` null. Pages of the results then come from
    the snapshot; a new search ends the sort."""

    type: Literal["sort"]
    request_id: int
    by: SortKey | None
    descending: bool


class RemoteUrlsRequest(TypedDict):
    """Remote-read URLs (root://, davs://, https://) of one DID's files, or of the
    selection's when ``did`` is absent: what the copy menu's "Copy remote URLs" copies."""

    type: Literal["remote_urls"]
    request_id: int
    did: NotRequired[str]


class LocalPathsRequest(TypedDict):
    """Local paths of one DID's files (a file, or a collection's files), or of the
    selection when ``did`` is absent: what the copy menu puts on the clipboard."""

    type: Literal["local_paths"]
    request_id: int
    did: NotRequired[str]


# --- replies: Python -> view -------------------------------------------------------------------


class Reply(TypedDict):
    """The reply every request gets: its type and request_id, and ``error`` when the work
    failed or was cancelled. A reply with ``error`` carries nothing else; a reply without
    carries its kind's answer (``PageAnswer`` ...)."""

    type: str  # the request's type
    request_id: int
    error: NotRequired[PanelError]  # set when the work failed or was cancelled


class SearchAnswer(TypedDict):
    """The search started (results follow through results_state and pages)."""

    generation: int  # the results_state generation of this search


class SearchReply(Reply, SearchAnswer):
    """The reply to a search."""


class PageAnswer(TypedDict):
    """Rows of a listing."""

    source: str
    offset: int
    rows: list[Row]
    total: int | None  # number of rows when the listing is complete, else null
    complete: bool


class PageReply(Reply, PageAnswer):
    """The reply to a page request."""


class DetailsAnswer(TypedDict):
    """Metadata, replicas and rules of one DID."""

    did: str
    did_url: str | None  # the DID in the Rucio web UI, when one is configured
    did_type: Literal["FILE", "DATASET", "CONTAINER"]
    metadata: dict[str, object]
    replicas: list[ReplicaInfo]
    rules: list[RuleInfo]
    parents: list[ParentInfo]  # the collections that hold it


class DetailsReply(Reply, DetailsAnswer):
    """The reply to a details request."""


class MakeAvailableAnswer(TypedDict):
    """Rucio has the requests (rules created or reused, downloads queued)."""

    requested: list[str]  # the DIDs requested


class MakeAvailableReply(Reply, MakeAvailableAnswer):
    """The reply to make_available."""


class RulesAnswer(TypedDict):
    """A page of the account's rules."""

    offset: int
    rows: list[RuleInfo]
    total: int  # rules that match the state and text
    counts: dict[str, int]  # rules per state, before the state filter


class RulesReply(Reply, RulesAnswer):
    """The reply to a rules request."""


class RuleActionAnswer(TypedDict):
    """What the action did."""

    rule: RuleInfo | None  # the rule after it (null: it is gone)
    note: str  # what happened, in the user's words
    examine: NotRequired[str]  # examine: Rucio's analysis of a stuck rule, as text


class RuleActionReply(Reply, RuleActionAnswer):
    """The reply to rule_action."""


class QuotasAnswer(TypedDict):
    """Quotas, and the request's size against them."""

    rse_expression: str
    quotas: list[QuotaInfo]
    bytes: int | None  # size of the DIDs to make available; null when unknown
    fits: bool  # the request fits in the remaining quota of every RSE it would land on
    note: str  # what to do when it does not fit


class QuotasReply(Reply, QuotasAnswer):
    """The reply to quotas."""


class UploadAnswer(TypedDict):
    """What was uploaded (or found registered already with the same bytes)."""

    dids: list[str]
    dataset: str | None  # scope:name of the dataset they are in


class UploadReply(Reply, UploadAnswer):
    """The reply to upload."""


class SignInAnswer(TypedDict):
    """Whether Rucio accepted the credentials."""

    ok: bool
    message: str  # why not, in the user's words


class SignInReply(Reply, SignInAnswer):
    """The reply to sign_in."""


class SortAnswer(TypedDict):
    """The sort now in force (null: the listing's own order)."""

    sort: SortState | None


class SortReply(Reply, SortAnswer):
    """The reply to sort."""


class LocalPathsAnswer(TypedDict):
    """The local paths found, in order, and how many files have none."""

    paths: list[str]
    missing: int  # files with no local path (not on the destination, not downloaded)


class LocalPathsReply(Reply, LocalPathsAnswer):
    """The reply to local_paths."""


class RemoteUrlsAnswer(TypedDict):
    """One URL per file that an RSE serves remotely, in order, and how many have none."""

    urls: list[str]
    missing: int  # files no RSE serves over root://, davs:// or https://


class RemoteUrlsReply(Reply, RemoteUrlsAnswer):
    """The reply to remote_urls."""


class StatusMessage(TypedDict):
    """Availability deltas (not a reply)."""

    type: Literal["status"]
    updates: dict[str, RowStatus]


class RulesChangedMessage(TypedDict):
    """Rules of the watched page whose state or locks changed (not a reply)."""

    type: Literal["rules_changed"]
    rules: list[RuleInfo]


# --- synced traits ---------------------------------------------------------------------------


class ResultsState(TypedDict):
    """The ``results_state`` trait."""

    generation: int  # a new value means a new search
    loaded: int  # rows Python has read so far
    complete: bool
    hint: NotRequired[str]  # when nothing matched: a likely typo in a filter key
    sort: NotRequired[SortState]  # set while the results are sorted (loaded, complete: of it)


class PathsState(TypedDict):
    """The ``paths_state`` trait."""

    files: int  # files in the selection
    available: int  # of which have a local path
    pending: int  # of which are still being located


class Info(TypedDict):
    """The ``info`` trait: what the status bar shows."""

    server: str
    account: str
    mode: Literal["replica", "download"]
    destination: str
    webui: str  # the Rucio web UI's URL, "" when not configured
    read_only: bool  # nothing that writes to Rucio or to disk is offered


class AuthState(TypedDict, total=False):
    """The ``auth`` trait. Never holds a secret (no password, token, key path)."""

    state: Literal["signed_in", "signed_out", "expired"]
    auth_type: str  # userpass | x509 | x509_proxy | oidc (a token from a file or variable)
    account: str
    username: str  # userpass identity, to prefill the form
    expires_at: str | None  # ISO 8601 UTC, when known
    message: str  # why signed out, in the user's words


class InstanceInfo(TypedDict):
    """One entry of the ``instances`` trait; ``instance`` holds the current one's name."""

    name: str
    display_name: str


#: The request kinds and their payloads; the widget's handler table covers exactly these.
REQUESTS = {
    MSG_SEARCH: SearchRequest,
    MSG_PAGE: PageRequest,
    MSG_DETAILS: DetailsRequest,
    MSG_LOAD_MORE: LoadMoreRequest,
    MSG_SELECT_ALL: SelectAllRequest,
    MSG_CANCEL: CancelRequest,
    MSG_CANCEL_REQUEST: CancelRequestRequest,
    MSG_MAKE_AVAILABLE: MakeAvailableRequest,
    MSG_CANCEL_DOWNLOAD: CancelDownloadRequest,
    MSG_SIGN_IN: SignInRequest,
    MSG_SIGN_OUT: SignOutRequest,
    MSG_RULES: RulesRequest,
    MSG_RULE_ACTION: RuleActionRequest,
    MSG_QUOTAS: QuotasRequest,
    MSG_UPLOAD: UploadRequest,
    MSG_SORT: SortRequest,
    MSG_LOCAL_PATHS: LocalPathsRequest,
    MSG_REMOTE_URLS: RemoteUrlsRequest,
}

#: The reply each request kind gets (``Reply`` alone: an acknowledgement).
REPLIES = {
    MSG_SEARCH: SearchReply,
    MSG_PAGE: PageReply,
    MSG_DETAILS: DetailsReply,
    MSG_LOAD_MORE: Reply,
    MSG_SELECT_ALL: Reply,
    MSG_CANCEL: Reply,
    MSG_CANCEL_REQUEST: Reply,
    MSG_MAKE_AVAILABLE: MakeAvailableReply,
    MSG_CANCEL_DOWNLOAD: Reply,
    MSG_SIGN_IN: SignInReply,
    MSG_SIGN_OUT: Reply,
    MSG_RULES: RulesReply,
    MSG_RULE_ACTION: RuleActionReply,
    MSG_QUOTAS: QuotasReply,
    MSG_UPLOAD: UploadReply,
    MSG_SORT: SortReply,
    MSG_LOCAL_PATHS: LocalPathsReply,
    MSG_REMOTE_URLS: RemoteUrlsReply,
}

#: Messages Python sends on its own (not replies), and their payloads.
MESSAGES = {
    MSG_STATUS: StatusMessage,
    MSG_RULES_CHANGED: RulesChangedMessage,
}
