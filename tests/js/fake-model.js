// A stand-in for anywidget's model, and a few helpers that play Python's part.

/**
 * @param {Record<string, unknown>} [initial] trait values
 */
export function createModel(initial = {}) {
  /** @type {Record<string, any>} */
  const state = {
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
    ...initial,
  };
  /** @type {Map<string, Set<Function>>} */
  const listeners = new Map();
  /** @type {any[]} */
  const sent = [];
  const emit = (/** @type {string} */ name, /** @type {any[]} */ ...args) => {
    for (const cb of [...(listeners.get(name) ?? [])]) cb(...args);
  };
  const model = {
    state,
    sent,
    saves: 0,
    /** @type {Set<number>} ids of the page requests answered by answerPage */
    answered: new Set(),
    get: (/** @type {string} */ name) => state[name],
    set(/** @type {string} */ name, /** @type {any} */ value) {
      const changed = state[name] !== value;
      state[name] = value;
      if (changed) emit(`change:${name}`, model, value);
    },
    save_changes() {
      model.saves += 1;
    },
    on(/** @type {string} */ name, /** @type {Function} */ cb) {
      if (!listeners.has(name)) listeners.set(name, new Set());
      listeners.get(name)?.add(cb);
    },
    off(/** @type {string} */ name, /** @type {Function} */ cb) {
      listeners.get(name)?.delete(cb);
    },
    send(/** @type {any} */ content) {
      sent.push(content);
    },
    /** Python changes a trait. */
    update(/** @type {string} */ name, /** @type {any} */ value) {
      model.set(name, value);
    },
    /** Python sends a custom message. */
    message(/** @type {any} */ content) {
      emit("msg:custom", content, []);
    },
    listenerCount() {
      let n = 0;
      for (const set of listeners.values()) n += set.size;
      return n;
    },
    /** Messages of one type sent so far. */
    sentOf(/** @type {string} */ type) {
      return sent.filter((m) => m.type === type);
    },
  };
  return model;
}

/**
 * A row as Python sends it.
 * @param {string} did
 * @param {string} [type]
 * @param {object} [extra]
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
 * Answer a page request the way Python does, from a function giving the row at an offset.
 * @param {ReturnType<typeof createModel>} model
 * @param {any} request a sent {type: "page", ...} message
 * @param {number} total rows in the listing
 * @param {(i: number) => any} make
 * @param {{complete?: boolean}} [opts]
 */
export function answerPage(model, request, total, make, opts = {}) {
  const end = Math.min(total, request.offset + request.limit);
  const rows = [];
  for (let i = request.offset; i < end; i++) rows.push(make(i));
  const complete = opts.complete ?? true;
  model.answered.add(request.request_id);
  model.message({
    type: "page",
    request_id: request.request_id,
    source: request.source,
    offset: request.offset,
    rows,
    total: complete ? total : null,
    complete,
  });
}

/**
 * Answer every unanswered page request for a source (repeat until none is left).
 * @param {ReturnType<typeof createModel>} model
 * @param {string} source
 * @param {number} total
 * @param {(i: number) => any} make
 * @param {{complete?: boolean}} [opts]
 */
export function answerAll(model, source, total, make, opts = {}) {
  for (let guard = 0; guard < 100; guard++) {
    const todo = model.sent.filter(
      (m) => m.type === "page" && m.source === source && !model.answered.has(m.request_id),
    );
    if (!todo.length) return;
    for (const req of todo) answerPage(model, req, total, make, opts);
  }
}
