// The bar above the tree: Select all, Clear, the result count with "more…", and "Make
// selection available" with the toggle of its options panel.

import { ICON_FETCH, h, icon } from "../dom.js";
import { plural } from "../format.js";

/**
 * @typedef {object} SelectionBarState
 * @property {number} [selected] DIDs selected
 * @property {boolean} [signedOut]
 * @property {{count: number, complete: boolean, searched: boolean}} [results]
 */

export class SelectionBar {
  /**
   * @param {object} opts
   * @param {HTMLElement} opts.optionsToggle the options panel's toggle, shown last
   * @param {() => void} opts.onSelectAll
   * @param {() => void} opts.onClear
   * @param {() => void} opts.onLoadMore
   * @param {() => void} opts.onMakeAvailable make the selection available
   * @param {(anchor: HTMLElement) => void} [opts.onCopy] open the copy menu of the selection
   */
  constructor({ optionsToggle, onSelectAll, onClear, onLoadMore, onMakeAvailable, onCopy }) {
    this.selected = 0;
    this.signedOut = false;
    this.countEl = h("span", { class: "rw-count", "aria-live": "polite" });
    this.moreButton = h(
      "button",
      {
        class: "rw-count-more rw-link",
        type: "button",
        hidden: true,
        title: "Read more results",
        onclick: onLoadMore,
      },
      "more…",
    );
    this.selectAllButton = h(
      "button",
      { class: "rw-select-all", type: "button", title: "Select every loaded result", onclick: onSelectAll },
      "Select all",
    );
    this.clearButton = h(
      "button",
      { class: "rw-clear", type: "button", title: "Clear the selection", disabled: true, onclick: onClear },
      "Clear",
    );
    this.copyButton = h(
      "button",
      {
        class: "rw-copy-selection",
        type: "button",
        disabled: true,
        hidden: !onCopy,
        "aria-haspopup": "menu",
        title: "Copy the selection as code for a cell, or its local paths",
        onclick: (/** @type {MouseEvent} */ e) => {
          if (e.currentTarget instanceof HTMLElement) onCopy?.(e.currentTarget);
        },
      },
      "Copy as code",
    );
    this.makeButton = h(
      "button",
      {
        class: "rw-make-selection-available",
        type: "button",
        disabled: true,
        title: "Make every selected DID available at the destination",
        onclick: onMakeAvailable,
      },
      icon(ICON_FETCH),
      "Make selection available",
    );
    this.el = h(
      "div",
      { class: "rw-selectionbar" },
      this.selectAllButton,
      this.clearButton,
      this.countEl,
      this.moreButton,
      h("span", { class: "rw-grow" }),
      this.copyButton,
      this.makeButton,
      optionsToggle,
    );
  }

  /** @param {SelectionBarState} state */
  update(state) {
    if (state.selected !== undefined) this.selected = state.selected;
    if (state.signedOut !== undefined) this.signedOut = state.signedOut;
    if (state.results) {
      const { count, complete, searched } = state.results;
      this.countEl.textContent = searched ? plural(count, "result") : "";
      this.moreButton.hidden = !searched || complete;
    }
    this.makeButton.disabled = this.selected === 0 || this.signedOut;
    this.clearButton.disabled = this.selected === 0;
    this.copyButton.disabled = this.selected === 0;
  }

  destroy() {}
}
