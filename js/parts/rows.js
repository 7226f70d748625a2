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
 * Bring an item's element up to date; it is rebuilt only when what it shows changed.
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
  const src = item.source;
  const sig = [
    index,
    item.kind,
    item.depth,
    row
      ? `${row.did}|${row.type}|${row.bytes}|${row.length}`
      : `${src.key}|${src.error?.message}|${src.stallAt}|${listing.isPending(src.key, item.offset)}|${listing.isWaiting(src.key, item.offset)}`,
    status ? JSON.stringify(status) : "",
    checked,
    implied,
    expanded,
    signedOut,
  ].join("\u0001");
  if (el.dataset.sig !== sig) {
    el.dataset.sig = sig;
    fillItem(el, index, item, { status, checked, implied, expanded }, ctx);
  }
  // Not part of the signature: moving the active row must not rebuild rows (that would
  // drop a text selection in a DID name).
  el.classList.toggle("rw-active", active);
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
 * @param {number} index
 * @param {Item} item
 * @param {RowLook} look
 * @param {RowContext} ctx
 */
function fillItem(el, index, item, look, ctx) {
  const { listing } = ctx;
  const row = item.row;
  const src = item.source;
  el.id = `${ctx.uid}-item-${index}`;
  el.dataset.index = String(index);
  el.dataset.depth = String(item.depth);
  el.style.transform = `translateY(${index * ROW_HEIGHT}px)`;
  el.style.height = `${ROW_HEIGHT}px`;
  el.style.setProperty("--rw-depth", String(item.depth));
  el.setAttribute("role", "treeitem");
  el.setAttribute("aria-level", String(item.depth + 1));
  for (const a of ["data-did", "data-type", "aria-expanded", "aria-selected", "aria-busy"])
    el.removeAttribute(a);

  if (item.kind === "row" && row) {
    const selected = look.checked || !!look.implied;
    el.className = `rw-item rw-row${selected ? " rw-selected" : ""}`;
    el.dataset.did = row.did;
    el.dataset.type = row.type;
    el.setAttribute("aria-selected", String(selected));
    if (isCollection(row)) el.setAttribute("aria-expanded", String(look.expanded));
    el.replaceChildren(...rowCells(row, look, ctx.signedOut));
    return;
  }

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

/**
 * The action of a row: cancel a download, make available, retry, or none.
 * @param {Row} row
 * @param {string} state its availability
 * @param {boolean} signedOut
 */
function actionButton(row, state, signedOut) {
  if (state === DOWNLOADING) {
    return h(
      "button",
      {
        class: "rw-cancel-download rw-icon-button",
        type: "button",
        tabindex: "-1",
        "aria-label": `Cancel the download of ${row.did}`,
        title: "Cancel the download",
      },
      icon(ICON_CLOSE),
    );
  }
  if (NO_FETCH.has(state)) return null;
  // STUCK and FAILED keep the button: asking again retries.
  const retry = RETRY.has(state);
  const what = retry ? "retry" : "make it available";
  return h(
    "button",
    {
      class: "rw-make-available rw-icon-button",
      type: "button",
      tabindex: "-1",
      "aria-label": retry ? `Retry ${row.did}` : `Make ${row.did} available`,
      title: signedOut ? `Sign in to ${what}` : retry ? "Retry" : "Make available",
      disabled: signedOut,
    },
    icon(retry ? ICON_RETRY : ICON_FETCH),
  );
}

/**
 * The cells of a DID row.
 * @param {Row} row
 * @param {RowLook} look
 * @param {boolean} signedOut
 */
function rowCells(row, look, signedOut) {
  const { status, checked, implied, expanded } = look;
  const check = h("input", {
    class: "rw-check",
    type: "checkbox",
    tabindex: "-1",
    "aria-label": `Select ${row.did}`,
    title: implied ? `Selected through ${implied}` : "",
  });
  check.checked = checked || !!implied;
  check.disabled = !!implied;

  const collection = isCollection(row);
  const toggle = collection
    ? h(
        "button",
        {
          class: "rw-expand rw-icon-button",
          type: "button",
          tabindex: "-1",
          "aria-label": `${expanded ? "Collapse" : "Expand"} ${row.did}`,
          "aria-expanded": String(expanded),
        },
        icon(ICON_CHEVRON),
      )
    : h("span", { class: "rw-expand-spacer" });
  const name = h(
    "span",
    { class: "rw-namecell" },
    h("span", { class: "rw-indent" }),
    toggle,
    h(
      "span",
      { class: "rw-type", "data-type": row.type, title: TYPE_NAMES[row.type] ?? row.type },
      TYPE_LETTERS[row.type] ?? "?",
    ),
    // The full DID on hover; the cell shows its head and tail (a middle ellipsis).
    h("span", { class: "rw-name", title: `${row.did}\nClick to show details` }, ...didHeadTail(row.did)),
  );

  const st = describeStatus(status);
  const badge = h("span", { class: "rw-badge", "data-status": st.key, title: st.title }, st.text);
  if (st.progress !== null) badge.style.setProperty("--rw-progress", `${Math.round(st.progress * 100)}%`);

  return [
    h("span", { class: "rw-cell rw-cell-check" }, check),
    name,
    h(
      "span",
      {
        class: "rw-cell rw-num rw-size",
        title: typeof row.bytes === "number" ? `${formatCount(row.bytes)} bytes` : "",
      },
      formatBytes(row.bytes),
    ),
    h("span", { class: "rw-cell rw-num rw-files" }, collection ? formatCount(row.length) : ""),
    h("span", { class: "rw-cell rw-cell-badge" }, badge),
    h(
      "span",
      { class: "rw-cell rw-cell-action" },
      actionButton(row, status?.status ?? "", signedOut),
      h(
        "button",
        {
          class: "rw-row-menu rw-icon-button",
          type: "button",
          tabindex: "-1",
          "aria-haspopup": "menu",
          "aria-label": `Copy ${row.did}…`,
          title: "Copy the DID, its local path, PFN or checksum",
        },
        icon(ICON_KEBAB, "rw-icon rw-icon-kebab"),
      ),
    ),
  ];
}
