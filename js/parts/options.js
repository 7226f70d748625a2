// Options for "make available" in replica mode: where the rule goes, how long it lives,
// its grouping, whether it is asynchronous, its comment.  View-only state: nothing here is
// a synced trait, and the options apply only while the panel is open.

import { h } from "../dom.js";
import { GROUPINGS } from "../protocol.js";

/** @typedef {import("../protocol.js").MakeOptions} MakeOptions */
/** @typedef {NonNullable<MakeOptions["grouping"]>} Grouping */

const GROUPING_LIST = GROUPINGS;

/**
 * @typedef {object} OptionFields raw values of the form
 * @property {string} rse
 * @property {string} lifetime text of the number field ("" when empty)
 * @property {boolean} [badLifetime] the browser holds text it cannot read as a number
 * @property {string} grouping
 * @property {boolean} asynchronous
 * @property {string} comment
 */

/**
 * The options set in the form, or why they cannot be sent.  `options` is null when none
 * is set, so that the message keeps its plain shape.
 * @param {OptionFields} f
 * @returns {{options: MakeOptions | null, error: string}}
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
      return { options: null, error: "Lifetime: a whole number of days, 1 or more (empty: the default)" };
    }
    options.lifetime_days = days;
  }
  // The first grouping is Rucio's default and is never sent.
  const grouping = GROUPING_LIST.find((g) => g === f.grouping);
  if (grouping && grouping !== GROUPING_LIST[0]) options.grouping = grouping;
  if (f.asynchronous) options.asynchronous = true;
  const comment = f.comment.trim();
  if (comment) options.comment = comment;
  return { options: Object.keys(options).length ? options : null, error: "" };
}

export class MakeOptionsPanel {
  /** @param {string} uid unique prefix for element ids */
  constructor(uid) {
    const id = (/** @type {string} */ s) => `${uid}-opt-${s}`;
    this.open = false;
    this.download = false;
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
    });
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
      field("comment", "Comment", this.comment),
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
      this.errorEl,
    );
  }

  /** @param {boolean} open */
  show(open) {
    this.open = open;
    this.sync();
    if (open && !this.download) this.rse.focus();
  }

  /**
   * Follow the `info` trait: the destination is the RSE field's placeholder, and the
   * options (rule options) do not apply in download mode.
   * @param {{info?: Partial<import("../protocol.js").Info> | null}} state
   */
  update({ info }) {
    if (info === undefined) return;
    this.download = info?.mode === "download";
    this.rse.placeholder = String(info?.destination || "destination");
    this.sync();
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
    this.validate();
  }

  fields() {
    return {
      rse: this.rse.value,
      lifetime: this.lifetime.value,
      badLifetime: !!this.lifetime.validity?.badInput,
      grouping: this.grouping.value,
      asynchronous: this.asynchronous.checked,
      comment: this.comment.value,
    };
  }

  /** Mark the lifetime field while it holds something that cannot be sent. */
  validate() {
    const { error } = collectOptions(this.fields());
    this.errorEl.textContent = error;
    if (error) this.lifetime.setAttribute("aria-invalid", "true");
    else this.lifetime.removeAttribute("aria-invalid");
    return error;
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
    if (this.validate()) this.lifetime.focus();
    return result;
  }

  destroy() {}
}
