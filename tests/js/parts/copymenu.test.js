// The copy menu on its own (a fake clipboard, a fake rpc): items, keyboard, "Copied", and
// what rows, the details pane and the selection offer.

import { afterEach, describe, expect, it, vi } from "vitest";
import {
  COPIED_MS,
  CopyMenu,
  detailsItems,
  pickPfn,
  rowItems,
  selectionItems,
} from "../../../js/parts/copymenu.js";
import { createFakeRpc, row } from "../fake-model.js";
import { press } from "../helpers.js";

/** @type {Array<() => void>} */
const cleanups = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()?.();
  vi.useRealTimers();
});

function setup() {
  /** @type {string[]} */
  const clipboard = [];
  const copy = vi.fn(async (/** @type {string} */ text) => {
    clipboard.push(text);
    return true;
  });
  const menu = new CopyMenu({ copy });
  const anchor = document.createElement("button");
  document.body.append(anchor, menu.el);
  cleanups.push(() => {
    menu.destroy();
    menu.el.remove();
    anchor.remove();
  });
  const labels = () => menu.items().map((b) => b.textContent);
  /** @param {string} label */
  const choose = async (label) => {
    const button = menu.items().find((b) => b.textContent === label);
    if (!button) throw new Error(`no item ${label}: ${labels().join(", ")}`);
    button.click();
    for (let i = 0; i < 10; i++) await Promise.resolve();
  };
  return { menu, anchor, copy, clipboard, labels, choose, rpc: createFakeRpc() };
}

const FILE = row("data18:AOD.003.root", "FILE");
const DATASET = row("data18:AOD.002", "DATASET");

describe("CopyMenu", () => {
  it("copies the item chosen, says so for a moment, and gives the focus back", async () => {
    vi.useFakeTimers();
    const t = setup();
    t.menu.show(t.anchor, rowItems(t.rpc, FILE));
    expect(t.menu.open).toBe(true);
    expect(t.labels()).toEqual([
      "Copy DID",
      "Copy local path",
      "Copy remote URL",
      "Copy PFN",
      "Copy checksum",
      "Copy as code",
    ]);
    expect(document.activeElement).toBe(t.menu.items()[0]);
    await t.choose("Copy DID");
    expect(t.clipboard).toEqual(["data18:AOD.003.root"]);
    expect(t.menu.open).toBe(false);
    expect(document.activeElement).toBe(t.anchor);
    expect(t.menu.note.hidden).toBe(false);
    expect(t.menu.note.textContent).toBe("Copied the DID");
    vi.advanceTimersByTime(COPIED_MS + 1);
    expect(t.menu.note.hidden).toBe(true);
  });

  it("moves with the arrows and closes on Escape or a click elsewhere", () => {
    const t = setup();
    t.menu.show(t.anchor, rowItems(t.rpc, FILE));
    const items = t.menu.items();
    press(t.menu.list, "ArrowDown");
    expect(document.activeElement).toBe(items[1]);
    press(t.menu.list, "ArrowUp");
    press(t.menu.list, "ArrowUp");
    expect(document.activeElement).toBe(items[items.length - 1]);
    press(t.menu.list, "Escape");
    expect(t.menu.open).toBe(false);
    expect(document.activeElement).toBe(t.anchor);
    t.menu.show(t.anchor, rowItems(t.rpc, FILE));
    document.body.dispatchEvent(new PointerEvent("pointerdown", { bubbles: true }));
    expect(t.menu.open).toBe(false);
    expect(t.copy).not.toHaveBeenCalled();
  });

  it("asks Python for local paths, and says why when there are none", async () => {
    const t = setup();
    t.menu.show(t.anchor, rowItems(t.rpc, DATASET));
    expect(t.labels()).toEqual([
      "Copy DID",
      "Copy local paths of its files",
      "Copy remote URLs of its files",
      "Copy as code",
      "Copy local paths as code",
    ]);
    const chosen = t.choose("Copy local paths of its files");
    await Promise.resolve();
    const call = t.rpc.last("local_paths");
    expect(call.payload).toEqual({ did: "data18:AOD.002" });
    await t.rpc.answer(call, { paths: ["/mnt/rucio/a.root", "/mnt/rucio/b.root"], missing: 1 });
    await chosen;
    expect(t.clipboard).toEqual(["/mnt/rucio/a.root\n/mnt/rucio/b.root"]);

    t.menu.show(t.anchor, rowItems(t.rpc, DATASET));
    const again = t.choose("Copy local paths as code");
    await Promise.resolve();
    await t.rpc.answer(t.rpc.last("local_paths"), { paths: [], missing: 3 });
    await again;
    expect(t.clipboard).toHaveLength(1); // nothing copied
    expect(t.menu.note.textContent).toBe(
      "No local path yet: the files of data18:AOD.002 are not available here. Make them available first.",
    );
    expect(t.menu.note.classList.contains("rw-copied-problem")).toBe(true);
  });

  it("asks Python for remote URLs of a row's files and of the selection, and says why when there are none", async () => {
    const t = setup();
    t.menu.show(t.anchor, rowItems(t.rpc, DATASET));
    const chosen = t.choose("Copy remote URLs of its files");
    await Promise.resolve();
    const call = t.rpc.last("remote_urls");
    expect(call.payload).toEqual({ did: "data18:AOD.002" });
    await t.rpc.answer(call, { urls: ["root://h:1094//rucio/a", "root://h:1094//rucio/b"], missing: 0 });
    await chosen;
    expect(t.clipboard).toEqual(["root://h:1094//rucio/a\nroot://h:1094//rucio/b"]);
    expect(t.menu.note.textContent).toBe("Copied the remote URLs");

    t.menu.show(t.anchor, selectionItems(t.rpc, ["a:1"]));
    const none = t.choose("Copy remote URLs (root://)");
    await Promise.resolve();
    const selection = t.rpc.last("remote_urls");
    expect(selection.payload).toEqual({}); // the selection's
    await t.rpc.answer(selection, { urls: [], missing: 2 });
    await none;
    expect(t.clipboard).toHaveLength(1); // nothing copied
    expect(t.menu.note.textContent).toBe(
      "No remote URL: no storage serves the files of the selection over root://, davs:// or https://.",
    );
  });

  it("reads a file's PFN and checksum from its details", async () => {
    const t = setup();
    t.menu.show(t.anchor, rowItems(t.rpc, FILE));
    const pfn = t.choose("Copy PFN");
    await Promise.resolve();
    const details = t.rpc.last("details");
    expect(details.payload).toEqual({ did: "data18:AOD.003.root" });
    const answer = {
      did: FILE.did,
      did_type: "FILE",
      did_url: null,
      metadata: { adler32: "0a1b2c3d", md5: "ffff" },
      replicas: [
        { rse: "SITE_A", state: "AVAILABLE", path: null, pfn: "root://a//x" },
        { rse: "NOTEBOOK", state: "AVAILABLE", path: "/mnt/x", pfn: "file:///nas/x" },
      ],
      rules: [],
    };
    await t.rpc.answer(details, answer);
    await pfn;
    expect(t.clipboard).toEqual(["file:///nas/x"]); // the destination's first
    t.menu.show(t.anchor, rowItems(t.rpc, FILE));
    const sum = t.choose("Copy checksum");
    await Promise.resolve();
    await t.rpc.answer(t.rpc.last("details"), answer);
    await sum;
    expect(t.clipboard).toEqual(["file:///nas/x", "0a1b2c3d"]);
  });

  it("offers what the details reply holds, and the selection as code", async () => {
    const t = setup();
    /** @type {import("../../../js/protocol.js").DetailsReply} */
    const reply = {
      type: "details",
      parents: [],
      request_id: 1,
      did: FILE.did,
      did_type: "FILE",
      did_url: null,
      metadata: { md5: "abc" },
      replicas: [{ rse: "SITE_A", state: "AVAILABLE", path: "/mnt/x", pfn: "root://a//x" }],
      rules: [],
    };
    t.menu.show(t.anchor, detailsItems(reply));
    expect(t.labels()).toEqual([
      "Copy DID",
      "Copy local path",
      "Copy PFN at SITE_A",
      "Copy checksum (md5)",
      "Copy as code",
    ]);
    await t.choose("Copy PFN at SITE_A");
    expect(t.clipboard).toEqual(["root://a//x"]);

    t.menu.show(t.anchor, selectionItems(t.rpc, ["a:1", "a:2"]));
    await t.choose("Copy as code: RucioBrowser(selected=[…])");
    expect(t.clipboard.at(-1)).toBe(
      'from rucio_widgets import RucioBrowser\n\nbrowser = RucioBrowser(selected=[\n    "a:1",\n    "a:2",\n])\nbrowser',
    );
    t.menu.show(t.anchor, selectionItems(t.rpc, ["a:1", "a:2"]));
    const paths = t.choose("Copy local paths as code");
    await Promise.resolve();
    const call = t.rpc.last("local_paths");
    expect(call.payload).toEqual({}); // the selection's
    await t.rpc.answer(call, { paths: ["/mnt/1"], missing: 1 });
    await paths;
    expect(t.clipboard.at(-1)).toBe('paths = ["/mnt/1"]');
  });

  it("picks the PFN of the destination, then an available replica", () => {
    expect(
      pickPfn([
        { rse: "A", state: "UNAVAILABLE", path: null, pfn: "a" },
        { rse: "B", state: "AVAILABLE", path: null, pfn: "b" },
      ]),
    ).toBe("b");
    expect(pickPfn([{ rse: "A", state: "AVAILABLE", path: null, pfn: null }])).toBeNull();
  });
});
