// The results tree: a virtual list over js/listing.js (the DOM-free model of the tree).  It
// owns its row elements (a pool of about a screenful, reused as the list scrolls), the
// keyboard and clicks, expand/collapse, and the page requests for the rows in view.  The
// column headings above the rows (sorting, the name column's width) are parts/columns.js.

import { h, withCode } from "../dom.js";
import { DID_TYPE_LABELS, didTypeOf } from "../format.js";
import { Listing, isCollection } from "../listing.js";
import { PAGE_SIZE, RESULTS_SOURCE } from "../protocol.js";
import { isCancelled } from "../rpc.js";
import { Columns } from "./columns.js";
import { ROW_HEIGHT, impliedBy, renderItem } from "./rows.js";

/** @typedef {import("../listing.js").Item} Item */
/** @typedef {import("../listing.js").ItemRef} ItemRef */
/** @typedef {import("../protocol.js").PanelError} PanelError */
/** @typedef {import("../protocol.js").ResultsState} ResultsState */
/** @typedef {import("../protocol.js").RowStatus} RowStatus */
/** @typedef {import("../protocol.js").Row} Row */
/** @typedef {import("../rpc.js").Invoker} Invoker */
/** @typedef {import("../rpc.js").Call<"page">} PageCall */

export { ROW_HEIGHT };
/** Rows rendered above and below the visible window. */
export const OVERSCAN = 6;
/**
 * A scroll event that moves the list by more than a screenful, less than FLING_GAP_MS after
 * the one before, is part of a fling (a dragged scroll bar, a hard flick): no row stays in
 * view long enough to be read, so the pages of the rows flying by are not asked for.  The
 * rows in view are asked for FLING_SETTLE_MS after the last such event.
 */
const FLING_GAP_MS = 100;
const FLING_SETTLE_MS = 80;
/** Viewport height assumed before the list is laid out (detached, hidden, no layout). */
const FALLBACK_VIEWPORT = 400;
/**
 * @typedef {object} TreeState
 * @property {Partial<ResultsState> | null} [results] the `results_state` trait
 * @property {string[] | null} [selected]
 * @property {boolean} [signedOut]
 * @property {string | null} [busy]
 * @property {{query: string, didType: string, filters: string}} [search] the last search, for "No DIDs match"
 */

/**
 * @typedef {object} TreeCallbacks
 * @property {(did: string) => void} onOpen show a DID's details
 * @property {(did: string, checked: boolean) => void} onSelect
 * @property {(dids: string[]) => void} onMakeAvailable
 * @property {(did: string) => void} onCancelDownload
 * @property {(results: {count: number, complete: boolean, searched: boolean}) => void} onCount
 * @property {(error: PanelError) => void} onError a load_more or a sort failed
 * @property {(anchor: HTMLElement, row: Row, at?: {x: number, y: number}) => void} onMenu
 *   open the copy menu of a row
 */

export class Tree {
  /**
   * @param {{uid: string, rpc: Invoker} & TreeCallbacks} opts
   */
  constructor({ uid, rpc, ...callbacks }) {
    this.uid = uid;
    this.rpc = rpc;
    this.cb = callbacks;
    this.listing = new Listing();
    /** @type {Map<number, PageCall>} page requests in flight */
    this.calls = new Map();
    /** @type {number | undefined} */
    this.generation = undefined;
    this.searched = false;
    /** What the server side says when nothing matched (results_state.hint). */
    this.hint = "";
    /** @type {ItemRef | null} */
    this.active = null;
    this.lastActiveIndex = -1;
    /** @type {Set<string>} */
    this.selected = new Set();
    this.signedOut = false;
    this.busy = "";
    this.search = { query: "", didType: "all", filters: "" };
    /** @type {Map<number, HTMLElement>} rendered items by flat index */
    this.pool = new Map();
    /** @type {[number, number] | null} flat indexes rendered */
    this.range = null;
    this.refreshing = false;
    this.refreshAgain = false;
    this.destroyed = false;
    this.lastCount = "";
    /** Where the last scroll event left the list, and when (performance.now()). */
    this.lastScroll = { top: 0, at: -Infinity };
    /** @type {ReturnType<typeof setTimeout> | undefined} asks for the rows in view after a fling */
    this.flingTimer = undefined;

    this.spacer = h("div", { class: "rw-spacer" });
    this.emptyEl = h("div", { class: "rw-empty" });
    this.scroller = h(
      "div",
      {
        class: "rw-tree",
        role: "tree",
        tabindex: "0",
        "aria-label": "Rucio data identifiers",
        "aria-multiselectable": "true",
        onscroll: () => this.onScroll(),
        onclick: (/** @type {MouseEvent} */ e) => this.onClick(e),
        ondblclick: (/** @type {MouseEvent} */ e) => this.onDoubleClick(e),
        oncontextmenu: (/** @type {MouseEvent} */ e) => this.onContextMenu(e),
        onfocus: () => this.onFocus(),
        onkeydown: (/** @type {KeyboardEvent} */ e) => this.onKey(e),
      },
      this.spacer,
      this.emptyEl,
    );
    this.scroller.style.setProperty("--rw-row-height", `${ROW_HEIGHT}px`);
    /** Identity of the sorted snapshot the rows come from ("" unsorted). */
    this.sortKey = "";
    /** The order of that snapshot ("" unsorted). */
    this.sortOrder = "";
    // The listing: the column headings and the sort note (parts/columns.js) above the rows.
    this.el = h("div", { class: "rw-listing" });
    this.columns = new Columns({
      rpc,
      listingEl: this.el,
      onError: (error) => this.cb.onError(error),
    });
    this.el.append(this.columns.el, this.columns.noteEl, this.scroller);
    if (typeof ResizeObserver !== "undefined") {
      this.resizeObserver = new ResizeObserver(() => {
        this.columns.applyWidth(this.el.clientWidth);
        this.renderRows();
        this.requestMissing();
      });
      this.resizeObserver.observe(this.scroller);
      this.resizeObserver.observe(this.el);
    }
    this.renderRows();
  }

  /** @param {TreeState} state */
  update(state) {
    if (state.selected !== undefined) this.selected = new Set(state.selected ?? []);
    if (state.signedOut !== undefined) this.signedOut = state.signedOut;
    if (state.search !== undefined) this.search = state.search;
    if (state.busy !== undefined) {
      this.busy = String(state.busy ?? "");
      this.scroller.setAttribute("aria-busy", String(!!this.busy));
    }
    if (state.results !== undefined) this.syncResults(state.results ?? {});
    else this.renderRows();
  }

  /** A search was sent: the empty state now waits for its results. */
  markSearched() {
    this.searched = true;
    this.renderRows();
  }

  /**
   * Availability deltas (a `status` message).
   * @param {Record<string, RowStatus>} updates
   */
  applyStatus(updates) {
    this.listing.applyStatus(updates);
    this.renderRows();
  }

  /** Ask Python for more search results. */
  loadMore() {
    this.listing.unstall();
    this.rpc.invoke("load_more", {}).promise.then((reply) => {
      if (reply.error && !isCancelled(reply.error) && !this.destroyed) this.cb.onError(reply.error);
    });
    this.refresh();
  }

  focus() {
    this.scroller.focus({ preventScroll: true });
  }

  // --- results and pages ---------------------------------------------------------------

  /** @param {Partial<ResultsState>} rs */
  syncResults(rs) {
    this.hint = typeof rs.hint === "string" ? rs.hint : "";
    const generation = typeof rs.generation === "number" ? rs.generation : undefined;
    const hasSearch = (generation ?? 0) > 0 || (rs.loaded ?? 0) > 0 || !!rs.complete;
    const sort = rs.sort && typeof rs.sort === "object" ? rs.sort : null;
    const order = sort ? `${sort.by}|${sort.descending}` : "";
    const sortKey = sort ? `${order}|${sort.rows}` : "";
    const orderChanged = order !== this.sortOrder;
    this.sortOrder = order;
    this.columns.update({ sort });
    if (generation === this.generation && sortKey !== this.sortKey) {
      // Another order (or load more grew the sorted snapshot): the rows at each offset
      // changed.  Forget them and ask again for what is in view; a new order starts at the top.
      this.sortKey = sortKey;
      this.cancelPages();
      this.listing.reset();
      this.active = null;
      this.lastActiveIndex = -1;
      if (orderChanged) this.scroller.scrollTop = 0;
    }
    this.sortKey = sortKey;
    if (generation !== this.generation) {
      // A new search: forget everything, give up the pages still asked for, and start
      // again from the first page.
      this.generation = generation;
      this.cancelPages();
      this.listing.reset();
      this.active = null;
      this.lastActiveIndex = -1;
      this.scroller.scrollTop = 0;
      if (hasSearch) this.requestPage(RESULTS_SOURCE, 0);
    }
    if (hasSearch) this.searched = true;
    this.listing.setResultsState(rs.loaded ?? 0, !!rs.complete);
    this.refresh();
  }

  /**
   * @param {string} source
   * @param {number} offset
   */
  requestPage(source, offset) {
    const want = { source, offset, limit: PAGE_SIZE };
    /** @type {PageCall} */
    const call = this.rpc.invoke("page", want, {
      onWaiting: () => {
        if (this.listing.markWaiting(call.id)) this.renderRows();
      },
    });
    this.listing.track(call.id, want);
    this.calls.set(call.id, call);
    call.promise.then((reply) => {
      this.calls.delete(call.id);
      if (!this.destroyed && this.listing.applyPage(reply)) this.refresh();
    });
  }

  cancelPages() {
    for (const call of this.calls.values()) call.cancel();
    this.calls.clear();
  }

  /** Lay the tree out again, render the rows in view and ask for missing pages. */
  refresh() {
    if (this.refreshing) {
      this.refreshAgain = true;
      return;
    }
    this.refreshing = true;
    try {
      for (let guard = 0; guard < 20; guard++) {
        this.refreshAgain = false;
        this.listing.rebuild();
        this.renderRows();
        this.requestMissing();
        if (!this.refreshAgain) break;
      }
    } finally {
      this.refreshing = false;
    }
  }

  requestMissing() {
    if (!this.range || this.destroyed) return;
    const [first, last] = this.range;
    const wants = this.listing.wants(first, last);
    for (const want of wants) this.requestPage(want.source, want.offset);
    // The items of those pages now say "Loading…".
    if (wants.length) this.renderRows();
  }

  onScroll() {
    // The user scrolled: pages that came back short may have grown since.
    this.listing.unstall();
    const top = this.scroller.scrollTop;
    const at = performance.now();
    const fling =
      Math.abs(top - this.lastScroll.top) > this.viewportHeight() && at - this.lastScroll.at < FLING_GAP_MS;
    this.lastScroll = { top, at };
    this.renderRows();
    clearTimeout(this.flingTimer);
    this.flingTimer = undefined;
    if (fling) {
      this.flingTimer = setTimeout(() => {
        this.flingTimer = undefined;
        this.requestMissing();
      }, FLING_SETTLE_MS);
      return;
    }
    this.requestMissing();
  }

  viewportHeight() {
    return this.scroller.clientHeight || FALLBACK_VIEWPORT;
  }

  // --- rendering -----------------------------------------------------------------------

  /** Render the items in (and just around) view, reusing their elements. */
  renderRows() {
    if (this.destroyed) return;
    const n = this.listing.length;
    this.spacer.style.height = `${n * ROW_HEIGHT}px`;
    const top = this.scroller.scrollTop;
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(n - 1, Math.ceil((top + this.viewportHeight()) / ROW_HEIGHT) + OVERSCAN);
    this.range = [first, last];
    const activeIndex = this.activeIndex();
    const ctx = { uid: this.uid, listing: this.listing, selected: this.selected, signedOut: this.signedOut };

    const old = this.pool;
    /** @type {Map<number, HTMLElement>} */
    const next = new Map();
    for (let i = first; i <= last; i++) {
      const el = old.get(i);
      if (el) {
        next.set(i, el);
        old.delete(i);
      }
    }
    const spare = [...old.values()];
    for (let i = first; i <= last; i++) {
      let el = next.get(i);
      if (!el) {
        el = spare.pop() ?? h("div", {});
        if (!el.parentNode) this.spacer.append(el);
        next.set(i, el);
      }
      const item = this.listing.itemAt(i);
      if (item) renderItem(el, i, item, i === activeIndex, ctx);
    }
    for (const el of spare) el.remove();
    this.pool = next;

    const activeEl = next.get(activeIndex);
    if (activeEl) this.scroller.setAttribute("aria-activedescendant", activeEl.id);
    else this.scroller.removeAttribute("aria-activedescendant");
    this.renderCount();
    this.renderEmpty();
  }

  renderCount() {
    const root = this.listing.root;
    const results = { count: this.listing.count(root), complete: root.complete, searched: this.searched };
    const key = JSON.stringify(results);
    if (key === this.lastCount) return;
    this.lastCount = key;
    this.cb.onCount(results);
  }

  renderEmpty() {
    const empty = this.listing.length === 0;
    this.emptyEl.hidden = !empty;
    if (!empty) return;
    if (!this.searched && this.signedOut) {
      this.emptyEl.textContent = "Sign in to search the catalogue";
    } else if (!this.searched) {
      this.emptyEl.replaceChildren("Type ", h("code", {}, "scope:name"), " and press Enter");
    } else if (this.listing.root.complete) {
      const { query, didType, filters } = this.search;
      const type = didTypeOf(didType);
      this.emptyEl.replaceChildren(
        "No DIDs match ",
        h("code", {}, query || "*"),
        type !== "all" ? ` among ${DID_TYPE_LABELS[type].toLowerCase()}` : "",
        filters ? h("span", {}, " with ", h("code", {}, filters)) : "",
        this.hint ? h("div", { class: "rw-empty-hint" }, ...withCode(this.hint)) : "",
      );
    } else {
      this.emptyEl.textContent = this.busy || "Waiting for results…";
    }
  }

  // --- active item and keyboard --------------------------------------------------------

  /** Flat index of the active item, following it when rows move; -1 when none. */
  activeIndex() {
    let ref = this.active;
    if (!ref) return -1;
    let index = this.listing.indexOf(ref);
    // Its parent was collapsed: the nearest shown ancestor becomes active.
    while (index < 0 && ref) {
      ref = this.listing.parentRef(ref.parentKey);
      if (ref) index = this.listing.indexOf(ref);
    }
    if (index < 0) {
      index = Math.min(this.lastActiveIndex, this.listing.length - 1);
      const item = this.listing.itemAt(index);
      ref = item ? this.listing.refOf(item) : null;
    }
    this.active = ref;
    this.lastActiveIndex = index;
    return index;
  }

  /** @param {number} index */
  setActive(index) {
    const item = this.listing.itemAt(index);
    if (!item) return;
    this.active = this.listing.refOf(item);
    this.lastActiveIndex = index;
  }

  /** @param {number} index */
  moveTo(index) {
    const n = this.listing.length;
    if (!n) return;
    const i = Math.max(0, Math.min(n - 1, index));
    this.setActive(i);
    this.scrollToIndex(i);
    this.renderRows();
    this.requestMissing();
  }

  /** @param {number} index */
  scrollToIndex(index) {
    const top = index * ROW_HEIGHT;
    const height = this.viewportHeight();
    if (top < this.scroller.scrollTop) this.scroller.scrollTop = top;
    else if (top + ROW_HEIGHT > this.scroller.scrollTop + height)
      this.scroller.scrollTop = top + ROW_HEIGHT - height;
  }

  /** @param {KeyboardEvent} e */
  onKey(e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    if (e.key === "ContextMenu" || (e.key === "F10" && e.shiftKey)) {
      if (this.openActiveMenu()) {
        e.preventDefault();
        e.stopPropagation();
      }
      return;
    }
    if (e.key === "Enter" && e.shiftKey) return;
    const n = this.listing.length;
    if (!n) return;
    const inControl = e.target !== this.scroller;
    const current = this.activeIndex();
    const index = Math.max(current, 0);
    const item = this.listing.itemAt(index);
    const page = Math.max(1, Math.floor(this.viewportHeight() / ROW_HEIGHT) - 1);
    switch (e.key) {
      case "ArrowDown":
        this.moveTo(current < 0 ? 0 : index + 1);
        break;
      case "ArrowUp":
        this.moveTo(current < 0 ? 0 : index - 1);
        break;
      case "PageDown":
        this.moveTo(index + page);
        break;
      case "PageUp":
        this.moveTo(index - page);
        break;
      case "Home":
        this.moveTo(0);
        break;
      case "End":
        this.moveTo(n - 1);
        break;
      case "ArrowRight":
        if (item && isCollection(item.row)) {
          if (this.listing.isExpanded(item)) this.moveTo(index + 1);
          else this.toggleExpand(item);
        }
        break;
      case "ArrowLeft":
        if (item && this.listing.isExpanded(item)) this.toggleExpand(item);
        else if (item && item.depth > 0) {
          const parent = this.listing.parentRef(item.parentKey);
          if (parent) this.moveTo(this.listing.indexOf(parent));
        }
        break;
      case "Enter":
        if (inControl) return;
        this.setActive(index);
        this.activate(item);
        break;
      case " ":
      case "Spacebar":
        if (inControl) return;
        this.setActive(index);
        if (item?.row) this.select(item, !this.selected.has(item.row.did));
        break;
      default:
        return;
    }
    e.preventDefault();
    e.stopPropagation();
    if (inControl) this.focus();
  }

  /**
   * Enter on an item: details for a DID, the obvious action for the others.
   * @param {Item | null} item
   */
  activate(item) {
    if (!item) return;
    if (item.row) this.cb.onOpen(item.row.did);
    else if (item.kind === "more") this.showMore(item);
    else if (item.kind === "error") this.retry(item);
  }

  /**
   * @param {Item | null} item
   * @param {boolean} checked
   */
  select(item, checked) {
    if (!item?.row || impliedBy(item, this.selected)) return;
    this.cb.onSelect(item.row.did, checked);
  }

  /** @param {Item} item */
  toggleExpand(item) {
    if (this.listing.isExpanded(item)) this.listing.collapse(item);
    else this.listing.expand(item);
    this.refresh();
  }

  /** @param {Item} item */
  showMore(item) {
    if (item.source.key === RESULTS_SOURCE) {
      this.loadMore();
    } else {
      this.listing.unstall();
      this.refresh();
    }
  }

  /** @param {Item} item */
  retry(item) {
    this.listing.retry(item.source.key);
    this.refresh();
  }

  // --- mouse ---------------------------------------------------------------------------

  /** @param {MouseEvent} e */
  onClick(e) {
    const target = e.target;
    if (!(target instanceof Element)) return;
    const itemEl = target.closest(".rw-item");
    if (!(itemEl instanceof HTMLElement) || !this.spacer.contains(itemEl)) return;
    const index = Number(itemEl.dataset.index);
    const item = this.listing.itemAt(index);
    if (!item) return;
    this.setActive(index);
    const check = target.closest(".rw-check");
    const did = item.row?.did;
    if (check instanceof HTMLInputElement) {
      // Read here, not on "change": the row may be rebuilt (and the box detached) before
      // "change" fires.  The box is already toggled when "click" is dispatched.
      this.select(item, check.checked);
    } else if (target.closest(".rw-expand")) {
      this.toggleExpand(item);
    } else if (target.closest(".rw-make-available")) {
      if (did) this.cb.onMakeAvailable([did]);
    } else if (target.closest(".rw-cancel-download")) {
      if (did) this.cb.onCancelDownload(did);
    } else if (target.closest(".rw-row-menu")) {
      const button = target.closest(".rw-row-menu");
      if (item.row && button instanceof HTMLElement) {
        this.renderRows();
        this.cb.onMenu(button, item.row);
        return; // the menu takes the focus
      }
    } else if (target.closest(".rw-load-more")) {
      this.showMore(item);
    } else if (target.closest(".rw-retry")) {
      this.retry(item);
    } else if (target.closest(".rw-name") && did) {
      // Not when the click ended a text selection (copying a DID).
      const selection = typeof window !== "undefined" ? window.getSelection?.() : null;
      if (!selection || selection.isCollapsed || !String(selection)) this.cb.onOpen(did);
    }
    this.focus();
    this.renderRows();
  }

  /**
   * Double click on a collection row (not on its controls) opens or closes it.
   * @param {MouseEvent} e
   */
  onDoubleClick(e) {
    const target = e.target;
    if (!(target instanceof Element) || target.closest("button, input, .rw-name")) return;
    const itemEl = target.closest(".rw-row");
    if (!(itemEl instanceof HTMLElement)) return;
    const item = this.listing.itemAt(Number(itemEl.dataset.index));
    if (item && isCollection(item.row)) this.toggleExpand(item);
  }

  /**
   * A right click on a row opens its copy menu where the pointer is.
   * @param {MouseEvent} e
   */
  onContextMenu(e) {
    const target = e.target;
    if (!(target instanceof Element)) return;
    const itemEl = target.closest(".rw-row");
    if (!(itemEl instanceof HTMLElement)) return;
    const index = Number(itemEl.dataset.index);
    const item = this.listing.itemAt(index);
    if (!item?.row) return;
    // Keep the browser's own menu on a text selection (to copy part of a name).
    const selection = typeof window !== "undefined" ? window.getSelection?.() : null;
    if (selection && !selection.isCollapsed && String(selection)) return;
    e.preventDefault();
    this.setActive(index);
    this.renderRows();
    this.cb.onMenu(itemEl, item.row, { x: e.clientX, y: e.clientY });
  }

  /** The copy menu of the active row, from the keyboard (the menu key, Shift+F10). */
  openActiveMenu() {
    const index = this.activeIndex();
    const item = this.listing.itemAt(index);
    const el = this.pool.get(index);
    if (!item?.row || !el) return false;
    const button = el.querySelector(".rw-row-menu");
    this.cb.onMenu(button instanceof HTMLElement ? button : el, item.row);
    return true;
  }

  /** Tabbing into the list makes its first row in view active, so that keys have a target. */
  onFocus() {
    if (this.activeIndex() < 0 && this.listing.length > 0) {
      this.setActive(Math.min(this.listing.length - 1, Math.floor(this.scroller.scrollTop / ROW_HEIGHT)));
      this.renderRows();
    }
  }

  destroy() {
    this.cancelPages();
    this.destroyed = true;
    clearTimeout(this.flingTimer);
    this.columns.destroy();
    this.resizeObserver?.disconnect();
    this.pool.clear();
  }
}
