// The column headings of the results tree: the sort buttons (Name, Size, Files) with the
// note on what a sort covers and its "Rucio's order" button, and the name column's width
// (dragged, moved with the keys, reset with a double click, folding below NARROW_WIDTH).
// The widths are set on the listing (the .rw-listing element of parts/tree.js), which
// holds the headings, the note and the rows.

import { h } from "../dom.js";
import { formatCount } from "../format.js";
import { isCancelled } from "../rpc.js";

/** @typedef {import("../protocol.js").PanelError} PanelError */
/** @typedef {import("../protocol.js").SortKey} SortKey */
/** @typedef {import("../protocol.js").SortState} SortState */
/** @typedef {import("../rpc.js").Invoker} Invoker */

/** Below this listing width (about a 700 px panel) the size and files columns fold away. */
export const NARROW_WIDTH = 700;
/** The name column's narrowest width when resized, in pixels. */
export const MIN_NAME_WIDTH = 120;
/** Pixels a key press on the column's resize handle moves it. */
const RESIZE_STEP = 16;
/** How the sort keys read, and their two directions. */
const SORTS = {
  name: { label: "name", up: "A to Z", down: "Z to A" },
  bytes: { label: "size", up: "smallest first", down: "largest first" },
  length: { label: "files", up: "fewest first", down: "most first" },
};

/**
 * What a sort says about itself: it covers the loaded rows only.
 * @param {SortState} sort
 */
export function sortNote(sort) {
  const how = SORTS[sort.by] ?? SORTS.name;
  const order = `by ${how.label}, ${sort.descending ? how.down : how.up}`;
  const rows = formatCount(sort.rows);
  if (sort.more === 0) return `Sorted all ${rows} ${sort.rows === 1 ? "row" : "rows"} ${order}.`;
  const loaded = `Sorted ${rows} loaded ${sort.rows === 1 ? "row" : "rows"} ${order}`;
  if (typeof sort.more === "number") return `${loaded}; ${formatCount(sort.more)} more not loaded.`;
  return `${loaded}; more may exist.`;
}

/**
 * The sort a click on a heading asks for: ascending, then descending, then Rucio's order.
 * @param {SortState | null} current
 * @param {SortKey} by
 * @returns {{by: SortKey | null, descending: boolean}}
 */
export function nextSort(current, by) {
  if (!current || current.by !== by) return { by, descending: false };
  return current.descending ? { by: null, descending: false } : { by, descending: true };
}

/** Widths of the columns other than the name, with gaps and padding (tree.css). */
const OTHER_COLUMNS = { wide: 28 + 72 + 60 + 128 + 52 + 5 * 6 + 4, narrow: 28 + 128 + 52 + 3 * 6 + 4 };

/**
 * @typedef {object} ColumnsState
 * @property {SortState | null} [sort] the sort in force (results_state.sort), null: Rucio's order
 */

export class Columns {
  /**
   * @param {object} opts
   * @param {Invoker} opts.rpc
   * @param {HTMLElement} opts.listingEl the listing the widths apply to (classes rw-narrow,
   *   rw-resizing; --rw-name-col, --rw-badge-col)
   * @param {(error: PanelError) => void} opts.onError a sort failed
   */
  constructor({ rpc, listingEl, onError }) {
    this.rpc = rpc;
    this.listingEl = listingEl;
    this.onError = onError;
    this.destroyed = false;
    /** @type {SortState | null} the sort in force (results_state.sort) */
    this.sort = null;
    /** @type {number | null} the name column's width set by the user (view only), null: auto */
    this.nameWidth = null;
    /** Width of the listing as last measured (0: not laid out). */
    this.width = 0;
    /** @type {(() => void) | null} ends a drag of the resize handle */
    this.endDrag = null;
    this.resizer = h("span", {
      class: "rw-col-resize",
      role: "separator",
      tabindex: "0",
      "aria-orientation": "vertical",
      "aria-label": "Resize the name column",
      title: "Drag to resize the name column; double-click for the default width",
      onpointerdown: (/** @type {PointerEvent} */ e) => this.startDrag(e),
      ondblclick: () => this.setNameWidth(null),
      onkeydown: (/** @type {KeyboardEvent} */ e) => this.onResizeKey(e),
    });
    /** @type {Record<SortKey, HTMLButtonElement>} */
    this.sortButtons = {
      name: this.sortButton("name", "Name"),
      bytes: this.sortButton("bytes", "Size"),
      length: this.sortButton("length", "Files"),
    };
    this.nameHeading = h("span", { class: "rw-col rw-col-name" }, this.sortButtons.name, this.resizer);
    /** The headings row. */
    this.el = h(
      "div",
      { class: "rw-columns" },
      h("span", {}),
      this.nameHeading,
      h("span", { class: "rw-col rw-col-size rw-num" }, this.sortButtons.bytes),
      h("span", { class: "rw-col rw-col-files rw-num" }, this.sortButtons.length),
      h("span", { class: "rw-col" }, "Availability"),
      h("span", {}),
    );
    this.sortText = h("span", { class: "rw-sort-text" });
    /** What the sort in force covers, with "Rucio's order" (hidden when unsorted). */
    this.noteEl = h(
      "div",
      { class: "rw-sort-note", role: "status", hidden: true },
      this.sortText,
      h(
        "button",
        {
          class: "rw-sort-clear rw-link",
          type: "button",
          title: "Show the results in the order Rucio lists them",
          onclick: () => this.requestSort(null, false),
        },
        "Rucio's order",
      ),
    );
    this.renderSort();
  }

  /** @param {ColumnsState} state */
  update(state) {
    if (state.sort !== undefined) {
      this.sort = state.sort;
      this.renderSort();
    }
  }

  // --- sorting ---------------------------------------------------------------------------

  /**
   * @param {SortKey} by
   * @param {string} label
   */
  sortButton(by, label) {
    return h(
      "button",
      { class: "rw-sort", type: "button", "data-sort-by": by, onclick: () => this.onSortClick(by) },
      label,
    );
  }

  /** @param {SortKey} by */
  onSortClick(by) {
    const next = nextSort(this.sort, by);
    this.requestSort(next.by, next.descending);
  }

  /**
   * Ask Python to sort the loaded results (by null: Rucio's order); the rows follow
   * through results_state.
   * @param {SortKey | null} by
   * @param {boolean} descending
   */
  requestSort(by, descending) {
    this.rpc.invoke("sort", { by, descending }).promise.then((reply) => {
      if (reply.error && !isCancelled(reply.error) && !this.destroyed) this.onError(reply.error);
    });
  }

  renderSort() {
    const sort = this.sort;
    for (const [by, button] of Object.entries(this.sortButtons)) {
      const how = SORTS[/** @type {SortKey} */ (by)];
      const on = sort?.by === by;
      const direction = on ? (sort?.descending ? "descending" : "ascending") : "none";
      button.dataset.sort = direction;
      button.setAttribute("aria-pressed", String(on));
      button.title = !on
        ? `Sort the loaded rows by ${how.label}, ${how.up}`
        : sort?.descending
          ? "Back to Rucio's order"
          : `Sort by ${how.label}, ${how.down}`;
    }
    this.noteEl.hidden = !sort;
    this.sortText.textContent = sort ? sortNote(sort) : "";
  }

  // --- width, folding, resizing ----------------------------------------------------------

  /**
   * The listing is this wide: fold the size and files columns below NARROW_WIDTH, and keep a
   * resized name column within what is left.
   * @param {number} width
   */
  applyWidth(width) {
    this.width = width;
    this.listingEl.classList.toggle("rw-narrow", width > 0 && width < NARROW_WIDTH);
    this.layoutName();
  }

  /** The widest the name column can be (Infinity before the listing is laid out). */
  maxNameWidth() {
    if (!this.width) return Number.POSITIVE_INFINITY;
    const narrow = this.listingEl.classList.contains("rw-narrow");
    const others = narrow ? OTHER_COLUMNS.narrow : OTHER_COLUMNS.wide;
    return Math.max(MIN_NAME_WIDTH, this.width - others);
  }

  /**
   * Set the name column's width (null: back to filling the room); kept in the view only.
   * @param {number | null} width
   */
  setNameWidth(width) {
    this.nameWidth = width === null ? null : Math.max(MIN_NAME_WIDTH, Math.round(width));
    this.layoutName();
  }

  layoutName() {
    const style = this.listingEl.style;
    if (this.nameWidth === null) {
      style.removeProperty("--rw-name-col");
      style.removeProperty("--rw-badge-col");
      this.resizer.removeAttribute("aria-valuenow");
      return;
    }
    const width = Math.min(this.nameWidth, this.maxNameWidth());
    // The availability column takes the room the name gives up.
    style.setProperty("--rw-name-col", `${width}px`);
    style.setProperty("--rw-badge-col", "minmax(128px, 1fr)");
    this.resizer.setAttribute("aria-valuenow", String(width));
  }

  /** The name column's width now, in pixels. */
  currentNameWidth() {
    if (this.nameWidth !== null) return Math.min(this.nameWidth, this.maxNameWidth());
    return this.nameHeading.getBoundingClientRect().width || MIN_NAME_WIDTH;
  }

  /** @param {PointerEvent} e */
  startDrag(e) {
    if (e.button !== undefined && e.button !== 0) return;
    e.preventDefault();
    this.endDrag?.();
    const startX = e.clientX;
    const startWidth = this.currentNameWidth();
    const move = (/** @type {PointerEvent} */ ev) => this.setNameWidth(startWidth + ev.clientX - startX);
    const end = () => {
      document.removeEventListener("pointermove", move);
      document.removeEventListener("pointerup", end);
      document.removeEventListener("pointercancel", end);
      this.listingEl.classList.remove("rw-resizing");
      this.endDrag = null;
    };
    document.addEventListener("pointermove", move);
    document.addEventListener("pointerup", end);
    document.addEventListener("pointercancel", end);
    this.listingEl.classList.add("rw-resizing");
    this.endDrag = end;
  }

  /** @param {KeyboardEvent} e */
  onResizeKey(e) {
    const step = e.key === "ArrowLeft" ? -RESIZE_STEP : e.key === "ArrowRight" ? RESIZE_STEP : 0;
    if (step) this.setNameWidth(this.currentNameWidth() + step);
    else if (e.key === "Home") this.setNameWidth(MIN_NAME_WIDTH);
    else if (e.key === "Enter" || e.key === "Escape") this.setNameWidth(null);
    else return;
    e.preventDefault();
    e.stopPropagation();
  }

  /** Ends a drag in progress; a failed sort that comes back later is not shown. */
  destroy() {
    this.destroyed = true;
    this.endDrag?.();
  }
}
