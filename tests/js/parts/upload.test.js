// The Upload panel on its own, with a fake rpc.

import { afterEach, describe, expect, it, vi } from "vitest";
import { UploadPanel, splitPaths } from "../../../js/parts/upload.js";
import { createFakeRpc } from "../fake-model.js";
import { query, type, unmountAll } from "../helpers.js";

afterEach(() => {
  unmountAll();
  document.body.replaceChildren();
});

function setup() {
  const rpc = createFakeRpc();
  const onShow = vi.fn();
  const panel = new UploadPanel({ uid: "u", rpc, onShow });
  document.body.append(panel.toggle, panel.el);
  return { rpc, onShow, panel, ...query(panel.el) };
}

describe("UploadPanel", () => {
  it("splits paths on commas and lines, and keeps a glob whole", () => {
    expect(splitPaths(" out/*.root, plots/a b.png\n\nlog.txt ")).toEqual([
      "out/*.root",
      "plots/a b.png",
      "log.txt",
    ]);
    expect(splitPaths(" , \n")).toEqual([]);
  });

  it("sends the paths and the dataset once, then says where they went and shows the dataset", async () => {
    const s = setup();
    expect(s.panel.el.hidden).toBe(true);
    s.panel.toggle.click();
    expect(s.panel.el.hidden).toBe(false);
    expect(document.activeElement).toBe(s.input("input.rw-upload-paths"));
    s.$("button.rw-upload-send").click();
    expect(s.rpc.calls).toHaveLength(0); // nothing typed: nothing sent
    expect(s.$(".rw-upload-result").dataset.kind).toBe("error");
    type(s.input("input.rw-upload-paths"), "out/*.root");
    type(s.input("input.rw-upload-dataset"), " results.v1 ");
    s.$("button.rw-upload-send").click();
    s.$("button.rw-upload-send").click(); // a second click while uploading sends nothing
    expect(s.rpc.calls.map((c) => [c.kind, c.payload])).toEqual([
      ["upload", { paths: ["out/*.root"], dataset: "results.v1" }],
    ]);
    expect(s.$(".rw-upload-result").textContent).toBe("Uploading 1 path…");
    await s.rpc.answer(s.rpc.last("upload"), {
      dids: ["user.alice:a.root", "user.alice:b.root"],
      dataset: "user.alice:results.v1",
    });
    expect(s.$(".rw-upload-result").textContent).toBe(
      "Done: 2 files in user.alice:results.v1. Show in browser",
    );
    s.$("button.rw-upload-show").click();
    expect(s.onShow).toHaveBeenCalledWith("user.alice:results.v1");
  });

  it("shows Python's refusal in place, and hides itself in a read-only browser", async () => {
    const s = setup();
    s.panel.show(true);
    type(s.input("input.rw-upload-paths"), "missing.root");
    s.$("button.rw-upload-send").click();
    await s.rpc.answer(s.rpc.last("upload"), {
      error: {
        message: "`missing.root` does not exist.",
        hint: "Check the path.",
        kind: "InvalidQueryError",
      },
    });
    const result = s.$(".rw-upload-result");
    expect(result.dataset.kind).toBe("error");
    expect(result.textContent).toBe("missing.root does not exist. Check the path.");
    s.panel.update({ readOnly: true });
    expect(s.panel.toggle.hidden).toBe(true);
    expect(s.panel.el.hidden).toBe(true);
    s.panel.show(true);
    expect(s.panel.el.hidden).toBe(true);
  });
});
