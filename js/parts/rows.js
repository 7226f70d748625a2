// The elements of the tree's items: a DID row (check, expand, type, name, size, files,
// availability badge, action) or a note ("Loading…", "More results may exist", "Could not
// load: … Retry", "No content").  Pure rendering: the tree owns the elements and events.

import {
  ICON_CHEVRON,
  ICON_CLOSE,
  ICON_FETCH,
  ICON_KEBAB,
  ICON_RETRY,
  didHeadTail,
  h,
  icon,
} from "../dom.js";
import { describeStatus, formatBytes, formatCount } from "../format.js";
import { isCollection } from "../listing.js";
import { AVAILABLE, DOWNLOADING, EMPTY, FAILED, REPLICATING, RESULTS_SOURCE, STUCK } from "../protocol.js";

/** @typedef {import("../listing.js").Item} Item */
/** @typedef {import("../listing.js").Listing} Listing */
/** @typedef {import("../protocol.js").Row} Row */
/** @typedef {import("../protocol.js").RowStatus} RowStatus */

/** Height of one row in pixels; the CSS uses the same number through --rw-row-height. */
export const ROW_HEIGHT = 28;

const TYPE_LETTERS = { CONTAINER: "C", DATASET: "D", FILE: "F" };
const TYPE_NAMES = { CONTAINER: "Container", DATASET: "Dataset", FILE: "File" };
/** @type {Set<string>} rows whose availability needs no "make available" button (DOWNLOADING: a cancel button) */
const NO_FETCH = new Set([AVAILABLE, EMPTY, REPLICATING, DOWNLOADING]);
/** @type {Set<string>} rows where "make available" means trying again */
const RETRY = new Set([STUCK, FAILED]);

/**
 * What an item's look depends on besides the item.
 * @typedef {object} RowContext
 * @property {string} uid prefix of element ids
 * @property {Listing} listing
 * @property {Set<string>} selected
 * @property {boolean} signedOut
 */

/**
 * The selected collection above an item, if any: its files are selected through it.
 * @param {Item} item
 * @param {Set<string>} selected
 */
export function impliedBy(item, selected) {
  return item.ancestors.find((a) => selected.has(a)) ?? null;
}

/**
 * What a status shows, as a string to compare (cheaper than JSON.stringify per row and frame).
 * @param {RowStatus | null} st
 */
function statusKey(st) {
  if (!st) return "";
  return `${st.status}|${st.available}|${st.total}|${st.bytes_done}|${st.bytes_total}|${st.message ?? ""}`;
}

/**
 * Bring an item's element up to date.  Its place (index, depth) is set apart from what it
 * shows: a pooled element moved to another index while scrolling is patched in place, not
 * rebuilt, and an element whose item did not change is not touched at all.
 * @param {HTMLElement} el
 * @param {number} index
 * @param {Item} item
 * @param {boolean} active
 * @param {RowContext} ctx
 */
export function renderItem(el, index, item, active, ctx) {
  const { listing, selected, signedOut } = ctx;
  const row = item.row;
  const status = row ? listing.statusOf(row) : null;
  const checked = !!row && selected.has(row.did);
  const implied = row ? impliedBy(item, selected) : null;
  const expanded = listing.isExpanded(item);
  place(el, index, item.depth, ctx.uid);
  const sig = [
    item.kind,
    row ? `${row.did}|${row.type}|${row.bytes}|${row.length}` : noteKey(item, listing),
    statusKey(status),
    checked,
    implied,
    expanded,
    signedOut,
  ].join("\u0001");
  if (el.dataset.sig !== sig) {
    el.dataset.sig = sig;
    fillItem(el, item, { status, checked, implied, expanded }, ctx);
  }
  // Not part of the signature: moving the active row must not rebuild rows (that would
  // drop a text selection in a DID name).
  el.classList.toggle("rw-active", active);
}

/**
 * What a note shows, as a string to compare: a "Loading…" placeholder moved to another
 * index while scrolling shows the same and is not rebuilt.
 * @param {Item} item
 * @param {Listing} listing
 */
function noteKey(item, listing) {
  const src = item.source;
  const waiting = listing.isWaiting(src.key, item.offset);
  if (item.kind === "row") return `${waiting}`;
  if (item.kind === "error") return `${src.error?.message}|${src.error?.hint}`;
  if (item.kind === "more") return `${src.key}|${listing.isPending(src.key, item.offset)}|${waiting}`;
  return "";
}

/**
 * Put an element at an index of the list (only what changed is written).
 * @param {HTMLElement} el
 * @param {number} index
 * @param {number} depth
 * @param {string} uid
 */
function place(el, index, depth, uid) {
  const at = String(index);
  if (el.dataset.index !== at) {
    el.dataset.index = at;
    el.id = `${uid}-item-${index}`;
    el.style.transform = `translateY(${index * ROW_HEIGHT}px)`;
    el.style.height = `${ROW_HEIGHT}px`;
    el.setAttribute("role", "treeitem");
  }
  const level = String(depth);
  if (el.dataset.depth !== level) {
    el.dataset.depth = level;
    el.style.setProperty("--rw-depth", level);
    el.setAttribute("aria-level", String(depth + 1));
  }
}

/**
 * @typedef {object} RowLook
 * @property {RowStatus | null} status
 * @property {boolean} checked
 * @property {string | null} implied the selected collection above, if any
 * @property {boolean} expanded
 */

/**
 * @param {HTMLElement} el
 * @param {Item} item
 * @param {RowLook} look
 * @param {RowContext} ctx
 */
function fillItem(el, item, look, ctx) {
  const { listing } = ctx;
  const row = item.row;
  const src = item.source;

  if (item.kind === "row" && row) {
    const selected = look.checked || !!look.implied;
    el.className = `rw-item rw-row${selected ? " rw-selected" : ""}`;
    el.dataset.did = row.did;
    el.dataset.type = row.type;
    el.setAttribute("aria-selected", String(selected));
    if (isCollection(row)) el.setAttribute("aria-expanded", String(look.expanded));
    else el.removeAttribute("aria-expanded");
    el.removeAttribute("aria-busy");
    let cells = CELLS.get(el);
    if (!cells) {
      cells = new RowCells();
      CELLS.set(el, cells);
    }
    if (el.firstChild !== cells.nodes[0]) el.replaceChildren(...cells.nodes);
    cells.update(row, look, ctx.signedOut);
    return;
  }

  for (const a of ["data-did", "data-type", "aria-expanded", "aria-selected", "aria-busy"])
    el.removeAttribute(a);

  el.className = `rw-item rw-note rw-note-${item.kind}`;
  const lead = [h("span", {}), h("span", { class: "rw-indent" })];
  const waiting = listing.isWaiting(src.key, item.offset);
  if (item.kind === "row") {
    el.setAttribute("aria-busy", "true");
    el.replaceChildren(
      ...lead,
      h("span", { class: "rw-muted" }, waiting ? "Waiting for the server…" : "Loading…"),
    );
  } else if (item.kind === "empty") {
    el.replaceChildren(...lead, h("span", { class: "rw-muted" }, "No content"));
  } else if (item.kind === "error") {
    const message = src.error?.message ?? "";
    const title = [message, src.error?.hint].filter(Boolean).join(" ");
    el.replaceChildren(
      ...lead,
      h("span", { class: "rw-note-error", title }, `Could not load: ${message}`),
      h("button", { class: "rw-retry rw-link", type: "button", tabindex: "-1" }, "Retry"),
    );
  } else {
    const loading = listing.isPending(src.key, item.offset);
    const isResults = src.key === RESULTS_SOURCE;
    const text = loading
      ? waiting
        ? "Waiting for the server…"
        : "Loading more…"
      : isResults
        ? "More results may exist"
        : "More content";
    const more = h(
      "button",
      { class: "rw-load-more rw-link", type: "button", tabindex: "-1" },
      isResults ? "Load more" : "Show more",
    );
    el.replaceChildren(
      ...lead,
      h("span", { class: "rw-muted" }, text),
      ...(loading && !isResults ? [] : [more]),
    );
  }
}

/** @type {WeakMap<HTMLElement, RowCells>} the cells of each pooled row element */
const CELLS = new WeakMap();

/**
 * @param {Element} el
 * @param {string} name
 * @param {string} value
 */
function setAttr(el, name, value) {
  if (el.getAttribute(name) !== value) el.setAttribute(name, value);
}

/**
 * @param {Node} el
 * @param {string} text
 */
function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

/**
 * The cells of a DID row (check, expand, type, name, size, files, availability badge,
 * action, copy menu), made once per pooled element and patched in place as the element
 * shows other rows: with 100,000 rows scrolled, building some twenty elements and three
 * SVG icons per row and frame was most of the scrolling's style and layout work.
 */
class RowCells {
  constructor() {
    this.check = /** @type {HTMLInputElement} */ (
      h("input", { class: "rw-check", type: "checkbox", tabindex: "-1" })
    );
    this.toggle = h(
      "button",
      { class: "rw-expand rw-icon-button", type: "button", tabindex: "-1" },
      icon(ICON_CHEVRON),
    );
    this.spacer = h("span", { class: "rw-expand-spacer" });
    this.type = h("span", { class: "rw-type" });
    // The full DID on hover; the cell shows its head and tail (a middle ellipsis).
    this.name = h("span", { class: "rw-name" });
    this.size = h("span", { class: "rw-cell rw-num rw-size" });
    this.files = h("span", { class: "rw-cell rw-num rw-files" });
    this.badge = h("span", { class: "rw-badge" });
    this.menu = h(
      "button",
      {
        class: "rw-row-menu rw-icon-button",
        type: "button",
        tabindex: "-1",
        "aria-haspopup": "menu",
        title: "Copy the DID, its local path, PFN or checksum",
      },
      icon(ICON_KEBAB, "rw-icon rw-icon-kebab"),
    );
    this.actionCell = h("span", { class: "rw-cell rw-cell-action" }, this.menu);
    /** @type {Map<string, HTMLElement>} the action buttons made so far, by kind */
    this.actions = new Map();
    this.did = "";
    this.nodes = [
      h("span", { class: "rw-cell rw-cell-check" }, this.check),
      h(
        "span",
        { class: "rw-namecell" },
        h("span", { class: "rw-indent" }),
        this.spacer,
        this.type,
        this.name,
      ),
      this.size,
      this.files,
      h("span", { class: "rw-cell rw-cell-badge" }, this.badge),
      this.actionCell,
    ];
  }

  /**
   * @param {Row} row
   * @param {RowLook} look
   * @param {boolean} signedOut
   */
  update(row, look, signedOut) {
    const { status, checked, implied, expanded } = look;
    const did = row.did;
    if (did !== this.did) {
      this.did = did;
      setAttr(this.check, "aria-label", `Select ${did}`);
      this.name.title = `${did}\nClick to show details`;
      this.name.replaceChildren(...didHeadTail(did));
      setAttr(this.menu, "aria-label", `Copy ${did}…`);
    }
    setAttr(this.check, "title", implied ? `Selected through ${implied}` : "");
    this.check.checked = checked || !!implied;
    this.check.disabled = !!implied;

    const collection = isCollection(row);
    const shown = collection ? this.toggle : this.spacer;
    const hidden = collection ? this.spacer : this.toggle;
    if (hidden.parentNode) hidden.replaceWith(shown);
    if (collection) {
      setAttr(this.toggle, "aria-label", `${expanded ? "Collapse" : "Expand"} ${did}`);
      setAttr(this.toggle, "aria-expanded", String(expanded));
    }
    setAttr(this.type, "data-type", row.type);
    setAttr(this.type, "title", TYPE_NAMES[row.type] ?? row.type);
    setText(this.type, TYPE_LETTERS[row.type] ?? "?");

    setAttr(this.size, "title", typeof row.bytes === "number" ? `${formatCount(row.bytes)} bytes` : "");
    setText(this.size, formatBytes(row.bytes));
    setText(this.files, collection ? formatCount(row.length) : "");

    const st = describeStatus(status);
    setAttr(this.badge, "data-status", st.key);
    setAttr(this.badge, "title", st.title);
    setText(this.badge, st.text);
    if (st.progress !== null)
      this.badge.style.setProperty("--rw-progress", `${Math.round(st.progress * 100)}%`);
    else this.badge.style.removeProperty("--rw-progress");

    const action = this.action(row, status?.status ?? "", signedOut);
    const current = this.actionCell.firstChild === this.menu ? null : this.actionCell.firstChild;
    if (action !== current) {
      current?.remove();
      if (action) this.actionCell.prepend(action);
    }
  }

  /**
   * The action of a row: cancel a download, make available, retry, or none.
   * @param {Row} row
   * @param {string} state its availability
   * @param {boolean} signedOut
   * @returns {HTMLElement | null}
   */
  action(row, state, signedOut) {
    if (state === DOWNLOADING) {
      const button = this.actionOf("cancel", () =>
        h(
          "button",
          {
            class: "rw-cancel-download rw-icon-button",
            type: "button",
            tabindex: "-1",
            title: "Cancel the download",
          },
          icon(ICON_CLOSE),
        ),
      );
      setAttr(button, "aria-label", `Cancel the download of ${row.did}`);
      return button;
    }
    if (NO_FETCH.has(state)) return null;
    // STUCK and FAILED keep the button: asking again retries.
    const retry = RETRY.has(state);
    const button = /** @type {HTMLButtonElement} */ (
      this.actionOf(retry ? "retry" : "fetch", () =>
        h(
          "button",
          { class: "rw-make-available rw-icon-button", type: "button", tabindex: "-1" },
          icon(retry ? ICON_RETRY : ICON_FETCH),
        ),
      )
    );
    const what = retry ? "retry" : "make it available";
    setAttr(button, "aria-label", retry ? `Retry ${row.did}` : `Make ${row.did} available`);
    setAttr(button, "title", signedOut ? `Sign in to ${what}` : retry ? "Retry" : "Make available");
    button.disabled = signedOut;
    return button;
  }

  /**
   * @param {string} kind
   * @param {() => HTMLElement} make
   */
  actionOf(kind, make) {
    let button = this.actions.get(kind);
    if (!button) {
      button = make();
      this.actions.set(kind, button);
    }
    return button;
  }
}
