// A stand-in for anywidget's model, a fake rpc for the parts, and helpers that play
// Python's part: every request gets ONE reply of its own type with its request_id, and an
// error is a PanelError {message, hint, kind}.
//
// Replies settle promises, so what a reply changes shows a few microtasks later: every
// helper that answers is async and returns once those have run (fake timers included).

/** Let the callbacks of settled replies (and the replies they lead to) run. */
export async function flush() {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

/** @typedef {import("../../js/model.js").Model} Model */
/** @typedef {import("../../js/model.js").Traits} Traits */
/** @typedef {import("../../js/protocol.js").Requests} Requests */
/** @typedef {import("../../js/protocol.js").Replies} Replies */
/** @typedef {import("../../js/protocol.js").PanelError} PanelError */
/** @typedef {import("../../js/protocol.js").Row} Row */
/** @typedef {Requests[keyof Requests]} Request */

/** @returns {Traits} */
const defaults = () => ({
  query: "",
  did_type: "all",
  filters: "",
  scopes: [],
  selected: [],
  info: {},
  busy: "",
  error: {},
  results_state: { generation: 0, loaded: 0, complete: false },
  paths_state: { files: 0, available: 0, pending: 0 },
  auth: {},
  instances: [],
  instance: "",
});

/**
 * @param {Partial<Traits>} [initial] trait values
 */
export function createModel(initial = {}) {
  /** @type {Traits} */
  const state = { ...defaults(), ...initial };
  /** @type {Map<string, Set<Function>>} */
  const listeners = new Map();
  /** @type {Request[]} */
  const sent = [];
  const emit = (/** @type {string} */ name, /** @type {unknown[]} */ ...args) => {
    for (const cb of [...(listeners.get(name) ?? [])]) cb(...args);
  };
  const model = {
    state,
    sent,
    saves: 0,
    /** @type {Set<number>} ids of the requests answered by the helpers below */
    answered: new Set(),
    /** @type {Model["get"]} */
    get: (name) => state[name],
    /** @type {Model["set"]} */
    set(name, value) {
      const changed = state[name] !== value;
      state[name] = value;
      if (changed) emit(`change:${name}`, model, value);
    },
    save_changes() {
      model.saves += 1;
    },
    /** @type {Model["on"]} */
    on(name, cb) {
      if (!listeners.has(name)) listeners.set(name, new Set());
      listeners.get(name)?.add(cb);
    },
    /** @type {Model["off"]} */
    off(name, cb) {
      listeners.get(name)?.delete(cb);
    },
    /** @param {object} content */
    send(content) {
      sent.push(/** @type {Request} */ (content));
    },
    /**
     * Python changes a trait.
     * @template {keyof Traits} K
     * @param {K} name
     * @param {Traits[K]} value
     */
    update(name, value) {
      model.set(name, value);
    },
    /**
     * Python sends a custom message.
     * @param {unknown} content
     */
    message(content) {
      emit("msg:custom", content, []);
    },
    /** @param {string} [name] one event's listeners, or all */
    listenerCount(name) {
      if (name) return listeners.get(name)?.size ?? 0;
      let n = 0;
      for (const set of listeners.values()) n += set.size;
      return n;
    },
    /**
     * Requests of one type sent so far.
     * @template {keyof Requests} K
     * @param {K} type
     * @returns {Requests[K][]}
     */
    sentOf(type) {
      return /** @type {Requests[K][]} */ (sent.filter((m) => m.type === type));
    },
    /**
     * The last request of one type; throws when there is none.
     * @template {keyof Requests} K
     * @param {K} type
     * @returns {Requests[K]}
     */
    lastOf(type) {
      const last = model.sentOf(type).at(-1);
      if (!last) throw new Error(`no ${type} request was sent`);
      return last;
    },
    /**
     * Requests of one type as sent, without their request_id (checked to be a number).
     * @template {keyof Requests} K
     * @param {K} type
     * @returns {Array<Omit<Requests[K], "request_id">>}
     */
    bodies(type) {
      return model.sentOf(type).map((m) => {
        const { request_id: id, ...body } = m;
        if (typeof id !== "number") throw new Error(`${type} request without a request_id`);
        return body;
      });
    },
    /**
     * Requests of one type not answered by the helpers yet.
     * @template {keyof Requests} K
     * @param {K} type
     */
    unanswered(type) {
      return model.sentOf(type).filter((m) => !model.answered.has(m.request_id));
    },
  };
  return model;
}

/** @typedef {ReturnType<typeof createModel>} FakeModel */

/**
 * A row as Python sends it.
 * @param {string} did
 * @param {Row["type"]} [type]
 * @param {Partial<Row>} [extra]
 * @returns {Row}
 */
export function row(did, type = "DATASET", extra = {}) {
  return {
    did,
    type,
    bytes: type === "FILE" ? 1234567 : 98765432100,
    length: type === "FILE" ? null : 12,
    status: null,
    ...extra,
  };
}

/**
 * Answer a request the way Python does: its type, its request_id, the reply's payload.
 * @template {keyof Requests} K
 * @param {FakeModel} model
 * @param {{type: K, request_id: number}} request
 * @param {Omit<Replies[K], "type" | "request_id">} payload
 */
export async function reply(model, request, payload) {
  model.answered.add(request.request_id);
  model.message({ ...payload, type: request.type, request_id: request.request_id });
  await flush();
}

/**
 * Answer a request with an error (a PanelError), as Python does when the work failed.
 * @param {FakeModel} model
 * @param {Request} request
 * @param {string} message
 * @param {{hint?: string, kind?: string}} [more]
 */
export async function fail(model, request, message, { hint = "", kind = "RucioWidgetsError" } = {}) {
  model.answered.add(request.request_id);
  model.message({ type: request.type, request_id: request.request_id, error: { message, hint, kind } });
  await flush();
}

/**
 * Answer every cancel_request as Python does: the target with a CancelledError, then the
 * cancel_request itself with an acknowledgement.
 * @param {FakeModel} model
 */
export async function answerCancels(model) {
  for (const cancel of model.unanswered("cancel_request")) {
    const target = model.sent.find((m) => m.request_id === cancel.target);
    if (target && !model.answered.has(target.request_id)) {
      await fail(model, target, "The request was cancelled.", { kind: "CancelledError" });
    }
    await reply(model, cancel, {});
  }
}

/**
 * Answer a page request the way Python does, from a function giving the row at an offset.
 * @param {FakeModel} model
 * @param {Requests["page"]} request
 * @param {number} total rows in the listing
 * @param {(i: number) => Row} make
 * @param {{complete?: boolean}} [opts]
 */
export async function answerPage(model, request, total, make, opts = {}) {
  const end = Math.min(total, request.offset + request.limit);
  const rows = [];
  for (let i = request.offset; i < end; i++) rows.push(make(i));
  const complete = opts.complete ?? true;
  await reply(model, request, {
    source: request.source,
    offset: request.offset,
    rows,
    total: complete ? total : null,
    complete,
  });
}

/**
 * Answer every unanswered page request for a source (repeat until none is left).
 * @param {FakeModel} model
 * @param {string} source
 * @param {number} total
 * @param {(i: number) => Row} make
 * @param {{complete?: boolean}} [opts]
 */
export async function answerAll(model, source, total, make, opts = {}) {
  for (let guard = 0; guard < 100; guard++) {
    const todo = model.unanswered("page").filter((m) => m.source === source);
    if (!todo.length) return;
    for (const req of todo) await answerPage(model, req, total, make, opts);
  }
}

/**
 * @typedef {object} FakeCall
 * @property {string} kind
 * @property {Record<string, unknown>} payload
 * @property {number} id
 * @property {boolean} cancelled cancel() was called
 * @property {boolean} settled
 * @property {(() => void) | undefined} onWaiting
 * @property {(reply: Record<string, unknown>) => void} resolve
 */

/**
 * An rpc for testing a part on its own: it records each invoke, and the test answers.
 */
export function createFakeRpc() {
  let nextId = 1;
  /** @type {FakeCall[]} */
  const calls = [];
  const rpc = {
    calls,
    /** @type {import("../../js/rpc.js").Invoker["invoke"]} */
    invoke(kind, payload, opts = {}) {
      const id = nextId++;
      /** @type {(reply: Record<string, unknown>) => void} */
      let resolve = () => {};
      /** @type {Promise<any>} */
      const promise = new Promise((r) => {
        resolve = r;
      });
      /** @type {FakeCall} */
      const call = {
        kind,
        payload: { ...payload },
        id,
        cancelled: false,
        settled: false,
        onWaiting: opts.onWaiting,
        resolve: (answer) => {
          if (call.settled) return;
          call.settled = true;
          resolve({ type: kind, request_id: id, ...answer });
        },
      };
      calls.push(call);
      return { id, promise, cancel: () => (call.cancelled = true) };
    },
    /** @param {string} kind */
    of: (kind) => calls.filter((c) => c.kind === kind),
    /**
     * Answer a call, and let its callbacks run.
     * @param {FakeCall} call
     * @param {Record<string, unknown>} answer the reply's payload, or {error}
     */
    async answer(call, answer) {
      call.resolve(answer);
      await flush();
    },
    /** @param {string} kind */
    last(kind) {
      const call = rpc.of(kind).at(-1);
      if (!call) throw new Error(`no ${kind} request`);
      return call;
    },
  };
  return rpc;
}
