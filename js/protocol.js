// The message kinds and payload shapes shared with rucio_widgets/protocol.py.
//
// The view sends intents (search, page, details, make available) as custom messages and
// Python answers with pages and deltas.  Synced traits carry only small state.  Keep this
// file in step with protocol.py: same names, same shapes.

// --- view -> Python -------------------------------------------------------------------
export const MSG_SEARCH = "search"; // {type, query, did_type, filters}
export const MSG_PAGE = "page"; // {type, request_id, source, offset, limit}
export const MSG_DETAILS = "details"; // {type, request_id, did}
export const MSG_LOAD_MORE = "load_more"; // {type}
export const MSG_SELECT_ALL = "select_all"; // {type}: every loaded search result
// {type, dids}: [] means the selection; {type, dids, options} with the rule options the
// user set in the view (MakeOptions in options.js: rse_expression?, lifetime_days?,
// grouping?, asynchronous?, comment?), never an empty options object.
export const MSG_MAKE_AVAILABLE = "make_available";
export const MSG_CANCEL_DOWNLOAD = "cancel_download"; // {type, did}: stop a DOWNLOADING DID
export const MSG_CANCEL = "cancel"; // {type}: stop the search in flight
// {type, request_id, account, username, password} (userpass), {type, request_id, token}
// (oidc, a pasted token) or {type, request_id} (x509, x509_proxy, or oidc with no pasted
// token: try again with the configured credentials).  Python answers with a SignInReply.
export const MSG_SIGN_IN = "sign_in";
export const MSG_SIGN_OUT = "sign_out"; // {type}

// --- Python -> view -------------------------------------------------------------------
// MSG_PAGE, MSG_DETAILS and MSG_SIGN_IN replies reuse the request's type and request_id.
export const MSG_STATUS = "status"; // {type, updates: {did: RowStatus}}

/** `source` of a page: the search results, or the content of one collection (its DID). */
export const RESULTS_SOURCE = "results";

/** @typedef {"all" | "container" | "dataset" | "file" | "collection"} DidType */
/** @type {readonly DidType[]} */
export const DID_TYPES = ["all", "container", "dataset", "file", "collection"];

export const AVAILABLE = "AVAILABLE";
export const PARTIALLY_AVAILABLE = "PARTIALLY_AVAILABLE";
export const REPLICATING = "REPLICATING";
export const STUCK = "STUCK";
export const NOT_AVAILABLE = "NOT_AVAILABLE";
export const EMPTY = "EMPTY";
export const DOWNLOADING = "DOWNLOADING";
export const FAILED = "FAILED";
export const STATUSES = [
  AVAILABLE,
  PARTIALLY_AVAILABLE,
  REPLICATING,
  STUCK,
  NOT_AVAILABLE,
  EMPTY,
  DOWNLOADING,
  FAILED,
];

/** Rows the view asks for in one page request. */
export const PAGE_LIMIT = 100;
/** Python's cap on rows in one page reply, whatever the view asks for. */
export const MAX_PAGE_ROWS = 200;

/**
 * @typedef {object} RowStatus
 * @property {string} status one of STATUSES
 * @property {number} [available] files available (collections)
 * @property {number} [total] files in total (collections)
 * @property {string} [message] why STUCK / FAILED
 */

/**
 * @typedef {object} Row
 * @property {string} did "scope:name"
 * @property {"FILE" | "DATASET" | "CONTAINER"} type
 * @property {number | null} bytes
 * @property {number | null} length number of files; null when unknown (open dataset)
 * @property {RowStatus | null} status null until known
 */

/**
 * @typedef {object} PageRequest
 * @property {"page"} type
 * @property {number} request_id
 * @property {string} source RESULTS_SOURCE or a collection's DID
 * @property {number} offset
 * @property {number} limit
 */

/**
 * @typedef {object} PageReply
 * @property {"page"} type
 * @property {number} request_id
 * @property {string} source
 * @property {number} offset
 * @property {Row[]} rows
 * @property {number | null} [total] number of rows when the listing is complete
 * @property {boolean} complete
 * @property {string} [error]
 */

/**
 * @typedef {object} ReplicaInfo
 * @property {string} rse
 * @property {string} state
 * @property {string | null} path local path when the replica is on the destination
 */

/**
 * @typedef {object} RuleInfo
 * @property {string} id
 * @property {string} rse_expression
 * @property {string} state
 * @property {string} account
 * @property {number} locks_ok
 * @property {number} locks_replicating
 * @property {number} locks_stuck
 * @property {string | null} expires_at
 * @property {string | null} error
 * @property {string | null} [url] the rule in the Rucio web UI, when one is configured
 */

/**
 * @typedef {object} DetailsReply
 * @property {"details"} type
 * @property {number} request_id
 * @property {string} did
 * @property {string | null} [did_url] the DID in the Rucio web UI, when one is configured
 * @property {Record<string, unknown>} [metadata]
 * @property {ReplicaInfo[]} [replicas]
 * @property {RuleInfo[]} [rules]
 * @property {string} [error]
 */

/**
 * @typedef {object} StatusMessage
 * @property {"status"} type
 * @property {Record<string, RowStatus>} updates
 */

/**
 * Synced traits read by the view.
 * @typedef {object} ResultsState
 * @property {number} generation a new value means a new search
 * @property {number} loaded rows Python has read so far
 * @property {boolean} complete
 *
 * @typedef {object} PathsState
 * @property {number} files
 * @property {number} available
 * @property {number} pending
 *
 * @typedef {object} Info
 * @property {string} server
 * @property {string} account
 * @property {"replica" | "download"} mode
 * @property {string} destination
 * @property {string} [vo]
 * @property {string} [webui] the Rucio web UI's URL, "" when not configured
 */

/** `auth` trait states; `{}` (no state) means not known yet, shown as signed in. */
export const SIGNED_IN = "signed_in";
export const SIGNED_OUT = "signed_out"; // no or rejected credentials: the sign-in form
export const EXPIRED = "expired"; // the credentials ran out and cannot be renewed here

/**
 * The synced `auth` trait.  Never holds a secret.
 * @typedef {object} AuthState
 * @property {"signed_in" | "signed_out" | "expired"} [state]
 * @property {"userpass" | "x509" | "x509_proxy" | "oidc"} [auth_type]
 * @property {string} [account]
 * @property {string} [username] userpass identity, to prefill the form
 * @property {string | null} [expires_at] ISO 8601 UTC, when known
 * @property {string} [message] why signed out, in the user's words
 *
 * One entry of the synced `instances` trait; `instance` holds the current one's name.
 * @typedef {object} InstanceInfo
 * @property {string} name
 * @property {string} display_name
 *
 * @typedef {object} SignInReply
 * @property {"sign_in"} type
 * @property {number} request_id
 * @property {boolean} ok
 * @property {string} [message]
 */
