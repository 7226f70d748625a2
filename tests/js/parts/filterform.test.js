// The filters form on its own, against the real grammar, and with a stand-in grammar to
// see which parse (lenient or strict) is used when.

import { afterEach, describe, expect, it, vi } from "vitest";
import * as filters from "../../../js/filters.js";
import { FilterForm } from "../../../js/parts/filterform.js";
import { press, query, type } from "../helpers.js";

afterEach(() => {
  vi.restoreAllMocks();
  document.body.replaceChildren();
});

function setup() {
  const cb = { onEnter: vi.fn(), onChange: vi.fn() };
  const form = new FilterForm({ uid: "u", ...cb });
  document.body.append(form.el);
  return { cb, form, ...query(form.el) };
}

describe("FilterForm", () => {
  it("reports its state: shown or not, and the number of conditions", () => {
    const f = setup();
    expect(f.cb.onChange).toHaveBeenLastCalledWith({ open: false, count: 0 });
    f.form.show(true);
    expect(f.form.el.hidden).toBe(false);
    expect(f.cb.onChange).toHaveBeenLastCalledWith({ open: true, count: 0 });
    type(f.input("input.rw-filter-text"), "a=1,b>2;c=x");
    expect(f.cb.onChange).toHaveBeenLastCalledWith({ open: true, count: 3 });
    expect(f.$$(".rw-filter-group")).toHaveLength(2);
  });

  it("keeps quoted values quoted when the form is edited", () => {
    const f = setup();
    type(f.input("input.rw-filter-text"), 'name="a,b"');
    expect(f.input(".rw-filter-value").value).toBe("a,b");
    type(f.input(".rw-filter-key"), "title");
    expect(f.input("input.rw-filter-text").value).toBe('title="a,b"');
  });

  it("gives the text to send, or refuses it with the error under the field", () => {
    const f = setup();
    const text = f.input("input.rw-filter-text");
    type(text, " datatype=AOD ");
    expect(f.form.read()).toBe("datatype=AOD");
    type(text, "datatype=AOD;");
    expect(f.$(".rw-filter-error").textContent).toBe("");
    expect(f.form.read()).toBeNull();
    expect(f.$(".rw-filter-error").textContent).toMatch(/empty condition/);
    expect(text.getAttribute("aria-invalid")).toBe("true");
    expect(f.form.el.hidden).toBe(false);
    expect(document.activeElement).toBe(text);
  });

  it("parses leniently while typing and strictly when sending", () => {
    const parse = vi.spyOn(filters, "parseFilters");
    const f = setup();
    parse.mockClear();
    type(f.input("input.rw-filter-text"), "a=1");
    expect(parse.mock.calls.every(([, opts]) => !opts?.strict)).toBe(true);
    parse.mockClear();
    f.form.read();
    const strict = parse.mock.calls.filter(([, opts]) => opts?.strict);
    expect(strict.map(([text]) => text)).toEqual(["a=1"]);
  });

  it("calls onEnter from the text and from the form's fields", () => {
    const f = setup();
    press(f.input("input.rw-filter-text"), "Enter");
    press(f.input(".rw-filter-key"), "Enter");
    press(f.input(".rw-filter-value"), "Enter", { altKey: true });
    expect(f.cb.onEnter).toHaveBeenCalledTimes(2);
  });

  it("follows the trait without losing what the user typed when it is the same", () => {
    const f = setup();
    type(f.input("input.rw-filter-text"), "a=1");
    f.form.update({ filters: "a=1" });
    expect(f.$$(".rw-filter-row")).toHaveLength(1);
    f.form.update({ filters: "a=1;b=2" });
    expect(f.$$(".rw-filter-group")).toHaveLength(2);
    f.form.update({ filters: null });
    expect(f.input("input.rw-filter-text").value).toBe("");
    expect(f.$$(".rw-filter-row")).toHaveLength(1); // one blank condition to fill in
  });
});
