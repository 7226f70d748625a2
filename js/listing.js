// The results as a flattened tree, without any DOM.
//
// A *source* is one paged listing: the search results, or the direct children of one
// collection (keyed by its DID, as in page requests).  Rows arrive page by page and may be
// sparse (the user can drag the scroll bar far ahead).  Expanded collections are keyed by
// their path from the root, so one dataset can be open under two containers; both share
// the cached children.  `rebuild()` lays the visible tree out as a few *runs* of
// consecutive items, so finding the item at a flat index is a binary search however many
// rows there are.

import { PAGE_SIZE, RESULTS_SOURCE } from "./protocol.js";
import { CANCELLED } from "./rpc.js";

/** @typedef {import("./protocol.js").Row} Row */
/** @typedef {import("./protocol.js").RowStatus} RowStatus */
/** @typedef {import("./protocol.js").PageReply} PageReply */
/** @typedef {import("./protocol.js").PanelError} PanelError */

/**
 * @typedef {object} Source
 * @property {string} key RESULTS_SOURCE or a collection DID
 * @property {Row[]} rows sparse: rows[offset]
 * @property {number} hint rows Python reports as loaded (results only)
 * @property {boolean} complete
 * @property {number | null} total
 * @property {number | null} stallAt a short reply ended here: ask no further until unstalled
 * @property {PanelError | null} error why its last page failed: shown until retried
 */

/**
 * @typedef {"row" | "more" | "empty" | "error"} ItemKind
 *
 * @typedef {object} Run
 * @property {number} start flat index of the first item
 * @property {number} count
 * @property {ItemKind} kind
 * @property {Source} source
 * @property {number} offset offset of the first item in its source (rows only)
 * @property {number} depth 0 for search results
 * @property {string} parentKey path of the expanded collection ("" for the results)
 * @property {string[]} ancestors DIDs of the expanded collections above
 *
 * @typedef {object} Item
 * @property {ItemKind} kind
 * @property {Source} source
 * @property {number} offset
 * @property {number} depth
 * @property {string} parentKey
 * @property {string[]} ancestors
 * @property {Row | undefined} row undefined while its page is on its way
 * @property {string} key path of this row ("" for non-row items)
 *
 * @typedef {{parentKey: string, kind: ItemKind, offset: number}} ItemRef
 * @typedef {{source: string, offset: number, limit: number}} PageWant
 */

const SEP = "\n"; // never part of a DID

/**
 * Path of a row: its DID under the path of its expanded parent.
 * @param {string} parentKey
 * @param {string} did
 */
export const rowKey = (parentKey, did) => (parentKey ? parentKey + SEP + did : did);

/** @param {Row | undefined} row */
export const isCollection = (row) => !!row && (row.type === "DATASET" || row.type === "CONTAINER");

export class Listing {
  constructor() {
    /** @type {Map<string, Source>} */
    this.sources = new Map();
    /** @type {Map<string, {parentKey: string, offset: number, did: string}>} */
    this.expanded = new Map();
    /** @type {Map<number, PageWant>} */
    this.pending = new Map();
    /** @type {Set<number>} pending requests that have waited WAITING_MS */
    this.waiting = new Set();
    /** @type {Map<string, RowStatus>} */
    this.status = new Map();
    /** @type {Run[]} */
    this.runs = [];
    this.length = 0;
    this.root = this.source(RESULTS_SOURCE);
  }

  /** Forget every row, expansion, pending request and status: a new search. */
  reset() {
    this.sources = new Map();
    this.expanded = new Map();
    this.pending = new Map();
    this.waiting = new Set();
    this.status = new Map();
    this.runs = [];
    this.length = 0;
    this.root = this.source(RESULTS_SOURCE);
  }

  /**
   * The source for a key, created empty when new.
   * @param {string} key
   * @returns {Source}
   */
  source(key) {
    let src = this.sources.get(key);
    if (!src) {
      src = { key, rows: [], hint: 0, complete: false, total: null, stallAt: null, error: null };
      this.sources.set(key, src);
    }
    return src;
  }

  /**
   * Rows the source is known to hold (fetched or not).
   * @param {Source} src
   */
  count(src) {
    if (src.complete && typeof src.total === "number") return src.total;
    return Math.max(src.hint, src.rows.length, src.total ?? 0);
  }

  /**
   * Apply the `results_state` trait's loaded/complete (same generation).
   * @param {number} loaded
   * @param {boolean} complete
   */
  setResultsState(loaded, complete) {
    const src = this.root;
    const n = Math.max(0, Number(loaded) || 0);
    if (n !== src.hint) src.stallAt = null; // Python read further: ask again
    src.hint = n;
    if (complete) {
      src.complete = true;
      src.total = Math.max(n, src.total ?? 0);
    }
  }

  /** Allow requests that a short reply had put on hold (after a user action). */
  unstall() {
    for (const src of this.sources.values()) {
      if (!src.error) src.stallAt = null;
    }
  }

  /**
   * Clear a source's error so that its pages are asked for again.
   * @param {string} key
   */
  retry(key) {
    const src = this.sources.get(key);
    if (src) {
      src.error = null;
      src.stallAt = null;
    }
  }

  /** Lay out the visible tree as runs of consecutive items. */
  rebuild() {
    /** @type {Map<string, {key: string, offset: number, did: string}[]>} */
    const byParent = new Map();
    for (const [key, e] of this.expanded) {
      const list = byParent.get(e.parentKey) ?? [];
      list.push({ key, offset: e.offset, did: e.did });
      byParent.set(e.parentKey, list);
    }
    for (const list of byParent.values()) list.sort((a, b) => a.offset - b.offset);

    /** @type {Run[]} */
    const runs = [];
    let start = 0;
    /**
     * @param {ItemKind} kind
     * @param {Source} source
     * @param {number} offset
     * @param {number} count
     * @param {number} depth
     * @param {string} parentKey
     * @param {string[]} ancestors
     */
    const add = (kind, source, offset, count, depth, parentKey, ancestors) => {
      if (count <= 0) return;
      runs.push({ start, count, kind, source, offset, depth, parentKey, ancestors });
      start += count;
    };
    /**
     * @param {Source} src
     * @param {string} parentKey
     * @param {number} depth
     * @param {string[]} ancestors
     */
    const walk = (src, parentKey, depth, ancestors) => {
      const n = this.count(src);
      let off = 0;
      for (const e of byParent.get(parentKey) ?? []) {
        const row = src.rows[e.offset];
        if (e.offset >= n || !row || row.did !== e.did) continue;
        add("row", src, off, e.offset + 1 - off, depth, parentKey, ancestors);
        walk(this.source(e.did), e.key, depth + 1, [...ancestors, e.did]);
        off = e.offset + 1;
      }
      add("row", src, off, n - off, depth, parentKey, ancestors);
      if (src.error) add("error", src, n, 1, depth, parentKey, ancestors);
      else if (!src.complete && (depth > 0 || n > 0)) add("more", src, n, 1, depth, parentKey, ancestors);
      else if (src.complete && n === 0 && depth > 0) add("empty", src, 0, 1, depth, parentKey, ancestors);
    };
    walk(this.root, "", 0, []);
    this.runs = runs;
    this.length = start;
  }

  /**
   * Index of the run holding a flat index.
   * @param {number} index
   */
  runIndex(index) {
    let lo = 0;
    let hi = this.runs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.runs[mid].start <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /**
   * The item at a flat index, or null outside the list.
   * @param {number} index
   * @returns {Item | null}
   */
  itemAt(index) {
    if (index < 0 || index >= this.length) return null;
    const run = this.runs[this.runIndex(index)];
    const offset = run.kind === "row" ? run.offset + index - run.start : run.offset;
    const row = run.kind === "row" ? run.source.rows[offset] : undefined;
    return {
      kind: run.kind,
      source: run.source,
      offset,
      depth: run.depth,
      parentKey: run.parentKey,
      ancestors: run.ancestors,
      row,
      key: row ? rowKey(run.parentKey, row.did) : "",
    };
  }

  /**
   * A reference to an item that survives rows being inserted above it.
   * @param {Item} item
   * @returns {ItemRef}
   */
  refOf(item) {
    return { parentKey: item.parentKey, kind: item.kind, offset: item.offset };
  }

  /**
   * Flat index of a referenced item, or -1 when it is not shown (a parent collapsed).
   * @param {ItemRef} ref
   */
  indexOf(ref) {
    for (const run of this.runs) {
      if (run.parentKey !== ref.parentKey || run.kind !== ref.kind) continue;
      if (run.kind !== "row") return run.start;
      if (ref.offset >= run.offset && ref.offset < run.offset + run.count) {
        return run.start + ref.offset - run.offset;
      }
    }
    return -1;
  }

  /**
   * Reference to the row of the expanded collection that holds items under parentKey.
   * @param {string} parentKey
   * @returns {ItemRef | null}
   */
  parentRef(parentKey) {
    const e = this.expanded.get(parentKey);
    return e ? { parentKey: e.parentKey, kind: "row", offset: e.offset } : null;
  }

  /** @param {Item} item */
  isExpanded(item) {
    return !!item.row && this.expanded.has(item.key);
  }

  /**
   * Open a collection row: its children come from the source keyed by its DID.
   * @param {Item} item
   */
  expand(item) {
    if (!isCollection(item.row) || !item.row) return false;
    if (this.expanded.has(item.key)) return false;
    this.expanded.set(item.key, { parentKey: item.parentKey, offset: item.offset, did: item.row.did });
    const src = this.source(item.row.did);
    if (src.error) this.retry(src.key);
    return true;
  }

  /** @param {Item} item */
  collapse(item) {
    return this.expanded.delete(item.key);
  }

  /**
   * @param {string} source
   * @param {number} offset
   */
  isPending(source, offset) {
    for (const p of this.pending.values()) {
      if (p.source === source && offset >= p.offset && offset < p.offset + p.limit) return true;
    }
    return false;
  }

  /**
   * Whether the request for the row at an offset has waited long for its reply.
   * @param {string} source
   * @param {number} offset
   */
  isWaiting(source, offset) {
    for (const id of this.waiting) {
      const p = this.pending.get(id);
      if (p && p.source === source && offset >= p.offset && offset < p.offset + p.limit) return true;
    }
    return false;
  }

  /**
   * A page request has waited WAITING_MS: its rows say so.
   * @param {number} requestId
   */
  markWaiting(requestId) {
    if (!this.pending.has(requestId)) return false;
    this.waiting.add(requestId);
    return true;
  }

  /** Request ids of the pages asked for and not answered yet. */
  pendingIds() {
    return [...this.pending.keys()];
  }

  /**
   * Pages to ask for so that the items from first to last (inclusive) can be shown:
   * missing rows in view, and the next page of a listing whose end is in view.  At most
   * one page per source per call; the next call asks for more if still needed.
   * @param {number} first
   * @param {number} last
   * @returns {PageWant[]}
   */
  wants(first, last) {
    /** @type {PageWant[]} */
    const out = [];
    const asked = new Set();
    if (this.length === 0) return out;
    const lo = Math.max(0, first);
    const hi = Math.min(this.length - 1, last);
    for (let r = this.runIndex(lo); r < this.runs.length && this.runs[r].start <= hi; r++) {
      const run = this.runs[r];
      const src = run.source;
      if (asked.has(src.key) || src.error) continue;
      if (run.kind === "more") {
        const offset = this.count(src);
        if (!this.blocked(src, offset)) {
          out.push({ source: src.key, offset, limit: PAGE_SIZE });
          asked.add(src.key);
        }
        continue;
      }
      if (run.kind !== "row") continue;
      const from = run.offset + Math.max(lo, run.start) - run.start;
      const to = run.offset + Math.min(hi, run.start + run.count - 1) - run.start;
      for (let off = from; off <= to; off++) {
        if (src.rows[off] !== undefined || this.blocked(src, off)) continue;
        // Start on a page boundary, past rows already here, to avoid overlapping pages.
        let begin = Math.floor(off / PAGE_SIZE) * PAGE_SIZE;
        while (begin < off && (src.rows[begin] !== undefined || this.isPending(src.key, begin))) begin++;
        out.push({ source: src.key, offset: begin, limit: PAGE_SIZE });
        asked.add(src.key);
        break;
      }
    }
    return out;
  }

  /**
   * @param {Source} src
   * @param {number} offset
   */
  blocked(src, offset) {
    return this.isPending(src.key, offset) || (src.stallAt !== null && offset >= src.stallAt);
  }

  /**
   * Remember a page request until its reply.
   * @param {number} requestId
   * @param {PageWant} want
   */
  track(requestId, want) {
    this.pending.set(requestId, want);
  }

  /**
   * Apply a page reply.  Replies to requests this listing did not make (another view's,
   * or from before a reset) are ignored.  A cancelled request is forgotten, not an error:
   * its rows are asked for again when they are next in view.
   * @param {PageReply} reply
   * @returns {boolean} whether the listing changed
   */
  applyPage(reply) {
    const want = this.pending.get(reply.request_id);
    if (!want) return false;
    this.pending.delete(reply.request_id);
    this.waiting.delete(reply.request_id);
    const src = this.source(want.source);
    const offset = typeof reply.offset === "number" ? reply.offset : want.offset;
    if (reply.error) {
      if (reply.error.kind === CANCELLED) return false;
      src.error = { ...reply.error, message: String(reply.error.message || "the request failed") };
      return true;
    }
    src.error = null;
    const rows = Array.isArray(reply.rows) ? reply.rows : [];
    rows.forEach((row, i) => {
      src.rows[offset + i] = row;
      if (row?.status) this.status.set(row.did, row.status);
    });
    if (reply.complete) {
      src.complete = true;
      src.total =
        typeof reply.total === "number" ? reply.total : Math.max(src.rows.length, offset + rows.length);
      if (src.rows.length > src.total) src.rows.length = src.total;
      src.stallAt = null;
    } else if (rows.length < want.limit) {
      src.stallAt = offset + rows.length;
    }
    return true;
  }

  /**
   * Apply availability deltas.
   * @param {Record<string, RowStatus>} updates
   */
  applyStatus(updates) {
    for (const [did, st] of Object.entries(updates ?? {})) this.status.set(did, st);
  }

  /**
   * Current availability of a row.
   * @param {Row} row
   * @returns {RowStatus | null}
   */
  statusOf(row) {
    return this.status.get(row.did) ?? row.status ?? null;
  }
}
