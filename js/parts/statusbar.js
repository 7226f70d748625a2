// The status bar: server, web UI link, account, mode → destination, the token's countdown,
// Sign out, the paths summary, Python's busy label with Cancel, and "waiting for the
// server…" for requests that have had no reply for a while.

import { h, waitingNote, webLink } from "../dom.js";
import { describeExpiry, formatCount, plural } from "../format.js";
import { SIGNED_IN } from "../protocol.js";

/** @typedef {import("../protocol.js").Info} Info */
/** @typedef {import("../protocol.js").AuthState} AuthState */
/** @typedef {import("../protocol.js").PathsState} PathsState */

/** How often the "token 1 h 59 min" countdown is redrawn. */
export const EXPIRY_TICK_MS = 30000;
/** After this long, the busy label also says how long Python has been waiting. */
export const BUSY_NOTE_MS = 5000;

/**
 * @typedef {object} StatusState
 * @property {Partial<Info> | null} [info]
 * @property {AuthState | null} [auth]
 * @property {Partial<PathsState> | null} [paths]
 * @property {number} [selected] DIDs selected
 * @property {string | null} [busy] what Python is doing, or ""
 * @property {boolean} [signedOut] the sign-in form is shown
 */

export class StatusBar {
  /**
   * @param {object} opts
   * @param {() => void} opts.onSignOut
   * @param {() => void} opts.onCancel stop what Python is busy with
   */
  constructor({ onSignOut, onCancel }) {
    /** @type {Partial<Info>} */
    this.info = {};
    /** @type {AuthState} */
    this.auth = {};
    /** @type {Partial<PathsState>} */
    this.paths = {};
    this.selected = 0;
    this.signedOut = false;
    /** @type {ReturnType<typeof setInterval> | undefined} */
    this.expiryTimer = undefined;
    /** @type {Map<number, () => void>} requests waiting long for a reply, and their cancel */
    this.waits = new Map();
    /** What Python is busy with, and since when (ms), for "waiting for the server (20 s)". */
    this.busy = "";
    this.busySince = 0;
    /** @type {ReturnType<typeof setInterval> | undefined} */
    this.busyTimer = undefined;

    this.infoEl = h("span", { class: "rw-status-info" });
    this.expiryEl = h("span", { class: "rw-expiry", hidden: true });
    this.signOutButton = h(
      "button",
      {
        class: "rw-signout rw-link",
        type: "button",
        hidden: true,
        title: "Sign out of Rucio in this kernel",
        onclick: onSignOut,
      },
      "Sign out",
    );
    this.pathsEl = h("span", { class: "rw-status-paths" });
    this.waitingEl = h("span", { class: "rw-status-waiting", hidden: true });
    this.busyLabel = h("span", { class: "rw-busy-label" });
    this.busyEl = h(
      "span",
      { class: "rw-busy", hidden: true, "aria-live": "polite" },
      h("span", { class: "rw-spinner", "aria-hidden": "true" }),
      this.busyLabel,
      h("button", { class: "rw-cancel", type: "button", onclick: onCancel }, "Cancel"),
    );
    this.el = h(
      "div",
      { class: "rw-status" },
      this.infoEl,
      h("span", { class: "rw-status-auth" }, this.expiryEl, this.signOutButton),
      this.pathsEl,
      h("span", { class: "rw-grow" }),
      this.waitingEl,
      this.busyEl,
    );
    this.render();
  }

  /** @param {StatusState} state */
  update(state) {
    if (state.info !== undefined) this.info = state.info ?? {};
    if (state.auth !== undefined) this.auth = state.auth ?? {};
    if (state.paths !== undefined) this.paths = state.paths ?? {};
    if (state.selected !== undefined) this.selected = state.selected;
    if (state.signedOut !== undefined) this.signedOut = state.signedOut;
    if (state.busy !== undefined) this.setBusy(String(state.busy ?? ""));
    this.render();
    if (state.auth !== undefined) this.renderExpiry();
  }

  /**
   * Show what Python is busy with; past BUSY_NOTE_MS, how long it has waited (Python's
   * request_timeout ends the wait: the view never gives up first).
   * @param {string} busy
   */
  setBusy(busy) {
    if (busy && !this.busy) this.busySince = Date.now();
    this.busy = busy;
    this.busyEl.hidden = !busy;
    this.renderBusy();
    if (busy && this.busyTimer === undefined) {
      this.busyTimer = setInterval(() => this.renderBusy(), 1000);
    } else if (!busy) {
      clearInterval(this.busyTimer);
      this.busyTimer = undefined;
    }
  }

  renderBusy() {
    const waited = Date.now() - this.busySince;
    this.busyLabel.textContent =
      this.busy && waited >= BUSY_NOTE_MS
        ? `${this.busy} waiting for the server (${Math.floor(waited / 1000)} s)…`
        : this.busy;
  }

  /**
   * A request has waited long for its reply (cancel given), or has its reply (null).
   * @param {number} id
   * @param {(() => void) | null} cancel
   */
  waiting(id, cancel) {
    if (cancel) this.waits.set(id, cancel);
    else if (!this.waits.delete(id)) return;
    this.waitingEl.hidden = this.waits.size === 0;
    this.waitingEl.replaceChildren(
      ...(this.waits.size
        ? [
            waitingNote(() => {
              for (const stop of this.waits.values()) stop();
            }),
          ]
        : []),
    );
  }

  render() {
    const info = this.info;
    const account = info.account || this.auth.account;
    /** @type {Node[]} */
    const parts = [];
    if (info.server) {
      parts.push(
        h(
          "span",
          { class: "rw-status-server", title: `Rucio server ${info.server}` },
          String(info.server).replace(/^https?:\/\//, ""),
        ),
      );
    }
    const webui = webLink(info.webui, "rw-webui", `Rucio web UI: ${info.webui}`, "web UI");
    if (webui) parts.push(webui);
    if (account)
      parts.push(h("span", { class: "rw-status-account", title: "Rucio account" }, String(account)));
    if (info.mode) {
      const dest = info.destination ? ` → ${info.destination}` : "";
      const title = info.mode === "download" ? "Files are downloaded" : "Files are read from replicas";
      parts.push(h("span", { class: "rw-status-mode", title }, `${info.mode}${dest}`));
      if (info.read_only)
        parts.push(
          h(
            "span",
            { class: "rw-status-read-only", title: "Nothing here writes to Rucio or to disk" },
            "read-only",
          ),
        );
    }
    this.infoEl.replaceChildren(...parts);
    this.signOutButton.hidden = this.signedOut || this.auth.state !== SIGNED_IN;

    const paths = this.paths;
    const n = this.selected;
    const words = [n ? `${formatCount(n)} selected` : "nothing selected"];
    if (n && typeof paths.files === "number") words.push(plural(paths.files, "file"));
    if (n && typeof paths.available === "number")
      words.push(`${formatCount(paths.available)} ${paths.available === 1 ? "path" : "paths"} ready`);
    if (n && paths.pending) words.push(`${formatCount(paths.pending)} pending`);
    this.pathsEl.textContent = words.join(" · ");
  }

  /** Redraw the countdown, and keep its timer running only while there is one to show. */
  renderExpiry() {
    const expiry = this.auth.state ? describeExpiry(this.auth.expires_at) : null;
    const el = this.expiryEl;
    el.hidden = !expiry;
    el.textContent = expiry?.text ?? "";
    el.title = expiry?.title ?? "";
    el.classList.toggle("rw-expiry-warn", expiry?.level === "warn");
    el.classList.toggle("rw-expiry-expired", expiry?.level === "expired");
    if (expiry && this.expiryTimer === undefined) {
      this.expiryTimer = setInterval(() => this.renderExpiry(), EXPIRY_TICK_MS);
    } else if (!expiry) {
      this.stopTimer();
    }
  }

  stopTimer() {
    clearInterval(this.expiryTimer);
    this.expiryTimer = undefined;
  }

  destroy() {
    this.stopTimer();
    clearInterval(this.busyTimer);
    this.busyTimer = undefined;
    this.waits.clear();
  }
}
