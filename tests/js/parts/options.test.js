// The options panel for make_available on its own, and its quota check with a fake rpc.

import { afterEach, describe, expect, it, vi } from "vitest";
import { MakeOptionsPanel, QUOTA_DEBOUNCE_MS } from "../../../js/parts/options.js";
import { GROUPINGS } from "../../../js/protocol.js";
import { createFakeRpc, reply } from "../fake-model.js";
import { mount, pick, query, type, unmountAll } from "../helpers.js";

const GB = 1e9;

afterEach(() => {
  unmountAll();
  document.body.replaceChildren();
  vi.useRealTimers();
});

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

describe("MakeOptionsPanel quota", () => {
  function setup() {
    vi.useFakeTimers();
    const rpc = createFakeRpc();
    const panel = new MakeOptionsPanel("u", rpc);
    document.body.append(panel.el);
    panel.update({ info: { mode: "replica", destination: "SITE_A" }, selected: 2 });
    return { rpc, panel, ...query(panel.el) };
  }
  const FITS = {
    rse_expression: "SITE_A",
    quotas: [{ rse: "SITE_A", kind: "local", limit: 10 * GB, used: 4 * GB, remaining: 6 * GB }],
    bytes: 1.2 * GB,
    fits: true,
    note: "",
  };
  const FULL = {
    rse_expression: "SITE_B|SITE_C",
    quotas: [
      { rse: "SITE_B", kind: "local", limit: 2 * GB, used: 1.5 * GB, remaining: 0.5 * GB },
      { rse: "SITE_C", kind: "local", limit: 0, used: 0, remaining: 0 },
    ],
    bytes: 1.2 * GB,
    fits: false,
    note: "1.2 GB do not fit in your quota on `SITE_B|SITE_C` (500 MB left at most). Ask for approval.",
  };

  it("asks when it opens, and shows limit, used and remaining per RSE next to the size", async () => {
    const s = setup();
    expect(s.rpc.calls).toHaveLength(0);
    s.panel.show(true);
    expect(s.rpc.calls.map((c) => [c.kind, c.payload])).toEqual([["quotas", { dids: [] }]]);
    expect(s.$(".rw-quota").textContent).toBe("Checking your quota…");
    await s.rpc.answer(s.rpc.last("quotas"), FITS);
    expect(s.$(".rw-quota-size").textContent).toBe("Request: 1.2 GB");
    expect(s.$$(".rw-quota-rse").map((e) => [e.textContent, e.dataset.fits])).toEqual([
      ["SITE_A: 6.0 GB left of 10 GB (4.0 GB used)", "true"],
    ]);
    expect(s.maybe(".rw-quota-note")).toBeNull();
    expect(s.$(".rw-opt-approval-field").hidden).toBe(true);
  });

  it("asks again once the RSE expression stops changing, giving up the older question", async () => {
    const s = setup();
    s.panel.show(true);
    const first = s.rpc.last("quotas");
    const rse = s.input("input.rw-opt-rse");
    type(rse, "SITE_B");
    vi.advanceTimersByTime(QUOTA_DEBOUNCE_MS - 100);
    type(rse, "SITE_B|SITE_C");
    vi.advanceTimersByTime(QUOTA_DEBOUNCE_MS - 100);
    expect(s.rpc.of("quotas")).toHaveLength(1);
    vi.advanceTimersByTime(100);
    expect(s.rpc.of("quotas").map((c) => c.payload)).toEqual([
      { dids: [] },
      { dids: [], rse_expression: "SITE_B|SITE_C" },
    ]);
    expect(first.cancelled).toBe(true);
    await s.rpc.answer(first, FITS); // late: not shown
    expect(s.$(".rw-quota").textContent).toBe("Checking your quota…");
    await s.rpc.answer(s.rpc.last("quotas"), FULL);
    expect(s.$$(".rw-quota-rse").map((e) => e.dataset.fits)).toEqual(["false", "false"]);
    // A new selection changes the size: asked again.
    s.panel.update({ selected: 3 });
    vi.advanceTimersByTime(QUOTA_DEBOUNCE_MS);
    expect(s.rpc.of("quotas")).toHaveLength(3);
  });

  it("when it does not fit: the note, and Ask for approval, which needs a comment before sending", async () => {
    const s = setup();
    s.panel.show(true);
    type(s.input("input.rw-opt-rse"), "SITE_B|SITE_C");
    vi.advanceTimersByTime(QUOTA_DEBOUNCE_MS);
    await s.rpc.answer(s.rpc.last("quotas"), FULL);
    expect(s.$(".rw-quota-note").textContent).toBe(
      "1.2 GB do not fit in your quota on SITE_B|SITE_C (500 MB left at most). Ask for approval.",
    );
    expect(s.$(".rw-quota-note code").textContent).toBe("SITE_B|SITE_C");
    expect(s.$(".rw-opt-approval-field").hidden).toBe(false);
    const approval = s.input("input.rw-opt-approval");
    approval.checked = true;
    approval.dispatchEvent(new Event("change"));
    expect(s.$('label[for="u-opt-comment"]').textContent).toBe("Comment (required for approval)");
    expect(s.input("input.rw-opt-comment").getAttribute("aria-required")).toBe("true");
    const refused = s.panel.read();
    expect(refused.options).toBeNull();
    expect(refused.error).toMatch(/needs a comment/);
    expect(s.$(".rw-opt-error").textContent).toMatch(/needs a comment/);
    expect(document.activeElement).toBe(s.input("input.rw-opt-comment"));
    expect(s.input("input.rw-opt-comment").getAttribute("aria-invalid")).toBe("true");
    type(s.input("input.rw-opt-comment"), "needed for the thesis fit");
    expect(s.$(".rw-opt-error").textContent).toBe("");
    expect(s.panel.read()).toEqual({
      options: { rse_expression: "SITE_B|SITE_C", comment: "needed for the thesis fit", ask_approval: true },
      error: "",
    });
    // Once it fits again, approval is neither offered nor sent.
    type(s.input("input.rw-opt-rse"), "SITE_A");
    vi.advanceTimersByTime(QUOTA_DEBOUNCE_MS);
    await s.rpc.answer(s.rpc.last("quotas"), FITS);
    expect(s.$(".rw-opt-approval-field").hidden).toBe(true);
    expect(s.panel.read().options).toEqual({
      rse_expression: "SITE_A",
      comment: "needed for the thesis fit",
    });
  });

  it("shows why the quota could not be read, and stops asking when closed or destroyed", async () => {
    const s = setup();
    s.panel.show(true);
    await s.rpc.answer(s.rpc.last("quotas"), {
      error: {
        message: "No destination to check the quota of: destination_rse is not set.",
        hint: "Set destination_rse.",
        kind: "ConfigurationError",
      },
    });
    expect(s.$(".rw-quota-error").textContent).toBe(
      "No destination to check the quota of: destination_rse is not set. Set destination_rse.",
    );
    type(s.input("input.rw-opt-rse"), "SITE_X");
    s.panel.show(false);
    vi.advanceTimersByTime(QUOTA_DEBOUNCE_MS * 2);
    expect(s.rpc.of("quotas")).toHaveLength(1);
    s.panel.show(true);
    const pending = s.rpc.last("quotas");
    s.panel.destroy();
    expect(pending.cancelled).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("asks nothing in download mode or a read-only browser", () => {
    const s = setup();
    s.panel.update({ info: { mode: "replica", read_only: true } });
    s.panel.show(true);
    s.panel.update({ info: { mode: "download" } });
    s.panel.show(true);
    expect(s.rpc.calls).toHaveLength(0);
  });
});

describe("make available with the quota, in the view", () => {
  it("sends ask_approval with the comment, and nothing without one", async () => {
    const w = mount({ info: { mode: "replica", destination: "SITE_A" }, selected: ["data18:ds"] });
    w.button("button.rw-make-options-toggle").click();
    const ask = w.model.lastOf("quotas");
    expect(ask.dids).toEqual([]);
    await reply(w.model, ask, {
      rse_expression: "SITE_A",
      quotas: [{ rse: "SITE_A", kind: "local", limit: GB, used: GB, remaining: 0 }],
      bytes: 2 * GB,
      fits: false,
      note: "2.0 GB do not fit.",
    });
    const approval = w.input("input.rw-opt-approval");
    approval.checked = true;
    approval.dispatchEvent(new Event("change"));
    w.button("button.rw-make-selection-available").click();
    expect(w.model.sentOf("make_available")).toHaveLength(0);
    type(w.input("input.rw-opt-comment"), "for the fit");
    w.button("button.rw-make-selection-available").click();
    expect(w.model.bodies("make_available")).toEqual([
      { type: "make_available", dids: [], options: { comment: "for the fit", ask_approval: true } },
    ]);
  });
});
