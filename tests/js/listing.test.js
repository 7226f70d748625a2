import { describe, expect, it } from "vitest";
import { Listing } from "../../js/listing.js";
import { row } from "./fake-model.js";

/**
 * @param {Listing} listing
 * @param {number} id
 * @param {{source: string, offset: number, limit: number}} want
 * @param {any[]} rows
 * @param {boolean} complete
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
    expect(l.wants(0, 20)).toEqual([{ source: "results", offset: 0, limit: 100 }]);
    reply(l, 1, { source: "results", offset: 0, limit: 100 }, rows(0, 100), false);
    l.rebuild();
    expect(l.wants(90, 120)).toEqual([{ source: "results", offset: 100, limit: 100 }]);
    expect(l.wants(530, 560)).toEqual([{ source: "results", offset: 500, limit: 100 }]);
    l.track(2, { source: "results", offset: 500, limit: 100 });
    expect(l.wants(530, 560)).toEqual([]);
  });

  it("holds off after a short reply until Python has read further", () => {
    const l = new Listing();
    l.setResultsState(10, false);
    l.rebuild();
    reply(l, 1, { source: "results", offset: 0, limit: 100 }, rows(0, 10), false);
    l.rebuild();
    // The end of the results is in view, but Python had nothing more: do not ask in a loop.
    expect(l.itemAt(10)?.kind).toBe("more");
    expect(l.wants(0, 20)).toEqual([]);
    l.setResultsState(40, false);
    l.rebuild();
    expect(l.wants(0, 50)).toEqual([{ source: "results", offset: 10, limit: 100 }]);
  });

  it("keeps an error on a listing until retried", () => {
    const l = new Listing();
    l.setResultsState(1, true);
    l.rebuild();
    reply(l, 1, { source: "results", offset: 0, limit: 100 }, [row("s:ds", "DATASET")], true, 1);
    l.rebuild();
    const ds = l.itemAt(0);
    expect(ds && l.expand(ds)).toBe(true);
    l.rebuild();
    expect(l.itemAt(1)?.kind).toBe("more");
    expect(l.wants(0, 5)).toEqual([{ source: "s:ds", offset: 0, limit: 100 }]);
    l.track(2, { source: "s:ds", offset: 0, limit: 100 });
    l.applyPage({
      type: "page",
      request_id: 2,
      source: "s:ds",
      offset: 0,
      rows: [],
      complete: false,
      error: "Access denied",
    });
    l.rebuild();
    expect(l.itemAt(1)?.kind).toBe("error");
    expect(l.wants(0, 5)).toEqual([]);
    l.retry("s:ds");
    l.rebuild();
    expect(l.wants(0, 5)).toEqual([{ source: "s:ds", offset: 0, limit: 100 }]);
  });

  it("follows an item by reference when rows appear above it", () => {
    const l = new Listing();
    l.setResultsState(3, true);
    reply(
      l,
      1,
      { source: "results", offset: 0, limit: 100 },
      [row("s:a", "DATASET"), row("s:b", "FILE"), row("s:c", "FILE")],
      true,
      3,
    );
    l.rebuild();
    const c = l.itemAt(2);
    const ref = c && l.refOf(c);
    const a = l.itemAt(0);
    if (a) l.expand(a);
    reply(l, 2, { source: "s:a", offset: 0, limit: 100 }, rows(0, 4, "s:a."), true, 4);
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
    l.track(8, { source: "results", offset: 0, limit: 100 });
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
});
