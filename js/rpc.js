// The one owner of a widget model's requests: request ids, pending replies, cancels.
//
// Every request carries a request_id and gets exactly ONE reply: a message of the request's
// own type with the same request_id (rucio_widgets/protocol.py).  The view never gives a
// request up on its own: after WAITING_MS without a reply it only says so (`onWaiting`), and
// a late reply still counts.  `cancel()` asks Python to give the request up; Python then
// answers it with a CancelledError.

import { MSG_CANCEL_REQUEST } from "./protocol.js";

/** @typedef {import("./protocol.js").Requests} Requests */
/** @typedef {import("./protocol.js").Replies} Replies */
/** @typedef {import("./protocol.js").Reply} Reply */
/** @typedef {import("./protocol.js").PanelError} PanelError */
/** @typedef {import("./model.js").Model} Model */

/** After this long without a reply, the part that asked shows "waiting for the server…". */
export const WAITING_MS = 5000;
/** `kind` of the error a cancelled request is answered with. */
export const CANCELLED = "CancelledError";

/**
 * A request's payload: the request without its type and request_id.
 * @template {keyof Requests} K
 * @typedef {Omit<Requests[K], "type" | "request_id">} Payload
 */

/**
 * A request in flight.
 * @template {keyof Requests} K
 * @typedef {object} Call
 * @property {number} id its request_id
 * @property {Promise<Replies[K]>} promise resolves once, with the reply; never rejects (a
 *   failed or cancelled request is a reply with `error` set)
 * @property {() => void} cancel ask Python to give the request up
 */

/**
 * @typedef {object} InvokeOptions
 * @property {() => void} [onWaiting] called once when WAITING_MS pass without a reply
 */

/**
 * What a part needs of an Rpc (tests pass a fake one).
 * @typedef {object} Invoker
 * @property {<K extends keyof Requests>(kind: K, payload: Payload<K>, opts?: InvokeOptions) => Call<K>} invoke
 */

/**
 * @typedef {object} Pending
 * @property {string} kind
 * @property {(reply: Reply) => void} resolve
 * @property {ReturnType<typeof setTimeout> | undefined} timer
 * @property {boolean} cancelSent
 */

// Ids come from one sequence per page, from a random base: unique across the models of the
// page, and (almost surely) apart from another page's that shares the kernel's comm.
let nextId = (Math.floor(Math.random() * 1e6) + 1) * 1e6;

/**
 * Whether an error is the answer to a cancelled request.
 * @param {PanelError | null | undefined} error
 */
export const isCancelled = (error) => !!error && error.kind === CANCELLED;

/**
 * The reply a request gets when it can no longer be answered.
 * @param {string} kind
 * @param {number} id
 * @param {PanelError} error
 * @returns {Reply}
 */
const failure = (kind, id, error) => ({ type: kind, request_id: id, error });

export class Rpc {
  /**
   * @param {Model} model
   * @param {{waitingMs?: number}} [opts]
   */
  constructor(model, { waitingMs = WAITING_MS } = {}) {
    this.model = model;
    this.waitingMs = waitingMs;
    /** @type {Map<number, Pending>} */
    this.pending = new Map();
    this.destroyed = false;
    /** @param {unknown} msg */
    this.listener = (msg) => this.receive(msg);
    model.on("msg:custom", this.listener);
  }

  /**
   * Send a request; its promise resolves with the one reply.
   * @template {keyof Requests} K
   * @param {K} kind
   * @param {Payload<K>} payload
   * @param {InvokeOptions} [opts]
   * @returns {Call<K>}
   */
  invoke(kind, payload, { onWaiting } = {}) {
    const id = nextId++;
    /** @type {(reply: Reply) => void} */
    let resolve = () => {};
    /** @type {Promise<Replies[K]>} */
    const promise = new Promise((r) => {
      // receive() checked the reply's type and request_id, which is all the view can check
      // of it; its payload is Python's, as protocol.py's REPLIES declares for this kind.
      resolve = /** @type {(reply: Reply) => void} */ (r);
    });
    const call = { id, promise, cancel: () => this.cancel(id) };
    if (this.destroyed) {
      resolve(failure(kind, id, { message: "The view was closed.", hint: "", kind: CANCELLED }));
      return call;
    }
    /** @type {Pending} */
    const entry = { kind, resolve, timer: undefined, cancelSent: false };
    this.pending.set(id, entry);
    if (onWaiting) {
      entry.timer = setTimeout(() => {
        entry.timer = undefined;
        if (this.pending.get(id) === entry) onWaiting();
      }, this.waitingMs);
    }
    try {
      this.model.send({ ...payload, type: kind, request_id: id });
    } catch (err) {
      this.settle(
        id,
        failure(kind, id, { message: `Could not reach Python: ${err}`, hint: "", kind: "SendError" }),
      );
    }
    return call;
  }

  /**
   * Ask Python to give a request up; it answers the request with a CancelledError (or with
   * its reply, when that was already on its way).
   * @param {number} id
   */
  cancel(id) {
    const entry = this.pending.get(id);
    if (!entry || entry.cancelSent || this.destroyed) return;
    entry.cancelSent = true;
    this.invoke(MSG_CANCEL_REQUEST, { target: id });
  }

  /**
   * A custom message from Python: the reply to one of our requests, or not ours.
   * @param {unknown} msg
   */
  receive(msg) {
    if (!msg || typeof msg !== "object") return;
    const { type, request_id: id } = /** @type {{type?: unknown, request_id?: unknown}} */ (msg);
    if (typeof id !== "number") return;
    const entry = this.pending.get(id);
    if (!entry || entry.kind !== type) return;
    this.settle(id, /** @type {Reply} */ (msg));
  }

  /**
   * @param {number} id
   * @param {Reply} reply
   */
  settle(id, reply) {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    clearTimeout(entry.timer);
    entry.resolve(reply);
  }

  /** Requests still waiting for their reply. */
  get size() {
    return this.pending.size;
  }

  /** Stop listening; every pending request settles with a CancelledError. */
  destroy() {
    if (this.destroyed) return;
    this.destroyed = true;
    this.model.off("msg:custom", this.listener);
    for (const [id, entry] of [...this.pending]) {
      this.settle(
        id,
        failure(entry.kind, id, {
          message: "The view was closed before Python answered.",
          hint: "",
          kind: CANCELLED,
        }),
      );
    }
  }
}
