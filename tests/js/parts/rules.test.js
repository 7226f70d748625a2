// The Rules pane on its own (fake rpc), then mounted in the whole view (fake model).

import { afterEach, describe, expect, it, vi } from "vitest";
import { DEFAULT_DAYS, RulesPane, TEXT_DEBOUNCE_MS } from "../../../js/parts/rules.js";
import { RULES_PAGE_SIZE } from "../../../js/protocol.js";
import { createFakeRpc, flush, reply } from "../fake-model.js";
import { mount, query, type, unmountAll } from "../helpers.js";

/** @typedef {import("../../../js/protocol.js").RuleInfo} RuleInfo */

const NOW = Date.parse("2026-12-02T12:00:00Z");
const DAY = 86400000;

/**
 * A rule as Python sends it.
 * @param {string} id
 * @param {Partial<RuleInfo>} [extra]
 * @returns {RuleInfo}
 */
function rule(id, extra = {}) {
  return {
    id,
    account: "alice",
    did: `data18:ds.${id}`,
    rse_expression: "SITE_A",
    state: "OK",
    locks_ok: 3,
    locks_replicating: 0,
    locks_stuck: 0,
    created_at: "2026-12-01T09:30:00Z",
    expires_at: new Date(NOW + 6 * DAY + 3600000).toISOString(),
    error: null,
    comment: null,
    url: null,
    ...extra,
  };
}

const RULES = [
  rule("r1", { comment: "for the fit", url: "https://rucio-ui.example.org/rule?rule_id=r1" }),
  rule("r2", {
    state: "STUCK",
    locks_ok: 1,
    locks_stuck: 2,
    error: "Transfer failed: checksum mismatch",
    url: "javascript:alert(1)",
  }),
  rule("r3", { state: "WAITING_APPROVAL", expires_at: null, locks_ok: 0 }),
];
/** @type {Record<string, number>} */
const COUNTS = { OK: 1, STUCK: 1, WAITING_APPROVAL: 1 };

function setup({ readOnly = false } = {}) {
  vi.useFakeTimers();
  vi.setSystemTime(NOW);
  const rpc = createFakeRpc();
  const onShow = vi.fn();
  const onToggle = vi.fn();
  const pane = new RulesPane({ uid: "u", rpc, onShow, onToggle });
  document.body.append(pane.toggle, pane.el);
  pane.update({ readOnly });
  const q = query(pane.el);
  /** @param {string} id */
  const ruleEl = (id) => q.$(`.rw-rule[data-rule-id="${id}"]`);
  return {
    rpc,
    onShow,
    onToggle,
    pane,
    ruleEl,
    ...q,
    /** Open the pane and answer its first page. */
    async open(rows = RULES, total = rows.length, counts = COUNTS) {
      pane.toggle.click();
      await rpc.answer(rpc.last("rules"), { offset: 0, rows, total, counts });
    },
  };
}

afterEach(() => {
  unmountAll();
  document.body.replaceChildren();
  vi.useRealTimers();
});

describe("RulesPane", () => {
  it("is closed until its toggle is pressed, then asks for the first page, watched", () => {
    const s = setup();
    expect(s.pane.el.hidden).toBe(true);
    expect(s.rpc.calls).toHaveLength(0);
    s.pane.toggle.click();
    expect(s.pane.el.hidden).toBe(false);
    expect(s.pane.toggle.getAttribute("aria-expanded")).toBe("true");
    expect(s.onToggle).toHaveBeenCalledWith(true);
    expect(s.rpc.calls.map((c) => [c.kind, c.payload])).toEqual([
      ["rules", { offset: 0, limit: RULES_PAGE_SIZE, watch: true }],
    ]);
    expect(s.$(".rw-rules-status").textContent).toMatch(/Loading rules/);
    expect(document.activeElement).toBe(s.input("input.rw-rules-text"));
  });

  it("lists each rule: DID, RSE expression, state, locks, created, expiry, comment, web UI link", async () => {
    const s = setup();
    await s.open();
    expect(s.$$(".rw-rule").map((e) => e.dataset.ruleId)).toEqual(["r1", "r2", "r3"]);
    const r1 = query(s.ruleEl("r1"));
    expect(r1.$(".rw-rule-did").textContent).toBe("data18:ds.r1");
    expect(r1.$(".rw-rule-rse").textContent).toBe("SITE_A");
    expect(r1.$(".rw-rule-state").textContent).toBe("OK");
    expect(r1.$(".rw-rule-locks").textContent).toBe("locks 3 OK · 0 replicating · 0 stuck");
    expect(r1.$(".rw-rule-created").textContent).toBe("created 2026-12-01 09:30 UTC");
    expect(r1.$(".rw-rule-expires").textContent).toBe("expires in 6 days");
    expect(r1.$(".rw-rule-comment").textContent).toBe("“for the fit”");
    expect(r1.$("a.rw-webui-rule").getAttribute("href")).toBe(RULES[0].url);
    // A URL that is not http(s) is never a link.
    expect(query(s.ruleEl("r2")).maybe("a")).toBeNull();
    const r3 = query(s.ruleEl("r3"));
    expect(r3.$(".rw-rule-state").textContent).toBe("WAITING APPROVAL");
    expect(r3.$(".rw-rule-state").title).toMatch(/administrator must approve/);
    expect(r3.$(".rw-rule-expires").textContent).toBe("never");
    expect(r3.maybe(".rw-rule-comment")).toBeNull();
    expect(s.$(".rw-rules-count").textContent).toBe("3 rules");
  });

  it("shows a stuck rule's error, and Examine shows Rucio's analysis on demand", async () => {
    const s = setup();
    await s.open();
    const r2 = () => query(s.ruleEl("r2"));
    expect(r2().$(".rw-rule-error").textContent).toMatch(/checksum mismatch/);
    expect(query(s.ruleEl("r1")).maybe(".rw-rule-examine")).toBeNull();
    r2().button("button.rw-rule-examine").click();
    const call = s.rpc.last("rule_action");
    expect(call.payload).toEqual({ rule_id: "r2", action: "examine" });
    expect(r2().button("button.rw-rule-examine").textContent).toBe("Examining…");
    await s.rpc.answer(call, {
      rule: RULES[1],
      note: "",
      examine: "data18:f1 to SITE_A: checksum (3 attempts)",
    });
    expect(r2().$(".rw-rule-examine-text").textContent).toBe("data18:f1 to SITE_A: checksum (3 attempts)");
    r2().button("button.rw-rule-examine-hide").click();
    expect(r2().maybe(".rw-rule-examine-text")).toBeNull();
  });

  it("pages with Show more, newest first as Python sends them, without showing a rule twice", async () => {
    const s = setup();
    const first = Array.from({ length: RULES_PAGE_SIZE }, (_, i) => rule(`p${i}`));
    await s.open(first, RULES_PAGE_SIZE + 2, { OK: RULES_PAGE_SIZE + 2 });
    expect(s.$(".rw-rules-count").textContent).toBe(`52 rules · ${RULES_PAGE_SIZE} shown`);
    const more = s.button("button.rw-rules-more");
    expect(more.hidden).toBe(false);
    more.click();
    const call = s.rpc.last("rules");
    expect(call.payload).toEqual({ offset: RULES_PAGE_SIZE, limit: RULES_PAGE_SIZE, watch: true });
    expect(more.disabled).toBe(true);
    // A new rule moved the last of page one onto page two.
    const last = first[RULES_PAGE_SIZE - 1];
    await s.rpc.answer(call, {
      offset: RULES_PAGE_SIZE,
      rows: [last, rule("q1"), rule("q2")],
      total: RULES_PAGE_SIZE + 2,
      counts: { OK: RULES_PAGE_SIZE + 2 },
    });
    expect(s.$$(".rw-rule")).toHaveLength(RULES_PAGE_SIZE + 2);
    expect(s.$$(".rw-rule").at(-1)?.dataset.ruleId).toBe("q2");
    expect(more.hidden).toBe(true);
  });

  it("filters by state with chips carrying Python's counts; the pressed chip again means all", async () => {
    const s = setup();
    await s.open();
    const chips = () => s.$$(".rw-rules-chip").map((c) => [c.dataset.state, c.textContent]);
    expect(chips()).toEqual([
      ["ALL", "All3"],
      ["OK", "OK1"],
      ["STUCK", "STUCK1"],
      ["WAITING_APPROVAL", "WAITING APPROVAL1"],
    ]);
    s.$('.rw-rules-chip[data-state="STUCK"]').click();
    expect(s.rpc.last("rules").payload).toEqual({
      offset: 0,
      limit: RULES_PAGE_SIZE,
      watch: true,
      state: "STUCK",
    });
    await s.rpc.answer(s.rpc.last("rules"), { offset: 0, rows: [RULES[1]], total: 1, counts: COUNTS });
    expect(s.$$(".rw-rule").map((e) => e.dataset.ruleId)).toEqual(["r2"]);
    expect(s.$('.rw-rules-chip[data-state="STUCK"]').getAttribute("aria-pressed")).toBe("true");
    expect(s.$(".rw-rules-count").textContent).toBe("1 rule match");
    s.$('.rw-rules-chip[data-state="STUCK"]').click();
    expect(s.rpc.last("rules").payload).toEqual({ offset: 0, limit: RULES_PAGE_SIZE, watch: true });
  });

  it("sends the text filter once typing pauses, and at once on Enter", async () => {
    const s = setup();
    await s.open();
    const before = s.rpc.of("rules").length;
    const text = s.input("input.rw-rules-text");
    type(text, "ds.r");
    vi.advanceTimersByTime(TEXT_DEBOUNCE_MS - 50);
    type(text, "ds.r1");
    vi.advanceTimersByTime(TEXT_DEBOUNCE_MS - 50);
    expect(s.rpc.of("rules")).toHaveLength(before);
    vi.advanceTimersByTime(60);
    expect(s.rpc.of("rules")).toHaveLength(before + 1);
    expect(s.rpc.last("rules").payload).toEqual({
      offset: 0,
      limit: RULES_PAGE_SIZE,
      watch: true,
      text: "ds.r1",
    });
    await s.rpc.answer(s.rpc.last("rules"), { offset: 0, rows: [], total: 0, counts: COUNTS });
    expect(s.$(".rw-rules-status").textContent).toMatch(/No rules match/);
    type(text, " SITE ");
    text.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    expect(s.rpc.last("rules").payload.text).toBe("SITE");
    vi.advanceTimersByTime(TEXT_DEBOUNCE_MS * 2);
    expect(s.rpc.of("rules")).toHaveLength(before + 2); // the debounce did not send it again
  });

  it("gives up a page when the filters change, and ignores its late reply", async () => {
    const s = setup();
    s.pane.toggle.click();
    const first = s.rpc.last("rules");
    type(s.input("input.rw-rules-text"), "x");
    vi.advanceTimersByTime(TEXT_DEBOUNCE_MS);
    expect(first.cancelled).toBe(true);
    await s.rpc.answer(first, { offset: 0, rows: RULES, total: 3, counts: COUNTS });
    expect(s.$$(".rw-rule")).toHaveLength(0);
    await s.rpc.answer(s.rpc.last("rules"), { offset: 0, rows: [RULES[0]], total: 1, counts: COUNTS });
    expect(s.$$(".rw-rule").map((e) => e.dataset.ruleId)).toEqual(["r1"]);
  });

  it("applies rules_changed to the rules it lists, and follows the counts", async () => {
    const s = setup();
    await s.open();
    s.pane.onMessage({
      type: "rules_changed",
      rules: [
        { ...RULES[1], state: "REPLICATING", locks_stuck: 0, locks_replicating: 2, error: null },
        rule("elsewhere", { state: "STUCK" }),
      ],
    });
    const r2 = query(s.ruleEl("r2"));
    expect(r2.$(".rw-rule-state").textContent).toBe("REPLICATING");
    expect(r2.$(".rw-rule-locks").textContent).toBe("locks 1 OK · 2 replicating · 0 stuck");
    expect(r2.maybe(".rw-rule-error")).toBeNull();
    expect(s.maybe('.rw-rule[data-rule-id="elsewhere"]')).toBeNull();
    expect(s.$('.rw-rules-chip[data-state="REPLICATING"]').textContent).toBe("REPLICATING1");
    expect(s.maybe('.rw-rules-chip[data-state="STUCK"]')).toBeNull();
    s.pane.onMessage({ type: "status", updates: {} }); // not for this pane
    expect(s.$$(".rw-rule")).toHaveLength(3);
  });

  it("stops the watch when closed: a rules request without watch, after a page in flight", async () => {
    const s = setup();
    await s.open();
    s.$("button.rw-rules-close").click();
    expect(s.pane.el.hidden).toBe(true);
    expect(s.onToggle).toHaveBeenLastCalledWith(false);
    expect(s.rpc.last("rules").payload).toEqual({ offset: 0, limit: 1 });
    // Closed while a page is read: the watch stops once Python has answered that page.
    s.pane.toggle.click();
    const pending = s.rpc.last("rules");
    s.pane.toggle.click();
    expect(pending.cancelled).toBe(true);
    expect(s.rpc.last("rules")).toBe(pending);
    await s.rpc.answer(pending, { offset: 0, rows: RULES, total: 3, counts: COUNTS });
    expect(s.rpc.last("rules").payload).toEqual({ offset: 0, limit: 1 });
    // Messages for a closed pane are ignored.
    s.pane.onMessage({ type: "rules_changed", rules: [RULES[0]] });
    expect(s.$$(".rw-rule")).toHaveLength(0);
  });

  it("extends a rule by the days given, and shows the rule Python sends back", async () => {
    const s = setup();
    await s.open();
    const r1 = () => query(s.ruleEl("r1"));
    expect(r1().input("input.rw-rule-days").value).toBe(String(DEFAULT_DAYS));
    type(r1().input("input.rw-rule-days"), "0");
    r1().button("button.rw-rule-extend").click();
    expect(s.rpc.of("rule_action")).toHaveLength(0);
    expect(r1().$(".rw-rule-failed").textContent).toMatch(/whole days, 1 to 3,650/);
    expect(r1().input("input.rw-rule-days").getAttribute("aria-invalid")).toBe("true");
    type(r1().input("input.rw-rule-days"), "9");
    r1().button("button.rw-rule-extend").click();
    const call = s.rpc.last("rule_action");
    expect(call.payload).toEqual({ rule_id: "r1", action: "extend", days: 9 });
    expect(r1().button("button.rw-rule-extend").textContent).toBe("Extending…");
    expect(r1().button("button.rw-rule-delete").disabled).toBe(true);
    r1().button("button.rw-rule-extend").click(); // busy: nothing more is sent
    expect(s.rpc.of("rule_action")).toHaveLength(1);
    await s.rpc.answer(call, {
      rule: { ...RULES[0], expires_at: new Date(NOW + 9 * DAY - 2000).toISOString() },
      note: "Extended to 9 days.",
    });
    expect(r1().$(".rw-rule-expires").textContent).toBe("expires in 9 days");
    expect(r1().$(".rw-rule-note").textContent).toBe("Extended to 9 days.");
    expect(r1().input("input.rw-rule-days").value).toBe("9");
    expect(r1().input("input.rw-rule-days").hasAttribute("aria-invalid")).toBe(false);
  });

  it("shows an action's error by its rule, not elsewhere", async () => {
    const s = setup();
    await s.open();
    query(s.ruleEl("r1")).button("button.rw-rule-extend").click();
    await s.rpc.answer(s.rpc.last("rule_action"), {
      error: { message: "You may not change this rule.", hint: "Ask its owner.", kind: "AccessDeniedError" },
    });
    const r1 = query(s.ruleEl("r1"));
    expect(r1.$(".rw-rule-failed").textContent).toBe("You may not change this rule. Ask its owner.");
    expect(r1.button("button.rw-rule-extend").disabled).toBe(false);
    expect(query(s.ruleEl("r2")).maybe(".rw-rule-failed")).toBeNull();
  });

  it("offers Boost only for a stuck rule", async () => {
    const s = setup();
    await s.open();
    expect(query(s.ruleEl("r1")).maybe(".rw-rule-boost")).toBeNull();
    expect(query(s.ruleEl("r3")).maybe(".rw-rule-boost")).toBeNull();
    query(s.ruleEl("r2")).button("button.rw-rule-boost").click();
    const call = s.rpc.last("rule_action");
    expect(call.payload).toEqual({ rule_id: "r2", action: "boost" });
    await s.rpc.answer(call, { rule: RULES[1], note: "Rule r2 is boosted." });
    expect(query(s.ruleEl("r2")).$(".rw-rule-note").textContent).toBe("Rule r2 is boosted.");
  });

  it("deletes only after a confirmation that explains the soft deletion, and only once", async () => {
    const s = setup();
    await s.open();
    const r1 = () => query(s.ruleEl("r1"));
    r1().button("button.rw-rule-delete").click();
    expect(s.rpc.of("rule_action")).toHaveLength(0);
    expect(r1().$(".rw-rule-confirm").textContent).toMatch(
      /expires within the hour, then its replicas may be cleaned up/,
    );
    expect(document.activeElement).toBe(r1().button("button.rw-rule-delete-keep"));
    r1().button("button.rw-rule-delete-keep").click();
    expect(r1().maybe(".rw-rule-confirm")).toBeNull();
    expect(s.rpc.of("rule_action")).toHaveLength(0);

    r1().button("button.rw-rule-delete").click();
    const confirm = r1().button("button.rw-rule-delete-confirm");
    confirm.click();
    confirm.click(); // the same button, clicked again while deleting
    r1().maybe("button.rw-rule-delete-confirm")?.dispatchEvent(new MouseEvent("click"));
    expect(s.rpc.of("rule_action").map((c) => c.payload)).toEqual([{ rule_id: "r1", action: "delete" }]);
    expect(r1().button("button.rw-rule-delete").textContent).toBe("Deleting…");
    expect(r1().button("button.rw-rule-delete").disabled).toBe(true);
    await s.rpc.answer(s.rpc.last("rule_action"), {
      rule: { ...RULES[0], expires_at: new Date(NOW + 3600000).toISOString() },
      note: "Rule r1 is deleted. Rucio deletes softly: the rule expires within the hour.",
    });
    expect(r1().$(".rw-rule-note").textContent).toMatch(/is deleted/);
    expect(r1().$(".rw-rule-expires").textContent).toBe("expires in 1 h");
    expect(r1().$(".rw-rule-expires").dataset.level).toBe("soon");
    expect(r1().maybe(".rw-rule-delete")).toBeNull();
    expect(r1().maybe(".rw-rule-extend")).toBeNull();
    expect(s.ruleEl("r1").classList.contains("rw-rule-deleted")).toBe(true);
  });

  it("in a read-only browser lists rules but offers nothing that writes", async () => {
    const s = setup({ readOnly: true });
    await s.open();
    for (const sel of [".rw-rule-extend", ".rw-rule-days", ".rw-rule-boost", ".rw-rule-delete"]) {
      expect(s.$$(sel)).toHaveLength(0);
    }
    expect(s.$$(".rw-rule-show")).toHaveLength(3);
    expect(s.$$(".rw-rule-examine")).toHaveLength(1); // reading Rucio's analysis writes nothing
    s.pane.act(RULES[0], "delete");
    expect(s.rpc.of("rule_action")).toHaveLength(0);
  });

  it("Show in browser hands the rule's DID over", async () => {
    const s = setup();
    await s.open();
    query(s.ruleEl("r3")).button("button.rw-rule-show").click();
    expect(s.onShow).toHaveBeenCalledWith("data18:ds.r3");
  });

  it("shows a listing error in place with Retry, and says when the server is slow", async () => {
    const s = setup();
    s.pane.toggle.click();
    const call = s.rpc.last("rules");
    call.onWaiting?.();
    expect(s.$(".rw-rules-status .rw-waiting").textContent).toMatch(/Waiting for the server/);
    s.$("button.rw-waiting-cancel").click();
    expect(call.cancelled).toBe(true);
    await s.rpc.answer(call, { error: { message: "x", hint: "", kind: "CancelledError" } });
    expect(s.$(".rw-rules-error").textContent).toBe("Cancelled.");
    s.button("button.rw-rules-retry").click();
    await s.rpc.answer(s.rpc.last("rules"), {
      error: { message: "The Rucio server did not answer.", hint: "Try again later.", kind: "ServerError" },
    });
    expect(s.$(".rw-rules-error").textContent).toBe("The Rucio server did not answer.");
    expect(s.$(".rw-rules-hint").textContent).toBe("Try again later.");
    expect(s.button("button.rw-rules-more").hidden).toBe(true);
  });

  it("closes and cannot open while signed out; destroy stops the watch and the timers", async () => {
    const s = setup();
    await s.open();
    s.pane.update({ signedOut: true });
    expect(s.pane.el.hidden).toBe(true);
    expect(s.pane.toggle.disabled).toBe(true);
    const sent = s.rpc.calls.length;
    s.pane.show(true);
    expect(s.rpc.calls).toHaveLength(sent);
    s.pane.update({ signedOut: false });
    await s.open();
    type(s.input("input.rw-rules-text"), "abc");
    s.pane.destroy();
    expect(s.rpc.last("rules").payload).toEqual({ offset: 0, limit: 1 });
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("the Rules pane in the view", () => {
  it("swaps the results for the rules, applies rules_changed, and Show in browser searches and selects", async () => {
    const w = mount({ selected: ["data18:other"], filters: "datatype=AOD" });
    const toggle = w.button(".rw-toolbar button.rw-rules-toggle");
    toggle.click();
    expect(w.$(".rw-results").hidden).toBe(true);
    expect(w.$(".rw-rules").hidden).toBe(false);
    const ask = w.model.lastOf("rules");
    expect(ask).toMatchObject({ offset: 0, limit: RULES_PAGE_SIZE, watch: true });
    await reply(w.model, ask, { offset: 0, rows: RULES, total: 3, counts: COUNTS });
    w.model.message({ type: "rules_changed", rules: [{ ...RULES[2], state: "REPLICATING" }] });
    await flush();
    expect(w.$('.rw-rule[data-rule-id="r3"] .rw-rule-state').textContent).toBe("REPLICATING");

    w.$('.rw-rule[data-rule-id="r2"] button.rw-rule-show').click();
    expect(w.$(".rw-rules").hidden).toBe(true);
    expect(w.$(".rw-results").hidden).toBe(false);
    expect(w.model.bodies("search").at(-1)).toEqual({
      type: "search",
      query: "data18:ds.r2",
      did_type: "all",
      filters: "",
    });
    expect(w.model.get("query")).toBe("data18:ds.r2");
    expect(w.model.get("selected")).toEqual(["data18:other", "data18:ds.r2"]);
    expect(w.model.bodies("rules").at(-1)).toEqual({ type: "rules", offset: 0, limit: 1 });
  });

  it("offers no rule actions in a read-only browser, and no Rules while signed out", async () => {
    const w = mount({ info: { read_only: true, mode: "replica" } });
    w.button("button.rw-rules-toggle").click();
    await reply(w.model, w.model.lastOf("rules"), { offset: 0, rows: RULES, total: 3, counts: COUNTS });
    expect(w.$$(".rw-rule")).toHaveLength(3);
    expect(w.maybe(".rw-rule-extend, .rw-rule-delete, .rw-rule-boost")).toBeNull();
    w.model.update("auth", { state: "signed_out" });
    expect(w.$(".rw-rules").hidden).toBe(true);
    expect(w.button("button.rw-rules-toggle").disabled).toBe(true);
  });
});
