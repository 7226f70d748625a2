// Text to the clipboard: the Clipboard API in a secure context, the textarea fallback
// elsewhere or when the API refuses; code for a cell.

import { afterEach, describe, expect, it, vi } from "vitest";
import { browserCode, copyText, pathsCode, pyList } from "../../js/clipboard.js";

const realClipboard = Object.getOwnPropertyDescriptor(navigator, "clipboard");

afterEach(() => {
  if (realClipboard) Object.defineProperty(navigator, "clipboard", realClipboard);
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

/** @param {unknown} clipboard */
function stubClipboard(clipboard) {
  Object.defineProperty(navigator, "clipboard", { value: clipboard, configurable: true });
}

/** document.execCommand, recording what was selected when "copy" ran. */
function stubExecCommand(result = true) {
  /** @type {string[]} */
  const copied = [];
  const exec = vi.fn((/** @type {string} */ command) => {
    const area = document.activeElement;
    if (command === "copy" && area instanceof HTMLTextAreaElement) copied.push(area.value);
    return result;
  });
  Object.defineProperty(document, "execCommand", { value: exec, configurable: true });
  return { exec, copied };
}

describe("copyText", () => {
  it("uses navigator.clipboard in a secure context", async () => {
    const writeText = vi.fn(async () => {});
    stubClipboard({ writeText });
    vi.stubGlobal("isSecureContext", true);
    const { exec } = stubExecCommand();
    expect(await copyText("mc20:a.b")).toBe(true);
    expect(writeText).toHaveBeenCalledWith("mc20:a.b");
    expect(exec).not.toHaveBeenCalled();
  });

  it("falls back to a hidden textarea when the page is not a secure context", async () => {
    const writeText = vi.fn(async () => {});
    stubClipboard({ writeText });
    vi.stubGlobal("isSecureContext", false);
    const { exec, copied } = stubExecCommand();
    const before = document.createElement("button");
    document.body.append(before);
    before.focus();
    expect(await copyText("/mnt/rucio/a.root")).toBe(true);
    expect(writeText).not.toHaveBeenCalled();
    expect(exec).toHaveBeenCalledWith("copy");
    expect(copied).toEqual(["/mnt/rucio/a.root"]);
    expect(document.querySelector("textarea")).toBeNull(); // cleaned up
    expect(document.activeElement).toBe(before); // focus comes back
    before.remove();
  });

  it("falls back when the Clipboard API refuses, and says when nothing worked", async () => {
    stubClipboard({ writeText: vi.fn(async () => Promise.reject(new Error("NotAllowedError"))) });
    vi.stubGlobal("isSecureContext", true);
    const { copied } = stubExecCommand();
    expect(await copyText("x")).toBe(true);
    expect(copied).toEqual(["x"]);
    stubClipboard(undefined);
    stubExecCommand(false);
    expect(await copyText("y")).toBe(false);
  });
});

describe("code for a cell", () => {
  it("writes Python literals, one item a line when there are several", () => {
    expect(pyList(["a:b"])).toBe('["a:b"]');
    expect(pyList(["a:b", 'c:"d"'])).toBe('[\n    "a:b",\n    "c:\\"d\\"",\n]');
    expect(browserCode(["data18:x"])).toBe(
      'from rucio_widgets import RucioBrowser\n\nbrowser = RucioBrowser(selected=["data18:x"])\nbrowser',
    );
    expect(pathsCode(["/mnt/a", "/mnt/b"])).toBe('paths = [\n    "/mnt/a",\n    "/mnt/b",\n]');
  });
});
