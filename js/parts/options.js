// Options for "make available" in replica mode: where the rule goes, how long it lives,
// its grouping, whether it is asynchronous, its comment.  View-only state: nothing here is
// a synced trait, and the options apply only while the panel is open.  While open it shows
// the account's quota on the RSEs the rule would land on against the selection's size
// (asked again when the RSE expression or the selection changes), and when the request
// does not fit it offers to ask for approval, which needs a comment.

import { h, withCode } from "../dom.js";
import { formatBytes } from "../format.js";
import { GROUPINGS } from "../protocol.js";
import { isCancelled } from "../rpc.js";

/** @typedef {import("../protocol.js").MakeOptions} MakeOptions */
/** @typedef {import("../protocol.js").QuotasReply} QuotasReply */
/** @typedef {import("../protocol.js").QuotaInfo} QuotaInfo */
/** @typedef {import("../rpc.js").Invoker} Invoker */
/** @typedef {NonNullable<MakeOptions["grouping"]>} Grouping */

/** The quota is asked this long after the RSE expression (or the selection) last changed. */
export const QUOTA_DEBOUNCE_MS = 400;

const GROUPING_LIST = GROUPINGS;

/**
 * @typedef {object} OptionFields raw values of the form
 * @property {string} rse
 * @property {string} lifetime text of the number field ("" when empty)
 * @property {boolean} [badLifetime] the browser holds text it cannot read as a number
 * @property {string} grouping
 * @property {boolean} asynchronous
 * @property {string} comment
 * @property {boolean} [approval] "Ask for approval" is offered and checked
 */

/**
 * The options set in the form, or why they cannot be sent.  `options` is null when none
 * is set, so that the message keeps its plain shape.
 * `field` names the field to fix.
 * @param {OptionFields} f
 * @returns {{options: MakeOptions | null, error: string, field?: "lifetime" | "comment"}}
 */
export function collectOptions(f) {
  /** @type {MakeOptions} */
  const options = {};
  const rse = f.rse.trim();
  if (rse) options.rse_expression = rse;
  const lifetime = f.lifetime.trim();
  if (f.badLifetime || lifetime) {
    const days = Number(lifetime);
    if (f.badLifetime || !Number.isInteger(days) || days < 1) {
      return {
        options: null,
        error: "Lifetime: a whole number of days, 1 or more (empty: the default)",
        field: "lifetime",
      };
    }
    options.lifetime_days = days;
  }
  // The first grouping is Rucio's default and is never sent.
  const grouping = GROUPING_LIST.find((g) => g === f.grouping);
  if (grouping && grouping !== GROUPING_LIST[0]) options.grouping = grouping;
  if (f.asynchronous) options.asynchronous = true;
  const comment = f.comment.trim();
  if (comment) options.comment = comment;
  if (f.approval) {
    if (!comment) {
      return {
        options: null,
        error: "Asking for approval needs a comment: say why you need the data, for the administrator.",
        field: "comment",
      };
    }
    options.ask_approval = true;
  }
  return { options: Object.keys(options).length ? options : null, error: "" };
}

export class MakeOptionsPanel {
  /**
   * @param {string} uid unique prefix for element ids
   * @param {Invoker | null} [rpc] to ask for quotas (none: no quotas are shown)
   */
  constructor(uid, rpc = null) {
    const id = (/** @type {string} */ s) => `${uid}-opt-${s}`;
    this.rpc = rpc;
    this.open = false;
    this.download = false;
    this.readOnly = false;
    /** @type {{call: import("../rpc.js").Call<"quotas">} | null} the quota asked last */
    this.quota = null;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.quotaTimer = undefined;
    /** @type {number | undefined} DIDs selected, as last told */
    this.selected = undefined;
    const update = () => this.validate();

    this.toggle = h(
      "button",
      {
        class: "rw-make-options-toggle",
        type: "button",
        "aria-expanded": "false",
        "aria-controls": id("panel"),
        title: "Options for the replication rule: RSE expression, lifetime, grouping…",
        onclick: () => this.show(!this.open),
      },
      "Options",
    );
    this.rse = h("input", {
      class: "rw-opt-rse",
      id: id("rse"),
      type: "text",
      spellcheck: "false",
      autocomplete: "off",
      oninput: () => this.checkQuotaSoon(),
    });
    this.lifetime = h("input", {
      class: "rw-opt-lifetime",
      id: id("lifetime"),
      type: "number",
      min: "1",
      step: "1",
      inputmode: "numeric",
      placeholder: "default",
      "aria-describedby": id("error"),
      oninput: update,
    });
    this.grouping = h(
      "select",
      { class: "rw-opt-grouping", id: id("grouping") },
      GROUPING_LIST.map((g) => h("option", { value: g }, g)),
    );
    this.asynchronous = h("input", { class: "rw-opt-async", id: id("async"), type: "checkbox" });
    this.comment = h("input", {
      class: "rw-opt-comment",
      id: id("comment"),
      type: "text",
      placeholder: "rucio-widgets",
      autocomplete: "off",
      "aria-describedby": id("error"),
      oninput: update,
    });
    this.commentLabel = h("label", { for: id("comment") }, "Comment");
    this.approval = h("input", {
      class: "rw-opt-approval",
      id: id("approval"),
      type: "checkbox",
      onchange: () => this.syncApproval(),
    });
    this.approvalField = h(
      "span",
      { class: "rw-opt rw-opt-check rw-opt-approval-field", hidden: true },
      this.approval,
      h(
        "label",
        { for: id("approval"), title: "The rule waits until an administrator approves it" },
        "Ask for approval",
      ),
    );
    this.quotaEl = h("div", { class: "rw-quota", "aria-live": "polite" });
    this.errorEl = h("div", { class: "rw-opt-error", id: id("error"), "aria-live": "polite" });
    const field = (/** @type {string} */ key, /** @type {string} */ text, /** @type {Node} */ control) =>
      h("span", { class: "rw-opt" }, h("label", { for: id(key) }, text), control);
    this.el = h(
      "div",
      {
        class: "rw-make-options",
        id: id("panel"),
        role: "group",
        "aria-label": "Options for making data available",
        hidden: true,
      },
      field("rse", "RSE expression", this.rse),
      field("lifetime", "Lifetime (days)", this.lifetime),
      field("grouping", "Grouping", this.grouping),
      h(
        "span",
        { class: "rw-opt rw-opt-check" },
        this.asynchronous,
        h("label", { for: id("async") }, "Asynchronous"),
      ),
      h("span", { class: "rw-opt" }, this.commentLabel, this.comment),
      h(
        "button",
        {
          class: "rw-opt-reset rw-link",
          type: "button",
          title: "Back to the defaults",
          onclick: () => this.reset(),
        },
        "Reset",
      ),
      this.quotaEl,
      this.approvalField,
      this.errorEl,
    );
  }

  /** @param {boolean} open */
  show(open) {
    this.open = open;
    this.sync();
    if (open && !this.download) this.rse.focus();
    if (open) this.checkQuota();
    else this.stopQuota();
  }

  /**
   * Follow the `info` trait: the destination is the RSE field's placeholder, and the
   * options (rule options) do not apply in download mode; and the selection's size, for
   * the quota.
   * @param {{info?: Partial<import("../protocol.js").Info> | null, selected?: number}} state
   */
  update({ info, selected }) {
    if (info !== undefined) {
      this.download = info?.mode === "download";
      this.readOnly = !!info?.read_only;
      this.rse.placeholder = String(info?.destination || "destination");
      this.sync();
    }
    if (selected !== undefined && selected !== this.selected) {
      const before = this.selected;
      this.selected = selected;
      if (before !== undefined) this.checkQuotaSoon();
    }
  }

  sync() {
    this.toggle.hidden = this.download;
    this.el.hidden = this.download || !this.open;
    this.toggle.setAttribute("aria-expanded", String(this.open && !this.download));
  }

  reset() {
    for (const input of [this.rse, this.lifetime, this.comment]) input.value = "";
    this.grouping.value = GROUPING_LIST[0];
    this.asynchronous.checked = false;
    this.approval.checked = false;
    this.syncApproval();
    this.checkQuota();
  }

  fields() {
    return {
      rse: this.rse.value,
      lifetime: this.lifetime.value,
      badLifetime: !!this.lifetime.validity?.badInput,
      grouping: this.grouping.value,
      asynchronous: this.asynchronous.checked,
      comment: this.comment.value,
      approval: this.approval.checked && !this.approvalField.hidden,
    };
  }

  /** Mark the field that holds something that cannot be sent; returns it, or null. */
  validate() {
    const { error, field } = collectOptions(this.fields());
    this.errorEl.textContent = error;
    const bad = field === "comment" ? this.comment : field === "lifetime" ? this.lifetime : null;
    for (const input of [this.lifetime, this.comment]) {
      if (input === bad) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    }
    return bad;
  }

  /** Asking for approval makes the comment required: say so next to it. */
  syncApproval() {
    const needed = this.approval.checked && !this.approvalField.hidden;
    this.commentLabel.textContent = needed ? "Comment (required for approval)" : "Comment";
    this.comment.placeholder = needed ? "why you need the data" : "rucio-widgets";
    if (needed) this.comment.setAttribute("aria-required", "true");
    else this.comment.removeAttribute("aria-required");
    // Only an error already shown is updated; a missing comment is said when sending.
    if (this.errorEl.textContent || !needed) this.validate();
  }

  // --- quota -----------------------------------------------------------------------------

  /** Ask for the quota once the RSE expression (or the selection) stops changing. */
  checkQuotaSoon() {
    clearTimeout(this.quotaTimer);
    this.quotaTimer = undefined;
    if (!this.open) return;
    this.quotaTimer = setTimeout(() => this.checkQuota(), QUOTA_DEBOUNCE_MS);
  }

  /** Ask Python for the quotas of the RSEs the rule would land on, and whether it fits. */
  checkQuota() {
    this.stopQuota();
    if (!this.rpc || !this.open || this.download || this.readOnly) return;
    const rse = this.rse.value.trim();
    const entry = { call: this.rpc.invoke("quotas", rse ? { dids: [], rse_expression: rse } : { dids: [] }) };
    this.quota = entry;
    this.quotaEl.replaceChildren(h("span", { class: "rw-muted" }, "Checking your quota…"));
    entry.call.promise.then((reply) => {
      if (this.quota !== entry) return;
      this.quota = null;
      this.showQuota(reply);
    });
  }

  /** Give up the quota asked last, and the one about to be asked. */
  stopQuota() {
    clearTimeout(this.quotaTimer);
    this.quotaTimer = undefined;
    const entry = this.quota;
    this.quota = null;
    entry?.call.cancel();
  }

  /** @param {QuotasReply} reply */
  showQuota(reply) {
    if (reply.error) {
      const cancelled = isCancelled(reply.error);
      this.quotaEl.replaceChildren(
        ...(cancelled
          ? []
          : [
              h(
                "span",
                { class: "rw-quota-error" },
                ...withCode(String(reply.error.message || "Your quota could not be read.")),
                reply.error.hint ? ` ${reply.error.hint}` : "",
              ),
            ]),
      );
      this.setFits(true);
      return;
    }
    const size = reply.bytes;
    /** @param {QuotaInfo} q */
    const line = (q) => {
      const fits = q.remaining === null || size === null || q.remaining >= size;
      const text =
        q.limit === null
          ? `no limit (${formatBytes(q.used)} used)`
          : `${formatBytes(q.remaining ?? 0)} left of ${formatBytes(q.limit)} (${formatBytes(q.used)} used)`;
      return h(
        "span",
        { class: "rw-quota-rse", "data-rse": q.rse, "data-fits": String(fits) },
        h("code", {}, q.rse),
        `: ${text}`,
      );
    };
    const quotas = reply.quotas ?? [];
    this.quotaEl.replaceChildren(
      h(
        "span",
        { class: "rw-quota-size" },
        this.selected === 0 && !size
          ? "Nothing selected"
          : typeof size === "number"
            ? `Request: ${formatBytes(size)}`
            : "Request: size not known yet",
      ),
      ...(quotas.length
        ? quotas.map(line)
        : [h("span", { class: "rw-muted" }, `No quota on ${reply.rse_expression || "the destination"}`)]),
      ...(reply.fits
        ? []
        : [h("div", { class: "rw-quota-note", role: "alert" }, ...withCode(String(reply.note ?? "")))]),
    );
    this.setFits(!!reply.fits);
  }

  /**
   * Offer "Ask for approval" only while the request does not fit.
   * @param {boolean} fits
   */
  setFits(fits) {
    this.approvalField.hidden = fits;
    this.syncApproval();
  }

  /**
   * The options to send with make_available: null when the panel is closed, hidden
   * (download mode) or empty.  `error` is set, and the field focused, when they cannot
   * be sent: the caller then sends nothing.
   * @returns {{options: MakeOptions | null, error: string}}
   */
  read() {
    if (!this.open || this.download) return { options: null, error: "" };
    const result = collectOptions(this.fields());
    this.validate()?.focus();
    return result;
  }

  destroy() {
    this.stopQuota();
  }
}
