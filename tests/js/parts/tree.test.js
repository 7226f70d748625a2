// The results tree on its own, with a fake rpc: paging, the virtual list, keyboard, clicks.

import { afterEach, describe, expect, it, vi } from "vitest";
import { tailStart } from "../../../js/dom.js";
import { MIN_NAME_WIDTH, NARROW_WIDTH } from "../../../js/parts/columns.js";
import { ROW_HEIGHT } from "../../../js/parts/rows.js";
import { Tree } from "../../../js/parts/tree.js";
import { PAGE_SIZE } from "../../../js/protocol.js";
import { createFakeRpc, row } from "../fake-model.js";
import { press, query } from "../helpers.js";

/** @typedef {import("../fake-model.js").FakeCall} FakeCall */
/** @typedef {import("../../../js/protocol.js").Row} Row */
/** @typedef {import("../../../js/protocol.js").SortState} SortState */

/** @type {Array<() => void>} */
const cleanups = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()?.();
});

function setup() {
  const rpc = createFakeRpc();
  const cb = {
    onOpen: vi.fn(),
    onSelect: vi.fn(),
    onMakeAvailable: vi.fn(),
    onCancelDownload: vi.fn(),
    onCount: vi.fn(),
    onError: vi.fn(),
    onMenu: vi.fn(),
  };
  const tree = new Tree({ uid: "t", rpc, ...cb });
  document.body.append(tree.el);
  cleanups.push(() => {
    tree.destroy();
    tree.el.remove();
  });
  const scroller = query(tree.el).$(".rw-tree");
  /**
   * Answer every page call not answered yet, from a function giving the row at an offset.
   * @param {number} total
   * @param {(i: number) => Row} make
   * @param {boolean} [complete]
   */
  const answerPages = async (total, make, complete = true) => {
    for (let guard = 0; guard < 50; guard++) {
      const todo = rpc.of("page").filter((c) => !c.settled);
      if (!todo.length) return;
      for (const call of todo) {
        const { offset, limit, source } = /** @type {{offset: number, limit: number, source: string}} */ (
          call.payload
        );
        const rows = [];
        for (let i = offset; i < Math.min(total, offset + limit); i++) rows.push(make(i));
        await rpc.answer(call, { source, offset, rows, total: complete ? total : null, complete });
      }
    }
  };
  const active = () =>
    document.getElementById(scroller.getAttribute("aria-activedescendant") ?? "")?.dataset.did;
  return { rpc, cb, tree, scroller, answerPages, active, ...query(tree.el) };
}

const make = (/** @type {number} */ i) => row(`mc20:file.${String(i).padStart(6, "0")}`, "FILE");

describe("Tree", () => {
  it("keeps about a screenful of rows in the DOM with 100,000 loaded rows", async () => {
    const t = setup();
    t.tree.update({ results: { generation: 1, loaded: 100000, complete: true } });
    expect(t.rpc.calls.map((c) => c.payload)).toEqual([{ source: "results", offset: 0, limit: PAGE_SIZE }]);
    await t.answerPages(100000, make);
    expect(t.$(".rw-spacer").style.height).toBe(`${100000 * ROW_HEIGHT}px`);
    const items = t.$$(".rw-item");
    expect(items.length).toBeGreaterThan(10);
    expect(items.length).toBeLessThanOrEqual(100);
    expect(t.cb.onCount).toHaveBeenLastCalledWith({ count: 100000, complete: true, searched: true });

    // End jumps to the last row: its page is asked for and the DOM stays small.
    t.scroller.focus();
    press(t.scroller, "End");
    expect(t.rpc.last("page").payload).toMatchObject({ offset: 99900 });
    await t.answerPages(100000, make);
    expect(t.active()).toBe("mc20:file.099999");
    expect(t.$$(".rw-item").length).toBeLessThanOrEqual(100);
    expect(t.maybeRow("mc20:file.000000")).toBeNull();
    press(t.scroller, "Home");
    expect(t.active()).toBe("mc20:file.000000");
    expect(t.rpc.of("page")).toHaveLength(2); // page 0 was still there
  });

  it("moves with the arrows and pages, opens with Enter and selects with Space", async () => {
    const t = setup();
    t.tree.update({ results: { generation: 1, loaded: 50, complete: true } });
    await t.answerPages(50, make);
    press(t.scroller, "ArrowDown");
    expect(t.active()).toBe("mc20:file.000000");
    press(t.scroller, "ArrowDown");
    press(t.scroller, "ArrowDown");
    press(t.scroller, "ArrowUp");
    expect(t.active()).toBe("mc20:file.000001");
    press(t.scroller, "PageDown");
    const page = Math.floor(400 / ROW_HEIGHT) - 1; // happy-dom has no layout: the fallback height
    expect(t.active()).toBe(`mc20:file.${String(1 + page).padStart(6, "0")}`);
    press(t.scroller, "PageUp");
    expect(t.active()).toBe("mc20:file.000001");

    const enter = press(t.scroller, "Enter");
    expect(enter.defaultPrevented).toBe(true);
    expect(t.cb.onOpen).toHaveBeenCalledWith("mc20:file.000001");
    press(t.scroller, " ");
    expect(t.cb.onSelect).toHaveBeenCalledWith("mc20:file.000001", true);
    t.tree.update({ selected: ["mc20:file.000001"] });
    press(t.scroller, " ");
    expect(t.cb.onSelect).toHaveBeenLastCalledWith("mc20:file.000001", false);
    // Keys it does not use go on.
    expect(press(t.scroller, "x").defaultPrevented).toBe(false);
  });

  it("expands with ArrowRight, moves into the children, and collapses with ArrowLeft", async () => {
    const t = setup();
    t.tree.update({ results: { generation: 1, loaded: 2, complete: true } });
    await t.answerPages(2, (i) => row(`s:ds${i}`, "DATASET"));
    press(t.scroller, "ArrowDown");
    press(t.scroller, "ArrowRight");
    const child = t.rpc.last("page");
    expect(child.payload).toEqual({ source: "s:ds0", offset: 0, limit: PAGE_SIZE });
    expect(t.$(".rw-note-more").textContent).toBe("Loading more…");
    await t.rpc.answer(child, {
      source: "s:ds0",
      offset: 0,
      rows: [row("s:f", "FILE")],
      total: 1,
      complete: true,
    });
    expect(t.rowEl("s:ds0").getAttribute("aria-expanded")).toBe("true");
    press(t.scroller, "ArrowRight");
    expect(t.active()).toBe("s:f");
    press(t.scroller, "ArrowLeft");
    expect(t.active()).toBe("s:ds0");
    press(t.scroller, "ArrowLeft");
    expect(t.maybeRow("s:f")).toBeNull();
  });

  it("hands row actions to the view, and not for files selected through their collection", async () => {
    const t = setup();
    t.tree.update({ results: { generation: 1, loaded: 2, complete: true } });
    await t.answerPages(2, (i) =>
      i === 0 ? row("s:ds", "DATASET") : row("s:dl", "FILE", { status: { status: "DOWNLOADING" } }),
    );
    t.$('.rw-row[data-did="s:ds"] .rw-make-available').click();
    expect(t.cb.onMakeAvailable).toHaveBeenCalledWith(["s:ds"]);
    t.$('.rw-row[data-did="s:dl"] .rw-cancel-download').click();
    expect(t.cb.onCancelDownload).toHaveBeenCalledWith("s:dl");
    t.$('.rw-row[data-did="s:ds"] .rw-name').click();
    expect(t.cb.onOpen).toHaveBeenCalledWith("s:ds");

    t.tree.update({ selected: ["s:ds"] });
    t.$('.rw-row[data-did="s:ds"] .rw-expand').click();
    await t.rpc.answer(t.rpc.last("page"), {
      source: "s:ds",
      offset: 0,
      rows: [row("s:f", "FILE")],
      total: 1,
      complete: true,
    });
    const box = t.input('.rw-row[data-did="s:f"] .rw-check');
    expect(box.checked).toBe(true);
    expect(box.title).toBe("Selected through s:ds");
    press(t.scroller, "End");
    press(t.scroller, "ArrowUp");
    expect(t.active()).toBe("s:f");
    press(t.scroller, " ");
    expect(t.cb.onSelect).not.toHaveBeenCalled();
  });

  it("patches pooled row elements in place as they show other rows while scrolling", async () => {
    const t = setup();
    const mixed = (/** @type {number} */ i) =>
      i % 3 === 0
        ? row(`s:ds.${i}`, "DATASET")
        : row(`s:f.${i}`, "FILE", { status: { status: i % 3 === 1 ? "AVAILABLE" : "DOWNLOADING" } });
    t.tree.update({ results: { generation: 1, loaded: 1000, complete: true } });
    await t.answerPages(1000, mixed);
    const before = new Map(t.$$(".rw-row").map((el) => [el, el.querySelector(".rw-check")]));
    t.scroller.scrollTop = 500 * ROW_HEIGHT;
    t.scroller.dispatchEvent(new Event("scroll"));
    await t.answerPages(1000, mixed);
    const rows = t.$$(".rw-row");
    expect(rows.some((el) => Number(el.dataset.index) >= 500)).toBe(true);
    for (const el of rows) {
      const i = Number(el.dataset.index);
      const want = mixed(i);
      // What each element shows is its new row's, whatever it showed before.
      expect(el.dataset.did).toBe(want.did);
      expect(el.querySelector(".rw-name")?.textContent).toBe(want.did);
      expect(el.querySelector(".rw-check")?.getAttribute("aria-label")).toBe(`Select ${want.did}`);
      expect(el.style.transform).toBe(`translateY(${i * ROW_HEIGHT}px)`);
      expect(el.querySelectorAll(".rw-expand")).toHaveLength(i % 3 === 0 ? 1 : 0);
      expect(el.querySelectorAll(".rw-expand-spacer")).toHaveLength(i % 3 === 0 ? 0 : 1);
      expect(el.querySelectorAll(".rw-make-available")).toHaveLength(i % 3 === 0 ? 1 : 0);
      expect(el.querySelectorAll(".rw-cancel-download")).toHaveLength(i % 3 === 2 ? 1 : 0);
      expect(el.querySelector(".rw-badge")?.getAttribute("data-status")).toBe(
        i % 3 === 0 ? "UNKNOWN" : i % 3 === 1 ? "AVAILABLE" : "DOWNLOADING",
      );
      expect(el.querySelectorAll(".rw-row-menu")).toHaveLength(1);
    }
    // ...and the elements are the ones made before, with their cells: patched, not rebuilt.
    const kept = rows.filter((el) => before.has(el));
    expect(kept.length).toBeGreaterThan(10);
    for (const el of kept) expect(el.querySelector(".rw-check")).toBe(before.get(el));
  });

  it("asks for no page of the rows a fling flies by, then for the rows where it stops", async () => {
    const t = setup();
    t.tree.update({ results: { generation: 1, loaded: 100000, complete: true } });
    await t.answerPages(100000, make);
    const asked = () => t.rpc.of("page").map((c) => /** @type {{offset: number}} */ (c.payload).offset);
    const scrollTo = (/** @type {number} */ index) => {
      t.scroller.scrollTop = index * ROW_HEIGHT;
      t.scroller.dispatchEvent(new Event("scroll"));
    };
    // A single jump (the End key, a click in the scroll bar's track) asks at once.
    scrollTo(20000);
    expect(asked().length).toBe(2);
    expect(asked()[1]).toBe(19900); // the page of the rows above it in the overscan
    await t.answerPages(100000, make);
    const before = asked().length;
    // A fling: many screenfuls per event, event after event.
    for (let i = 1; i <= 30; i++) scrollTo(20000 + i * 1000);
    expect(asked()).toHaveLength(before);
    // the rows flying by say "Loading…" meanwhile
    expect(t.$$(".rw-note-row").length).toBeGreaterThan(10);
    await new Promise((r) => setTimeout(r, 150));
    expect(asked().slice(before)).toEqual([49900]);
    await t.answerPages(100000, make);
    expect(t.$$(".rw-note-row")).toHaveLength(0);
    expect(t.$$(".rw-row").map((el) => el.dataset.did)).toContain(make(50000).did);
    // A slow scroll (less than a screenful per event) asks at once.
    const settled = asked().length;
    scrollTo(50090);
    expect(asked().length).toBe(settled + 1);
  });

  it("moves the 'Loading…' notes of rows not yet here without rebuilding them", () => {
    const t = setup();
    t.tree.update({ results: { generation: 1, loaded: 1000, complete: true } });
    const notes = t.$$(".rw-note-row");
    expect(notes.length).toBeGreaterThan(10);
    const children = new Map(notes.map((el) => [el, el.lastElementChild]));
    const indexes = new Map(notes.map((el) => [el, el.dataset.index]));
    t.scroller.scrollTop = 10 * ROW_HEIGHT;
    t.scroller.dispatchEvent(new Event("scroll"));
    // the elements that left the top of the view now stand for rows below it
    const moved = t
      .$$(".rw-note-row")
      .filter((el) => indexes.has(el) && indexes.get(el) !== el.dataset.index);
    expect(moved.length).toBe(4); // rows 0-3, above the new overscan
    for (const el of moved) {
      expect(el.lastElementChild).toBe(children.get(el));
      expect(el.textContent).toBe("Loading…");
    }
  });

  it("gives up the pages of an older search", () => {
    const t = setup();
    t.tree.update({ results: { generation: 1, loaded: 10, complete: false } });
    const old = t.rpc.last("page");
    t.tree.update({ results: { generation: 2, loaded: 0, complete: false } });
    expect(old.cancelled).toBe(true);
    expect(t.rpc.last("page")).not.toBe(old);
    expect(t.rpc.last("page").cancelled).toBe(false);
  });

  it("shows a failed page with Retry, and a load_more failure goes to the view", async () => {
    const t = setup();
    t.tree.update({ results: { generation: 1, loaded: 10, complete: false } });
    await t.rpc.answer(t.rpc.last("page"), {
      error: { message: "The server is down", hint: "Try again later.", kind: "ServerUnavailableError" },
    });
    expect(t.$("span.rw-note-error").textContent).toBe("Could not load: The server is down");
    t.$("button.rw-retry").click();
    expect(t.rpc.of("page")).toHaveLength(2);
    await t.answerPages(10, make, false);
    expect(t.$$(".rw-row")).toHaveLength(10);

    t.$("button.rw-load-more").click();
    const more = t.rpc.last("load_more");
    const error = { message: "Nothing to load: search first.", hint: "", kind: "InvalidQueryError" };
    await t.rpc.answer(more, { error });
    expect(t.cb.onError).toHaveBeenCalledWith(error);
  });

  it("shows the empty states", () => {
    const t = setup();
    expect(t.$(".rw-empty").textContent).toBe("Type scope:name and press Enter");
    t.tree.update({ signedOut: true });
    expect(t.$(".rw-empty").textContent).toBe("Sign in to search the catalogue");
    t.tree.update({ signedOut: false, busy: "Searching…" });
    t.tree.markSearched();
    expect(t.$(".rw-empty").textContent).toBe("Searching…");
    t.tree.update({
      search: { query: "s:x*", didType: "file", filters: "a=1" },
      results: { generation: 1, loaded: 0, complete: true },
    });
    expect(t.$(".rw-empty").textContent).toBe("No DIDs match s:x* among files with a=1");
    expect(t.tree.el.querySelector(".rw-empty-hint")).toBeNull();
    t.tree.update({
      results: {
        generation: 1,
        loaded: 0,
        complete: true,
        hint: "No DID carries `evnts`: did you mean `events`?",
      },
    });
    const hint = t.$(".rw-empty-hint");
    expect(hint.textContent).toBe("No DID carries evnts: did you mean events?");
    expect([...hint.querySelectorAll("code")].map((c) => c.textContent)).toEqual(["evnts", "events"]);
  });

  it("gives up its pages in flight when destroyed", () => {
    const t = setup();
    t.tree.update({ results: { generation: 1, loaded: 10, complete: true } });
    const call = t.rpc.last("page");
    t.tree.destroy();
    expect(call.cancelled).toBe(true);
  });
});

describe("Long names and the columns", () => {
  const LONG = "data18:data18_13TeV.00348885.physics_Main.DAOD_PHYS.r13286_p4910";

  it("splits a long name into a shrinking head and a tail that keeps its end", async () => {
    const t = setup();
    t.tree.update({ results: { generation: 1, loaded: 2, complete: true } });
    await t.answerPages(2, (i) => (i === 0 ? row(LONG, "DATASET") : row("s:short.1", "FILE")));
    const name = t.$(`.rw-row[data-did="${LONG}"] .rw-name`);
    expect(name.querySelector(".rw-name-tail")?.textContent).toBe("r13286_p4910");
    expect(name.querySelector(".rw-name-head .rw-did-scope")?.textContent).toBe("data18:");
    // Head and tail together are the whole DID (copying the text copies the name).
    expect(name.textContent).toBe(LONG);
    expect(name.title.split("\n")[0]).toBe(LONG);
    // A short name is not split.
    const short = t.$('.rw-row[data-did="s:short.1"] .rw-name');
    expect(short.querySelector(".rw-name-tail")).toBeNull();
    expect(short.textContent).toBe("s:short.1");
  });

  it("cuts tails at a separator, and keeps at least 12 characters", () => {
    const cases = {
      "mc20:mc20_13TeV.410470.PhPy8EG_A14_ttbar_hdamp258p75_nonallhad.deriv.DAOD_PHYS.e6337_s3681_r13167_p5855":
        "r13167_p5855",
      "cms:TTToSemiLeptonic_TuneCP5_13TeV-powheg-pythia8.RunIISummer20UL18NanoAODv9-106X_upgrade2018_realistic_v16_L1v1-v1.NANOAODSIM":
        "v1.NANOAODSIM",
      "s:abcdefghijklmnopqrstuvwxyz0123456789": "uvwxyz0123456789",
    };
    for (const [did, tail] of Object.entries(cases)) {
      expect(did.slice(tailStart(did))).toBe(tail);
      expect(tail.length).toBeGreaterThanOrEqual(12);
    }
    expect(tailStart("scope:a.short.name")).toBe("scope:a.short.name".length);
  });

  it("folds the size and files columns away below 700 px", () => {
    const t = setup();
    t.tree.columns.applyWidth(600);
    expect(t.tree.el.classList.contains("rw-narrow")).toBe(true);
    t.tree.columns.applyWidth(NARROW_WIDTH);
    expect(t.tree.el.classList.contains("rw-narrow")).toBe(false);
    t.tree.columns.applyWidth(0); // not laid out (hidden): nothing folds
    expect(t.tree.el.classList.contains("rw-narrow")).toBe(false);
  });

  it("resizes the name column by dragging its heading's handle, within the listing", () => {
    const t = setup();
    t.tree.columns.applyWidth(1000);
    const handle = t.$(".rw-col-resize");
    const style = t.tree.el.style;
    expect(style.getPropertyValue("--rw-name-col")).toBe("");
    t.tree.columns.setNameWidth(400);
    handle.dispatchEvent(new PointerEvent("pointerdown", { clientX: 500, button: 0, bubbles: true }));
    document.dispatchEvent(new PointerEvent("pointermove", { clientX: 400 }));
    expect(style.getPropertyValue("--rw-name-col")).toBe("300px");
    expect(style.getPropertyValue("--rw-badge-col")).toBe("minmax(128px, 1fr)");
    expect(handle.getAttribute("aria-valuenow")).toBe("300");
    // Never wider than the room the other columns leave, never narrower than the minimum.
    document.dispatchEvent(new PointerEvent("pointermove", { clientX: 5000 }));
    const widest = Number.parseInt(style.getPropertyValue("--rw-name-col"), 10);
    expect(widest).toBeLessThan(1000 - 300);
    document.dispatchEvent(new PointerEvent("pointermove", { clientX: -5000 }));
    expect(style.getPropertyValue("--rw-name-col")).toBe(`${MIN_NAME_WIDTH}px`);
    document.dispatchEvent(new PointerEvent("pointerup", {}));
    // After the drag, moving the pointer changes nothing.
    document.dispatchEvent(new PointerEvent("pointermove", { clientX: 450 }));
    expect(style.getPropertyValue("--rw-name-col")).toBe(`${MIN_NAME_WIDTH}px`);

    press(handle, "ArrowRight");
    expect(style.getPropertyValue("--rw-name-col")).toBe(`${MIN_NAME_WIDTH + 16}px`);
    handle.dispatchEvent(new MouseEvent("dblclick", { bubbles: true }));
    expect(style.getPropertyValue("--rw-name-col")).toBe("");
    expect(t.tree.columns.nameWidth).toBeNull();
  });

  it("lays the columns out again when the listing is resized", () => {
    /** @type {ResizeObserverCallback[]} */
    const observers = [];
    vi.stubGlobal(
      "ResizeObserver",
      class {
        /** @param {ResizeObserverCallback} cb */
        constructor(cb) {
          observers.push(cb);
        }
        observe() {}
        disconnect() {}
      },
    );
    cleanups.push(() => vi.unstubAllGlobals());
    const t = setup();
    let width = 600;
    Object.defineProperty(t.tree.el, "clientWidth", { get: () => width });
    t.tree.columns.setNameWidth(5000);
    const resized = () => {
      for (const cb of observers) cb([], /** @type {ResizeObserver} */ ({}));
    };
    resized();
    expect(t.tree.el.classList.contains("rw-narrow")).toBe(true);
    expect(Number.parseInt(t.tree.el.style.getPropertyValue("--rw-name-col"), 10)).toBeLessThan(600);
    width = 1200;
    resized();
    expect(t.tree.el.classList.contains("rw-narrow")).toBe(false);
  });

  it("ends a drag of the name column's handle when destroyed", () => {
    const t = setup();
    t.tree.columns.applyWidth(1000);
    t.tree.columns.setNameWidth(300);
    t.$(".rw-col-resize").dispatchEvent(
      new PointerEvent("pointerdown", { clientX: 500, button: 0, bubbles: true }),
    );
    expect(t.tree.el.classList.contains("rw-resizing")).toBe(true);
    t.tree.destroy();
    expect(t.tree.el.classList.contains("rw-resizing")).toBe(false);
    document.dispatchEvent(new PointerEvent("pointermove", { clientX: 600 }));
    expect(t.tree.el.style.getPropertyValue("--rw-name-col")).toBe("300px");
  });
});

describe("Sorting by a column heading", () => {
  it("asks Python to sort: ascending, then descending, then Rucio's order", async () => {
    const t = setup();
    t.tree.update({ results: { generation: 1, loaded: 3, complete: true } });
    await t.answerPages(3, make);
    const heading = t.button('.rw-sort[data-sort-by="bytes"]');
    expect(heading.getAttribute("aria-pressed")).toBe("false");
    heading.click();
    expect(t.rpc.last("sort").payload).toEqual({ by: "bytes", descending: false });
    /** @type {SortState} */
    const sort = { by: "bytes", descending: false, rows: 3, more: 0 };
    t.tree.update({ results: { generation: 1, loaded: 3, complete: true, sort } });
    expect(heading.dataset.sort).toBe("ascending");
    expect(heading.getAttribute("aria-pressed")).toBe("true");
    heading.click();
    expect(t.rpc.last("sort").payload).toEqual({ by: "bytes", descending: true });
    t.tree.update({
      results: { generation: 1, loaded: 3, complete: true, sort: { ...sort, descending: true } },
    });
    expect(heading.dataset.sort).toBe("descending");
    heading.click();
    expect(t.rpc.last("sort").payload).toEqual({ by: null, descending: false });
    // Another column starts over, ascending.
    t.button('.rw-sort[data-sort-by="name"]').click();
    expect(t.rpc.last("sort").payload).toEqual({ by: "name", descending: false });
  });

  it("reloads the rows in view from the sorted snapshot, and says what the sort covers", async () => {
    const t = setup();
    t.tree.update({ results: { generation: 1, loaded: 1000, complete: false } });
    await t.answerPages(1000, make, false);
    t.scroller.scrollTop = 5000;
    t.scroller.dispatchEvent(new Event("scroll"));
    const before = t.rpc.of("page").filter((c) => !c.settled);
    /** @type {SortState} */
    const sort = { by: "bytes", descending: true, rows: 1000, more: null };
    t.tree.update({ results: { generation: 1, loaded: 1000, complete: false, sort } });
    for (const call of before) expect(call.cancelled).toBe(true);
    // A new order starts at the top, with the pages asked for again.
    expect(t.scroller.scrollTop).toBe(0);
    expect(t.rpc.last("page").payload).toEqual({ source: "results", offset: 0, limit: PAGE_SIZE });
    expect(t.maybeRow("mc20:file.000000")).toBeNull(); // old rows are gone until the reply
    await t.answerPages(1000, (i) => make(999 - i), false);
    expect(t.$('.rw-item[data-index="0"]').dataset.did).toBe("mc20:file.000999");
    const note = t.$(".rw-sort-note");
    expect(note.hidden).toBe(false);
    expect(t.$(".rw-sort-text").textContent).toBe(
      "Sorted 1,000 loaded rows by size, largest first; more may exist.",
    );
    t.tree.update({
      results: { generation: 1, loaded: 1000, complete: false, sort: { ...sort, more: 40000 } },
    });
    expect(t.$(".rw-sort-text").textContent).toBe(
      "Sorted 1,000 loaded rows by size, largest first; 40,000 more not loaded.",
    );
    t.button(".rw-sort-clear").click();
    expect(t.rpc.last("sort").payload).toEqual({ by: null, descending: false });
    // A new search ends the sort.
    t.tree.update({ results: { generation: 2, loaded: 0, complete: false } });
    expect(note.hidden).toBe(true);
    expect(t.$(".rw-sort-text").textContent).toBe("");
  });

  it("shows a failed sort to the view", async () => {
    const t = setup();
    t.tree.update({ results: { generation: 1, loaded: 1, complete: true } });
    t.button('.rw-sort[data-sort-by="name"]').click();
    const error = { message: "Nothing to sort: search first.", hint: "", kind: "InvalidQueryError" };
    await t.rpc.answer(t.rpc.last("sort"), { error });
    expect(t.cb.onError).toHaveBeenCalledWith(error);
  });
});
