// The whole view on a fake model: what it sends, and what it shows of Python's replies.

import { afterEach, describe, expect, it, vi } from "vitest";
import { ROW_HEIGHT } from "../../js/parts/rows.js";
import { PAGE_SIZE } from "../../js/protocol.js";
import { WAITING_MS } from "../../js/rpc.js";
import { answerAll, answerCancels, answerPage, fail, flush, reply, row } from "./fake-model.js";
import { mount, pick, press, type, unmountAll } from "./helpers.js";

/** @typedef {import("./helpers.js").Mounted} Mounted */
/** @typedef {import("../../js/protocol.js").Row} Row */

afterEach(() => {
  unmountAll();
  vi.useRealTimers();
});

/**
 * Start a search generation with `rows` as the complete result.
 * @param {Mounted} w
 * @param {Row[]} rows
 * @param {number} [generation]
 */
async function showResults(w, rows, generation = 1) {
  w.model.update("results_state", { generation, loaded: rows.length, complete: true });
  await answerAll(w.model, "results", rows.length, (i) => rows[i] ?? row(`s:${i}`));
}

/**
 * Open a collection's row and answer its first page.
 * @param {Mounted} w
 * @param {string} did
 * @param {Row[]} children
 */
async function expand(w, did, children) {
  w.$(`.rw-row[data-did="${did}"] .rw-expand`).click();
  await answerPage(w.model, w.model.lastOf("page"), children.length, (i) => children[i] ?? row(`s:${i}`));
}

const RESULTS = [
  row("data18:AOD.001", "CONTAINER"),
  row("data18:AOD.002", "DATASET"),
  row("data18:AOD.003.root", "FILE"),
];

describe("search", () => {
  it("sends one search on Enter with the query, type and filters, and none while typing", () => {
    const w = mount();
    const input = w.input("input.rw-search");
    expect(input.placeholder).toBe("scope:name*");
    for (const text of ["d", "da", "data18:AOD*"]) {
      type(input, text);
      press(input, text.at(-1) ?? "");
    }
    w.select("select.rw-did-type").value = "dataset";
    type(w.input("input.rw-filter-text"), "datatype=AOD,run_number>=300000");
    expect(w.model.sentOf("search")).toHaveLength(0);

    const e = press(input, "Enter");
    expect(e.defaultPrevented).toBe(true);
    expect(w.model.bodies("search")).toEqual([
      {
        type: "search",
        query: "data18:AOD*",
        did_type: "dataset",
        filters: "datatype=AOD,run_number>=300000",
      },
    ]);
    expect(w.model.state.query).toBe("data18:AOD*");
    expect(w.model.state.did_type).toBe("dataset");
    expect(w.model.state.filters).toBe("datatype=AOD,run_number>=300000");
    expect(w.model.saves).toBeGreaterThan(0);
  });

  it("searches from the button, and not with filters Python would refuse", () => {
    const w = mount({ query: "mc20:*" });
    expect(w.input("input.rw-search").value).toBe("mc20:*");
    w.$("button.rw-search-button").click();
    expect(w.model.sentOf("search")).toHaveLength(1);

    const text = w.input("input.rw-filter-text");
    type(text, "datatype");
    expect(w.$(".rw-filter-error").textContent).not.toBe("");
    w.$("button.rw-search-button").click();
    expect(w.model.sentOf("search")).toHaveLength(1);
    expect(w.$(".rw-filters").hidden).toBe(false);
    expect(document.activeElement).toBe(text);
  });

  it("reads the filter text leniently while typing and strictly when sending", () => {
    const w = mount({ query: "mc20:*" });
    const text = w.input("input.rw-filter-text");
    type(text, "datatype=AOD,");
    // Still being typed: no complaint, and the form follows.
    expect(w.$(".rw-filter-error").textContent).toBe("");
    expect(text.hasAttribute("aria-invalid")).toBe(false);
    expect(w.$("button.rw-filters-toggle").textContent).toBe("Filters (1)");
    expect(w.$(".rw-filters").hidden).toBe(true);

    press(text, "Enter");
    expect(w.model.sentOf("search")).toHaveLength(0);
    expect(w.$(".rw-filter-error").textContent).toMatch(/empty condition/);
    expect(text.getAttribute("aria-invalid")).toBe("true");
    expect(w.$(".rw-filters").hidden).toBe(false);
    expect(document.activeElement).toBe(text);

    type(text, "datatype=AOD");
    press(text, "Enter");
    expect(w.model.bodies("search")).toEqual([
      { type: "search", query: "mc20:*", did_type: "all", filters: "datatype=AOD" },
    ]);
  });

  it("shows a refused search in the banner, and nothing for a cancelled one", async () => {
    const w = mount({ query: "mc20:*" });
    w.$("button.rw-search-button").click();
    await fail(w.model, w.model.lastOf("search"), "The search is empty.", {
      hint: "Type scope:name* and press Enter.",
      kind: "InvalidQueryError",
    });
    expect(w.$(".rw-error").hidden).toBe(false);
    expect(w.$(".rw-error-message").textContent).toBe("The search is empty.");
    expect(w.$(".rw-error-hint").textContent).toBe("Type scope:name* and press Enter.");
    // A reply's error is view state: dismissing it writes no trait.
    w.$(".rw-error-dismiss").click();
    expect(w.$(".rw-error").hidden).toBe(true);
    expect(w.model.saves).toBe(1);

    w.$("button.rw-search-button").click();
    await fail(w.model, w.model.lastOf("search"), "Cancelled", { kind: "CancelledError" });
    expect(w.$(".rw-error").hidden).toBe(true);
  });

  it("lets the scope picker prefix or replace the scope", () => {
    const w = mount({ scopes: ["data18", "user.jdoe"] });
    const picker = w.select("select.rw-scope");
    expect([...picker.options].map((o) => o.value)).toEqual(["", "data18", "user.jdoe"]);
    const input = w.input("input.rw-search");
    type(input, "AOD*");
    pick(picker, "data18");
    expect(input.value).toBe("data18:AOD*");
    pick(picker, "user.jdoe");
    expect(input.value).toBe("user.jdoe:AOD*");
  });

  it("shows the empty states", () => {
    const w = mount();
    expect(w.$(".rw-empty").textContent).toBe("Type scope:name and press Enter");
    w.model.update("query", "data18:nothing*");
    w.model.update("did_type", "dataset");
    w.model.update("results_state", { generation: 1, loaded: 0, complete: true });
    expect(w.$(".rw-empty").textContent).toBe("No DIDs match data18:nothing* among datasets");
    expect(w.$(".rw-empty").hidden).toBe(false);
  });
});

describe("results", () => {
  it("asks for page 0 on a new generation and renders the reply", async () => {
    const w = mount();
    expect(w.model.sentOf("page")).toHaveLength(0);
    w.model.update("results_state", { generation: 1, loaded: 3, complete: true });
    const pages = w.model.sentOf("page");
    expect(pages).toHaveLength(1);
    expect(pages[0]).toMatchObject({ type: "page", source: "results", offset: 0, limit: PAGE_SIZE });
    expect(typeof pages[0]?.request_id).toBe("number");

    await answerPage(w.model, w.model.lastOf("page"), 3, (i) => RESULTS[i] ?? row("x:x"));
    expect(w.$$(".rw-row").map((r) => r.dataset.did)).toEqual(RESULTS.map((r) => r.did));
    expect(w.$$(".rw-row").map((r) => r.dataset.type)).toEqual(["CONTAINER", "DATASET", "FILE"]);
    expect(w.$(".rw-count").textContent).toBe("3 results");
    expect(w.$(".rw-count-more").hidden).toBe(true);
    const file = w.rowEl("data18:AOD.003.root");
    expect(file.querySelector(".rw-size")?.textContent).toBe("1.2 MB");
    expect(file.querySelector(".rw-expand")).toBeNull();
    expect(w.rowEl("data18:AOD.002").querySelector(".rw-expand")).not.toBeNull();
    expect(w.rowEl("data18:AOD.002").querySelector(".rw-files")?.textContent).toBe("12");
    expect(w.$(".rw-empty").hidden).toBe(true);
    // One page request was enough.
    expect(w.model.sentOf("page")).toHaveLength(1);
  });

  it("gives up the pages of an older search and ignores replies it did not ask for", async () => {
    const w = mount();
    w.model.update("results_state", { generation: 1, loaded: 3, complete: true });
    const old = w.model.lastOf("page");
    w.model.update("results_state", { generation: 2, loaded: 2, complete: true });
    const fresh = w.model.lastOf("page");
    expect(fresh).toMatchObject({ source: "results", offset: 0 });
    expect(fresh.request_id).not.toBe(old.request_id);
    expect(w.model.bodies("cancel_request")).toEqual([{ type: "cancel_request", target: old.request_id }]);

    // The old page's reply was on its way before the cancel: it changes nothing.
    await answerPage(w.model, old, 3, (i) => row(`old:${i}`));
    expect(w.$$(".rw-row")).toHaveLength(0);
    w.model.message({
      type: "page",
      request_id: 123,
      source: "results",
      offset: 0,
      rows: [row("x:y")],
      total: 1,
      complete: true,
    });
    // A reply of another type with the page's id is not the page's reply.
    w.model.message({ type: "details", request_id: fresh.request_id, did: "x:y", metadata: {} });
    await flush();
    expect(w.$$(".rw-row")).toHaveLength(0);

    await answerPage(w.model, fresh, 2, (i) => row(`new:${i}`));
    expect(w.$$(".rw-row").map((r) => r.dataset.did)).toEqual(["new:0", "new:1"]);
    // The same reply again is not applied twice.
    await answerPage(w.model, fresh, 2, (i) => row(`again:${i}`));
    expect(w.$$(".rw-row").map((r) => r.dataset.did)).toEqual(["new:0", "new:1"]);
  });

  it("keeps about a screenful of rows in the DOM with 100,000 results", async () => {
    const w = mount();
    const make = (/** @type {number} */ i) => row(`mc20:file.${String(i).padStart(6, "0")}`, "FILE");
    w.model.update("results_state", { generation: 1, loaded: 100000, complete: true });
    await answerAll(w.model, "results", 100000, make);
    expect(w.$(".rw-count").textContent).toBe("100,000 results");
    expect(w.$(".rw-spacer").style.height).toBe(`${100000 * ROW_HEIGHT}px`);
    const first = w.$$(".rw-item");
    expect(first.length).toBeGreaterThan(10);
    expect(first.length).toBeLessThanOrEqual(100);
    expect(w.maybeRow("mc20:file.000000")).not.toBeNull();

    // Jump to the middle: the rows there are asked for and rendered, still few in the DOM.
    const tree = w.$(".rw-tree");
    tree.scrollTop = 50000 * ROW_HEIGHT;
    tree.dispatchEvent(new Event("scroll"));
    const asked = w.model.lastOf("page");
    expect(asked.offset).toBeLessThanOrEqual(50000);
    expect(asked.offset).toBeGreaterThan(49800);
    await answerAll(w.model, "results", 100000, make);
    expect(w.maybeRow("mc20:file.050005")).not.toBeNull();
    expect(w.maybeRow("mc20:file.000000")).toBeNull();
    expect(w.$$(".rw-item").length).toBeLessThanOrEqual(100);
    // Only the pages in view were asked for.
    expect(w.model.sentOf("page").length).toBeLessThan(6);
  });

  it("asks for more rows when loaded grows, and offers Load more while incomplete", async () => {
    const w = mount();
    w.model.update("results_state", { generation: 1, loaded: 2, complete: false });
    await answerPage(w.model, w.model.lastOf("page"), 2, (i) => row(`s:${i}`), { complete: false });
    expect(w.$$(".rw-row")).toHaveLength(2);
    expect(w.$(".rw-count").textContent).toBe("2 results");
    expect(w.$(".rw-count-more").hidden).toBe(false);
    const sentBefore = w.model.sentOf("page").length;

    w.model.update("results_state", { generation: 1, loaded: 5, complete: false });
    const next = w.model.sentOf("page").slice(sentBefore);
    expect(next.some((p) => p.offset === 2)).toBe(true);
    await answerAll(w.model, "results", 5, (i) => row(`s:${i}`), { complete: false });
    expect(w.$$(".rw-row")).toHaveLength(5);

    w.$("button.rw-load-more").click();
    w.$("button.rw-count-more").click();
    expect(w.model.bodies("load_more")).toEqual([{ type: "load_more" }, { type: "load_more" }]);
    w.model.update("results_state", { generation: 1, loaded: 5, complete: true });
    expect(w.maybe("button.rw-load-more")).toBeNull();
  });

  it("expands a collection lazily and indents its children", async () => {
    const w = mount();
    await showResults(w, RESULTS);
    const before = w.model.sentOf("page").length;
    const dataset = w.rowEl("data18:AOD.002");
    expect(dataset.getAttribute("aria-expanded")).toBe("false");
    w.$('.rw-row[data-did="data18:AOD.002"] .rw-expand').click();

    const asked = w.model.sentOf("page").slice(before);
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({ source: "data18:AOD.002", offset: 0, limit: PAGE_SIZE });
    await answerPage(w.model, w.model.lastOf("page"), 2, (i) => row(`data18:AOD.002._${i}.root`, "FILE"));

    const order = w.$$(".rw-row").map((r) => `${r.dataset.did}@${r.dataset.depth}`);
    expect(order).toEqual([
      "data18:AOD.001@0",
      "data18:AOD.002@0",
      "data18:AOD.002._0.root@1",
      "data18:AOD.002._1.root@1",
      "data18:AOD.003.root@0",
    ]);
    const child = w.rowEl("data18:AOD.002._0.root");
    expect(child.getAttribute("aria-level")).toBe("2");
    expect(child.style.getPropertyValue("--rw-depth")).toBe("1");
    expect(w.rowEl("data18:AOD.002").getAttribute("aria-expanded")).toBe("true");

    // Collapse, and open again from the cache: no new request.
    w.$('.rw-row[data-did="data18:AOD.002"] .rw-expand').click();
    expect(w.maybeRow("data18:AOD.002._0.root")).toBeNull();
    w.$('.rw-row[data-did="data18:AOD.002"] .rw-expand').click();
    expect(w.maybeRow("data18:AOD.002._0.root")).not.toBeNull();
    expect(w.model.sentOf("page").length).toBe(before + 1);
  });

  it("pages through a large collection as it scrolls into view", async () => {
    const w = mount();
    await showResults(w, [row("mc20:big", "DATASET")]);
    w.$('.rw-row[data-did="mc20:big"] .rw-expand').click();
    const make = (/** @type {number} */ i) => row(`mc20:big._${i}`, "FILE");
    const first = w.model.lastOf("page");
    await answerPage(w.model, first, 250, make, { complete: false });
    expect(w.model.lastOf("page")).toBe(first);

    const tree = w.$(".rw-tree");
    tree.scrollTop = 95 * ROW_HEIGHT;
    tree.dispatchEvent(new Event("scroll"));
    const second = w.model.lastOf("page");
    expect(second).toMatchObject({ source: "mc20:big", offset: 100 });
    await answerPage(w.model, second, 250, make, { complete: false });
    expect(w.maybeRow("mc20:big._105")).not.toBeNull();
  });

  it("shows a failed page in place with its hint, and asks again on Retry", async () => {
    const w = mount();
    await showResults(w, [row("s:ds", "DATASET")]);
    w.$('.rw-row[data-did="s:ds"] .rw-expand').click();
    await fail(w.model, w.model.lastOf("page"), "Access denied to s:ds", {
      hint: "Ask the scope's owner for access.",
      kind: "PermissionDeniedError",
    });
    const note = w.$("span.rw-note-error");
    expect(note.textContent).toBe("Could not load: Access denied to s:ds");
    expect(note.title).toMatch(/Ask the scope's owner/);
    const pages = w.model.sentOf("page").length;
    w.$("button.rw-retry").click();
    expect(w.model.sentOf("page")).toHaveLength(pages + 1);
    await answerPage(w.model, w.model.lastOf("page"), 1, () => row("s:ds.f", "FILE"));
    expect(w.maybe("span.rw-note-error")).toBeNull();
    expect(w.maybeRow("s:ds.f")).not.toBeNull();
  });

  it("says so when a page waits long, and still takes the late reply", async () => {
    vi.useFakeTimers();
    const w = mount();
    w.model.update("results_state", { generation: 1, loaded: 3, complete: true });
    expect(w.$(".rw-note-row").textContent).toBe("Loading…");
    vi.advanceTimersByTime(WAITING_MS);
    await flush();
    expect(w.$(".rw-note-row").textContent).toBe("Waiting for the server…");
    await answerPage(w.model, w.model.lastOf("page"), 3, (i) => RESULTS[i] ?? row("x:x"));
    expect(w.$$(".rw-row")).toHaveLength(3);
    expect(w.maybe(".rw-note-row")).toBeNull();
  });
});

describe("selection", () => {
  it("writes a new selected array when a checkbox changes", async () => {
    const initial = ["other:ds"];
    const w = mount({ selected: initial });
    await showResults(w, RESULTS);
    const box = w.input('.rw-row[data-did="data18:AOD.002"] input.rw-check');
    expect(box.checked).toBe(false);
    box.click();
    expect(w.model.state.selected).toEqual(["other:ds", "data18:AOD.002"]);
    expect(w.model.state.selected).not.toBe(initial);
    expect(initial).toEqual(["other:ds"]);
    expect(w.model.saves).toBe(1);
    expect(w.input('.rw-row[data-did="data18:AOD.002"] input.rw-check').checked).toBe(true);
    expect(w.$(".rw-status").textContent).toMatch(/2 selected/);

    w.input('.rw-row[data-did="data18:AOD.002"] input.rw-check').click();
    expect(w.model.state.selected).toEqual(["other:ds"]);
  });

  it("sends select_all, clears, and shows files under a selected collection as selected", async () => {
    const w = mount();
    await showResults(w, RESULTS);
    w.$("button.rw-select-all").click();
    expect(w.model.bodies("select_all")).toEqual([{ type: "select_all" }]);
    w.model.update("selected", ["data18:AOD.002"]);
    await expand(w, "data18:AOD.002", [row("data18:f1", "FILE")]);
    const childBox = w.input('.rw-row[data-did="data18:f1"] input.rw-check');
    expect(childBox.checked).toBe(true);
    expect(childBox.disabled).toBe(true);

    w.$("button.rw-clear").click();
    expect(w.model.state.selected).toEqual([]);
    expect(w.input('.rw-row[data-did="data18:f1"] input.rw-check').checked).toBe(false);
  });

  it("makes a row or the selection available", async () => {
    const w = mount();
    await showResults(w, [row("s:a", "DATASET", { status: { status: "AVAILABLE" } }), row("s:b", "DATASET")]);
    expect(w.rowEl("s:a").querySelector(".rw-make-available")).toBeNull();
    w.$('.rw-row[data-did="s:b"] .rw-make-available').click();
    expect(w.model.bodies("make_available")).toEqual([{ type: "make_available", dids: ["s:b"] }]);

    const toolbarButton = w.button("button.rw-make-selection-available");
    expect(toolbarButton.disabled).toBe(true);
    w.model.update("selected", ["s:b"]);
    expect(toolbarButton.disabled).toBe(false);
    toolbarButton.click();
    expect(w.model.bodies("make_available").at(-1)).toEqual({ type: "make_available", dids: [] });
    await reply(w.model, w.model.lastOf("make_available"), { requested: ["s:b"] });
    expect(w.$(".rw-error").hidden).toBe(true);
  });

  it("shows why making data available failed", async () => {
    const w = mount({ selected: ["s:b"] });
    w.$("button.rw-make-selection-available").click();
    await fail(w.model, w.model.lastOf("make_available"), "Quota exceeded on SITE_DISK", {
      hint: "Ask for more quota, or pick another RSE.",
      kind: "QuotaExceededError",
    });
    expect(w.$(".rw-error-message").textContent).toBe("Quota exceeded on SITE_DISK");
    expect(w.$(".rw-error-hint").textContent).toBe("Ask for more quota, or pick another RSE.");
  });

  it("offers Cancel when the server is slow to answer, and gives the request up", async () => {
    vi.useFakeTimers();
    const w = mount({ selected: ["s:b"] });
    w.$("button.rw-make-selection-available").click();
    const request = w.model.lastOf("make_available");
    expect(w.$(".rw-status-waiting").hidden).toBe(true);
    vi.advanceTimersByTime(WAITING_MS);
    expect(w.$(".rw-status-waiting").hidden).toBe(false);
    expect(w.$(".rw-status-waiting").textContent).toMatch(/Waiting for the server/);
    w.$(".rw-status-waiting button.rw-waiting-cancel").click();
    expect(w.model.bodies("cancel_request")).toEqual([
      { type: "cancel_request", target: request.request_id },
    ]);
    await answerCancels(w.model);
    expect(w.$(".rw-status-waiting").hidden).toBe(true);
    expect(w.$(".rw-error").hidden).toBe(true);
  });
});

describe("status", () => {
  it("updates badges from status deltas, in results and children", async () => {
    const w = mount();
    await showResults(w, RESULTS);
    await expand(w, "data18:AOD.002", [row("data18:f1", "FILE")]);
    const pagesBefore = w.model.sentOf("page").length;
    const badge = (/** @type {string} */ did) => w.$(`.rw-row[data-did="${did}"] .rw-badge`);
    expect(badge("data18:AOD.002").dataset.status).toBe("UNKNOWN");

    w.model.message({
      type: "status",
      updates: {
        "data18:AOD.002": { status: "PARTIALLY_AVAILABLE", available: 3, total: 12 },
        "data18:f1": { status: "AVAILABLE" },
        "data18:AOD.001": { status: "STUCK", message: "no quota" },
      },
    });
    expect(badge("data18:AOD.002").dataset.status).toBe("PARTIALLY_AVAILABLE");
    expect(badge("data18:AOD.002").textContent).toBe("3/12");
    expect(badge("data18:f1").dataset.status).toBe("AVAILABLE");
    expect(w.rowEl("data18:f1").querySelector(".rw-make-available")).toBeNull();
    expect(badge("data18:AOD.001").title).toMatch(/no quota/);
    expect(w.model.sentOf("page").length).toBe(pagesBefore);
  });

  it("shows the error banner and dismisses it", () => {
    const w = mount();
    expect(w.$(".rw-error").hidden).toBe(true);
    w.model.update("error", { message: "Cannot authenticate", hint: "Run voms-proxy-init" });
    expect(w.$(".rw-error").hidden).toBe(false);
    expect(w.$(".rw-error-message").textContent).toBe("Cannot authenticate");
    expect(w.$(".rw-error-hint").textContent).toBe("Run voms-proxy-init");
    w.$(".rw-error-dismiss").click();
    expect(w.model.state.error).toEqual({});
    expect(w.model.saves).toBe(1);
    expect(w.$(".rw-error").hidden).toBe(true);
  });

  it("shows busy work with a cancel button, and the status bar", () => {
    const w = mount({
      info: {
        server: "https://rucio.example.org",
        account: "jdoe",
        mode: "download",
        destination: "/data/rucio",
      },
      paths_state: { files: 12, available: 10, pending: 2 },
      selected: ["a:b", "c:d", "e:f"],
    });
    expect(w.$(".rw-busy").hidden).toBe(true);
    w.model.update("busy", "Searching…");
    expect(w.$(".rw-busy").hidden).toBe(false);
    expect(w.$(".rw-busy").textContent).toMatch(/Searching…/);
    expect(w.$(".rucio-widgets").classList.contains("rw-is-busy")).toBe(true);
    expect(w.$(".rw-tree").getAttribute("aria-busy")).toBe("true");
    w.$("button.rw-cancel").click();
    expect(w.model.bodies("cancel")).toEqual([{ type: "cancel" }]);
    w.model.update("busy", "");
    expect(w.$(".rw-busy").hidden).toBe(true);

    const status = w.$(".rw-status").textContent;
    expect(status).toMatch(/rucio\.example\.org/);
    expect(status).toMatch(/jdoe/);
    expect(status).toMatch(/download → \/data\/rucio/);
    expect(status).toMatch(/3 selected · 12 files · 10 paths ready · 2 pending/);
  });
});

describe("keyboard and details", () => {
  it("moves, expands, selects and opens details from the keyboard", async () => {
    const w = mount();
    await showResults(w, RESULTS);
    const tree = w.$(".rw-tree");
    expect(tree.getAttribute("role")).toBe("tree");
    expect(tree.tabIndex).toBe(0);
    const active = () =>
      document.getElementById(tree.getAttribute("aria-activedescendant") ?? "")?.dataset.did;

    press(tree, "ArrowDown");
    expect(active()).toBe("data18:AOD.001");
    press(tree, "ArrowDown");
    expect(active()).toBe("data18:AOD.002");

    press(tree, " ");
    expect(w.model.state.selected).toEqual(["data18:AOD.002"]);

    press(tree, "ArrowRight");
    const childPage = w.model.lastOf("page");
    expect(childPage.source).toBe("data18:AOD.002");
    await answerPage(w.model, childPage, 1, () => row("data18:f1", "FILE"));
    press(tree, "ArrowRight");
    expect(active()).toBe("data18:f1");
    press(tree, "ArrowLeft");
    expect(active()).toBe("data18:AOD.002");
    press(tree, "ArrowLeft");
    expect(w.maybeRow("data18:f1")).toBeNull();

    const e = press(tree, "Enter");
    expect(e.defaultPrevented).toBe(true);
    expect(w.model.bodies("details")).toEqual([{ type: "details", did: "data18:AOD.002" }]);
    expect(w.$(".rw-details").hidden).toBe(false);
    expect(w.$(".rw-details").textContent).toMatch(/Loading/);

    await reply(w.model, w.model.lastOf("details"), {
      did: "data18:AOD.002",
      did_type: "DATASET",
      parents: [],
      did_url: null,
      metadata: { datatype: "AOD", events: 5000 },
      replicas: [
        {
          rse: "CERN-PROD_DATADISK",
          state: "AVAILABLE",
          path: "/data/rucio/x.root",
          available: 12,
          total: 12,
        },
      ],
      rules: [
        {
          id: "0123456789abcdef",
          did: "data18:AOD.002",
          rse_expression: "CERN-PROD_DATADISK",
          state: "OK",
          account: "jdoe",
          locks_ok: 12,
          locks_replicating: 0,
          locks_stuck: 0,
          created_at: null,
          expires_at: null,
          error: null,
          comment: null,
          url: null,
        },
      ],
    });
    const details = w.$(".rw-details").textContent;
    expect(details).toMatch(/datatype/);
    expect(details).toMatch(/5000/);
    expect(details).toMatch(/CERN-PROD_DATADISK/);
    expect(details).toMatch(/12 \/ 0 \/ 0/);
    expect(w.$(".rw-details-replicas").textContent).toMatch(/12 \/ 12/);
    expect(w.$(".rw-details-type").dataset.type).toBe("DATASET");
    w.$(".rw-details-close").click();
    expect(w.$(".rw-details").hidden).toBe(true);
    expect(document.activeElement).toBe(tree);
  });

  it("activates the first row on focus and opens a collection on double click", async () => {
    const w = mount();
    await showResults(w, RESULTS);
    const tree = w.$(".rw-tree");
    tree.dispatchEvent(new FocusEvent("focus"));
    const active = () =>
      document.getElementById(tree.getAttribute("aria-activedescendant") ?? "")?.dataset.did;
    expect(active()).toBe("data18:AOD.001");
    w.$('.rw-row[data-did="data18:AOD.002"] .rw-size').dispatchEvent(
      new MouseEvent("dblclick", { bubbles: true }),
    );
    expect(w.model.lastOf("page")).toMatchObject({ source: "data18:AOD.002", offset: 0 });
  });

  it("opens details when a name is clicked, ignores replies to others, and shows an error in place", async () => {
    const w = mount();
    await showResults(w, RESULTS);
    w.$('.rw-row[data-did="data18:AOD.003.root"] .rw-name').click();
    const ask = w.model.lastOf("details");
    expect(ask.did).toBe("data18:AOD.003.root");
    w.model.message({
      type: "details",
      request_id: ask.request_id + 999,
      did: "x:y",
      metadata: { wrong: 1 },
    });
    await flush();
    expect(w.$(".rw-details").textContent).not.toMatch(/wrong/);
    await fail(w.model, ask, "DID not found", {
      hint: "Check the scope and the name.",
      kind: "NotFoundError",
    });
    expect(w.$(".rw-details-error").textContent).toBe("DID not found");
    expect(w.$(".rw-details-hint").textContent).toBe("Check the scope and the name.");
    // Retry asks again.
    w.$(".rw-details-retry").click();
    expect(w.model.sentOf("details")).toHaveLength(2);
  });

  it("gives up the details request when another DID is opened or the pane closed", async () => {
    const w = mount();
    await showResults(w, RESULTS);
    w.$('.rw-row[data-did="data18:AOD.002"] .rw-name').click();
    const first = w.model.lastOf("details");
    w.$('.rw-row[data-did="data18:AOD.003.root"] .rw-name').click();
    const second = w.model.lastOf("details");
    expect(w.model.bodies("cancel_request")).toEqual([{ type: "cancel_request", target: first.request_id }]);
    await answerCancels(w.model);
    expect(w.$(".rw-details-title").textContent).toBe("data18:AOD.003.root");
    expect(w.$(".rw-details").textContent).toMatch(/Loading/);

    w.$(".rw-details-close").click();
    expect(w.model.bodies("cancel_request").at(-1)).toEqual({
      type: "cancel_request",
      target: second.request_id,
    });
    expect(w.$(".rw-details").hidden).toBe(true);
  });

  it("marks every focusable element so that Lumino skips its notebook shortcuts", async () => {
    const w = mount();
    await showResults(w, RESULTS);
    w.$("button.rw-filters-toggle").click();
    const focusable = w.$$("button, input, select, [tabindex]");
    expect(focusable.length).toBeGreaterThan(20);
    expect(focusable.filter((e) => e.getAttribute("data-lm-suppress-shortcuts") !== "true")).toEqual([]);
  });

  it("keeps plain keys from reaching the notebook's shortcuts", () => {
    const w = mount();
    let reached = 0;
    const outer = () => {
      reached += 1;
    };
    document.addEventListener("keydown", outer);
    try {
      press(w.$(".rw-tree"), "d");
      press(w.$("input.rw-search"), "a");
      expect(reached).toBe(0);
      press(w.$(".rw-tree"), "s", { ctrlKey: true });
      expect(reached).toBe(1);
    } finally {
      document.removeEventListener("keydown", outer);
    }
  });
});

describe("filters", () => {
  /** @param {HTMLElement} g */
  const rows = (g) =>
    [...g.querySelectorAll(".rw-filter-row")].map((r) => {
      const field = (/** @type {string} */ sel) =>
        /** @type {HTMLInputElement | null} */ (r.querySelector(sel))?.value;
      return `${field(".rw-filter-key")}${field(".rw-filter-op")}${field(".rw-filter-value")}`;
    });

  it("keeps the form and the text in step", () => {
    const w = mount();
    w.$("button.rw-filters-toggle").click();
    expect(w.$(".rw-filters").hidden).toBe(false);
    expect(w.$("button.rw-filters-toggle").getAttribute("aria-expanded")).toBe("true");

    const text = w.input("input.rw-filter-text");
    type(text, "datatype=AOD;1<events<5");
    const groups = w.$$(".rw-filter-group");
    expect(groups).toHaveLength(2);
    expect(groups.map(rows)).toEqual([["datatype=AOD"], ["events>1", "events<5"]]);
    expect(w.$("button.rw-filters-toggle").textContent).toBe("Filters (3)");

    // Editing the form writes the text.
    pick(w.select(".rw-filter-group .rw-filter-op"), "!=");
    expect(text.value).toBe("datatype!=AOD;events>1,events<5");
    const value = groups[1]?.querySelectorAll(".rw-filter-value")[1];
    if (!(value instanceof HTMLInputElement)) throw new Error("no second value in group 2");
    type(value, "9");
    expect(text.value).toBe("datatype!=AOD;events>1,events<9");

    // Add a condition and a group, fill them in, then remove one.
    w.$(".rw-filter-group .rw-filter-add-row").click();
    const added = w.$$(".rw-filter-group")[0]?.querySelectorAll(".rw-filter-row")[1];
    if (!added) throw new Error("no condition was added");
    type(/** @type {HTMLInputElement} */ (added.querySelector(".rw-filter-key")), "run_number");
    pick(/** @type {HTMLSelectElement} */ (added.querySelector(".rw-filter-op")), ">=");
    type(/** @type {HTMLInputElement} */ (added.querySelector(".rw-filter-value")), "300000");
    expect(document.activeElement).toBe(added.querySelector(".rw-filter-key"));
    expect(text.value).toBe("datatype!=AOD,run_number>=300000;events>1,events<9");
    w.$("button.rw-filter-add-group").click();
    expect(w.$$(".rw-filter-group")).toHaveLength(3);
    expect(text.value).toBe("datatype!=AOD,run_number>=300000;events>1,events<9");
    /** @type {HTMLElement | null | undefined} */ (
      w.$$(".rw-filter-group")[1]?.querySelector(".rw-filter-remove")
    )?.click();
    expect(text.value).toBe("datatype!=AOD,run_number>=300000;events<9");

    // Text that cannot be read leaves the form alone and says why.
    type(text, "datatype=AOD,events");
    expect(w.$(".rw-filter-error").textContent).not.toBe("");
    expect(text.getAttribute("aria-invalid")).toBe("true");
    expect(w.$$(".rw-filter-group")).toHaveLength(3);
  });

  it("follows the filters trait set from Python", () => {
    const w = mount({ filters: "project=data18" });
    expect(w.input("input.rw-filter-text").value).toBe("project=data18");
    w.model.update("filters", "run_number>1;datatype=RAW");
    expect(w.$$(".rw-filter-group")).toHaveLength(2);
  });
});

describe("lifecycle", () => {
  it("initialize owns the model's one listener for replies; render's cleanup removes every other", () => {
    const w = mount();
    const model = w.model;
    // One per trait the view follows, msg:custom for status, and the rpc's msg:custom.
    expect(model.listenerCount("msg:custom")).toBe(2);
    for (const name of ["query", "did_type", "filters", "scopes", "selected", "info", "busy", "error"])
      expect(model.listenerCount(`change:${name}`)).toBe(1);
    for (const name of ["results_state", "paths_state", "auth", "instances", "instance"])
      expect(model.listenerCount(`change:${name}`)).toBe(1);
    expect(model.listenerCount()).toBe(15);
    expect(w.maybe(".rucio-widgets")).not.toBeNull();

    // A second view of the model adds its own listeners, not another rpc.
    const el = document.createElement("div");
    const second = w.def.render({ model, el });
    expect(model.listenerCount()).toBe(29);
    second();
    expect(model.listenerCount()).toBe(15);
    expect(el.querySelector(".rucio-widgets")).toBeNull();
    w.cleanup();
    expect(model.listenerCount()).toBe(0);
    expect(w.maybe(".rucio-widgets")).toBeNull();
    // Messages after cleanup reach nothing.
    model.update("results_state", { generation: 1, loaded: 1, complete: true });
    expect(model.sentOf("page")).toHaveLength(0);
  });

  it("gives up its requests in flight when a view goes away", async () => {
    const w = mount();
    await showResults(w, RESULTS);
    w.$('.rw-row[data-did="data18:AOD.002"] .rw-expand').click();
    w.$('.rw-row[data-did="data18:AOD.001"] .rw-name').click();
    const page = w.model.lastOf("page");
    const details = w.model.lastOf("details");
    w.cleanup();
    expect(
      w.model
        .bodies("cancel_request")
        .map((c) => c.target)
        .sort(),
    ).toEqual([page.request_id, details.request_id].sort());
  });

  it("renders with an rpc of its own when the host does not call initialize", async () => {
    const w = mount({}, { initialize: false });
    expect(w.model.listenerCount("msg:custom")).toBe(2);
    await showResults(w, RESULTS);
    expect(w.$$(".rw-row")).toHaveLength(3);
    w.cleanup();
    expect(w.model.listenerCount()).toBe(0);
  });

  it("two views of one model keep their own requests", async () => {
    const a = mount();
    const el = document.createElement("div");
    const cleanupB = a.def.render({ model: a.model, el });
    try {
      a.model.update("results_state", { generation: 1, loaded: 1, complete: true });
      const pages = a.model.sentOf("page");
      expect(pages).toHaveLength(2);
      expect(pages[0]?.request_id).not.toBe(pages[1]?.request_id);
      await answerAll(a.model, "results", 1, () => row("s:only", "FILE"));
      expect(a.maybeRow("s:only")).not.toBeNull();
      expect(el.querySelector('.rw-row[data-did="s:only"]')).not.toBeNull();
    } finally {
      cleanupB();
    }
  });

  it("never reuses a request id, across views and models", () => {
    const a = mount();
    const b = mount();
    for (const w of [a, b]) {
      w.model.update("results_state", { generation: 1, loaded: 1, complete: true });
      w.$("button.rw-select-all").click();
    }
    const ids = [...a.model.sent, ...b.model.sent].map((m) => m.request_id);
    expect(ids).toHaveLength(4);
    expect(new Set(ids).size).toBe(4);
  });
});

describe("Rucio web UI links", () => {
  /**
   * Open the details of a DID and answer them.
   * @param {Mounted} w
   * @param {string | null | undefined} didUrl undefined: a reply without the field
   */
  async function details(w, didUrl) {
    await showResults(w, RESULTS);
    w.$('.rw-row[data-did="data18:AOD.002"] .rw-name').click();
    const rule = (/** @type {string} */ id, /** @type {string | null} */ url) => ({
      id,
      did: "data18:AOD.002",
      rse_expression: "CERN-PROD_DATADISK",
      state: "OK",
      account: "jdoe",
      locks_ok: 1,
      locks_replicating: 0,
      locks_stuck: 0,
      created_at: null,
      expires_at: null,
      error: null,
      comment: null,
      url,
    });
    await reply(w.model, w.model.lastOf("details"), {
      did: "data18:AOD.002",
      did_type: "DATASET",
      parents: [],
      // protocol.py always sends did_url; the view must cope with a reply that has none.
      did_url: /** @type {string | null} */ (didUrl),
      metadata: {},
      replicas: [],
      rules: [
        rule("aaaaaaaa11112222", "https://rucio-ui.example.org/rule?rule_id=aaaaaaaa11112222"),
        rule("bbbbbbbb11112222", null),
        rule("cccccccc11112222", "javascript:alert(1)"),
        rule("dddddddd11112222", "http://localhost:8080/rule?rule_id=dddddddd11112222"),
      ],
    });
  }

  it("links the DID and the rules when their URLs are http(s)", async () => {
    const w = mount();
    await details(w, "https://rucio-ui.example.org/did?scope=data18&name=AOD.002");
    const link = w.$(".rw-details-title a.rw-webui-did");
    expect(link.getAttribute("href")).toBe("https://rucio-ui.example.org/did?scope=data18&name=AOD.002");
    expect(link.getAttribute("target")).toBe("_blank");
    expect(link.getAttribute("rel")).toBe("noopener noreferrer");
    expect(link.textContent).toBe("data18:AOD.002");
    expect(link.getAttribute("data-lm-suppress-shortcuts")).toBe("true");

    const rules = w.$$("a.rw-webui-rule");
    expect(rules.map((a) => a.getAttribute("href"))).toEqual([
      "https://rucio-ui.example.org/rule?rule_id=aaaaaaaa11112222",
      "http://localhost:8080/rule?rule_id=dddddddd11112222",
    ]);
    expect(rules.map((a) => a.textContent)).toEqual(["aaaaaaaa", "dddddddd"]);
    for (const a of rules) {
      expect(a.getAttribute("target")).toBe("_blank");
      expect(a.getAttribute("rel")).toBe("noopener noreferrer");
    }
    // The rules without a usable URL show their id as plain text.
    const cells = w.$$(".rw-details-rules tbody tr td:first-child");
    expect(cells.map((td) => td.textContent)).toEqual(["aaaaaaaa", "bbbbbbbb", "cccccccc", "dddddddd"]);
    expect(cells[1]?.querySelector("a")).toBeNull();
    expect(cells[2]?.querySelector("a")).toBeNull();
    expect(cells[1]?.querySelector("code")?.getAttribute("title")).toBe("bbbbbbbb11112222");
    expect(w.$(".rw-details").innerHTML).not.toMatch(/javascript:/);
  });

  it.each([null, undefined, "", "javascript:alert(1)", "data:text/html,x", "ftp://x/y", "/did/x"])(
    "shows the DID as plain text when did_url is %s",
    async (didUrl) => {
      const w = mount();
      await details(w, didUrl);
      expect(w.maybe("a.rw-webui-did")).toBeNull();
      expect(w.$(".rw-details-title").textContent).toBe("data18:AOD.002");
    },
  );

  it("shows no link while the details load", async () => {
    const w = mount();
    await showResults(w, RESULTS);
    w.$('.rw-row[data-did="data18:AOD.002"] .rw-name').click();
    expect(w.$(".rw-details-title").textContent).toBe("data18:AOD.002");
    expect(w.maybe("a.rw-webui-did")).toBeNull();
  });

  it("links the web UI from the status bar when it is configured", () => {
    const w = mount({ info: { server: "https://rucio.example.org", webui: "https://rucio-ui.example.org" } });
    const link = w.$(".rw-status a.rw-webui");
    expect(link.getAttribute("href")).toBe("https://rucio-ui.example.org/");
    expect(link.getAttribute("target")).toBe("_blank");
    expect(link.getAttribute("rel")).toBe("noopener noreferrer");
    w.model.update("info", { server: "https://rucio.example.org", webui: "" });
    expect(w.maybe("a.rw-webui")).toBeNull();
    w.model.update("info", { server: "https://rucio.example.org", webui: "javascript:alert(1)" });
    expect(w.maybe("a.rw-webui")).toBeNull();
  });

  it("marks a read-only browser, so that nothing that writes is offered", () => {
    const w = mount({ info: { server: "https://rucio.example.org", mode: "replica" } });
    const root = w.$(".rucio-widgets");
    expect(root.classList.contains("rw-read-only")).toBe(false);
    expect(w.maybe(".rw-status-read-only")).toBeNull();
    w.model.update("info", { server: "https://rucio.example.org", mode: "replica", read_only: true });
    expect(root.classList.contains("rw-read-only")).toBe(true);
    expect(w.$(".rw-status-read-only").textContent).toBe("read-only");
  });
});

describe("options for making data available", () => {
  /** @type {{mode: "replica", destination: string}} */
  const REPLICA = { mode: "replica", destination: "CERN-PROD_SCRATCHDISK" };

  /** @param {Mounted} w */
  function fields(w) {
    return {
      rse: w.input("input.rw-opt-rse"),
      lifetime: w.input("input.rw-opt-lifetime"),
      grouping: w.select("select.rw-opt-grouping"),
      async: w.input("input.rw-opt-async"),
      comment: w.input("input.rw-opt-comment"),
    };
  }

  it("has the fields next to the toolbar button, closed at first", () => {
    const w = mount({ info: REPLICA });
    const toggle = w.$("button.rw-make-options-toggle");
    expect(toggle.textContent).toBe("Options");
    expect(w.$("button.rw-make-selection-available").nextElementSibling).toBe(toggle);
    expect(toggle.hidden).toBe(false);
    expect(toggle.getAttribute("aria-expanded")).toBe("false");
    expect(w.$(".rw-make-options").hidden).toBe(true);
    toggle.click();
    expect(w.$(".rw-make-options").hidden).toBe(false);
    expect(toggle.getAttribute("aria-expanded")).toBe("true");

    const f = fields(w);
    expect(f.rse.placeholder).toBe("CERN-PROD_SCRATCHDISK");
    expect(f.lifetime.type).toBe("number");
    expect(f.lifetime.min).toBe("1");
    expect(f.lifetime.value).toBe("");
    expect([...f.grouping.options].map((o) => o.value)).toEqual(["DATASET", "ALL", "NONE"]);
    expect(f.grouping.value).toBe("DATASET");
    expect(f.async.type).toBe("checkbox");
    expect(f.async.checked).toBe(false);
    expect(f.comment.value).toBe("");
    for (const el of [f.rse, f.lifetime, f.grouping, f.async, f.comment]) {
      expect(el.labels?.length ?? 1).toBeGreaterThan(0);
      expect(el.getAttribute("data-lm-suppress-shortcuts")).toBe("true");
    }
    w.model.update("info", { ...REPLICA, destination: "SITE_B_DISK" });
    expect(f.rse.placeholder).toBe("SITE_B_DISK");
    toggle.click();
    expect(w.$(".rw-make-options").hidden).toBe(true);
  });

  it("sends the plain request when no option is set or the panel is closed", async () => {
    const w = mount({ info: REPLICA, selected: ["s:b"] });
    await showResults(w, [row("s:b", "DATASET")]);
    const toolbarButton = w.$("button.rw-make-selection-available");
    const rowButton = () => w.$('.rw-row[data-did="s:b"] .rw-make-available');

    w.$("button.rw-make-options-toggle").click(); // open, nothing set
    const f = fields(w);
    f.grouping.value = "DATASET"; // the default is not an option
    toolbarButton.click();
    rowButton().click();

    type(f.rse, "SITE_A_DISK");
    type(f.lifetime, "7");
    f.async.checked = true;
    w.$("button.rw-make-options-toggle").click(); // closed: the options no longer apply
    toolbarButton.click();
    rowButton().click();

    expect(w.model.bodies("make_available")).toEqual([
      { type: "make_available", dids: [] },
      { type: "make_available", dids: ["s:b"] },
      { type: "make_available", dids: [] },
      { type: "make_available", dids: ["s:b"] },
    ]);
  });

  it("sends exactly the options set, from the toolbar and from a row", async () => {
    const w = mount({ info: REPLICA, selected: ["s:b"] });
    await showResults(w, [row("s:b", "DATASET"), row("s:c", "DATASET", { status: { status: "STUCK" } })]);
    w.$("button.rw-make-options-toggle").click();
    const f = fields(w);
    type(f.rse, " SITE_A_DISK|SITE_B_DISK ");
    type(f.lifetime, "30");
    f.async.click();
    expect(f.async.checked).toBe(true);

    w.$("button.rw-make-selection-available").click();
    w.$('.rw-row[data-did="s:b"] .rw-make-available').click();
    w.$('.rw-row[data-did="s:c"] .rw-make-available').click();
    const options = { rse_expression: "SITE_A_DISK|SITE_B_DISK", lifetime_days: 30, asynchronous: true };
    expect(w.model.bodies("make_available")).toEqual([
      { type: "make_available", dids: [], options },
      { type: "make_available", dids: ["s:b"], options },
      { type: "make_available", dids: ["s:c"], options },
    ]);
    expect(typeof w.model.sentOf("make_available")[0]?.options?.lifetime_days).toBe("number");

    // Grouping other than DATASET, and a comment; the lifetime emptied again.
    pick(f.grouping, "ALL");
    type(f.comment, "for the fit");
    type(f.lifetime, "");
    f.async.click();
    w.$("button.rw-make-selection-available").click();
    expect(w.model.bodies("make_available").at(-1)).toEqual({
      type: "make_available",
      dids: [],
      options: { rse_expression: "SITE_A_DISK|SITE_B_DISK", grouping: "ALL", comment: "for the fit" },
    });

    // Reset: back to the plain request.
    w.$("button.rw-opt-reset").click();
    w.$("button.rw-make-selection-available").click();
    expect(w.model.bodies("make_available").at(-1)).toEqual({ type: "make_available", dids: [] });
  });

  it("sends nothing while the lifetime is not a whole number of days", () => {
    const w = mount({ info: REPLICA, selected: ["s:b"] });
    w.$("button.rw-make-options-toggle").click();
    const f = fields(w);
    for (const bad of ["0", "2.5", "-1"]) {
      type(f.lifetime, bad);
      expect(f.lifetime.getAttribute("aria-invalid")).toBe("true");
      expect(w.$(".rw-opt-error").textContent).toMatch(/whole number of days/);
      w.$("button.rw-make-selection-available").click();
    }
    expect(w.model.sentOf("make_available")).toHaveLength(0);
    type(f.lifetime, "2");
    expect(f.lifetime.hasAttribute("aria-invalid")).toBe(false);
    expect(w.$(".rw-opt-error").textContent).toBe("");
    w.$("button.rw-make-selection-available").click();
    expect(w.model.bodies("make_available")).toEqual([
      { type: "make_available", dids: [], options: { lifetime_days: 2 } },
    ]);
  });

  it("is hidden in download mode, and its options are not sent there", () => {
    const w = mount({ info: { mode: "download", destination: "/data/rucio" }, selected: ["s:b"] });
    const toggle = w.$("button.rw-make-options-toggle");
    expect(toggle.hidden).toBe(true);
    expect(w.$(".rw-make-options").hidden).toBe(true);

    // Open in replica mode with options set, then the mode becomes download.
    w.model.update("info", REPLICA);
    expect(toggle.hidden).toBe(false);
    toggle.click();
    type(fields(w).rse, "SITE_A_DISK");
    w.model.update("info", { mode: "download", destination: "/data/rucio" });
    expect(toggle.hidden).toBe(true);
    expect(w.$(".rw-make-options").hidden).toBe(true);
    w.$("button.rw-make-selection-available").click();
    expect(w.model.bodies("make_available")).toEqual([{ type: "make_available", dids: [] }]);

    // Back in replica mode the panel is as the user left it.
    w.model.update("info", REPLICA);
    expect(w.$(".rw-make-options").hidden).toBe(false);
    w.$("button.rw-make-selection-available").click();
    expect(w.model.bodies("make_available").at(-1)).toEqual({
      type: "make_available",
      dids: [],
      options: { rse_expression: "SITE_A_DISK" },
    });
  });

  it("are view state: no trait is written", () => {
    const w = mount({ info: REPLICA });
    const before = JSON.stringify(w.model.state);
    w.$("button.rw-make-options-toggle").click();
    type(fields(w).rse, "SITE_A_DISK");
    expect(JSON.stringify(w.model.state)).toBe(before);
    expect(w.model.saves).toBe(0);
  });
});

describe("row actions by availability", () => {
  it("offers cancel on DOWNLOADING rows only, and sends cancel_download", async () => {
    const w = mount({ info: { mode: "download", destination: "/data/rucio" } });
    await showResults(w, [
      row("s:down", "DATASET", { status: { status: "DOWNLOADING", available: 1, total: 3 } }),
      row("s:none", "DATASET", { status: { status: "NOT_AVAILABLE" } }),
      row("s:ok", "DATASET", { status: { status: "AVAILABLE" } }),
      row("s:rep", "DATASET", { status: { status: "REPLICATING" } }),
      row("s:failed", "FILE", { status: { status: "FAILED", message: "cancelled" } }),
    ]);
    const cancel = (/** @type {string} */ did) => w.rowEl(did).querySelector("button.rw-cancel-download");
    expect(cancel("s:down")).not.toBeNull();
    expect(w.rowEl("s:down").querySelector(".rw-make-available")).toBeNull();
    expect(cancel("s:down")?.closest(".rw-cell-action")).not.toBeNull();
    for (const did of ["s:none", "s:ok", "s:rep", "s:failed"]) expect(cancel(did)).toBeNull();

    w.$('.rw-row[data-did="s:down"] button.rw-cancel-download').click();
    expect(w.model.bodies("cancel_download")).toEqual([{ type: "cancel_download", did: "s:down" }]);
    // Not the busy bar's cancel.
    expect(w.model.sentOf("cancel")).toHaveLength(0);

    // The download fails (cancelled): the button becomes a retry.
    w.model.message({ type: "status", updates: { "s:down": { status: "FAILED", message: "cancelled" } } });
    expect(cancel("s:down")).toBeNull();
    expect(w.$('.rw-row[data-did="s:down"] .rw-make-available').title).toBe("Retry");
    // A status update that starts a download again brings the cancel button back.
    w.model.message({ type: "status", updates: { "s:none": { status: "DOWNLOADING" } } });
    expect(cancel("s:none")).not.toBeNull();
  });

  it("keeps the make-available button as Retry on STUCK and FAILED rows", async () => {
    const w = mount();
    await showResults(w, [
      row("s:stuck", "DATASET", { status: { status: "STUCK", message: "no quota" } }),
      row("s:failed", "FILE", { status: { status: "FAILED" } }),
      row("s:none", "DATASET", { status: { status: "NOT_AVAILABLE" } }),
      row("s:part", "DATASET", { status: { status: "PARTIALLY_AVAILABLE", available: 1, total: 2 } }),
      row("s:unknown", "DATASET"),
    ]);
    const button = (/** @type {string} */ did) =>
      w.button(`.rw-row[data-did="${did}"] button.rw-make-available`);
    for (const did of ["s:stuck", "s:failed"]) {
      expect(button(did).title).toBe("Retry");
      expect(button(did).getAttribute("aria-label")).toBe(`Retry ${did}`);
      expect(w.rowEl(did).querySelector(".rw-cancel-download")).toBeNull();
    }
    for (const did of ["s:none", "s:part", "s:unknown"]) {
      expect(button(did).title).toBe("Make available");
      expect(button(did).getAttribute("aria-label")).toBe(`Make ${did} available`);
    }
    button("s:stuck").click();
    button("s:failed").click();
    expect(w.model.bodies("make_available")).toEqual([
      { type: "make_available", dids: ["s:stuck"] },
      { type: "make_available", dids: ["s:failed"] },
    ]);
  });
});

describe("copy menu", () => {
  /** @returns {string[]} what reached the clipboard */
  function stubClipboard() {
    /** @type {string[]} */
    const copied = [];
    Object.defineProperty(navigator, "clipboard", {
      configurable: true,
      value: { writeText: async (/** @type {string} */ text) => void copied.push(text) },
    });
    vi.stubGlobal("isSecureContext", true);
    return copied;
  }
  afterEach(() => vi.unstubAllGlobals());

  it("is one menu for the panel: a row's kebab, a right click, the details pane", async () => {
    const copied = stubClipboard();
    const w = mount();
    await showResults(w, RESULTS);
    expect(w.$$(".rw-copy-menu")).toHaveLength(1);
    w.$('.rw-row[data-did="data18:AOD.002"] .rw-row-menu').click();
    const menu = w.$(".rw-copy-menu");
    expect(menu.hidden).toBe(false);
    w.button(".rw-copy-item").click(); // Copy DID
    await flush();
    expect(copied).toEqual(["data18:AOD.002"]);
    expect(w.$(".rw-copied").textContent).toBe("Copied the DID");

    const file = w.$('.rw-row[data-did="data18:AOD.003.root"]');
    const right = new MouseEvent("contextmenu", {
      bubbles: true,
      cancelable: true,
      clientX: 40,
      clientY: 30,
    });
    file.querySelector(".rw-name")?.dispatchEvent(right);
    expect(right.defaultPrevented).toBe(true);
    expect(menu.hidden).toBe(false);
    expect([...menu.querySelectorAll(".rw-copy-item")].map((b) => b.textContent)).toContain("Copy PFN");
    press(menu, "Escape");
    expect(menu.hidden).toBe(true);

    file.querySelector(".rw-name")?.dispatchEvent(new MouseEvent("click", { bubbles: true }));
    await reply(w.model, w.model.lastOf("details"), {
      did: "data18:AOD.003.root",
      did_type: "FILE",
      did_url: null,
      parents: [],
      metadata: { adler32: "01020304" },
      replicas: [],
      rules: [],
    });
    w.button(".rw-details-copy").click();
    const checksum = [...menu.querySelectorAll(".rw-copy-item")].find(
      (b) => b.textContent === "Copy checksum (adler32)",
    );
    if (!(checksum instanceof HTMLElement)) throw new Error("no checksum item");
    checksum.click();
    await flush();
    expect(copied.at(-1)).toBe("01020304");
  });

  it("copies the selection as code from the selection bar", async () => {
    const copied = stubClipboard();
    const w = mount();
    await showResults(w, RESULTS);
    const button = w.button(".rw-copy-selection");
    expect(button.disabled).toBe(true);
    w.model.update("selected", ["data18:AOD.002"]);
    expect(button.disabled).toBe(false);
    button.click();
    w.button(".rw-copy-item").click();
    await flush();
    expect(copied).toEqual([
      'from rucio_widgets import RucioBrowser\n\nbrowser = RucioBrowser(selected=["data18:AOD.002"])\nbrowser',
    ]);
  });
});
