// The toolbar on its own.

import { describe, expect, it, vi } from "vitest";
import { Toolbar } from "../../../js/parts/toolbar.js";
import { pick, press, query, type } from "../helpers.js";

function setup() {
  const cb = { onSearch: vi.fn(), onInstance: vi.fn(), onToggleFilters: vi.fn() };
  const toolbar = new Toolbar({ filtersId: "f", ...cb });
  return { cb, toolbar, ...query(toolbar.el) };
}

describe("Toolbar", () => {
  it("searches on Enter (not while composing or with a modifier) and from the button", () => {
    const t = setup();
    const input = t.input("input.rw-search");
    type(input, "  data18:AOD*  ");
    press(input, "Enter", { isComposing: true });
    press(input, "Enter", { shiftKey: true });
    expect(t.cb.onSearch).not.toHaveBeenCalled();
    expect(press(input, "Enter").defaultPrevented).toBe(true);
    t.$("button.rw-search-button").click();
    expect(t.cb.onSearch).toHaveBeenCalledTimes(2);
    pick(t.select("select.rw-did-type"), "container");
    expect(t.toolbar.value()).toEqual({ query: "data18:AOD*", didType: "container" });
  });

  it("follows the traits: query, DID type (unknown ones as all), scopes, instances", () => {
    const t = setup();
    t.toolbar.update({ scopes: ["data18", "mc20"], query: "mc20:x*", didType: "dataset" });
    expect(t.select("select.rw-scope").value).toBe("mc20");
    expect(t.select("select.rw-did-type").value).toBe("dataset");
    t.toolbar.update({ didType: "bogus" });
    expect(t.select("select.rw-did-type").value).toBe("all");
    t.toolbar.update({ query: "other:y" });
    expect(t.select("select.rw-scope").value).toBe("");

    const select = t.select("select.rw-instance");
    expect(select.hidden).toBe(true);
    t.toolbar.update({
      instances: [
        { name: "a", display_name: "A" },
        { name: "b", display_name: "" },
      ],
      instance: "a",
    });
    expect(select.hidden).toBe(false);
    expect([...select.options].map((o) => o.textContent)).toEqual(["A", "b"]);
    pick(select, "a");
    expect(t.cb.onInstance).not.toHaveBeenCalled(); // already the current one
    pick(select, "b");
    expect(t.cb.onInstance).toHaveBeenCalledWith("b");
  });

  it("disables searching while signed out, and shows the filters' state on its toggle", () => {
    const t = setup();
    t.toolbar.update({ signedOut: true });
    for (const sel of ["input.rw-search", "select.rw-scope", "select.rw-did-type"])
      expect(t.$(sel).hasAttribute("disabled")).toBe(true);
    expect(t.button("button.rw-search-button").disabled).toBe(true);
    expect(t.select("select.rw-instance").disabled).toBe(false);

    const toggle = t.$("button.rw-filters-toggle");
    expect(toggle.getAttribute("aria-controls")).toBe("f");
    toggle.click();
    expect(t.cb.onToggleFilters).toHaveBeenCalledTimes(1);
    t.toolbar.update({ filtersOpen: true, filterCount: 2 });
    expect(toggle.getAttribute("aria-expanded")).toBe("true");
    expect(toggle.textContent).toBe("Filters (2)");
    t.toolbar.update({ filterCount: 0 });
    expect(toggle.textContent).toBe("Filters");
  });
});
