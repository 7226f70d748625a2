// The filters panel: a form of OR groups of AND conditions, and the same expression as
// text, kept in step.  The text is read leniently while it is typed (a trailing "," is
// fine) and strictly when a search is sent: a refusal then shows the error under the
// field, opens the panel, focuses the field, and the search is not sent.

import { ICON_CLOSE, h, icon, isPlainEnter } from "../dom.js";
import { COMMON_KEYS, OPERATORS, countConditions, formatFilters, parseFilters } from "../filters.js";

/** @typedef {import("../filters.js").FilterGroups} FilterGroups */
/** @typedef {import("../filters.js").Condition} Condition */

/** @returns {Condition} */
const blankCondition = () => ({ key: "", op: "=", value: "" });

export class FilterForm {
  /**
   * @param {object} opts
   * @param {string} opts.uid prefix of element ids
   * @param {() => void} opts.onEnter Enter in a field: search
   * @param {(state: {open: boolean, count: number}) => void} opts.onChange shown, hidden, or
   *   the number of conditions changed
   */
  constructor({ uid, onEnter, onChange }) {
    this.uid = uid;
    this.onChange = onChange;
    /** @type {FilterGroups} */
    this.groups = [[blankCondition()]];
    this.open = false;
    this.onKey = (/** @type {KeyboardEvent} */ e) => {
      if (!isPlainEnter(e)) return;
      e.preventDefault();
      e.stopPropagation();
      onEnter();
    };
    const id = (/** @type {string} */ s) => `${uid}-${s}`;
    this.id = id("filters");
    this.form = h("div", { class: "rw-filter-form" });
    this.text = h("input", {
      class: "rw-filter-text",
      id: id("filter-text"),
      type: "text",
      spellcheck: "false",
      autocomplete: "off",
      placeholder: "datatype=AOD,run_number>=300000;datatype=RAW",
      "aria-describedby": id("filter-error"),
      oninput: () => this.onTextInput(),
      onkeydown: this.onKey,
    });
    this.errorEl = h("div", { class: "rw-filter-error", id: id("filter-error"), "aria-live": "polite" });
    this.el = h(
      "div",
      { class: "rw-filters", id: this.id, hidden: true },
      h(
        "datalist",
        { id: id("keys") },
        COMMON_KEYS.map((k) => h("option", { value: k })),
      ),
      this.form,
      h(
        "div",
        { class: "rw-filter-textrow" },
        h("label", { for: id("filter-text") }, "Expression"),
        this.text,
      ),
      this.errorEl,
      h(
        "div",
        { class: "rw-filter-help" },
        "Conditions in a group must all match; any one group may match. Text: ",
        h("code", {}, ","),
        " for AND, ",
        h("code", {}, ";"),
        " for OR, ranges as ",
        h("code", {}, "1<events<5"),
        ", quotes for text with , ; < > = ! in it: ",
        h("code", {}, 'name="a,b"'),
        ".",
      ),
    );
    this.renderForm();
  }

  /**
   * Follow the `filters` trait.
   * @param {{filters?: string | null}} state
   */
  update({ filters }) {
    if (filters === undefined) return;
    const text = String(filters ?? "");
    if (text === this.text.value) return;
    this.text.value = text;
    this.onTextInput();
  }

  /** @param {boolean} open */
  show(open) {
    this.open = open;
    this.el.hidden = !open;
    this.changed();
  }

  /**
   * The filter text to send with a search, or null when it is refused: the panel then
   * opens and says why.
   * @returns {string | null}
   */
  read() {
    const text = this.text.value.trim();
    const parsed = parseFilters(text, { strict: true });
    if (parsed.error !== null) {
      this.show(true);
      this.showError(parsed.error);
      this.text.focus();
      return null;
    }
    this.showError("");
    return text;
  }

  /** The text was typed: rebuild the form from it, unless it cannot be read yet. */
  onTextInput() {
    const parsed = parseFilters(this.text.value);
    if (parsed.error !== null) {
      this.showError(parsed.error);
      return;
    }
    this.showError("");
    this.groups = parsed.groups.length ? parsed.groups : [[blankCondition()]];
    this.renderForm();
  }

  /** The form changed: write the text. */
  onFormInput() {
    this.text.value = formatFilters(this.groups);
    this.showError("");
  }

  /** @param {string} message */
  showError(message) {
    this.errorEl.textContent = message;
    if (message) this.text.setAttribute("aria-invalid", "true");
    else this.text.removeAttribute("aria-invalid");
    this.changed();
  }

  /** Complete conditions in the text, for the "Filters (n)" label. */
  count() {
    const parsed = parseFilters(this.text.value);
    return parsed.groups ? countConditions(parsed.groups) : 0;
  }

  changed() {
    this.onChange({ open: this.open, count: this.count() });
  }

  renderForm() {
    const groups = this.groups;
    /** @type {HTMLElement[]} */
    const nodes = [];
    groups.forEach((group, gi) => {
      if (gi > 0) nodes.push(h("div", { class: "rw-filter-or" }, "or"));
      const rows = group.map((cond, ri) => this.conditionRow(groups, group, cond, gi, ri));
      const addRow = h(
        "button",
        {
          class: "rw-filter-add-row rw-link",
          type: "button",
          onclick: () => {
            group.push(blankCondition());
            this.renderForm();
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
          this.renderForm();
          this.focusLastCondition(groups.length - 1);
        },
      },
      "+ or group",
    );
    this.form.replaceChildren(...nodes, addGroup);
    this.changed();
  }

  /**
   * One condition of the form: key, operator, value, remove.
   * @param {FilterGroups} groups
   * @param {Condition[]} group
   * @param {Condition} cond
   * @param {number} gi
   * @param {number} ri
   */
  conditionRow(groups, group, cond, gi, ri) {
    const field = (
      /** @type {string} */ cls,
      /** @type {string} */ placeholder,
      /** @type {string} */ label,
    ) =>
      h("input", {
        class: cls,
        type: "text",
        placeholder,
        "aria-label": label,
        spellcheck: "false",
        autocomplete: "off",
        onkeydown: this.onKey,
      });
    const key = field("rw-filter-key", "key", "Metadata key");
    key.setAttribute("list", `${this.uid}-keys`);
    key.value = cond.key;
    key.addEventListener("input", () => {
      cond.key = key.value;
      this.onFormInput();
    });
    const op = h(
      "select",
      { class: "rw-filter-op", "aria-label": "Operator" },
      OPERATORS.map((o) => h("option", { value: o }, o)),
    );
    op.value = cond.op;
    op.addEventListener("change", () => {
      const picked = OPERATORS.find((o) => o === op.value);
      if (picked) cond.op = picked;
      this.onFormInput();
    });
    const value = field("rw-filter-value", "value", "Value");
    value.value = cond.value;
    value.addEventListener("input", () => {
      cond.value = value.value;
      this.onFormInput();
    });
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
          this.renderForm();
          this.onFormInput();
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
  }

  /** @param {number} gi */
  focusLastCondition(gi) {
    const group = this.form.querySelectorAll(".rw-filter-group")[gi];
    const keys = group?.querySelectorAll("input.rw-filter-key");
    const last = keys?.[keys.length - 1];
    if (last instanceof HTMLElement) last.focus();
  }

  destroy() {}
}
