// The error banner: the `error` trait (Python's), or the error of a reply that has no place
// of its own in the panel (a make_available or load_more that failed).  One error at a time.

import { ICON_CLOSE, h, icon } from "../dom.js";

/** @typedef {import("../protocol.js").PanelError} PanelError */

/** The errors that a second try may cure: the server was away or silent. */
const RETRYABLE = "ServerUnavailableError";

export class ErrorBanner {
  /**
   * @param {object} opts
   * @param {() => void} opts.onDismiss the user dismissed the `error` trait's error
   * @param {() => void} [opts.onRetry] try again (shown for a server that is away or silent)
   */
  constructor({ onDismiss, onRetry }) {
    this.onDismiss = onDismiss;
    this.onRetry = onRetry;
    /** @type {{error: PanelError, local: boolean} | null} what is shown */
    this.shown = null;
    this.destroyed = false;
    this.messageEl = h("div", { class: "rw-error-message" });
    this.hintEl = h("div", { class: "rw-error-hint" });
    this.retryButton = h(
      "button",
      {
        class: "rw-error-retry rw-link",
        type: "button",
        hidden: true,
        onclick: () => {
          this.dismiss();
          this.onRetry?.();
        },
      },
      "Retry",
    );
    this.el = h(
      "div",
      { class: "rw-error", role: "alert", hidden: true },
      h("div", { class: "rw-error-body" }, this.messageEl, this.hintEl),
      this.retryButton,
      h(
        "button",
        {
          class: "rw-error-dismiss rw-icon-button",
          type: "button",
          "aria-label": "Dismiss error",
          title: "Dismiss",
          onclick: () => this.dismiss(),
        },
        icon(ICON_CLOSE),
      ),
    );
  }

  /**
   * Follow the `error` trait: a new error replaces what is shown; `{}` clears its own.
   * @param {{error?: PanelError | null}} state
   */
  update({ error }) {
    if (error === undefined) return;
    if (error?.message) this.show(error, false);
    else if (this.shown && !this.shown.local) this.show(null, false);
  }

  /**
   * Show the error of a reply (view state: nothing is written to the trait).
   * @param {PanelError} error
   */
  showLocal(error) {
    if (this.destroyed || !error.message) return;
    // Python may have put the same error in the trait already.
    if (this.shown && this.shown.error.message === error.message) return;
    this.show(error, true);
  }

  /** Drop a reply's error (a new search starts afresh). */
  clearLocal() {
    if (this.shown?.local) this.show(null, false);
  }

  dismiss() {
    const shown = this.shown;
    this.show(null, false);
    if (shown && !shown.local) this.onDismiss();
  }

  /**
   * @param {PanelError | null} error
   * @param {boolean} local
   */
  show(error, local) {
    const message = error?.message ? String(error.message) : "";
    this.shown = error && message ? { error, local } : null;
    this.el.hidden = !message;
    this.messageEl.textContent = message;
    this.hintEl.textContent = message && error?.hint ? String(error.hint) : "";
    this.hintEl.hidden = !this.hintEl.textContent;
    this.retryButton.hidden = !(message && this.onRetry && error?.kind === RETRYABLE);
  }

  destroy() {
    this.destroyed = true;
  }
}
