// The browser view of rucio-widgets: search bar, filter form, a virtualised tree of DIDs,
// a details pane and a status bar.  Python owns the data (see protocol.js); this view
// keeps only UI state: which collections are open, the active row, the rows in view.

import { SignInForm } from "./auth.js";
import { h, icon, ICON_CHEVRON, ICON_CLOSE, ICON_EXTERNAL, ICON_FETCH, ICON_RETRY } from "./dom.js";
import { COMMON_KEYS, OPERATORS, countConditions, formatFilters, parseFilters } from "./filters.js";
import { describeExpiry, describeStatus, formatBytes, formatCount, plural, safeUrl } from "./format.js";
import { Listing, isCollection } from "./listing.js";
import { MakeOptionsPanel } from "./options.js";
import {
  AVAILABLE,
  DOWNLOADING,
  EMPTY,
  FAILED,
  MSG_CANCEL,
  MSG_CANCEL_DOWNLOAD,
  MSG_DETAILS,
  MSG_LOAD_MORE,
  MSG_MAKE_AVAILABLE,
  MSG_PAGE,
  MSG_SEARCH,
  MSG_SELECT_ALL,
  MSG_SIGN_IN,
  MSG_SIGN_OUT,
  MSG_STATUS,
  PAGE_LIMIT,
  REPLICATING,
  RESULTS_SOURCE,
  SIGNED_IN,
  STUCK,
} from "./protocol.js";

/** @typedef {import("./listing.js").Item} Item */
/** @typedef {import("./listing.js").ItemRef} ItemRef */
/** @typedef {import("./filters.js").FilterGroups} FilterGroups */
/** @typedef {import("./protocol.js").DetailsReply} DetailsReply */

/**
 * The part of anywidget's model the view uses.
 * @typedef {object} Model
 * @property {(name: string) => any} get
 * @property {(name: string, value: any) => void} set
 * @property {() => void} save_changes
 * @property {(name: string, cb: Function) => void} on
 * @property {(name: string, cb: Function) => void} off
 * @property {(content: any) => void} send
 */

/** Height of one row in pixels; the CSS uses the same number through --rw-row-height. */
export const ROW_HEIGHT = 28;
/** Rows rendered above and below the visible window. */
export const OVERSCAN = 6;
/** Viewport height assumed before the list is laid out (detached, hidden, no layout). */
const FALLBACK_VIEWPORT = 400;
/** How often the "token 1 h 59 min" countdown in the status bar is redrawn. */
export const EXPIRY_TICK_MS = 30000;

const DID_TYPE_LABELS = {
  all: "All types",
  container: "Containers",
  dataset: "Datasets",
  file: "Files",
  collection: "Collections",
};
const TYPE_LETTERS = { CONTAINER: "C", DATASET: "D", FILE: "F" };
const TYPE_NAMES = { CONTAINER: "Container", DATASET: "Dataset", FILE: "File" };
/** Rows whose availability needs no "make available" button (DOWNLOADING: a cancel button). */
const NO_FETCH = new Set([AVAILABLE, EMPTY, REPLICATING, DOWNLOADING]);
/** Rows where "make available" means trying again. */
const RETRY = new Set([STUCK, FAILED]);

let viewCount = 0;

/**
 * A DID as "scope:" (muted) and name, so that the name stands out.
 * @param {string} did
 * @returns {Array<Node | string>}
 */
function didParts(did) {
  const i = did.indexOf(":");
  return i > 0 ? [h("span", { class: "rw-did-scope" }, did.slice(0, i + 1)), did.slice(i + 1)] : [did];
}

/**
 * A link to the Rucio web UI in a new tab, or null when the URL is not http(s).
 * @param {unknown} url
 * @param {string} cls
 * @param {string} title
 * @param {...any} children
 */
function webLink(url, cls, title, ...children) {
  const href = safeUrl(url);
  return href
    ? h("a", { class: cls, href, target: "_blank", rel: "noopener noreferrer", title }, ...children)
    : null;
}

/** @returns {{key: string, op: import("./filters.js").Operator, value: string}} */
const blankCondition = () => ({ key: "", op: "=", value: "" });

class RucioView {
  /**
   * @param {Model} model
   * @param {HTMLElement} el
   */
  constructor(model, el) {
    this.model = model;
    this.el = el;
    viewCount += 1;
    this.uid = `rw${viewCount}-${Math.random().toString(36).slice(2, 7)}`;
    // Request ids are unique to this view: every view of the model receives every reply.
    this.nextRequestId = (Math.floor(Math.random() * 1e6) + 1) * 1e6;
    this.listing = new Listing();
    /** @type {number | undefined} */
    this.generation = undefined;
    this.searched = false;
    /** @type {ItemRef | null} */
    this.active = null;
    this.lastActiveIndex = -1;
    /** @type {Set<string>} */
    this.selected = new Set();
    /** @type {{id: number, did: string, reply: DetailsReply | null} | null} */
    this.details = null;
    /** @type {Map<number, HTMLElement>} */
    this.pool = new Map();
    /** @type {FilterGroups} */
    this.filterGroups = [[blankCondition()]];
    this.refreshing = false;
    this.refreshAgain = false;
    /** @type {Array<[string, Function]>} */
    this.modelListeners = [];
    /** The sign-in form is shown: searching and fetching are disabled. */
    this.signedOut = false;
    /** @type {ReturnType<typeof setInterval> | undefined} */
    this.expiryTimer = undefined;

    this.build();
    this.listen();
    this.syncAll();
  }

  // --- building ------------------------------------------------------------------------

  build() {
    const id = (/** @type {string} */ s) => `${this.uid}-${s}`;

    this.signIn = new SignInForm({
      uid: this.uid,
      send: (content) => this.send(content),
      nextId: () => this.nextRequestId++,
      onChange: () => this.syncSignedOut(),
    });
    this.instanceSelect = /** @type {HTMLSelectElement} */ (
      h("select", {
        class: "rw-instance",
        "aria-label": "Rucio instance",
        title: "Rucio instance",
        hidden: true,
        onchange: () => this.onInstancePicked(),
      })
    );

    this.scopeSelect = /** @type {HTMLSelectElement} */ (
      h("select", {
        class: "rw-scope",
        "aria-label": "Scope",
        title: "Scope",
        onchange: () => this.onScopePicked(),
      })
    );
    this.searchInput = /** @type {HTMLInputElement} */ (
      h("input", {
        class: "rw-search",
        type: "text",
        placeholder: "scope:name*",
        "aria-label": "DID pattern, scope:name with * wildcards",
        spellcheck: "false",
        autocomplete: "off",
        onkeydown: (/** @type {KeyboardEvent} */ e) => this.onEnter(e),
        oninput: () => this.syncScopeFromQuery(),
      })
    );
    this.typeSelect = /** @type {HTMLSelectElement} */ (
      h(
        "select",
        { class: "rw-did-type", "aria-label": "DID type" },
        Object.entries(DID_TYPE_LABELS).map(([value, label]) => h("option", { value }, label)),
      )
    );
    this.searchButton = h(
      "button",
      { class: "rw-search-button rw-primary", type: "button", onclick: () => this.search() },
      "Search",
    );
    this.filtersToggle = h(
      "button",
      {
        class: "rw-filters-toggle",
        type: "button",
        "aria-expanded": "false",
        "aria-controls": id("filters"),
        onclick: () => this.toggleFilters(),
      },
      "Filters",
    );
    const toolbar = h(
      "div",
      { class: "rw-toolbar", role: "search" },
      this.instanceSelect,
      this.scopeSelect,
      this.searchInput,
      this.typeSelect,
      this.searchButton,
      this.filtersToggle,
    );

    // Filters: a form of OR groups of AND conditions, and the same expression as text.
    this.filterForm = h("div", { class: "rw-filter-form" });
    this.filterText = /** @type {HTMLInputElement} */ (
      h("input", {
        class: "rw-filter-text",
        id: id("filter-text"),
        type: "text",
        spellcheck: "false",
        autocomplete: "off",
        placeholder: "datatype=AOD,run_number>=300000;datatype=RAW",
        "aria-describedby": id("filter-error"),
        oninput: () => this.onFilterTextInput(),
        onkeydown: (/** @type {KeyboardEvent} */ e) => this.onEnter(e),
      })
    );
    this.filterError = h("div", { class: "rw-filter-error", id: id("filter-error"), "aria-live": "polite" });
    this.filtersPanel = h(
      "div",
      { class: "rw-filters", id: id("filters"), hidden: true },
      h(
        "datalist",
        { id: id("keys") },
        COMMON_KEYS.map((k) => h("option", { value: k })),
      ),
      this.filterForm,
      h(
        "div",
        { class: "rw-filter-textrow" },
        h("label", { for: id("filter-text") }, "Expression"),
        this.filterText,
      ),
      this.filterError,
      h(
        "div",
        { class: "rw-filter-help" },
        "Conditions in a group must all match; any one group may match. Text: ",
        h("code", {}, ","),
        " for AND, ",
        h("code", {}, ";"),
        " for OR, ranges as ",
        h("code", {}, "1<events<5"),
        ".",
      ),
    );

    this.errorMessage = h("div", { class: "rw-error-message" });
    this.errorHint = h("div", { class: "rw-error-hint" });
    this.errorBanner = h(
      "div",
      { class: "rw-error", role: "alert", hidden: true },
      h("div", { class: "rw-error-body" }, this.errorMessage, this.errorHint),
      h(
        "button",
        {
          class: "rw-error-dismiss rw-icon-button",
          type: "button",
          "aria-label": "Dismiss error",
          title: "Dismiss",
          onclick: () => this.dismissError(),
        },
        icon(ICON_CLOSE),
      ),
    );

    this.countEl = h("span", { class: "rw-count", "aria-live": "polite" });
    this.countMore = h(
      "button",
      {
        class: "rw-count-more rw-link",
        type: "button",
        hidden: true,
        title: "Read more results",
        onclick: () => this.loadMore(),
      },
      "more…",
    );
    this.selectAllButton = h(
      "button",
      {
        class: "rw-select-all",
        type: "button",
        title: "Select every loaded result",
        onclick: () => this.send({ type: MSG_SELECT_ALL }),
      },
      "Select all",
    );
    this.clearButton = h(
      "button",
      {
        class: "rw-clear",
        type: "button",
        title: "Clear the selection",
        onclick: () => this.setSelected([]),
      },
      "Clear",
    );
    this.fetchSelectionButton = h(
      "button",
      {
        class: "rw-make-selection-available",
        type: "button",
        disabled: true,
        title: "Make every selected DID available at the destination",
        onclick: () => this.makeAvailable([]),
      },
      icon(ICON_FETCH),
      "Make selection available",
    );
    this.makeOptions = new MakeOptionsPanel(this.uid);
    const selectionBar = h(
      "div",
      { class: "rw-selectionbar" },
      this.selectAllButton,
      this.clearButton,
      this.countEl,
      this.countMore,
      h("span", { class: "rw-grow" }),
      this.fetchSelectionButton,
      this.makeOptions.toggle,
    );
    const columns = h(
      "div",
      { class: "rw-columns", "aria-hidden": "true" },
      h("span", {}),
      h("span", {}, "Name"),
      h("span", { class: "rw-num" }, "Size"),
      h("span", { class: "rw-num" }, "Files"),
      h("span", {}, "Availability"),
      h("span", {}),
    );

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
        onclick: (/** @type {MouseEvent} */ e) => this.onListClick(e),
        ondblclick: (/** @type {MouseEvent} */ e) => this.onListDoubleClick(e),
        onfocus: () => this.onListFocus(),
        onkeydown: (/** @type {KeyboardEvent} */ e) => this.onListKey(e),
      },
      this.spacer,
      this.emptyEl,
    );
    this.scroller.style.setProperty("--rw-row-height", `${ROW_HEIGHT}px`);
    const results = h(
      "div",
      { class: "rw-results" },
      selectionBar,
      this.makeOptions.el,
      columns,
      this.scroller,
    );

    this.detailsPane = h("section", { class: "rw-details", hidden: true, "aria-label": "Details" });
    const main = h("div", { class: "rw-main" }, results, this.detailsPane);

    this.infoEl = h("span", { class: "rw-status-info" });
    this.expiryEl = h("span", { class: "rw-expiry", hidden: true });
    this.signOutButton = h(
      "button",
      {
        class: "rw-signout rw-link",
        type: "button",
        hidden: true,
        title: "Sign out of Rucio in this kernel",
        onclick: () => this.send({ type: MSG_SIGN_OUT }),
      },
      "Sign out",
    );
    const authEl = h("span", { class: "rw-status-auth" }, this.expiryEl, this.signOutButton);
    this.pathsEl = h("span", { class: "rw-status-paths" });
    this.busyLabel = h("span", { class: "rw-busy-label" });
    this.busyEl = h(
      "span",
      { class: "rw-busy", hidden: true, "aria-live": "polite" },
      h("span", { class: "rw-spinner", "aria-hidden": "true" }),
      this.busyLabel,
      h(
        "button",
        { class: "rw-cancel", type: "button", onclick: () => this.send({ type: MSG_CANCEL }) },
        "Cancel",
      ),
    );
    const status = h(
      "div",
      { class: "rw-status" },
      this.infoEl,
      authEl,
      this.pathsEl,
      h("span", { class: "rw-grow" }),
      this.busyEl,
    );

    this.root = h(
      "div",
      {
        class: "rucio-widgets",
        // Keys typed in the widget are the widget's: JupyterLab's command-mode shortcuts
        // (A, B, D D, arrows, Enter...) must not act on the notebook underneath.  Lumino
        // skips its key bindings for events from elements marked data-lm-suppress-shortcuts
        // (set by h() on everything focusable: Notebook 7 handles keys in the capture
        // phase, before they reach the widget); stopping plain keys here also covers front
        // ends that listen in the bubbling phase (JupyterLab).
        "data-lm-suppress-shortcuts": "true",
        onkeydown: (/** @type {KeyboardEvent} */ e) => {
          if (e.ctrlKey || e.metaKey || e.altKey) return;
          if (e.key === "Escape" || e.key === "Tab" || (e.key === "Enter" && e.shiftKey)) return;
          e.stopPropagation();
        },
      },
      this.signIn.el,
      toolbar,
      this.filtersPanel,
      this.errorBanner,
      main,
      status,
    );
    this.el.append(this.root);
    this.renderFilterForm();

    if (typeof ResizeObserver !== "undefined") {
      this.resizeObserver = new ResizeObserver(() => {
        this.renderRows();
        this.requestMissing();
      });
      this.resizeObserver.observe(this.scroller);
    }
  }

  // --- model wiring --------------------------------------------------------------------

  /**
   * @param {string} name
   * @param {Function} cb
   */
  on(name, cb) {
    this.model.on(name, cb);
    this.modelListeners.push([name, cb]);
  }

  listen() {
    this.on("change:query", () => this.syncQuery());
    this.on("change:did_type", () => this.syncDidType());
    this.on("change:filters", () => this.syncFilters());
    this.on("change:scopes", () => this.syncScopes());
    this.on("change:selected", () => this.syncSelected());
    this.on("change:info", () => this.syncInfo());
    this.on("change:paths_state", () => this.syncStatusBar());
    this.on("change:busy", () => this.syncBusy());
    this.on("change:error", () => this.syncError());
    this.on("change:results_state", () => this.syncResults());
    this.on("change:auth", () => this.syncAuth());
    this.on("change:instances", () => this.syncInstances());
    this.on("change:instance", () => this.syncInstances());
    this.on("msg:custom", (/** @type {any} */ msg) => this.onMessage(msg));
  }

  syncAll() {
    this.syncInstances();
    this.syncAuth();
    this.syncScopes();
    this.syncQuery();
    this.syncDidType();
    this.syncFilters();
    this.syncInfo();
    this.syncSelected();
    this.syncBusy();
    this.syncError();
    this.syncResults();
  }

  /** @param {Record<string, unknown>} content */
  send(content) {
    this.model.send(content);
  }

  /** @param {string} name */
  get(name) {
    return this.model.get(name);
  }

  destroy() {
    for (const [name, cb] of this.modelListeners) this.model.off(name, cb);
    this.modelListeners = [];
    this.stopExpiryTimer();
    this.signIn.destroy();
    this.resizeObserver?.disconnect();
    this.root.remove();
    this.pool.clear();
  }

  // --- toolbar -------------------------------------------------------------------------

  syncQuery() {
    const q = String(this.get("query") ?? "");
    if (this.searchInput.value !== q) this.searchInput.value = q;
    this.syncScopeFromQuery();
  }

  syncDidType() {
    const t = String(this.get("did_type") || "all");
    this.typeSelect.value = t in DID_TYPE_LABELS ? t : "all";
  }

  syncScopes() {
    const scopes = Array.isArray(this.get("scopes")) ? this.get("scopes") : [];
    this.scopeSelect.replaceChildren(
      h("option", { value: "" }, "any scope"),
      ...scopes.map((/** @type {string} */ s) => h("option", { value: s }, s)),
    );
    this.syncScopeFromQuery();
  }

  /** Show the query's scope in the picker when it is one of the list. */
  syncScopeFromQuery() {
    const q = this.searchInput.value;
    const i = q.indexOf(":");
    const scope = i > 0 ? q.slice(0, i).trim() : "";
    const known = [...this.scopeSelect.options].some((o) => o.value === scope);
    this.scopeSelect.value = known ? scope : "";
  }

  onScopePicked() {
    const scope = this.scopeSelect.value;
    if (!scope) return;
    const q = this.searchInput.value.trim();
    const i = q.indexOf(":");
    this.searchInput.value = `${scope}:${i >= 0 ? q.slice(i + 1) : q}`;
    this.searchInput.focus();
    const end = this.searchInput.value.length;
    this.searchInput.setSelectionRange?.(end, end);
  }

  /** @param {KeyboardEvent} e */
  onEnter(e) {
    if (e.key !== "Enter" || e.isComposing || e.shiftKey || e.ctrlKey || e.metaKey || e.altKey) return;
    e.preventDefault();
    e.stopPropagation();
    this.search();
  }

  search() {
    if (this.signedOut) return;
    const query = this.searchInput.value.trim();
    const didType = this.typeSelect.value || "all";
    const filters = this.filterText.value.trim();
    const parsed = parseFilters(filters);
    if (parsed.error) {
      this.showFilters(true);
      this.showFilterError(parsed.error);
      this.filterText.focus();
      return;
    }
    this.model.set("query", query);
    this.model.set("did_type", didType);
    this.model.set("filters", filters);
    this.model.save_changes();
    this.searched = true;
    this.send({ type: MSG_SEARCH, query, did_type: didType, filters });
  }

  loadMore() {
    this.listing.unstall();
    this.send({ type: MSG_LOAD_MORE });
    this.refresh();
  }

  // --- filters -------------------------------------------------------------------------

  toggleFilters() {
    this.showFilters(this.filtersPanel.hidden);
  }

  /** @param {boolean} show */
  showFilters(show) {
    this.filtersPanel.hidden = !show;
    this.filtersToggle.setAttribute("aria-expanded", String(show));
  }

  syncFilters() {
    const text = String(this.get("filters") ?? "");
    if (text === this.filterText.value) return;
    this.filterText.value = text;
    this.onFilterTextInput();
  }

  onFilterTextInput() {
    const parsed = parseFilters(this.filterText.value);
    if (parsed.error !== null) {
      this.showFilterError(parsed.error);
      return;
    }
    this.showFilterError("");
    this.filterGroups = parsed.groups.length ? parsed.groups : [[blankCondition()]];
    this.renderFilterForm();
  }

  /** @param {string} message */
  showFilterError(message) {
    this.filterError.textContent = message;
    if (message) this.filterText.setAttribute("aria-invalid", "true");
    else this.filterText.removeAttribute("aria-invalid");
    this.updateFiltersLabel();
  }

  /** The form changed: write the text. */
  onFilterFormInput() {
    this.filterText.value = formatFilters(this.filterGroups);
    this.showFilterError("");
  }

  updateFiltersLabel() {
    const parsed = parseFilters(this.filterText.value);
    const n = parsed.groups ? countConditions(parsed.groups) : 0;
    this.filtersToggle.textContent = n ? `Filters (${n})` : "Filters";
  }

  renderFilterForm() {
    const groups = this.filterGroups;
    const listId = `${this.uid}-keys`;
    const nodes = [];
    groups.forEach((group, gi) => {
      if (gi > 0) nodes.push(h("div", { class: "rw-filter-or" }, "or"));
      const rows = group.map((cond, ri) => {
        const key = /** @type {HTMLInputElement} */ (
          h("input", {
            class: "rw-filter-key",
            type: "text",
            list: listId,
            value: cond.key,
            placeholder: "key",
            "aria-label": "Metadata key",
            spellcheck: "false",
            autocomplete: "off",
          })
        );
        key.value = cond.key;
        key.addEventListener("input", () => {
          cond.key = key.value;
          this.onFilterFormInput();
        });
        const op = /** @type {HTMLSelectElement} */ (
          h(
            "select",
            { class: "rw-filter-op", "aria-label": "Operator" },
            OPERATORS.map((o) => h("option", { value: o }, o)),
          )
        );
        op.value = cond.op;
        op.addEventListener("change", () => {
          cond.op = /** @type {import("./filters.js").Operator} */ (op.value);
          this.onFilterFormInput();
        });
        const value = /** @type {HTMLInputElement} */ (
          h("input", {
            class: "rw-filter-value",
            type: "text",
            placeholder: "value",
            "aria-label": "Value",
            spellcheck: "false",
            autocomplete: "off",
          })
        );
        value.value = cond.value;
        value.addEventListener("input", () => {
          cond.value = value.value;
          this.onFilterFormInput();
        });
        for (const input of [key, value]) input.addEventListener("keydown", (e) => this.onEnter(e));
        const remove = h(
          "button",
          {
            class: "rw-filter-remove rw-icon-button",
            type: "button",
            "aria-label": "Remove condition",
            title: "Remove condition",
            onclick: () => {
              group.splice(ri, 1);
              if (!group.length) groups.splice(gi, 1);
              if (!groups.length) groups.push([blankCondition()]);
              this.renderFilterForm();
              this.onFilterFormInput();
            },
          },
          icon(ICON_CLOSE),
        );
        return h(
          "div",
          { class: "rw-filter-row" },
          h("span", { class: "rw-filter-join" }, ri > 0 ? "and" : ""),
          key,
          op,
          value,
          remove,
        );
      });
      const addRow = h(
        "button",
        {
          class: "rw-filter-add-row rw-link",
          type: "button",
          onclick: () => {
            group.push(blankCondition());
            this.renderFilterForm();
            this.focusLastCondition(gi);
          },
        },
        "+ and",
      );
      nodes.push(
        h("div", { class: "rw-filter-group", role: "group", "aria-label": `Group ${gi + 1}` }, rows, addRow),
      );
    });
    const addGroup = h(
      "button",
      {
        class: "rw-filter-add-group rw-link",
        type: "button",
        onclick: () => {
          groups.push([blankCondition()]);
          this.renderFilterForm();
          this.focusLastCondition(groups.length - 1);
        },
      },
      "+ or group",
    );
    this.filterForm.replaceChildren(...nodes, addGroup);
    this.updateFiltersLabel();
  }

  /** @param {number} gi */
  focusLastCondition(gi) {
    const group = this.filterForm.querySelectorAll(".rw-filter-group")[gi];
    const keys = group?.querySelectorAll(".rw-filter-key");
    /** @type {HTMLInputElement | undefined} */ (keys?.[keys.length - 1])?.focus();
  }

  // --- error, busy, status bar ---------------------------------------------------------

  syncError() {
    const err = this.get("error") || {};
    const message = typeof err === "object" && err.message ? String(err.message) : "";
    this.errorBanner.hidden = !message;
    this.errorMessage.textContent = message;
    this.errorHint.textContent = message && err.hint ? String(err.hint) : "";
    this.errorHint.hidden = !this.errorHint.textContent;
  }

  dismissError() {
    this.model.set("error", {});
    this.model.save_changes();
    this.syncError();
  }

  syncBusy() {
    const busy = String(this.get("busy") || "");
    this.busyEl.hidden = !busy;
    this.busyLabel.textContent = busy;
    this.root.classList.toggle("rw-is-busy", !!busy);
    this.scroller.setAttribute("aria-busy", String(!!busy));
    this.renderEmpty();
  }

  syncInfo() {
    this.makeOptions.update(this.get("info") || {});
    this.syncStatusBar();
  }

  syncStatusBar() {
    const info = this.get("info") || {};
    const auth = this.get("auth") || {};
    const account = info.account || auth.account;
    const parts = [];
    if (info.server)
      parts.push(
        h(
          "span",
          { class: "rw-status-server", title: `Rucio server ${info.server}` },
          String(info.server).replace(/^https?:\/\//, ""),
        ),
      );
    const webui = webLink(info.webui, "rw-webui", `Rucio web UI: ${info.webui}`, "web UI");
    if (webui) parts.push(webui);
    if (account) {
      parts.push(
        h(
          "span",
          { class: "rw-status-account", title: "Rucio account" },
          info.vo ? `${account}@${info.vo}` : String(account),
        ),
      );
    }
    if (info.mode) {
      const dest = info.destination ? ` → ${info.destination}` : "";
      parts.push(
        h(
          "span",
          {
            class: "rw-status-mode",
            title: info.mode === "download" ? "Files are downloaded" : "Files are read from replicas",
          },
          `${info.mode}${dest}`,
        ),
      );
    }
    this.infoEl.replaceChildren(...parts);

    const paths = this.get("paths_state") || {};
    const n = this.selected.size;
    const words = [n ? `${formatCount(n)} selected` : "nothing selected"];
    if (n && typeof paths.files === "number") words.push(plural(paths.files, "file"));
    if (n && typeof paths.available === "number")
      words.push(`${formatCount(paths.available)} ${paths.available === 1 ? "path" : "paths"} ready`);
    if (n && paths.pending) words.push(`${formatCount(paths.pending)} pending`);
    this.pathsEl.textContent = words.join(" · ");
  }

  // --- sign-in, credentials, instances -------------------------------------------------

  syncAuth() {
    const auth = this.get("auth");
    this.signIn.update(auth, this.instanceLabel());
    this.syncSignedOut();
    this.syncExpiry();
  }

  /** Enable or disable what needs valid credentials, after the form was shown or hidden. */
  syncSignedOut() {
    const signedOut = this.signIn.shown;
    const auth = this.get("auth") || {};
    this.signOutButton.hidden = signedOut || auth.state !== SIGNED_IN;
    const changed = signedOut !== this.signedOut;
    this.signedOut = signedOut;
    this.root.classList.toggle("rw-signed-out", signedOut);
    for (const control of [this.searchInput, this.searchButton, this.scopeSelect, this.typeSelect])
      /** @type {HTMLInputElement} */ (control).disabled = signedOut;
    if (changed) {
      this.syncSelected();
      this.syncStatusBar();
    }
  }

  /** Redraw the countdown, and keep its timer running only while there is one to show. */
  syncExpiry() {
    const auth = this.get("auth") || {};
    const expiry = auth.state ? describeExpiry(auth.expires_at) : null;
    const el = this.expiryEl;
    el.hidden = !expiry;
    el.textContent = expiry?.text ?? "";
    el.title = expiry?.title ?? "";
    el.classList.toggle("rw-expiry-warn", expiry?.level === "warn");
    el.classList.toggle("rw-expiry-expired", expiry?.level === "expired");
    if (expiry && this.expiryTimer === undefined) {
      this.expiryTimer = setInterval(() => this.syncExpiry(), EXPIRY_TICK_MS);
    } else if (!expiry) {
      this.stopExpiryTimer();
    }
  }

  stopExpiryTimer() {
    clearInterval(this.expiryTimer);
    this.expiryTimer = undefined;
  }

  /** @returns {import("./protocol.js").InstanceInfo[]} */
  instances() {
    const list = this.get("instances");
    return Array.isArray(list) ? list.filter((i) => i && typeof i.name === "string") : [];
  }

  /** Display name of the current instance when there is a choice, else "". */
  instanceLabel() {
    const list = this.instances();
    if (list.length < 2) return "";
    const current = list.find((i) => i.name === this.get("instance"));
    return current ? String(current.display_name || current.name) : "";
  }

  syncInstances() {
    const list = this.instances();
    const select = this.instanceSelect;
    select.hidden = list.length < 2;
    select.replaceChildren(
      ...list.map((i) => h("option", { value: i.name }, String(i.display_name || i.name))),
    );
    select.value = String(this.get("instance") ?? "");
    // The form's title names the instance.
    if (this.signIn.shown) this.signIn.update(this.get("auth"), this.instanceLabel());
  }

  onInstancePicked() {
    const name = this.instanceSelect.value;
    if (!name || name === this.get("instance")) return;
    this.model.set("instance", name);
    this.model.save_changes();
  }

  // --- selection -----------------------------------------------------------------------

  syncSelected() {
    const sel = this.get("selected");
    this.selected = new Set(Array.isArray(sel) ? sel : []);
    /** @type {HTMLButtonElement} */ (this.fetchSelectionButton).disabled =
      this.selected.size === 0 || this.signedOut;
    /** @type {HTMLButtonElement} */ (this.clearButton).disabled = this.selected.size === 0;
    this.syncStatusBar();
    this.renderRows();
  }

  /**
   * Ask Python to make DIDs available, with the options of the open options panel.
   * @param {string[]} dids [] for the selection
   */
  makeAvailable(dids) {
    if (this.signedOut) return;
    const { options, error } = this.makeOptions.read();
    if (error) return; // the panel says why and focuses the field
    this.send(options ? { type: MSG_MAKE_AVAILABLE, dids, options } : { type: MSG_MAKE_AVAILABLE, dids });
  }

  /** @param {string[]} dids a new array */
  setSelected(dids) {
    this.model.set("selected", dids);
    this.model.save_changes();
    this.syncSelected();
  }

  /**
   * @param {Item | null} item
   * @param {boolean} checked
   */
  select(item, checked) {
    if (!item?.row || this.impliedBy(item)) return;
    const did = item.row.did;
    const current = Array.isArray(this.get("selected")) ? this.get("selected") : [];
    const next = checked
      ? current.includes(did)
        ? [...current]
        : [...current, did]
      : current.filter((/** @type {string} */ d) => d !== did);
    this.setSelected(next);
  }

  /**
   * The selected collection above an item, if any: its files are selected through it.
   * @param {Item} item
   */
  impliedBy(item) {
    return item.ancestors.find((a) => this.selected.has(a)) ?? null;
  }

  // --- results -------------------------------------------------------------------------

  syncResults() {
    const rs = this.get("results_state") || {};
    const generation = typeof rs.generation === "number" ? rs.generation : undefined;
    const hasSearch = (generation ?? 0) > 0 || (rs.loaded ?? 0) > 0 || !!rs.complete;
    if (generation !== this.generation) {
      // A new search: forget everything and start again from the first page.
      this.generation = generation;
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
    const requestId = this.nextRequestId++;
    const want = { source, offset, limit: PAGE_LIMIT };
    this.listing.track(requestId, want);
    this.send({ type: MSG_PAGE, request_id: requestId, ...want });
  }

  /** @param {any} msg */
  onMessage(msg) {
    if (!msg || typeof msg !== "object") return;
    if (msg.type === MSG_PAGE) {
      if (this.listing.applyPage(msg)) this.refresh();
    } else if (msg.type === MSG_STATUS) {
      this.listing.applyStatus(msg.updates);
      this.renderRows();
    } else if (msg.type === MSG_SIGN_IN) {
      this.signIn.onReply(msg);
    } else if (msg.type === MSG_DETAILS) {
      if (this.details && msg.request_id === this.details.id) {
        this.details.reply = msg;
        this.renderDetails();
      }
    }
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
    if (!this.range) return;
    const [first, last] = this.range;
    for (const want of this.listing.wants(first, last)) this.requestPage(want.source, want.offset);
  }

  onScroll() {
    // The user scrolled: pages that came back short may have grown since.
    this.listing.unstall();
    this.renderRows();
    this.requestMissing();
  }

  viewportHeight() {
    return this.scroller.clientHeight || FALLBACK_VIEWPORT;
  }

  /** Render the rows in (and just around) view, reusing row elements. */
  renderRows() {
    const n = this.listing.length;
    this.spacer.style.height = `${n * ROW_HEIGHT}px`;
    const top = this.scroller.scrollTop;
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(n - 1, Math.ceil((top + this.viewportHeight()) / ROW_HEIGHT) + OVERSCAN);
    this.range = [first, last];
    const activeIndex = this.activeIndex();

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
      if (item) this.renderItem(el, i, item, i === activeIndex);
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
    const n = this.listing.count(root);
    this.countEl.textContent = this.searched ? plural(n, "result") : "";
    this.countMore.hidden = !this.searched || root.complete;
  }

  renderEmpty() {
    if (!this.emptyEl) return;
    const empty = this.listing.length === 0;
    this.emptyEl.hidden = !empty;
    if (!empty) return;
    if (!this.searched && this.signedOut) {
      this.emptyEl.textContent = "Sign in to search the catalogue";
    } else if (!this.searched) {
      this.emptyEl.replaceChildren("Type ", h("code", {}, "scope:name"), " and press Enter");
    } else if (this.listing.root.complete) {
      const q = String(this.get("query") ?? "");
      const type = String(this.get("did_type") || "all");
      const filters = String(this.get("filters") ?? "");
      this.emptyEl.replaceChildren(
        "No DIDs match ",
        h("code", {}, q || "*"),
        type !== "all"
          ? ` among ${DID_TYPE_LABELS[/** @type {keyof DID_TYPE_LABELS} */ (type)]?.toLowerCase() ?? type}`
          : "",
        filters ? h("span", {}, " with ", h("code", {}, filters)) : "",
      );
    } else {
      this.emptyEl.textContent = String(this.get("busy") || "") || "Waiting for results…";
    }
  }

  /**
   * @param {HTMLElement} el
   * @param {number} index
   * @param {Item} item
   * @param {boolean} active
   */
  renderItem(el, index, item, active) {
    const row = item.row;
    const status = row ? this.listing.statusOf(row) : null;
    const checked = !!row && this.selected.has(row.did);
    const implied = row ? this.impliedBy(item) : null;
    const expanded = this.listing.isExpanded(item);
    const src = item.source;
    const sig = [
      index,
      item.kind,
      item.depth,
      row
        ? `${row.did}|${row.type}|${row.bytes}|${row.length}`
        : `${src.key}|${src.error}|${src.stallAt}|${this.listing.isPending(src.key, item.offset)}`,
      status ? JSON.stringify(status) : "",
      checked,
      implied,
      expanded,
      this.signedOut,
    ].join("\u0001");
    if (el.dataset.sig !== sig) {
      el.dataset.sig = sig;
      this.fillItem(el, index, item, row, status, checked, implied, expanded);
    }
    // Not part of the signature: moving the active row must not rebuild rows (that would
    // drop a text selection in a DID name).
    el.classList.toggle("rw-active", active);
  }

  /**
   * @param {HTMLElement} el
   * @param {number} index
   * @param {Item} item
   * @param {import("./protocol.js").Row | undefined} row
   * @param {import("./protocol.js").RowStatus | null} status
   * @param {boolean} checked
   * @param {string | null} implied
   * @param {boolean} expanded
   */
  fillItem(el, index, item, row, status, checked, implied, expanded) {
    const src = item.source;
    el.id = `${this.uid}-item-${index}`;
    el.dataset.index = String(index);
    el.style.transform = `translateY(${index * ROW_HEIGHT}px)`;
    el.style.height = `${ROW_HEIGHT}px`;
    el.style.setProperty("--rw-depth", String(item.depth));
    el.setAttribute("role", "treeitem");
    el.setAttribute("aria-level", String(item.depth + 1));
    for (const a of ["data-did", "data-type", "aria-expanded", "aria-selected", "aria-busy"])
      el.removeAttribute(a);

    if (item.kind === "row" && row) {
      el.className = `rw-item rw-row${checked || implied ? " rw-selected" : ""}`;
      el.dataset.did = row.did;
      el.dataset.type = row.type;
      el.dataset.depth = String(item.depth);
      el.setAttribute("aria-selected", String(checked || !!implied));
      if (isCollection(row)) el.setAttribute("aria-expanded", String(expanded));
      el.replaceChildren(...this.rowCells(item, row, status, checked, implied, expanded));
      return;
    }

    el.className = `rw-item rw-note rw-note-${item.kind}`;
    el.dataset.depth = String(item.depth);
    const indent = h("span", { class: "rw-indent" });
    if (item.kind === "row") {
      el.setAttribute("aria-busy", "true");
      el.replaceChildren(h("span", {}), indent, h("span", { class: "rw-muted" }, "Loading…"));
    } else if (item.kind === "empty") {
      el.replaceChildren(h("span", {}), indent, h("span", { class: "rw-muted" }, "No content"));
    } else if (item.kind === "error") {
      el.replaceChildren(
        h("span", {}),
        indent,
        h("span", { class: "rw-note-error", title: src.error ?? "" }, `Could not load: ${src.error ?? ""}`),
        h("button", { class: "rw-retry rw-link", type: "button", tabindex: "-1" }, "Retry"),
      );
    } else {
      const loading = this.listing.isPending(src.key, item.offset);
      const isResults = src.key === RESULTS_SOURCE;
      el.replaceChildren(
        h("span", {}),
        indent,
        h(
          "span",
          { class: "rw-muted" },
          loading ? "Loading more…" : isResults ? "More results may exist" : "More content",
        ),
        loading && !isResults
          ? null
          : h(
              "button",
              { class: "rw-load-more rw-link", type: "button", tabindex: "-1" },
              isResults ? "Load more" : "Show more",
            ),
      );
    }
  }

  /**
   * The cells of a DID row.
   * @param {Item} item
   * @param {import("./protocol.js").Row} row
   * @param {import("./protocol.js").RowStatus | null} status
   * @param {boolean} checked
   * @param {string | null} implied
   * @param {boolean} expanded
   */
  rowCells(item, row, status, checked, implied, expanded) {
    const check = /** @type {HTMLInputElement} */ (
      h("input", {
        class: "rw-check",
        type: "checkbox",
        tabindex: "-1",
        "aria-label": `Select ${row.did}`,
        title: implied ? `Selected through ${implied}` : "",
      })
    );
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
    const type = TYPE_LETTERS[/** @type {keyof TYPE_LETTERS} */ (row.type)] ?? "?";
    const name = h(
      "span",
      { class: "rw-namecell" },
      h("span", { class: "rw-indent" }),
      toggle,
      h(
        "span",
        {
          class: "rw-type",
          "data-type": row.type,
          title: TYPE_NAMES[/** @type {keyof TYPE_NAMES} */ (row.type)] ?? row.type,
        },
        type,
      ),
      h("span", { class: "rw-name", title: `${row.did}: show details` }, ...didParts(row.did)),
    );

    const st = describeStatus(status);
    const badge = h("span", { class: "rw-badge", "data-status": st.key, title: st.title }, st.text);
    if (st.progress !== null) badge.style.setProperty("--rw-progress", `${Math.round(st.progress * 100)}%`);

    const state = status?.status ?? "";
    const retry = RETRY.has(state);
    let action = null;
    if (state === DOWNLOADING) {
      action = h(
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
    } else if (!NO_FETCH.has(state)) {
      // STUCK and FAILED keep the button: asking again retries.
      action = h(
        "button",
        {
          class: "rw-make-available rw-icon-button",
          type: "button",
          tabindex: "-1",
          "aria-label": retry ? `Retry ${row.did}` : `Make ${row.did} available`,
          title: this.signedOut
            ? `Sign in to ${retry ? "retry" : "make it available"}`
            : retry
              ? "Retry"
              : "Make available",
          disabled: this.signedOut,
        },
        icon(retry ? ICON_RETRY : ICON_FETCH),
      );
    }

    const length = collection ? formatCount(row.length) : "";
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
      h("span", { class: "rw-cell rw-num rw-files" }, length),
      h("span", { class: "rw-cell rw-cell-badge" }, badge),
      h("span", { class: "rw-cell rw-cell-action" }, action),
    ];
  }

  // --- active row and keyboard ---------------------------------------------------------

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
  onListKey(e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    if (e.key === "Enter" && e.shiftKey) return;
    const n = this.listing.length;
    if (!n) return;
    const inControl = e.target !== this.scroller;
    const current = this.activeIndex();
    const index = current < 0 ? 0 : current;
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
    if (inControl) this.scroller.focus({ preventScroll: true });
  }

  /**
   * Enter on an item: details for a DID, the obvious action for the others.
   * @param {Item | null} item
   */
  activate(item) {
    if (!item) return;
    if (item.row) this.openDetails(item.row.did);
    else if (item.kind === "more") this.showMore(item);
    else if (item.kind === "error") this.retry(item);
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

  /** @param {MouseEvent} e */
  onListClick(e) {
    const target = /** @type {Element} */ (e.target);
    const itemEl = target.closest?.(".rw-item");
    if (!(itemEl instanceof HTMLElement) || !this.spacer.contains(itemEl)) return;
    const index = Number(itemEl.dataset.index);
    const item = this.listing.itemAt(index);
    if (!item) return;
    this.setActive(index);
    const check = target.closest(".rw-check");
    if (check instanceof HTMLInputElement) {
      // Read here, not on "change": the row may be rebuilt (and the box detached) before
      // "change" fires.  The box is already toggled when "click" is dispatched.
      this.select(item, check.checked);
    } else if (target.closest(".rw-expand")) {
      this.toggleExpand(item);
    } else if (target.closest(".rw-make-available")) {
      if (item.row) this.makeAvailable([item.row.did]);
    } else if (target.closest(".rw-cancel-download")) {
      if (item.row) this.send({ type: MSG_CANCEL_DOWNLOAD, did: item.row.did });
    } else if (target.closest(".rw-load-more")) {
      this.showMore(item);
    } else if (target.closest(".rw-retry")) {
      this.retry(item);
    } else if (target.closest(".rw-name")) {
      // Not when the click ended a text selection (copying a DID).
      const selection = typeof window !== "undefined" ? window.getSelection?.() : null;
      if (!selection || selection.isCollapsed || !String(selection)) this.openDetails(item.row?.did ?? "");
    }
    this.scroller.focus({ preventScroll: true });
    this.renderRows();
  }

  /**
   * Double click on a collection row (not on its controls) opens or closes it.
   * @param {MouseEvent} e
   */
  onListDoubleClick(e) {
    const target = /** @type {Element} */ (e.target);
    if (target.closest?.("button, input, .rw-name")) return;
    const itemEl = target.closest?.(".rw-row");
    if (!(itemEl instanceof HTMLElement)) return;
    const item = this.listing.itemAt(Number(itemEl.dataset.index));
    if (item && isCollection(item.row)) this.toggleExpand(item);
  }

  /** Tabbing into the list makes its first row active, so that keys have a target. */
  onListFocus() {
    if (this.activeIndex() < 0 && this.listing.length > 0) {
      this.setActive(Math.min(this.listing.length - 1, Math.floor(this.scroller.scrollTop / ROW_HEIGHT)));
      this.renderRows();
    }
  }

  // --- details -------------------------------------------------------------------------

  /** @param {string} did */
  openDetails(did) {
    if (!did) return;
    const id = this.nextRequestId++;
    this.details = { id, did, reply: null };
    this.send({ type: MSG_DETAILS, request_id: id, did });
    this.renderDetails();
  }

  closeDetails() {
    this.details = null;
    this.renderDetails();
    this.scroller.focus({ preventScroll: true });
  }

  renderDetails() {
    const d = this.details;
    this.detailsPane.hidden = !d;
    if (!d) {
      this.detailsPane.replaceChildren();
      return;
    }
    const header = h(
      "header",
      { class: "rw-details-header" },
      h(
        "h3",
        { class: "rw-details-title", title: d.did },
        webLink(d.reply?.did_url, "rw-webui-did", "Open in the Rucio web UI", d.did, icon(ICON_EXTERNAL)) ??
          d.did,
      ),
      h(
        "button",
        {
          class: "rw-details-close rw-icon-button",
          type: "button",
          "aria-label": "Close details",
          title: "Close",
          onclick: () => this.closeDetails(),
        },
        icon(ICON_CLOSE),
      ),
    );
    const reply = d.reply;
    /** @type {Node[]} */
    let body;
    if (!reply) {
      body = [h("p", { class: "rw-muted" }, "Loading details…")];
    } else if (reply.error) {
      body = [h("p", { class: "rw-details-error" }, String(reply.error))];
    } else {
      body = [
        this.metadataSection(reply.metadata),
        this.replicasSection(reply.replicas),
        this.rulesSection(reply.rules),
      ];
    }
    this.detailsPane.replaceChildren(header, ...body);
  }

  /** @param {Record<string, unknown> | undefined} metadata */
  metadataSection(metadata) {
    const entries = Object.entries(metadata ?? {}).sort(([a], [b]) => a.localeCompare(b));
    const show = (/** @type {unknown} */ v) =>
      v === null || v === undefined ? "—" : typeof v === "object" ? JSON.stringify(v) : String(v);
    return h(
      "div",
      { class: "rw-details-section rw-details-metadata" },
      h("h4", {}, "Metadata"),
      entries.length
        ? h(
            "dl",
            { class: "rw-kv" },
            entries.map(([k, v]) => [h("dt", {}, k), h("dd", {}, show(v))]),
          )
        : h("p", { class: "rw-muted" }, "No metadata"),
    );
  }

  /** @param {import("./protocol.js").ReplicaInfo[] | undefined} replicas */
  replicasSection(replicas) {
    const list = replicas ?? [];
    return h(
      "div",
      { class: "rw-details-section rw-details-replicas" },
      h("h4", {}, `Replicas (${formatCount(list.length)})`),
      list.length
        ? this.table(
            ["RSE", "State", "Local path"],
            list.map((r) => [r.rse, r.state, r.path ? h("code", {}, r.path) : "—"]),
          )
        : h("p", { class: "rw-muted" }, "No replicas"),
    );
  }

  /** @param {import("./protocol.js").RuleInfo[] | undefined} rules */
  rulesSection(rules) {
    const list = rules ?? [];
    return h(
      "div",
      { class: "rw-details-section rw-details-rules" },
      h("h4", {}, `Rules (${formatCount(list.length)})`),
      list.length
        ? this.table(
            [
              "Rule",
              "RSE expression",
              "State",
              "Account",
              "Locks OK / replicating / stuck",
              "Expires",
              "Error",
            ],
            list.map((r) => [
              webLink(
                r.url,
                "rw-webui-rule",
                `Open rule ${r.id} in the Rucio web UI`,
                h("code", {}, String(r.id ?? "").slice(0, 8)),
              ) ?? h("code", { title: r.id }, String(r.id ?? "").slice(0, 8)),
              r.rse_expression,
              h("span", { class: "rw-rule-state", "data-state": r.state }, r.state),
              r.account,
              `${r.locks_ok ?? 0} / ${r.locks_replicating ?? 0} / ${r.locks_stuck ?? 0}`,
              r.expires_at ?? "never",
              r.error ?? "",
            ]),
          )
        : h("p", { class: "rw-muted" }, "No rules"),
    );
  }

  /**
   * @param {string[]} headings
   * @param {Array<Array<Node | string>>} rows
   */
  table(headings, rows) {
    return h(
      "div",
      { class: "rw-table-wrap" },
      h(
        "table",
        { class: "rw-table" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            headings.map((t) => h("th", { scope: "col" }, t)),
          ),
        ),
        h(
          "tbody",
          {},
          rows.map((cells) =>
            h(
              "tr",
              {},
              cells.map((c) => h("td", {}, c ?? "")),
            ),
          ),
        ),
      ),
    );
  }
}

/**
 * anywidget's per-model hook.  All state lives in the views, so there is nothing to do.
 * @returns {() => void}
 */
function initialize() {
  return () => {};
}

/**
 * anywidget's per-view hook.
 * @param {{model: Model, el: HTMLElement}} ctx
 * @returns {() => void} cleanup
 */
function render({ model, el }) {
  const view = new RucioView(model, el);
  return () => view.destroy();
}

// Only the default export: anywidget warns about a named `render` export.
export default { initialize, render };
