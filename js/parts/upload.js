// Upload: files the kernel can read (a path or a glob under the notebook's working
// directory: not a browser upload) go into the user's scope on upload_rse, into a dataset
// made if missing.  The busy label shows the files as they go; the reply says what went
// where, with a "Show in browser" that searches the new dataset at once.  Errors show in
// place.  Hidden in a read-only browser.

import { h, withCode } from "../dom.js";
import { formatCount, plural } from "../format.js";
import { isCancelled } from "../rpc.js";

/** @typedef {import("../rpc.js").Invoker} Invoker */
/** @typedef {import("../protocol.js").UploadReply} UploadReply */

/**
 * The paths typed: one per line or separated by commas (a glob stays one path).
 * @param {string} text
 * @returns {string[]}
 */
export function splitPaths(text) {
  return text
    .split(/[\n,]/u)
    .map((p) => p.trim())
    .filter(Boolean);
}

export class UploadPanel {
  /**
   * @param {object} opts
   * @param {string} opts.uid unique prefix for element ids
   * @param {Invoker} opts.rpc
   * @param {(did: string) => void} opts.onShow search a DID in the browser
   */
  constructor({ uid, rpc, onShow }) {
    this.rpc = rpc;
    this.onShow = onShow;
    /** @type {import("../rpc.js").Call<"upload"> | null} */
    this.call = null;
    this.readOnly = false;
    const id = (/** @type {string} */ key) => `${uid}-upload-${key}`;
    this.toggle = h(
      "button",
      {
        class: "rw-upload-toggle",
        type: "button",
        "aria-expanded": "false",
        "aria-controls": id("panel"),
        title: "Upload files from the notebook's folder into Rucio",
        onclick: () => this.show(this.toggle.getAttribute("aria-expanded") !== "true"),
      },
      "Upload",
    );
    this.paths = h("input", {
      class: "rw-upload-paths",
      id: id("paths"),
      type: "text",
      placeholder: "out/*.root, plots/fit.png",
      spellcheck: "false",
      onkeydown: (/** @type {KeyboardEvent} */ e) => e.key === "Enter" && this.send(),
    });
    this.dataset = h("input", {
      class: "rw-upload-dataset",
      id: id("dataset"),
      type: "text",
      placeholder: "name or scope:name (optional)",
      spellcheck: "false",
      onkeydown: (/** @type {KeyboardEvent} */ e) => e.key === "Enter" && this.send(),
    });
    this.button = h(
      "button",
      { class: "rw-upload-send rw-primary", type: "button", onclick: () => this.send() },
      "Upload",
    );
    this.result = h("div", { class: "rw-upload-result", role: "status", "aria-live": "polite" });
    this.el = h(
      "div",
      { class: "rw-upload", id: id("panel"), role: "region", "aria-label": "Upload", hidden: true },
      h(
        "span",
        { class: "rw-opt" },
        h("label", { for: id("paths") }, "Files (paths or globs under the notebook's folder)"),
        this.paths,
      ),
      h("span", { class: "rw-opt" }, h("label", { for: id("dataset") }, "Into dataset"), this.dataset),
      this.button,
      this.result,
    );
  }

  /** @param {boolean} open */
  show(open) {
    this.el.hidden = !open || this.readOnly;
    this.toggle.setAttribute("aria-expanded", String(!this.el.hidden));
    if (!this.el.hidden) this.paths.focus();
  }

  /** @param {{readOnly?: boolean, signedOut?: boolean}} state */
  update(state) {
    if (state.readOnly !== undefined) {
      this.readOnly = state.readOnly;
      this.toggle.hidden = this.readOnly;
      if (this.readOnly) this.show(false);
    }
    if (state.signedOut !== undefined) this.toggle.disabled = state.signedOut;
  }

  send() {
    if (this.call) return; // one upload at a time
    const paths = splitPaths(this.paths.value);
    if (!paths.length) {
      this.say("error", "Type a path or a glob, such as out/*.root.");
      this.paths.focus();
      return;
    }
    const dataset = this.dataset.value.trim();
    this.button.disabled = true;
    this.say("busy", `Uploading ${plural(paths.length, "path")}…`);
    const call = this.rpc.invoke("upload", dataset ? { paths, dataset } : { paths });
    this.call = call;
    call.promise.then((/** @type {UploadReply} */ reply) => {
      if (this.call !== call) return;
      this.call = null;
      this.button.disabled = false;
      if (reply.error) {
        if (isCancelled(reply.error)) this.say("", "");
        else this.say("error", [reply.error.message, reply.error.hint].filter(Boolean).join(" "));
        return;
      }
      const files = `${formatCount(reply.dids.length)} ${reply.dids.length === 1 ? "file" : "files"}`;
      this.say("ok", reply.dataset ? `Done: ${files} in \`${reply.dataset}\`.` : `Done: ${files} in Rucio.`);
      const target = reply.dataset ?? reply.dids[0];
      if (target) {
        this.result.append(
          " ",
          h(
            "button",
            { class: "rw-upload-show rw-link", type: "button", onclick: () => this.onShow(target) },
            "Show in browser",
          ),
        );
      }
    });
  }

  /**
   * @param {"" | "busy" | "ok" | "error"} kind
   * @param {string} text
   */
  say(kind, text) {
    this.result.dataset.kind = kind;
    this.result.replaceChildren(...withCode(text));
  }

  destroy() {
    this.call?.cancel();
    this.call = null;
  }
}
