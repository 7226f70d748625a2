// The Rules pane: the account's replication rules, newest first, a page at a time; filtered
// by state (chips with Python's counts) and by text (debounced); live while open (it asks
// with watch: true and applies rules_changed messages).  Per rule: extend the lifetime,
// boost (stuck), delete (confirmed first), examine (stuck), show in the browser, the web UI
// link.  Its requests' errors show in place, by the list or by the rule they concern.

import { ICON_CLOSE, didParts, h, icon, isPlainEnter, ruleStateBadge, waitingNote, webLink } from "../dom.js";
import { describeLifetime, describeRuleState, formatCount, formatTime, plural } from "../format.js";
import { MSG_RULES_CHANGED, RULES_PAGE_SIZE, RULE_STATES } from "../protocol.js";
import { isCancelled } from "../rpc.js";

/** @typedef {import("../rpc.js").Invoker} Invoker */
/** @typedef {import("../protocol.js").PanelError} PanelError */
/** @typedef {import("../protocol.js").RuleInfo} RuleInfo */
/** @typedef {import("../protocol.js").RuleAction} RuleAction */
/** @typedef {import("../protocol.js").RulesChangedMessage} RulesChangedMessage */

/** The text filter is sent this long after the last keystroke (Enter sends at once). */
export const TEXT_DEBOUNCE_MS = 300;
/** What the days field of "Extend" holds at first. */
export const DEFAULT_DAYS = 30;
/** The longest lifetime Python accepts (model/rules.py MAX_EXTEND_DAYS). */
export const MAX_DAYS = 3650;
export const SOFT_DELETE =
  "Rucio deletes softly: the rule expires within the hour, then its replicas may be cleaned up.";

/** @type {Record<RuleAction, string>} */
const BUSY_WORDS = { extend: "Extending…", boost: "Boosting…", delete: "Deleting…", examine: "Examining…" };

/**
 * What the view keeps of one rule's row (UI state only).
 * @typedef {object} RowUi
 * @property {string} days text of the days field
 * @property {boolean} badDays the days field holds what cannot be sent
 * @property {RuleAction | null} busy the action in flight
 * @property {boolean} confirming Delete was pressed, not yet confirmed
 * @property {boolean} deleted Rucio has the deletion
 * @property {string} note what the last action did
 * @property {PanelError | null} error why the last action failed
 * @property {string | null} examine Rucio's analysis, while shown
 */

/**
 * The listing request in flight.
 * @typedef {object} Listing
 * @property {import("../rpc.js").Call<"rules">} call
 * @property {number} offset
 * @property {boolean} waiting no reply for WAITING_MS
 * @property {boolean} cancelling the user pressed Cancel
 */

/**
 * @typedef {object} RulesState
 * @property {boolean} [readOnly] nothing that writes is offered
 * @property {boolean} [signedOut] the sign-in form is shown
 */

/**
 * Focus `target` when it can take focus, else `fallback`.
 * @param {HTMLElement} fallback
 * @param {Element | null} target
 */
function refocus(fallback, target) {
  const disabled =
    target instanceof HTMLButtonElement || target instanceof HTMLInputElement ? target.disabled : false;
  if (target instanceof HTMLElement && !disabled) target.focus();
  else fallback.focus();
}

export class RulesPane {
  /**
   * @param {object} opts
   * @param {string} opts.uid unique prefix for element ids
   * @param {Invoker} opts.rpc
   * @param {(did: string) => void} opts.onShow search a DID in the browser and select it
   * @param {(open: boolean) => void} opts.onToggle the pane opened or closed
   */
  constructor({ uid, rpc, onShow, onToggle }) {
    this.rpc = rpc;
    this.onShow = onShow;
    this.onToggle = onToggle;
    this.isOpen = false;
    this.readOnly = false;
    this.signedOut = false;
    /** @type {string} the state filter, "" for all */
    this.stateFilter = "";
    /** @type {string} the text filter as last sent */
    this.text = "";
    /** @type {RuleInfo[]} */
    this.rows = [];
    this.total = 0;
    /** @type {Record<string, number>} */
    this.counts = {};
    this.loaded = false;
    /** @type {Listing | null} */
    this.listing = null;
    /** @type {PanelError | null} */
    this.listError = null;
    /** @type {Map<string, RowUi>} */
    this.ui = new Map();
    /** @type {Map<string, HTMLElement>} */
    this.rowEls = new Map();
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.debounce = undefined;

    const paneId = `${uid}-rules`;
    this.toggle = h(
      "button",
      {
        class: "rw-rules-toggle",
        type: "button",
        "aria-expanded": "false",
        "aria-controls": paneId,
        title: "Your replication rules: state, locks, expiry; extend, boost or delete them",
        onclick: () => this.show(!this.isOpen),
      },
      "Rules",
    );
    this.countEl = h("span", { class: "rw-rules-count", "aria-live": "polite" });
    this.chipsEl = h("div", { class: "rw-rules-chips", role: "group", "aria-label": "Filter by state" });
    this.textInput = h("input", {
      class: "rw-rules-text",
      type: "text",
      placeholder: "Filter by DID or RSE expression",
      "aria-label": "Filter rules by DID or RSE expression",
      spellcheck: "false",
      autocomplete: "off",
      oninput: () => this.onTextInput(),
      onkeydown: (/** @type {KeyboardEvent} */ e) => {
        if (!isPlainEnter(e)) return;
        e.preventDefault();
        this.sendText();
      },
    });
    this.statusEl = h("div", { class: "rw-rules-status", "aria-live": "polite" });
    this.listEl = h("ul", { class: "rw-rules-list", "aria-label": "Rules, newest first" });
    this.moreButton = h(
      "button",
      {
        class: "rw-rules-more",
        type: "button",
        hidden: true,
        onclick: () => this.fetch(this.rows.length),
      },
      "Show more",
    );
    this.el = h(
      "section",
      { class: "rw-rules", id: paneId, hidden: true, "aria-label": "Replication rules" },
      h(
        "header",
        { class: "rw-rules-header" },
        h("h3", { class: "rw-rules-title" }, "Your rules"),
        this.countEl,
        h("span", { class: "rw-grow" }),
        h(
          "button",
          {
            class: "rw-rules-close rw-icon-button",
            type: "button",
            "aria-label": "Close the rules",
            title: "Back to the browser",
            onclick: () => this.show(false),
          },
          icon(ICON_CLOSE),
        ),
      ),
      h("div", { class: "rw-rules-filters" }, this.chipsEl, this.textInput),
      this.statusEl,
      this.listEl,
      this.moreButton,
    );
  }

  /** @param {RulesState} state */
  update(state) {
    if (state.signedOut !== undefined) {
      this.signedOut = state.signedOut;
      this.toggle.disabled = state.signedOut;
      if (state.signedOut) this.show(false);
    }
    if (state.readOnly !== undefined && state.readOnly !== this.readOnly) {
      this.readOnly = state.readOnly;
      if (this.isOpen) this.renderList();
    }
  }

  /**
   * Open (the first page, watched) or close (watching stops).
   * @param {boolean} open
   */
  show(open) {
    if (open === this.isOpen || (open && this.signedOut)) return;
    this.isOpen = open;
    this.el.hidden = !open;
    this.toggle.setAttribute("aria-expanded", String(open));
    clearTimeout(this.debounce);
    this.debounce = undefined;
    if (open) {
      this.fetch(0);
      this.textInput.focus();
    } else {
      // The watch ends once the listing in flight is answered: Python answers a request
      // after its work, so a page still being read cannot start the watch again after it.
      const pending = this.listing;
      this.stopListing();
      if (pending) pending.call.promise.then(() => this.unwatch());
      else this.unwatch();
      this.rows = [];
      this.ui.clear();
      this.loaded = false;
      this.listError = null;
      this.render();
    }
    this.onToggle(open);
  }

  /** Tell Python to stop watching: a rules request without watch (its reply is not used). */
  unwatch() {
    this.rpc.invoke("rules", { offset: 0, limit: 1 });
  }

  // --- the listing -----------------------------------------------------------------------

  /** @param {number} offset 0: from the start (filters changed, opened, retried) */
  fetch(offset) {
    this.stopListing();
    this.listError = null;
    /** @type {import("../rpc.js").Payload<"rules">} */
    const payload = { offset, limit: RULES_PAGE_SIZE, watch: true };
    if (this.stateFilter) payload.state = this.stateFilter;
    if (this.text) payload.text = this.text;
    /** @type {Listing} */
    const listing = {
      offset,
      waiting: false,
      cancelling: false,
      call: this.rpc.invoke("rules", payload, {
        onWaiting: () => {
          listing.waiting = true;
          if (this.listing === listing) this.render();
        },
      }),
    };
    this.listing = listing;
    listing.call.promise.then((reply) => {
      if (this.listing !== listing) return;
      this.listing = null;
      if (reply.error) {
        if (offset === 0) this.rows = [];
        this.listError = isCancelled(reply.error)
          ? { message: "Cancelled.", hint: "", kind: reply.error.kind }
          : reply.error;
      } else {
        this.receive(offset, reply.rows ?? [], reply.total, reply.counts);
      }
      this.render();
    });
    this.render();
  }

  /** Give up the listing in flight, if any. */
  stopListing() {
    const listing = this.listing;
    this.listing = null;
    listing?.call.cancel();
  }

  /**
   * A page of rules: the first replaces what is shown, a later one adds to it.
   * @param {number} offset
   * @param {RuleInfo[]} rows
   * @param {number} total
   * @param {Record<string, number>} counts
   */
  receive(offset, rows, total, counts) {
    if (offset === 0) {
      const ids = new Set(rows.map((r) => r.id));
      for (const id of [...this.ui.keys()]) if (!ids.has(id)) this.ui.delete(id);
      this.rows = [...rows];
    } else {
      // New rules push older ones down a page: skip those already shown.
      const shown = new Set(this.rows.map((r) => r.id));
      this.rows = [...this.rows, ...rows.filter((r) => !shown.has(r.id))];
    }
    this.total = typeof total === "number" ? total : this.rows.length;
    this.counts = counts && typeof counts === "object" ? { ...counts } : {};
    this.loaded = true;
  }

  /**
   * A message from Python: rules of the watched page that changed.
   * @param {unknown} msg
   */
  onMessage(msg) {
    const m = /** @type {Partial<RulesChangedMessage> | null} */ (
      msg && typeof msg === "object" ? msg : null
    );
    if (!this.isOpen || m?.type !== MSG_RULES_CHANGED || !Array.isArray(m.rules)) return;
    let any = false;
    for (const rule of m.rules) if (rule && this.replace(rule)) any = true;
    if (any) this.renderChips();
  }

  /**
   * Show a rule's new state where it is listed (a rule not listed is ignored).
   * @param {RuleInfo} rule
   * @returns {boolean} whether it was listed
   */
  replace(rule) {
    const i = this.rows.findIndex((r) => r.id === rule.id);
    if (i < 0) return false;
    const old = this.rows[i];
    if (old.state !== rule.state) {
      if (this.counts[old.state]) this.counts[old.state] -= 1;
      this.counts[rule.state] = (this.counts[rule.state] ?? 0) + 1;
    }
    this.rows[i] = rule;
    this.renderRow(rule);
    return true;
  }

  // --- filters ---------------------------------------------------------------------------

  /** @param {string} state "" for all */
  setState(state) {
    this.stateFilter = state === this.stateFilter ? "" : state;
    this.fetch(0);
  }

  onTextInput() {
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => this.sendText(), TEXT_DEBOUNCE_MS);
  }

  sendText() {
    clearTimeout(this.debounce);
    this.debounce = undefined;
    const text = this.textInput.value.trim();
    if (text === this.text) return;
    this.text = text;
    this.fetch(0);
  }

  // --- actions ---------------------------------------------------------------------------

  /** @param {string} id */
  uiOf(id) {
    let ui = this.ui.get(id);
    if (!ui) {
      ui = {
        days: String(DEFAULT_DAYS),
        badDays: false,
        busy: null,
        confirming: false,
        deleted: false,
        note: "",
        error: null,
        examine: null,
      };
      this.ui.set(id, ui);
    }
    return ui;
  }

  /**
   * Ask Python to act on a rule: one action at a time per rule, a second click sends nothing.
   * @param {RuleInfo} rule
   * @param {RuleAction} action
   */
  act(rule, action) {
    const ui = this.uiOf(rule.id);
    if (ui.busy || (this.readOnly && action !== "examine") || (ui.deleted && action === "delete")) return;
    /** @type {import("../rpc.js").Payload<"rule_action">} */
    const payload = { rule_id: rule.id, action };
    if (action === "extend") {
      const days = Number(ui.days.trim());
      ui.badDays = !ui.days.trim() || !Number.isInteger(days) || days < 1 || days > MAX_DAYS;
      if (ui.badDays) {
        ui.note = "";
        ui.error = { message: `Lifetime: whole days, 1 to ${formatCount(MAX_DAYS)}.`, hint: "", kind: "" };
        this.renderRow(rule, "rw-rule-days");
        return;
      }
      payload.days = days;
    }
    ui.busy = action;
    ui.confirming = false;
    ui.note = "";
    ui.error = null;
    const call = this.rpc.invoke("rule_action", payload);
    this.renderRow(rule);
    call.promise.then((reply) => {
      if (this.ui.get(rule.id) !== ui) return; // the pane was closed or the rule left the list
      ui.busy = null;
      if (reply.error) {
        ui.error = reply.error;
      } else {
        ui.note = String(reply.note ?? "");
        if (action === "examine") ui.examine = String(reply.examine ?? "");
        if (action === "delete") ui.deleted = true;
      }
      const after = !reply.error && reply.rule ? reply.rule : null;
      const current = this.rows.find((r) => r.id === rule.id);
      if (after && after.id === rule.id) {
        this.replace(after);
        this.renderChips();
      } else if (current) {
        this.renderRow(current);
      }
    });
  }

  // --- rendering -------------------------------------------------------------------------

  render() {
    this.renderChips();
    this.renderStatus();
    this.renderList();
  }

  renderChips() {
    const active = document.activeElement;
    const focused =
      active instanceof HTMLElement && this.chipsEl.contains(active) ? active.dataset.state : null;
    const all = Object.values(this.counts).reduce((a, b) => a + (Number(b) || 0), 0);
    /** @param {string} state @param {string} label @param {number} n @param {string} title */
    const chip = (state, label, n, title) =>
      h(
        "button",
        {
          class: "rw-rules-chip",
          type: "button",
          "data-state": state || "ALL",
          "aria-pressed": String(this.stateFilter === state),
          title,
          onclick: () => this.setState(state),
        },
        label,
        h("span", { class: "rw-rules-chip-count" }, formatCount(n)),
      );
    this.chipsEl.replaceChildren(
      ...(this.loaded ? [chip("", "All", all, "Every rule of yours")] : []),
      ...RULE_STATES.filter((s) => (this.counts[s] ?? 0) > 0 || s === this.stateFilter).map((s) => {
        const { text, title } = describeRuleState(s);
        return chip(s, text, this.counts[s] ?? 0, title);
      }),
    );
    if (focused) refocus(this.textInput, this.chipsEl.querySelector(`[data-state="${focused}"]`));
    const filtered = !!(this.stateFilter || this.text);
    this.countEl.textContent = this.loaded
      ? `${plural(this.total, "rule")}${filtered ? " match" : ""}${
          this.rows.length < this.total ? ` · ${formatCount(this.rows.length)} shown` : ""
        }`
      : "";
  }

  renderStatus() {
    const listing = this.listing;
    /** @type {Array<Node | string | null>} */
    let parts = [];
    if (listing && (listing.offset === 0 || !this.loaded)) {
      parts = [
        h("span", { class: "rw-muted" }, listing.cancelling ? "Cancelling…" : "Loading rules…"),
        listing.waiting && !listing.cancelling ? waitingNote(() => this.cancelListing()) : null,
      ];
    } else if (listing?.waiting && !listing.cancelling) {
      parts = [waitingNote(() => this.cancelListing())];
    } else if (this.listError) {
      const cancelled = isCancelled(this.listError);
      parts = [
        h(
          "p",
          { class: cancelled ? "rw-rules-error rw-muted" : "rw-rules-error" },
          String(this.listError.message || "The rules could not be read."),
        ),
        !cancelled && this.listError.hint ? h("p", { class: "rw-rules-hint" }, this.listError.hint) : null,
        h(
          "button",
          { class: "rw-rules-retry rw-link", type: "button", onclick: () => this.fetch(this.rows.length) },
          "Retry",
        ),
      ];
    } else if (this.loaded && !this.rows.length) {
      parts = [
        h(
          "p",
          { class: "rw-muted rw-rules-empty" },
          this.stateFilter || this.text ? "No rules match these filters." : "You have no rules.",
        ),
      ];
    }
    this.statusEl.replaceChildren(...parts.filter((p) => p !== null));
    const more = this.loaded && !this.listError && this.rows.length < this.total;
    const loadingMore = !!listing && listing.offset > 0;
    this.moreButton.hidden = !more && !loadingMore;
    this.moreButton.disabled = loadingMore;
    this.moreButton.textContent = loadingMore ? "Loading…" : "Show more";
  }

  cancelListing() {
    const listing = this.listing;
    if (!listing) return;
    listing.cancelling = true;
    listing.call.cancel();
    this.renderStatus();
  }

  renderList() {
    this.rowEls.clear();
    this.listEl.replaceChildren(
      ...this.rows.map((rule) => {
        const el = this.rowEl(rule);
        this.rowEls.set(rule.id, el);
        return el;
      }),
    );
  }

  /**
   * Draw one rule's row again, where it is, keeping the focus on the same control.
   * @param {RuleInfo} rule
   * @param {string} [focusClass] focus this control instead
   */
  renderRow(rule, focusClass) {
    const old = this.rowEls.get(rule.id);
    if (!old) return;
    const active = document.activeElement;
    const hadFocus = active instanceof HTMLElement && old.contains(active);
    const el = this.rowEl(rule);
    old.replaceWith(el);
    this.rowEls.set(rule.id, el);
    if (!focusClass && !hadFocus) return;
    const cls = focusClass || (active instanceof HTMLElement ? active.classList[0] : "");
    refocus(el, cls ? el.querySelector(`.${cls}`) : null);
  }

  /**
   * @param {RuleInfo} rule
   * @returns {HTMLElement}
   */
  rowEl(rule) {
    const ui = this.uiOf(rule.id);
    const expiry = describeLifetime(rule.expires_at);
    const created = formatTime(rule.created_at);
    const writes = !this.readOnly && !ui.deleted;
    const stuck = rule.state === "STUCK";
    const busy = ui.busy !== null;
    /**
     * @param {string} cls
     * @param {RuleAction} action
     * @param {string} label
     * @param {string} title
     */
    const actionButton = (cls, action, label, title) =>
      h(
        "button",
        { class: cls, type: "button", title, disabled: busy, onclick: () => this.act(rule, action) },
        ui.busy === action ? BUSY_WORDS[action] : label,
      );
    const days = h("input", {
      class: "rw-rule-days",
      type: "number",
      min: "1",
      max: String(MAX_DAYS),
      step: "1",
      inputmode: "numeric",
      value: ui.days,
      disabled: busy,
      "aria-label": "New lifetime in days, from now",
      "aria-invalid": ui.badDays ? "true" : null,
      oninput: () => {
        ui.days = days.value;
      },
      onkeydown: (/** @type {KeyboardEvent} */ e) => {
        if (!isPlainEnter(e)) return;
        e.preventDefault();
        this.act(rule, "extend");
      },
    });
    const message = ui.error
      ? h(
          "div",
          { class: "rw-rule-note rw-rule-failed", role: "alert" },
          String(ui.error.message || "That did not work."),
          ui.error.hint ? h("span", { class: "rw-rule-hint" }, ` ${ui.error.hint}`) : null,
        )
      : ui.note
        ? h("div", { class: "rw-rule-note", role: "status" }, ui.note)
        : null;
    return h(
      "li",
      {
        class: ui.deleted ? "rw-rule rw-rule-deleted" : "rw-rule",
        "data-rule-id": rule.id,
        "data-state": rule.state,
        tabindex: "-1",
      },
      h(
        "div",
        { class: "rw-rule-head" },
        ruleStateBadge(rule.state),
        h("span", { class: "rw-rule-did", title: rule.did }, didParts(String(rule.did ?? ""))),
        h("code", { class: "rw-rule-rse", title: "RSE expression" }, String(rule.rse_expression ?? "")),
        webLink(rule.url, "rw-webui-rule", `Open rule ${rule.id} in the Rucio web UI`, "web UI"),
      ),
      h(
        "div",
        { class: "rw-rule-facts" },
        h(
          "span",
          { class: "rw-rule-locks", title: "Locks: OK / replicating / stuck" },
          `locks ${formatCount(rule.locks_ok ?? 0)} OK · ${formatCount(rule.locks_replicating ?? 0)} replicating · ${formatCount(rule.locks_stuck ?? 0)} stuck`,
        ),
        created ? h("span", { class: "rw-rule-created" }, `created ${created}`) : null,
        h(
          "span",
          { class: "rw-rule-expires", "data-level": expiry.level, title: expiry.title },
          expiry.level === "never" || expiry.level === "expired" ? expiry.text : `expires ${expiry.text}`,
        ),
        rule.comment ? h("span", { class: "rw-rule-comment", title: "Comment" }, `“${rule.comment}”`) : null,
      ),
      rule.error || stuck
        ? h(
            "div",
            { class: "rw-rule-error" },
            rule.error ? h("span", {}, String(rule.error)) : null,
            stuck
              ? actionButton(
                  "rw-rule-examine rw-link",
                  "examine",
                  "Examine",
                  "Ask Rucio why the rule is stuck",
                )
              : null,
          )
        : null,
      ui.examine !== null
        ? h(
            "div",
            { class: "rw-rule-examine-out" },
            h("pre", { class: "rw-rule-examine-text" }, ui.examine),
            h(
              "button",
              {
                class: "rw-rule-examine-hide rw-link",
                type: "button",
                onclick: () => {
                  ui.examine = null;
                  this.renderRow(rule);
                },
              },
              "Hide",
            ),
          )
        : null,
      h(
        "div",
        { class: "rw-rule-actions" },
        writes
          ? [
              h("span", { class: "rw-rule-extend-group" }, days, " days "),
              actionButton(
                "rw-rule-extend",
                "extend",
                "Extend",
                "Set the rule's lifetime to this many days from now",
              ),
              stuck
                ? actionButton("rw-rule-boost", "boost", "Boost", "Ask Rucio to retry the stuck locks soon")
                : null,
              ui.confirming
                ? null
                : h(
                    "button",
                    {
                      class: "rw-rule-delete",
                      type: "button",
                      disabled: busy,
                      title: "Delete the rule (you are asked first)",
                      onclick: () => {
                        if (ui.busy) return;
                        ui.confirming = true;
                        ui.note = "";
                        ui.error = null;
                        this.renderRow(rule, "rw-rule-delete-keep");
                      },
                    },
                    ui.busy === "delete" ? BUSY_WORDS.delete : "Delete…",
                  ),
            ]
          : null,
        h(
          "button",
          {
            class: "rw-rule-show rw-link",
            type: "button",
            title: "Search this DID in the browser and select it",
            onclick: () => this.onShow(rule.did),
          },
          "Show in browser",
        ),
      ),
      ui.confirming && writes
        ? h(
            "div",
            { class: "rw-rule-confirm", role: "alertdialog", "aria-label": "Delete the rule?" },
            h("p", {}, `Delete the rule on ${rule.did} at ${rule.rse_expression}? ${SOFT_DELETE}`),
            h(
              "button",
              {
                class: "rw-rule-delete-confirm rw-danger",
                type: "button",
                disabled: busy,
                onclick: () => this.act(rule, "delete"),
              },
              "Delete rule",
            ),
            h(
              "button",
              {
                class: "rw-rule-delete-keep",
                type: "button",
                onclick: () => {
                  ui.confirming = false;
                  this.renderRow(rule, "rw-rule-delete");
                },
              },
              "Keep it",
            ),
          )
        : null,
      message,
    );
  }

  destroy() {
    clearTimeout(this.debounce);
    this.debounce = undefined;
    if (this.isOpen) {
      this.stopListing();
      this.unwatch();
    }
    this.isOpen = false;
    this.ui.clear();
  }
}
