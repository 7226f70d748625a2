// The details pane on its own, with a fake rpc.

import { afterEach, describe, expect, it, vi } from "vitest";
import { DetailsPane } from "../../../js/parts/details.js";
import { createFakeRpc } from "../fake-model.js";
import { query } from "../helpers.js";

function setup() {
  const rpc = createFakeRpc();
  const onClose = vi.fn();
  const pane = new DetailsPane({ rpc, onClose });
  return { rpc, onClose, pane, ...query(pane.el) };
}

const ANSWER = {
  did: "s:ds",
  did_url: "https://rucio-ui.example.org/did?scope=s&name=ds",
  did_type: "DATASET",
  metadata: { datatype: "AOD", nested: { a: 1 }, none: null },
  replicas: [
    { rse: "SITE_A", state: "AVAILABLE", path: "/data/s/ds", available: 3, total: 3 },
    { rse: "SITE_B", state: "UNAVAILABLE", path: null, available: 1, total: 3 },
  ],
  rules: [],
  parents: [],
};

/**
 * A rule as Python sends it.
 * @param {Partial<import("../../../js/protocol.js").RuleInfo>} extra
 */
const rule = (extra) => ({
  id: "0123456789abcdef0123456789abcdef",
  account: "alice",
  did: "s:ds",
  rse_expression: "SITE_A",
  state: "OK",
  locks_ok: 3,
  locks_replicating: 0,
  locks_stuck: 0,
  created_at: "2026-12-01T09:30:00Z",
  expires_at: null,
  error: null,
  comment: null,
  url: null,
  ...extra,
});

describe("DetailsPane", () => {
  it("is hidden until a DID is opened, then asks for it and shows Loading", () => {
    const d = setup();
    expect(d.pane.el.hidden).toBe(true);
    d.pane.update({ did: "s:ds" });
    expect(d.pane.el.hidden).toBe(false);
    expect(d.rpc.calls.map((c) => [c.kind, c.payload])).toEqual([["details", { did: "s:ds" }]]);
    expect(d.$(".rw-details-title").textContent).toBe("s:ds");
    expect(d.pane.el.textContent).toMatch(/Loading details/);
    expect(d.maybe(".rw-waiting")).toBeNull();
  });

  it("shows the reply: metadata, replicas with their file counts, rules, the web UI link", async () => {
    const d = setup();
    d.pane.open("s:ds");
    await d.rpc.answer(d.rpc.last("details"), ANSWER);
    expect(d.$("a.rw-webui-did").getAttribute("href")).toBe(ANSWER.did_url);
    expect(d.$(".rw-details-type").dataset.type).toBe("DATASET");
    expect(d.$$(".rw-kv dt").map((e) => e.textContent)).toEqual(["datatype", "nested", "none"]);
    expect(d.$$(".rw-kv dd").map((e) => e.textContent)).toEqual(["AOD", '{"a":1}', "—"]);
    expect(d.$$(".rw-details-replicas th").map((e) => e.textContent)).toEqual([
      "RSE",
      "State",
      "Files",
      "Local path",
    ]);
    expect(d.$$(".rw-details-replicas tbody tr").map((tr) => tr.textContent)).toEqual([
      "SITE_AAVAILABLE3 / 3/data/s/ds",
      "SITE_BUNAVAILABLE1 / 3—",
    ]);
    expect(d.$(".rw-details-rules").textContent).toMatch(/No rules/);
  });

  it("shows the PFN column for files", async () => {
    const d = setup();
    d.pane.open("s:f");
    await d.rpc.answer(d.rpc.last("details"), {
      ...ANSWER,
      did: "s:f",
      did_type: "FILE",
      replicas: [{ rse: "SITE_A", state: "AVAILABLE", path: null, pfn: "root://site-a//s/f" }],
    });
    expect(d.$$(".rw-details-replicas th").map((e) => e.textContent)).toEqual([
      "RSE",
      "State",
      "Local path",
      "PFN",
    ]);
    expect(d.$(".rw-details-replicas tbody").textContent).toMatch(/root:\/\/site-a\/\/s\/f/);
  });

  it("says when the server is slow, and Cancel gives the request up", async () => {
    const d = setup();
    d.pane.open("s:ds");
    const call = d.rpc.last("details");
    call.onWaiting?.();
    expect(d.$(".rw-waiting").textContent).toMatch(/Waiting for the server/);
    d.$("button.rw-waiting-cancel").click();
    expect(call.cancelled).toBe(true);
    expect(d.pane.el.textContent).toMatch(/Cancelling/);
    await d.rpc.answer(call, { error: { message: "cancelled", hint: "", kind: "CancelledError" } });
    expect(d.$(".rw-details-error").textContent).toBe("Cancelled.");
    d.$("button.rw-details-retry").click();
    expect(d.rpc.of("details")).toHaveLength(2);
  });

  it("shows an error in place, with its hint", async () => {
    const d = setup();
    d.pane.open("s:gone");
    await d.rpc.answer(d.rpc.last("details"), {
      error: {
        message: "s:gone does not exist.",
        hint: "Check the scope and the name.",
        kind: "NotFoundError",
      },
    });
    expect(d.$(".rw-details-error").textContent).toBe("s:gone does not exist.");
    expect(d.$(".rw-details-hint").textContent).toBe("Check the scope and the name.");
    expect(d.maybe(".rw-details-section")).toBeNull();
  });

  it("gives the request up when another DID is opened, and ignores its late reply", async () => {
    const d = setup();
    d.pane.open("s:one");
    const first = d.rpc.last("details");
    d.pane.open("s:two");
    expect(first.cancelled).toBe(true);
    const second = d.rpc.last("details");
    expect(second.cancelled).toBe(false);
    await d.rpc.answer(first, { ...ANSWER, did: "s:one", metadata: { from: "one" } });
    expect(d.$(".rw-details-title").textContent).toBe("s:two");
    expect(d.pane.el.textContent).not.toMatch(/from/);
  });

  it("gives the request up when closed, and says so to the view", async () => {
    const d = setup();
    d.pane.open("s:ds");
    const call = d.rpc.last("details");
    d.$("button.rw-details-close").click();
    expect(call.cancelled).toBe(true);
    expect(d.pane.el.hidden).toBe(true);
    expect(d.onClose).toHaveBeenCalledTimes(1);
    d.pane.update({ did: null }); // already closed: no second onClose
    expect(d.onClose).toHaveBeenCalledTimes(1);
  });

  it("does not cancel what has its reply, and cancels on destroy what has not", async () => {
    const d = setup();
    d.pane.open("s:ds");
    const answered = d.rpc.last("details");
    await d.rpc.answer(answered, ANSWER);
    d.pane.close();
    expect(answered.cancelled).toBe(false);
    d.pane.open("s:ds");
    d.pane.destroy();
    expect(d.rpc.last("details").cancelled).toBe(true);
  });

  it("shows the collections that hold the DID; each opens its own details", async () => {
    const d = setup();
    document.body.append(d.pane.el);
    d.pane.open("s:f");
    await d.rpc.answer(d.rpc.last("details"), {
      ...ANSWER,
      did: "s:f",
      did_type: "FILE",
      parents: [
        { did: "s:ds", type: "DATASET" },
        { did: "s:ctr", type: "CONTAINER" },
      ],
    });
    expect(d.$(".rw-details-parents h4").textContent).toBe("Parents (2)");
    expect(d.$$("button.rw-details-parent").map((b) => [b.dataset.did, b.textContent])).toEqual([
      ["s:ds", "Ds:ds"],
      ["s:ctr", "Cs:ctr"],
    ]);
    d.$('button.rw-details-parent[data-did="s:ctr"]').click();
    expect(d.rpc.last("details").payload).toEqual({ did: "s:ctr" });
    expect(d.$(".rw-details-title").textContent).toBe("s:ctr");
    expect(document.activeElement).toBe(d.$("button.rw-details-close"));
    await d.rpc.answer(d.rpc.last("details"), {
      ...ANSWER,
      did: "s:ctr",
      did_type: "CONTAINER",
      parents: [],
    });
    expect(d.$(".rw-details-parents").textContent).toMatch(/In no dataset or container/);
    d.pane.el.remove();
  });

  it("lists rules with created, expiry, comment, and the WAITING_APPROVAL state", async () => {
    vi.useFakeTimers();
    vi.setSystemTime(Date.parse("2026-12-02T12:00:00Z"));
    const d = setup();
    d.pane.open("s:ds");
    await d.rpc.answer(d.rpc.last("details"), {
      ...ANSWER,
      rules: [
        rule({ expires_at: "2026-12-12T13:00:00Z", comment: "for the fit" }),
        rule({ id: "fedcba98", state: "WAITING_APPROVAL", locks_ok: 0, created_at: null, comment: "thesis" }),
        rule({ id: "stuck123", state: "STUCK", error: "checksum mismatch", locks_stuck: 1 }),
      ],
    });
    expect(d.$$(".rw-details-rules th").map((e) => e.textContent)).toEqual([
      "Rule",
      "RSE expression",
      "State",
      "Account",
      "Locks OK / replicating / stuck",
      "Created",
      "Expires",
      "Comment",
      "Error",
    ]);
    const cells = d
      .$$(".rw-details-rules tbody tr")
      .map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent));
    expect(cells).toEqual([
      [
        "01234567",
        "SITE_A",
        "OK",
        "alice",
        "3 / 0 / 0",
        "2026-12-01 09:30 UTC",
        "in 10 days",
        "for the fit",
        "",
      ],
      ["fedcba98", "SITE_A", "WAITING APPROVAL", "alice", "0 / 0 / 0", "—", "never", "thesis", ""],
      [
        "stuck123",
        "SITE_A",
        "STUCK",
        "alice",
        "3 / 0 / 1",
        "2026-12-01 09:30 UTC",
        "never",
        "",
        "checksum mismatch",
      ],
    ]);
    const waiting = d.$('.rw-details-rules .rw-rule-state[data-state="WAITING_APPROVAL"]');
    expect(waiting.title).toMatch(/administrator must approve/);
  });
});

afterEach(() => {
  vi.useRealTimers();
});
