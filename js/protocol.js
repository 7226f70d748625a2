// GENERATED from rucio_widgets/protocol.py by scripts/gen_protocol.py: do not edit.
// Change protocol.py and run `python scripts/gen_protocol.py`; a test fails when this
// file is stale.

/** Rows the view asks for in one page request; Python reads this many ahead of the view. */
export const PAGE_SIZE = 100;

/** Upper bound on rows in one page reply, whatever the view asks for: keeps each comm message small (a row is about 150 bytes of JSON, so 200 rows stay near 30 KB). */
export const MAX_PAGE_ROWS = 200;

/** Messages echo at most this many characters of what the user typed at a time (Python's words.clip_quoted and js/filters.js cut the same way). */
export const ECHO_LIMIT = 100;

/** @typedef {"all" | "container" | "dataset" | "file" | "collection"} DidType */

/** The DID types a search can ask for (`did_type` trait, `type=` filter). @type {readonly DidType[]} */
export const DID_TYPES = Object.freeze(["all", "container", "dataset", "file", "collection"]);

/** @typedef {"AVAILABLE" | "PARTIALLY_AVAILABLE" | "REPLICATING" | "STUCK" | "NOT_AVAILABLE" | "EMPTY" | "DOWNLOADING" | "FAILED"} Status */

/** Availability vocabulary, shared with the Rucio JupyterLab extension where it has one. */
export const AVAILABLE = "AVAILABLE";

export const PARTIALLY_AVAILABLE = "PARTIALLY_AVAILABLE";

export const REPLICATING = "REPLICATING";

export const STUCK = "STUCK";

export const NOT_AVAILABLE = "NOT_AVAILABLE";

export const EMPTY = "EMPTY";

export const DOWNLOADING = "DOWNLOADING";

export const FAILED = "FAILED";

/** @type {readonly Status[]} */
export const STATUSES = Object.freeze([
  AVAILABLE,
  PARTIALLY_AVAILABLE,
  REPLICATING,
  STUCK,
  NOT_AVAILABLE,
  EMPTY,
  DOWNLOADING,
  FAILED,
]);

/** `auth` trait states; `{}` (no state) means not known yet, shown as signed in. */
export const SIGNED_IN = "signed_in";

/** No or rejected credentials: the panel shows the sign-in form. */
export const SIGNED_OUT = "signed_out";

/** The credentials ran out and cannot be renewed here: sign in again. */
export const EXPIRED = "expired";

/** `source` of a page: the search results, or the content of one collection (its DID). */
export const RESULTS_SOURCE = "results";

/** @typedef {"name" | "bytes" | "length"} SortKey */

/** What loaded results can be sorted by: the name (then the scope), the size, the number of files. Unknown sizes and counts go last either way. @type {readonly SortKey[]} */
export const SORT_KEYS = Object.freeze(["name", "bytes", "length"]);

/** @typedef {"DATASET" | "ALL" | "NONE"} Grouping */

/** @type {readonly Grouping[]} */
export const GROUPINGS = Object.freeze(["DATASET", "ALL", "NONE"]);

/** @typedef {"OK" | "REPLICATING" | "STUCK" | "SUSPENDED" | "WAITING_APPROVAL" | "INJECT"} RuleState */

/** States of a replication rule, as Rucio names them (the Rules pane filters by these). @type {readonly RuleState[]} */
export const RULE_STATES = Object.freeze([
  "OK",
  "REPLICATING",
  "STUCK",
  "SUSPENDED",
  "WAITING_APPROVAL",
  "INJECT",
]);

/** @typedef {"extend" | "boost" | "delete" | "examine"} RuleAction */

/** What the Rules pane can do to one rule. @type {readonly RuleAction[]} */
export const RULE_ACTIONS = Object.freeze(["extend", "boost", "delete", "examine"]);

/** Rules listed per page in the Rules pane. */
export const RULES_PAGE_SIZE = 50;

export const MSG_SEARCH = "search";

export const MSG_PAGE = "page";

export const MSG_DETAILS = "details";

export const MSG_LOAD_MORE = "load_more";

export const MSG_SELECT_ALL = "select_all";

export const MSG_CANCEL = "cancel";

export const MSG_CANCEL_REQUEST = "cancel_request";

export const MSG_MAKE_AVAILABLE = "make_available";

export const MSG_CANCEL_DOWNLOAD = "cancel_download";

export const MSG_SIGN_IN = "sign_in";

export const MSG_SIGN_OUT = "sign_out";

export const MSG_RULES = "rules";

export const MSG_RULE_ACTION = "rule_action";

export const MSG_QUOTAS = "quotas";

export const MSG_UPLOAD = "upload";

export const MSG_SORT = "sort";

export const MSG_LOCAL_PATHS = "local_paths";

export const MSG_REMOTE_URLS = "remote_urls";

/** Availability deltas: `StatusMessage`. */
export const MSG_STATUS = "status";

/** Rules that changed while the Rules pane watches: `RulesChangedMessage`. */
export const MSG_RULES_CHANGED = "rules_changed";

/**
 * An error as the panel shows it (the `error` trait, and `error` of a reply).
 * @typedef {object} PanelError
 * @property {string} [message] what went wrong, in the user's words
 * @property {string} [hint] what to do next
 * @property {string} [kind] the Python exception's class name, e.g. InvalidQueryError
 */

/**
 * Availability of one row (a file, dataset or container).
 * @typedef {object} RowStatus
 * @property {Status} [status]
 * @property {number} [available] files available (collections, transfers)
 * @property {number} [total] files in total (collections, transfers)
 * @property {string} [message] why STUCK / FAILED
 * @property {number} [bytes_done] bytes arrived so far (downloads, partial files included)
 * @property {number} [bytes_total] bytes in total (downloads)
 */

/**
 * One DID of a listing.
 * @typedef {object} Row
 * @property {string} did "scope:name"
 * @property {"FILE" | "DATASET" | "CONTAINER"} type
 * @property {number | null} bytes
 * @property {number | null} length number of files; null when unknown (an open dataset)
 * @property {RowStatus | null} status null until known
 */

/**
 * Options of make_available: only what the user set (replica mode).
 * @typedef {object} MakeOptions
 * @property {string} [rse_expression]
 * @property {number} [lifetime_days] a whole number of days, 1 or more
 * @property {Grouping} [grouping] absent for DATASET
 * @property {boolean} [asynchronous] absent unless true
 * @property {string} [comment]
 * @property {boolean} [ask_approval] absent unless true: the rule waits for an administrator (needs comment)
 */

/**
 * One RSE's copy of a DID, in the details pane.
 * @typedef {object} ReplicaInfo
 * @property {string} rse
 * @property {string} state
 * @property {string | null} path local path when the replica is on the destination
 * @property {string | null} [pfn] the replica's PFN (files)
 * @property {number | null} [available] files available on the RSE (collections)
 * @property {number | null} [total] files of the collection (collections)
 */

/**
 * A sort of the loaded search results: a snapshot, which pages then refer to.
 * @typedef {object} SortState
 * @property {SortKey} by
 * @property {boolean} descending
 * @property {number} rows rows in the sorted snapshot (what was loaded when it was taken)
 * @property {number | null} more rows known to exist beyond the snapshot; null: more may exist
 */

/**
 * One replication rule, with its lock counts: the `Rule` of rucio_widgets/rules.py as it travels (the same fields, the same names).
 * @typedef {object} RuleInfo
 * @property {string} id
 * @property {string} account
 * @property {string} did scope:name the rule is on
 * @property {string} rse_expression
 * @property {string} state one of RULE_STATES
 * @property {number} locks_ok
 * @property {number} locks_replicating
 * @property {number} locks_stuck
 * @property {string | null} created_at ISO 8601 UTC
 * @property {string | null} expires_at ISO 8601 UTC; null: never
 * @property {string | null} error why it is STUCK (or SUSPENDED)
 * @property {string | null} comment
 * @property {string | null} url the rule in the Rucio web UI, when one is configured
 */

/**
 * A dataset or container that holds a DID (details pane: each one navigable).
 * @typedef {object} ParentInfo
 * @property {string} did
 * @property {string} type DATASET or CONTAINER
 */

/**
 * The account's quota on one RSE (or, for a global limit, one RSE expression).
 * @typedef {object} QuotaInfo
 * @property {string} rse an RSE, or an RSE expression for a global limit
 * @property {"local" | "global"} kind
 * @property {number | null} limit bytes; null: no limit
 * @property {number} used bytes
 * @property {number | null} remaining bytes; null: no limit
 */

/**
 * Start a search; it replaces the one in flight.
 * @typedef {object} SearchRequest
 * @property {"search"} type
 * @property {number} request_id
 * @property {string} query scope:name with * wildcards
 * @property {DidType} did_type
 * @property {string} filters the filter grammar of rucio_widgets/filters.py
 */

/**
 * Rows of a listing, from offset.
 * @typedef {object} PageRequest
 * @property {"page"} type
 * @property {number} request_id
 * @property {string} source RESULTS_SOURCE or a collection's DID
 * @property {number} offset
 * @property {number} limit at most MAX_PAGE_ROWS are sent
 */

/**
 * Metadata, replicas and rules of one DID.
 * @typedef {object} DetailsRequest
 * @property {"details"} type
 * @property {number} request_id
 * @property {string} did
 */

/**
 * Read PAGE_SIZE more search results.
 * @typedef {object} LoadMoreRequest
 * @property {"load_more"} type
 * @property {number} request_id
 */

/**
 * Add every loaded search result to the selection.
 * @typedef {object} SelectAllRequest
 * @property {"select_all"} type
 * @property {number} request_id
 */

/**
 * Stop the search in flight.
 * @typedef {object} CancelRequest
 * @property {"cancel"} type
 * @property {number} request_id
 */

/**
 * Give up a request in flight; it is then answered with a CancelledError.
 * @typedef {object} CancelRequestRequest
 * @property {"cancel_request"} type
 * @property {number} request_id
 * @property {number} target the request_id of the request to cancel
 */

/**
 * Make DIDs available: a rule (replica mode) or a download (download mode).
 * @typedef {object} MakeAvailableRequest
 * @property {"make_available"} type
 * @property {number} request_id
 * @property {string[]} dids [] means the selection
 * @property {MakeOptions} [options] never an empty object
 */

/**
 * Stop a DOWNLOADING DID.
 * @typedef {object} CancelDownloadRequest
 * @property {"cancel_download"} type
 * @property {number} request_id
 * @property {string} did
 */

/**
 * A page of the account's rules, newest first; `watch` keeps the rules of the page fresh on the poller (`rules_changed` messages) until a request without it.
 * @typedef {object} RulesRequest
 * @property {"rules"} type
 * @property {number} request_id
 * @property {number} offset
 * @property {number} limit at most RULES_PAGE_SIZE are sent
 * @property {string} [state] one of RULE_STATES; absent: all
 * @property {string} [text] a part of the DID or the RSE expression, case-insensitive
 * @property {boolean} [watch]
 */

/**
 * Extend, boost, delete or examine one rule.
 * @typedef {object} RuleActionRequest
 * @property {"rule_action"} type
 * @property {number} request_id
 * @property {string} rule_id
 * @property {RuleAction} action
 * @property {number} [days] extend: the new lifetime from now, in days
 */

/**
 * The account's quotas on the RSEs an expression selects (default: the destination), and whether the DIDs to make available fit.
 * @typedef {object} QuotasRequest
 * @property {"quotas"} type
 * @property {number} request_id
 * @property {string[]} dids [] means the selection
 * @property {string} [rse_expression]
 */

/**
 * Upload files the kernel can read (paths or globs under its working directory) into the user's scope on upload_rse; the dataset is made if missing.
 * @typedef {object} UploadRequest
 * @property {"upload"} type
 * @property {number} request_id
 * @property {string[]} paths
 * @property {string} [dataset] name or scope:name; absent: no dataset
 */

/**
 * Sign in: userpass sends account?, username, password; oidc a pasted token or none (try the configured token file again); x509 and x509_proxy nothing (try again).
 * @typedef {object} SignInRequest
 * @property {"sign_in"} type
 * @property {number} request_id
 * @property {string} [account]
 * @property {string} [username]
 * @property {string} [password] in this message only: never a trait, never logged
 * @property {string} [token] in this message only: never a trait, never logged
 */

/**
 * Forget the credentials given in this kernel.
 * @typedef {object} SignOutRequest
 * @property {"sign_out"} type
 * @property {number} request_id
 */

/**
 * Sort the loaded search results (a snapshot; nothing more is loaded for it), or go back to the listing's own order with `by` null. Pages of the results then come from the snapshot; a new search ends the sort.
 * @typedef {object} SortRequest
 * @property {"sort"} type
 * @property {number} request_id
 * @property {SortKey | null} by
 * @property {boolean} descending
 */

/**
 * Remote-read URLs (root://, davs://, https://) of one DID's files, or of the selection's when `did` is absent: what the copy menu's "Copy remote URLs" copies.
 * @typedef {object} RemoteUrlsRequest
 * @property {"remote_urls"} type
 * @property {number} request_id
 * @property {string} [did]
 */

/**
 * Local paths of one DID's files (a file, or a collection's files), or of the selection when `did` is absent: what the copy menu puts on the clipboard.
 * @typedef {object} LocalPathsRequest
 * @property {"local_paths"} type
 * @property {number} request_id
 * @property {string} [did]
 */

/**
 * The reply every request gets: its type and request_id, and `error` when the work failed or was cancelled. A reply with `error` carries nothing else; a reply without carries its kind's answer (`PageAnswer` ...).
 * @typedef {object} Reply
 * @property {string} type the request's type
 * @property {number} request_id
 * @property {PanelError} [error] set when the work failed or was cancelled
 */

/**
 * The search started (results follow through results_state and pages).
 * @typedef {object} SearchAnswer
 * @property {number} generation the results_state generation of this search
 */

/**
 * The reply to a search.
 * @typedef {object} SearchReply
 * @property {string} type the request's type
 * @property {number} request_id
 * @property {PanelError} [error] set when the work failed or was cancelled
 * @property {number} generation the results_state generation of this search
 */

/**
 * Rows of a listing.
 * @typedef {object} PageAnswer
 * @property {string} source
 * @property {number} offset
 * @property {Row[]} rows
 * @property {number | null} total number of rows when the listing is complete, else null
 * @property {boolean} complete
 */

/**
 * The reply to a page request.
 * @typedef {object} PageReply
 * @property {string} type the request's type
 * @property {number} request_id
 * @property {PanelError} [error] set when the work failed or was cancelled
 * @property {string} source
 * @property {number} offset
 * @property {Row[]} rows
 * @property {number | null} total number of rows when the listing is complete, else null
 * @property {boolean} complete
 */

/**
 * Metadata, replicas and rules of one DID.
 * @typedef {object} DetailsAnswer
 * @property {string} did
 * @property {string | null} did_url the DID in the Rucio web UI, when one is configured
 * @property {"FILE" | "DATASET" | "CONTAINER"} did_type
 * @property {Record<string, unknown>} metadata
 * @property {ReplicaInfo[]} replicas
 * @property {RuleInfo[]} rules
 * @property {ParentInfo[]} parents the collections that hold it
 */

/**
 * The reply to a details request.
 * @typedef {object} DetailsReply
 * @property {string} type the request's type
 * @property {number} request_id
 * @property {PanelError} [error] set when the work failed or was cancelled
 * @property {string} did
 * @property {string | null} did_url the DID in the Rucio web UI, when one is configured
 * @property {"FILE" | "DATASET" | "CONTAINER"} did_type
 * @property {Record<string, unknown>} metadata
 * @property {ReplicaInfo[]} replicas
 * @property {RuleInfo[]} rules
 * @property {ParentInfo[]} parents the collections that hold it
 */

/**
 * Rucio has the requests (rules created or reused, downloads queued).
 * @typedef {object} MakeAvailableAnswer
 * @property {string[]} requested the DIDs requested
 */

/**
 * The reply to make_available.
 * @typedef {object} MakeAvailableReply
 * @property {string} type the request's type
 * @property {number} request_id
 * @property {PanelError} [error] set when the work failed or was cancelled
 * @property {string[]} requested the DIDs requested
 */

/**
 * A page of the account's rules.
 * @typedef {object} RulesAnswer
 * @property {number} offset
 * @property {RuleInfo[]} rows
 * @property {number} total rules that match the state and text
 * @property {Record<string, number>} counts rules per state, before the state filter
 */

/**
 * The reply to a rules request.
 * @typedef {object} RulesReply
 * @property {string} type the request's type
 * @property {number} request_id
 * @property {PanelError} [error] set when the work failed or was cancelled
 * @property {number} offset
 * @property {RuleInfo[]} rows
 * @property {number} total rules that match the state and text
 * @property {Record<string, number>} counts rules per state, before the state filter
 */

/**
 * What the action did.
 * @typedef {object} RuleActionAnswer
 * @property {RuleInfo | null} rule the rule after it (null: it is gone)
 * @property {string} note what happened, in the user's words
 * @property {string} [examine] examine: Rucio's analysis of a stuck rule, as text
 */

/**
 * The reply to rule_action.
 * @typedef {object} RuleActionReply
 * @property {string} type the request's type
 * @property {number} request_id
 * @property {PanelError} [error] set when the work failed or was cancelled
 * @property {RuleInfo | null} rule the rule after it (null: it is gone)
 * @property {string} note what happened, in the user's words
 * @property {string} [examine] examine: Rucio's analysis of a stuck rule, as text
 */

/**
 * Quotas, and the request's size against them.
 * @typedef {object} QuotasAnswer
 * @property {string} rse_expression
 * @property {QuotaInfo[]} quotas
 * @property {number | null} bytes size of the DIDs to make available; null when unknown
 * @property {boolean} fits the request fits in the remaining quota of every RSE it would land on
 * @property {string} note what to do when it does not fit
 */

/**
 * The reply to quotas.
 * @typedef {object} QuotasReply
 * @property {string} type the request's type
 * @property {number} request_id
 * @property {PanelError} [error] set when the work failed or was cancelled
 * @property {string} rse_expression
 * @property {QuotaInfo[]} quotas
 * @property {number | null} bytes size of the DIDs to make available; null when unknown
 * @property {boolean} fits the request fits in the remaining quota of every RSE it would land on
 * @property {string} note what to do when it does not fit
 */

/**
 * What was uploaded (or found registered already with the same bytes).
 * @typedef {object} UploadAnswer
 * @property {string[]} dids
 * @property {string | null} dataset scope:name of the dataset they are in
 */

/**
 * The reply to upload.
 * @typedef {object} UploadReply
 * @property {string} type the request's type
 * @property {number} request_id
 * @property {PanelError} [error] set when the work failed or was cancelled
 * @property {string[]} dids
 * @property {string | null} dataset scope:name of the dataset they are in
 */

/**
 * Whether Rucio accepted the credentials.
 * @typedef {object} SignInAnswer
 * @property {boolean} ok
 * @property {string} message why not, in the user's words
 */

/**
 * The reply to sign_in.
 * @typedef {object} SignInReply
 * @property {string} type the request's type
 * @property {number} request_id
 * @property {PanelError} [error] set when the work failed or was cancelled
 * @property {boolean} ok
 * @property {string} message why not, in the user's words
 */

/**
 * The sort now in force (null: the listing's own order).
 * @typedef {object} SortAnswer
 * @property {SortState | null} sort
 */

/**
 * The reply to sort.
 * @typedef {object} SortReply
 * @property {string} type the request's type
 * @property {number} request_id
 * @property {PanelError} [error] set when the work failed or was cancelled
 * @property {SortState | null} sort
 */

/**
 * The local paths found, in order, and how many files have none.
 * @typedef {object} LocalPathsAnswer
 * @property {string[]} paths
 * @property {number} missing files with no local path (not on the destination, not downloaded)
 */

/**
 * The reply to local_paths.
 * @typedef {object} LocalPathsReply
 * @property {string} type the request's type
 * @property {number} request_id
 * @property {PanelError} [error] set when the work failed or was cancelled
 * @property {string[]} paths
 * @property {number} missing files with no local path (not on the destination, not downloaded)
 */

/**
 * One URL per file that an RSE serves remotely, in order, and how many have none.
 * @typedef {object} RemoteUrlsAnswer
 * @property {string[]} urls
 * @property {number} missing files no RSE serves over root://, davs:// or https://
 */

/**
 * The reply to remote_urls.
 * @typedef {object} RemoteUrlsReply
 * @property {string} type the request's type
 * @property {number} request_id
 * @property {PanelError} [error] set when the work failed or was cancelled
 * @property {string[]} urls
 * @property {number} missing files no RSE serves over root://, davs:// or https://
 */

/**
 * Availability deltas (not a reply).
 * @typedef {object} StatusMessage
 * @property {"status"} type
 * @property {Record<string, RowStatus>} updates
 */

/**
 * Rules of the watched page whose state or locks changed (not a reply).
 * @typedef {object} RulesChangedMessage
 * @property {"rules_changed"} type
 * @property {RuleInfo[]} rules
 */

/**
 * The `results_state` trait.
 * @typedef {object} ResultsState
 * @property {number} generation a new value means a new search
 * @property {number} loaded rows Python has read so far
 * @property {boolean} complete
 * @property {string} [hint] when nothing matched: a likely typo in a filter key
 * @property {SortState} [sort] set while the results are sorted (loaded, complete: of it)
 */

/**
 * The `paths_state` trait.
 * @typedef {object} PathsState
 * @property {number} files files in the selection
 * @property {number} available of which have a local path
 * @property {number} pending of which are still being located
 */

/**
 * The `info` trait: what the status bar shows.
 * @typedef {object} Info
 * @property {string} server
 * @property {string} account
 * @property {"replica" | "download"} mode
 * @property {string} destination
 * @property {string} webui the Rucio web UI's URL, "" when not configured
 * @property {boolean} read_only nothing that writes to Rucio or to disk is offered
 */

/**
 * The `auth` trait. Never holds a secret (no password, token, key path).
 * @typedef {object} AuthState
 * @property {"signed_in" | "signed_out" | "expired"} [state]
 * @property {string} [auth_type] userpass | x509 | x509_proxy | oidc (a token from a file or variable)
 * @property {string} [account]
 * @property {string} [username] userpass identity, to prefill the form
 * @property {string | null} [expires_at] ISO 8601 UTC, when known
 * @property {string} [message] why signed out, in the user's words
 */

/**
 * One entry of the `instances` trait; `instance` holds the current one's name.
 * @typedef {object} InstanceInfo
 * @property {string} name
 * @property {string} display_name
 */

/**
 * The request kinds and their payloads; the widget's handler table covers exactly these.
 * @typedef {{search: SearchRequest, page: PageRequest, details: DetailsRequest, load_more: LoadMoreRequest, select_all: SelectAllRequest, cancel: CancelRequest, cancel_request: CancelRequestRequest, make_available: MakeAvailableRequest, cancel_download: CancelDownloadRequest, sign_in: SignInRequest, sign_out: SignOutRequest, rules: RulesRequest, rule_action: RuleActionRequest, quotas: QuotasRequest, upload: UploadRequest, sort: SortRequest, local_paths: LocalPathsRequest, remote_urls: RemoteUrlsRequest}} Requests
 */

/**
 * The reply each request kind gets (`Reply` alone: an acknowledgement).
 * @typedef {{search: SearchReply, page: PageReply, details: DetailsReply, load_more: Reply, select_all: Reply, cancel: Reply, cancel_request: Reply, make_available: MakeAvailableReply, cancel_download: Reply, sign_in: SignInReply, sign_out: Reply, rules: RulesReply, rule_action: RuleActionReply, quotas: QuotasReply, upload: UploadReply, sort: SortReply, local_paths: LocalPathsReply, remote_urls: RemoteUrlsReply}} Replies
 */

/**
 * Messages Python sends on its own (not replies), and their payloads.
 * @typedef {{status: StatusMessage, rules_changed: RulesChangedMessage}} Messages
 */
