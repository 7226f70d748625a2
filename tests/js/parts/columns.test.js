// The column headings on their own, with a fake rpc: sorting by a heading, the sort note,
// and the name column's width on the listing they belong to.

import { afterEach, describe, expect, it, vi } from "vitest";
import { Columns, MIN_NAME_WIDTH, NARROW_WIDTH, nextSort, sortNote } from "../../../js/parts/columns.js";
import { CANCELLED } from "../../../js/rpc.js";
import { createFakeRpc } from "../fake-model.js";
import { press, query } from "../helpers.js";

/** @typedef {import("../../../js/protocol.js").SortState} SortState */

/** @type {Array<() => void>} */
const cleanups = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()?.();
});

function setup() {
  const rpc = createFakeRpc();
  const onError = vi.fn();
  const listingEl = document.createElement("div");
  listingEl.className = "rw-listing";
  const columns = new Columns({ rpc, listingEl, onError });
  listingEl.append(columns.el, columns.noteEl);
  document.body.append(listingEl);
  cleanups.push(() => {
    columns.destroy();
    listingEl.remove();
  });
  const style = listingEl.style;
  const nameCol = () => style.getPropertyValue("--rw-name-col");
  return { rpc, onError, listingEl, columns, style, nameCol, ...query(listingEl) };
}

describe("Columns: the headings", () => {
  it("builds the headings row and a hidden sort note", () => {
    const c = setup();
    expect([...c.columns.el.children].map((el) => `${el.tagName} ${el.className}`)).toEqual([
      "SPAN ",
      "SPAN rw-col rw-col-name",
      "SPAN rw-col rw-col-size rw-num",
      "SPAN rw-col rw-col-files rw-num",
      "SPAN rw-col",
      "SPAN ",
    ]);
    expect(c.columns.el.className).toBe("rw-columns");
    expect(c.$(".rw-col-name .rw-col-resize").getAttribute("role")).toBe("separator");
    expect(c.$$(".rw-sort").map((b) => b.dataset.sortBy)).toEqual(["name", "bytes", "length"]);
    expect(c.$$(".rw-sort").map((b) => b.dataset.sort)).toEqual(["none", "none", "none"]);
    expect(c.columns.noteEl.className).toBe("rw-sort-note");
    expect(c.columns.noteEl.hidden).toBe(true);
  });
});

describe("Columns: sorting", () => {
  it("asks Python for the next sort of a heading: ascending, descending, Rucio's order", () => {
    const c = setup();
    const size = c.button('.rw-sort[data-sort-by="bytes"]');
    size.click();
    expect(c.rpc.last("sort").payload).toEqual({ by: "bytes", descending: false });
    // The heading shows the sort only once Python says it is in force.
    expect(size.dataset.sort).toBe("none");
    expect(size.getAttribute("aria-pressed")).toBe("false");

    /** @type {SortState} */
    const sort = { by: "bytes", descending: false, rows: 3, more: 0 };
    c.columns.update({ sort });
    expect(size.dataset.sort).toBe("ascending");
    expect(size.getAttribute("aria-pressed")).toBe("true");
    expect(size.title).toBe("Sort by size, largest first");
    expect(c.columns.noteEl.hidden).toBe(false);
    expect(c.$(".rw-sort-text").textContent).toBe("Sorted all 3 rows by size, smallest first.");
    size.click();
    expect(c.rpc.last("sort").payload).toEqual({ by: "bytes", descending: true });

    c.columns.update({ sort: { ...sort, descending: true } });
    expect(size.dataset.sort).toBe("descending");
    expect(size.title).toBe("Back to Rucio's order");
    size.click();
    expect(c.rpc.last("sort").payload).toEqual({ by: null, descending: false });
    // Another heading starts over, ascending; "Rucio's order" in the note ends the sort.
    c.button('.rw-sort[data-sort-by="name"]').click();
    expect(c.rpc.last("sort").payload).toEqual({ by: "name", descending: false });
    c.button(".rw-sort-clear").click();
    expect(c.rpc.last("sort").payload).toEqual({ by: null, descending: false });
    expect(c.rpc.of("sort")).toHaveLength(5);

    c.columns.update({ sort: null });
    expect(size.dataset.sort).toBe("none");
    expect(c.columns.noteEl.hidden).toBe(true);
    expect(c.$(".rw-sort-text").textContent).toBe("");
    // An update without a sort leaves the sort as it is.
    c.columns.update({ sort });
    c.columns.update({});
    expect(size.dataset.sort).toBe("ascending");
  });

  it("reports a failed sort, not a cancelled one, and nothing once destroyed", async () => {
    const c = setup();
    const error = { message: "Nothing to sort: search first.", hint: "", kind: "InvalidQueryError" };
    c.button('.rw-sort[data-sort-by="name"]').click();
    await c.rpc.answer(c.rpc.last("sort"), { error });
    expect(c.onError).toHaveBeenCalledWith(error);
    expect(c.onError).toHaveBeenCalledTimes(1);

    c.button('.rw-sort[data-sort-by="name"]').click();
    await c.rpc.answer(c.rpc.last("sort"), { error: { message: "", hint: "", kind: CANCELLED } });
    expect(c.onError).toHaveBeenCalledTimes(1);

    c.button('.rw-sort[data-sort-by="name"]').click();
    c.columns.destroy();
    await c.rpc.answer(c.rpc.last("sort"), { error });
    expect(c.onError).toHaveBeenCalledTimes(1);
  });

  it("picks the next sort and words the note for complete and partial sorts", () => {
    expect(nextSort(null, "name")).toEqual({ by: "name", descending: false });
    /** @type {SortState} */
    const byName = { by: "name", descending: false, rows: 3, more: 0 };
    expect(nextSort(byName, "name")).toEqual({ by: "name", descending: true });
    expect(nextSort({ ...byName, descending: true }, "name")).toEqual({ by: null, descending: false });
    expect(nextSort({ ...byName, descending: true }, "length")).toEqual({ by: "length", descending: false });

    expect(sortNote(byName)).toBe("Sorted all 3 rows by name, A to Z.");
    expect(sortNote({ by: "length", descending: true, rows: 1, more: null })).toBe(
      "Sorted 1 loaded row by files, most first; more may exist.",
    );
    expect(sortNote({ by: "bytes", descending: false, rows: 1000, more: 40000 })).toBe(
      "Sorted 1,000 loaded rows by size, smallest first; 40,000 more not loaded.",
    );
  });
});

describe("Columns: the name column's width", () => {
  it("folds the size and files columns below NARROW_WIDTH, not before the listing is laid out", () => {
    const c = setup();
    c.columns.applyWidth(NARROW_WIDTH - 1);
    expect(c.listingEl.classList.contains("rw-narrow")).toBe(true);
    c.columns.applyWidth(NARROW_WIDTH);
    expect(c.listingEl.classList.contains("rw-narrow")).toBe(false);
    c.columns.applyWidth(0);
    expect(c.listingEl.classList.contains("rw-narrow")).toBe(false);
  });

  it("keeps the width set within the listing, and gives it back when the listing widens", () => {
    const c = setup();
    // Not laid out yet: nothing to keep it within.
    c.columns.setNameWidth(5000);
    expect(c.nameCol()).toBe("5000px");
    expect(c.style.getPropertyValue("--rw-badge-col")).toBe("minmax(128px, 1fr)");
    expect(c.$(".rw-col-resize").getAttribute("aria-valuenow")).toBe("5000");

    c.columns.applyWidth(1000);
    const wide = Number.parseInt(c.nameCol(), 10);
    expect(wide).toBeGreaterThan(MIN_NAME_WIDTH);
    expect(wide).toBeLessThan(1000 - 300);
    expect(c.$(".rw-col-resize").getAttribute("aria-valuenow")).toBe(String(wide));
    // Folded, the size and files columns leave more of a narrower listing to the name.
    c.columns.applyWidth(600);
    const narrow = Number.parseInt(c.nameCol(), 10);
    expect(narrow).toBeLessThan(600 - 200);
    expect(600 - narrow).toBeLessThan(1000 - wide);
    // Never narrower than the minimum, however small the listing.
    c.columns.applyWidth(150);
    expect(c.nameCol()).toBe(`${MIN_NAME_WIDTH}px`);
    // The width asked for is kept: a wide listing shows it again.
    c.columns.applyWidth(8000);
    expect(c.nameCol()).toBe("5000px");
    expect(c.columns.nameWidth).toBe(5000);
    c.columns.setNameWidth(10);
    expect(c.columns.nameWidth).toBe(MIN_NAME_WIDTH);
  });

  it("moves with the arrow keys, Home is the narrowest, Escape and Enter reset", () => {
    const c = setup();
    c.columns.applyWidth(1000);
    const handle = c.$(".rw-col-resize");
    // From the auto width (here the minimum: happy-dom lays nothing out).
    expect(press(handle, "ArrowRight").defaultPrevented).toBe(true);
    expect(c.nameCol()).toBe(`${MIN_NAME_WIDTH + 16}px`);
    press(handle, "ArrowRight");
    press(handle, "ArrowLeft");
    expect(c.nameCol()).toBe(`${MIN_NAME_WIDTH + 16}px`);
    press(handle, "Home");
    expect(c.nameCol()).toBe(`${MIN_NAME_WIDTH}px`);
    press(handle, "ArrowRight");
    press(handle, "Escape");
    expect(c.nameCol()).toBe("");
    expect(c.style.getPropertyValue("--rw-badge-col")).toBe("");
    expect(handle.hasAttribute("aria-valuenow")).toBe(false);
    expect(c.columns.nameWidth).toBeNull();
    press(handle, "ArrowRight");
    press(handle, "Enter");
    expect(c.columns.nameWidth).toBeNull();
    // Other keys are not the handle's.
    expect(press(handle, "a").defaultPrevented).toBe(false);
    expect(c.columns.nameWidth).toBeNull();
  });

  it("drags with the main button only, marks the listing while dragging, and ends the drag when destroyed", () => {
    const c = setup();
    c.columns.applyWidth(1000);
    const handle = c.$(".rw-col-resize");
    c.columns.setNameWidth(300);
    handle.dispatchEvent(new PointerEvent("pointerdown", { clientX: 500, button: 2, bubbles: true }));
    expect(c.listingEl.classList.contains("rw-resizing")).toBe(false);
    document.dispatchEvent(new PointerEvent("pointermove", { clientX: 550 }));
    expect(c.nameCol()).toBe("300px");

    handle.dispatchEvent(new PointerEvent("pointerdown", { clientX: 500, button: 0, bubbles: true }));
    expect(c.listingEl.classList.contains("rw-resizing")).toBe(true);
    document.dispatchEvent(new PointerEvent("pointermove", { clientX: 550 }));
    expect(c.nameCol()).toBe("350px");
    document.dispatchEvent(new PointerEvent("pointercancel", {}));
    expect(c.listingEl.classList.contains("rw-resizing")).toBe(false);
    document.dispatchEvent(new PointerEvent("pointermove", { clientX: 600 }));
    expect(c.nameCol()).toBe("350px");

    handle.dispatchEvent(new PointerEvent("pointerdown", { clientX: 500, button: 0, bubbles: true }));
    c.columns.destroy();
    expect(c.listingEl.classList.contains("rw-resizing")).toBe(false);
    document.dispatchEvent(new PointerEvent("pointermove", { clientX: 600 }));
    expect(c.nameCol()).toBe("350px");
    expect(c.columns.endDrag).toBeNull();
  });

  it("goes back to the default width on a double click of the handle", () => {
    const c = setup();
    c.columns.setNameWidth(400);
    c.$(".rw-col-resize").dispatchEvent(new MouseEvent("dblclick", { bubbles: true }));
    expect(c.nameCol()).toBe("");
    expect(c.columns.nameWidth).toBeNull();
  });
});
