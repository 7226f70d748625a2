import { describe, expect, it } from "vitest";
import { Listing } from "../../js/listing.js";
import { PAGE_SIZE } from "../../js/protocol.js";
import { row } from "./fake-model.js";

/**
 * @param {Listing} listing
 * @param {number} id
 * @param {{source: string, offset: number, limit: number}} want
 * @param {import("../../js/protocol.js").Row[]} rows
 * @param {boolean} complete
 * @param {number | null} [total]
 */
function reply(listing, id, want, rows, complete, total = null) {
  listing.track(id, want);
  return listing.applyPage({
    type: "page",
    request_id: id,
    source: want.source,
    offset: want.offset,
    rows,
    complete,
    total,
  });
}

const rows = (/** @type {number} */ from, /** @type {number} */ n, prefix = "s:r") =>
  Array.from({ length: n }, (_, i) => row(`${prefix}${from + i}`, "FILE"));

describe("Listing", () => {
  it("asks for the page holding the first missing row, past rows it has", () => {
    const l = new Listing();
    l.setResultsState(1000, true);
    l.rebuild();
    expect(l.length).toBe(1000);
    expect(l.wants(0, 20)).toEqual([{ source: "results", offset: 0, limit: PAGE_SIZE }]);
    reply(l, 1, { source: "results", offset: 0, limit: PAGE_SIZE }, rows(0, PAGE_SIZE), false);
    l.rebuild();
    expect(l.wants(90, 120)).toEqual([{ source: "results", offset: 100, limit: PAGE_SIZE }]);
    expect(l.wants(530, 560)).toEqual([{ source: "results", offset: 500, limit: PAGE_SIZE }]);
    l.track(2, { source: "results", offset: 500, limit: PAGE_SIZE });
    expect(l.wants(530, 560)).toEqual([]);
  });

  it("holds off after a short reply until Python has read further", () => {
    const l = new Listing();
    l.setResultsState(10, false);
    l.rebuild();
    reply(l, 1, { source: "results", offset: 0, limit: PAGE_SIZE }, rows(0, 10), false);
    l.rebuild();
    // The end of the results is in view, but Python had nothing more: do not ask in a loop.
    expect(l.itemAt(10)?.kind).toBe("more");
    expect(l.wants(0, 20)).toEqual([]);
    l.setResultsState(40, false);
    l.rebuild();
    expect(l.wants(0, 50)).toEqual([{ source: "results", offset: 10, limit: PAGE_SIZE }]);
  });

  it("keeps an error on a listing until retried", () => {
    const l = new Listing();
    l.setResultsState(1, true);
    l.rebuild();
    reply(l, 1, { source: "results", offset: 0, limit: PAGE_SIZE }, [row("s:ds", "DATASET")], true, 1);
    l.rebuild();
    const ds = l.itemAt(0);
    expect(ds && l.expand(ds)).toBe(true);
    l.rebuild();
    expect(l.itemAt(1)?.kind).toBe("more");
    expect(l.wants(0, 5)).toEqual([{ source: "s:ds", offset: 0, limit: PAGE_SIZE }]);
    l.track(2, { source: "s:ds", offset: 0, limit: PAGE_SIZE });
    l.applyPage({
      type: "page",
      request_id: 2,
      source: "s:ds",
      offset: 0,
      rows: [],
      complete: false,
      total: null,
      error: { message: "Access denied", hint: "Ask for access.", kind: "PermissionDeniedError" },
    });
    l.rebuild();
    expect(l.itemAt(1)?.kind).toBe("error");
    expect(l.source("s:ds").error).toMatchObject({ message: "Access denied", hint: "Ask for access." });
    expect(l.wants(0, 5)).toEqual([]);
    l.retry("s:ds");
    l.rebuild();
    expect(l.wants(0, 5)).toEqual([{ source: "s:ds", offset: 0, limit: PAGE_SIZE }]);
  });

  it("follows an item by reference when rows appear above it", () => {
    const l = new Listing();
    l.setResultsState(3, true);
    reply(
      l,
      1,
      { source: "results", offset: 0, limit: PAGE_SIZE },
      [row("s:a", "DATASET"), row("s:b", "FILE"), row("s:c", "FILE")],
      true,
      3,
    );
    l.rebuild();
    const c = l.itemAt(2);
    const ref = c && l.refOf(c);
    const a = l.itemAt(0);
    if (a) l.expand(a);
    reply(l, 2, { source: "s:a", offset: 0, limit: PAGE_SIZE }, rows(0, 4, "s:a."), true, 4);
    l.rebuild();
    expect(ref && l.indexOf(ref)).toBe(6);
    expect(l.itemAt(6)?.row?.did).toBe("s:c");
    expect(l.itemAt(1)).toMatchObject({ depth: 1, ancestors: ["s:a"] });
  });

  it("ignores replies it did not ask for, and forgets everything on reset", () => {
    const l = new Listing();
    expect(
      l.applyPage({
        type: "page",
        request_id: 7,
        source: "results",
        offset: 0,
        rows: [row("s:x")],
        complete: true,
        total: 1,
      }),
    ).toBe(false);
    l.track(8, { source: "results", offset: 0, limit: PAGE_SIZE });
    l.reset();
    expect(
      l.applyPage({
        type: "page",
        request_id: 8,
        source: "results",
        offset: 0,
        rows: [row("s:x")],
        complete: true,
        total: 1,
      }),
    ).toBe(false);
  });

  it("forgets a cancelled page without marking the listing as failed", () => {
    const l = new Listing();
    l.setResultsState(10, true);
    l.rebuild();
    l.track(1, { source: "results", offset: 0, limit: PAGE_SIZE });
    expect(l.isPending("results", 5)).toBe(true);
    const cancelled = { message: "The page request was cancelled.", hint: "", kind: "CancelledError" };
    expect(
      l.applyPage({
        type: "page",
        request_id: 1,
        source: "results",
        offset: 0,
        rows: [],
        complete: false,
        total: null,
        error: cancelled,
      }),
    ).toBe(false);
    expect(l.root.error).toBeNull();
    expect(l.isPending("results", 5)).toBe(false);
    // Its rows are asked for again.
    expect(l.wants(0, 9)).toEqual([{ source: "results", offset: 0, limit: PAGE_SIZE }]);
  });

  it("marks the rows of a page that waits long", () => {
    const l = new Listing();
    l.setResultsState(300, true);
    l.rebuild();
    l.track(1, { source: "results", offset: 100, limit: PAGE_SIZE });
    expect(l.isWaiting("results", 150)).toBe(false);
    expect(l.markWaiting(1)).toBe(true);
    expect(l.markWaiting(2)).toBe(false);
    expect(l.isWaiting("results", 150)).toBe(true);
    expect(l.isWaiting("results", 50)).toBe(false);
    reply(l, 1, { source: "results", offset: 100, limit: PAGE_SIZE }, rows(PAGE_SIZE, PAGE_SIZE), false);
    expect(l.isWaiting("results", 150)).toBe(false);
  });
});
