// The options panel for make_available on its own.

import { describe, expect, it } from "vitest";
import { MakeOptionsPanel } from "../../../js/parts/options.js";
import { GROUPINGS } from "../../../js/protocol.js";
import { pick, query, type } from "../helpers.js";

describe("MakeOptionsPanel", () => {
  it("offers protocol.py's groupings, and reads only what is set while open", () => {
    const panel = new MakeOptionsPanel("u");
    document.body.append(panel.el);
    const q = query(panel.el);
    const grouping = q.select("select.rw-opt-grouping");
    expect([...grouping.options].map((o) => o.value)).toEqual([...GROUPINGS]);
    expect(panel.read()).toEqual({ options: null, error: "" });
    panel.show(true);
    expect(document.activeElement).toBe(q.input("input.rw-opt-rse"));
    pick(grouping, "NONE");
    type(q.input("input.rw-opt-comment"), " why ");
    expect(panel.read()).toEqual({ options: { grouping: "NONE", comment: "why" }, error: "" });
    panel.update({ info: { mode: "download" } });
    expect(panel.toggle.hidden).toBe(true);
    expect(panel.read()).toEqual({ options: null, error: "" });
    panel.el.remove();
  });
});
