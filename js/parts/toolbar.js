// The toolbar: instance picker, scope picker, search box, DID type, Search, Filters toggle,
// and the Rules pane's toggle.
// It sends nothing itself: Search (or Enter) calls onSearch, and widget.js reads value().

import { h, isPlainEnter } from "../dom.js";
import { DID_TYPE_LABELS, DID_TYPE_LIST, didTypeOf } from "../format.js";

/** @typedef {import("../protocol.js").InstanceInfo} InstanceInfo */

/**
 * @typedef {object} ToolbarState
 * @property {string | null} [query]
 * @property {string | null} [didType]
 * @property {string[] | null} [scopes]
 * @property {InstanceInfo[] | null} [instances]
 * @property {string | null} [instance]
 * @property {boolean} [signedOut]
 * @property {boolean} [filtersOpen]
 * @property {number} [filterCount]
 */

export class Toolbar {
  /**
   * @param {object} opts
   * @param {string} opts.filtersId id of the filters panel the toggle controls
   * @param {() => void} opts.onSearch Search pressed, or Enter in the search box
   * @param {(name: string) => void} opts.onInstance another instance was picked
   * @param {() => void} opts.onToggleFilters
   * @param {HTMLElement} [opts.rulesToggle] the Rules pane's toggle, shown last
   * @param {HTMLElement} [opts.uploadToggle] the Upload panel's toggle, after it
   */
  constructor({ filtersId, onSearch, onInstance, onToggleFilters, rulesToggle, uploadToggle }) {
    this.onSearch = onSearch;
    /** @type {string} the `instance` trait */
    this.instance = "";
    this.instanceSelect = h("select", {
      class: "rw-instance",
      "aria-label": "Rucio instance",
      title: "Rucio instance",
      hidden: true,
      onchange: () => {
        const name = this.instanceSelect.value;
        if (name && name !== this.instance) onInstance(name);
      },
    });
    this.scopeSelect = h("select", {
      class: "rw-scope",
      "aria-label": "Scope",
      title: "Scope",
      onchange: () => this.onScopePicked(),
    });
    this.searchInput = h("input", {
      class: "rw-search",
      type: "text",
      placeholder: "scope:name*",
      "aria-label": "DID pattern, scope:name with * wildcards",
      spellcheck: "false",
      autocomplete: "off",
      onkeydown: (/** @type {KeyboardEvent} */ e) => this.onKey(e),
      oninput: () => this.syncScopeFromQuery(),
    });
    this.typeSelect = h(
      "select",
      { class: "rw-did-type", "aria-label": "DID type" },
      DID_TYPE_LIST.map((value) => h("option", { value }, DID_TYPE_LABELS[value])),
    );
    this.searchButton = h(
      "button",
      { class: "rw-search-button rw-primary", type: "button", onclick: () => onSearch() },
      "Search",
    );
    this.filtersToggle = h(
      "button",
      {
        class: "rw-filters-toggle",
        type: "button",
        "aria-expanded": "false",
        "aria-controls": filtersId,
        onclick: () => onToggleFilters(),
      },
      "Filters",
    );
    this.el = h(
      "div",
      { class: "rw-toolbar", role: "search" },
      this.instanceSelect,
      this.scopeSelect,
      this.searchInput,
      this.typeSelect,
      this.searchButton,
      this.filtersToggle,
      rulesToggle,
      uploadToggle,
    );
  }

  /** @param {ToolbarState} state */
  update(state) {
    if (state.instances !== undefined || state.instance !== undefined) {
      if (state.instance !== undefined) this.instance = String(state.instance ?? "");
      if (state.instances !== undefined) {
        const list = state.instances ?? [];
        this.instanceSelect.hidden = list.length < 2;
        this.instanceSelect.replaceChildren(
          ...list.map((i) => h("option", { value: i.name }, String(i.display_name || i.name))),
        );
      }
      this.instanceSelect.value = this.instance;
    }
    if (state.scopes !== undefined) {
      this.scopeSelect.replaceChildren(
        h("option", { value: "" }, "any scope"),
        ...(state.scopes ?? []).map((s) => h("option", { value: s }, s)),
      );
      this.syncScopeFromQuery();
    }
    if (state.query !== undefined) {
      const q = String(state.query ?? "");
      if (this.searchInput.value !== q) this.searchInput.value = q;
      this.syncScopeFromQuery();
    }
    if (state.didType !== undefined) this.typeSelect.value = didTypeOf(state.didType);
    if (state.signedOut !== undefined) {
      for (const control of [this.searchInput, this.searchButton, this.scopeSelect, this.typeSelect])
        control.disabled = state.signedOut;
    }
    if (state.filtersOpen !== undefined)
      this.filtersToggle.setAttribute("aria-expanded", String(state.filtersOpen));
    if (state.filterCount !== undefined)
      this.filtersToggle.textContent = state.filterCount ? `Filters (${state.filterCount})` : "Filters";
  }

  /** What a search sends from the toolbar. */
  value() {
    return { query: this.searchInput.value.trim(), didType: didTypeOf(this.typeSelect.value) };
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
  onKey(e) {
    if (!isPlainEnter(e)) return;
    e.preventDefault();
    e.stopPropagation();
    this.onSearch();
  }

  destroy() {}
}
