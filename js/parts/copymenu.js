// The copy menu, one for the whole panel: rows (their kebab button or a right click), the
// details pane and the selection bar open it with the items they offer.  An item's text may
// have to be asked of Python (local paths): the menu waits for it, copies it, and says
// "Copied" (or why not) for a moment.

import { browserCode, copyText, pathsCode } from "../clipboard.js";
import { h } from "../dom.js";

/** How long "Copied" stays, in milliseconds. */
export const COPIED_MS = 1600;

/**
 * One entry of the menu.  `text` gives what to copy (a promise when Python has it); it
 * throws (or rejects) with an Error whose message says why there is nothing to copy.
 * @typedef {object} CopyItem
 * @property {string} label
 * @property {() => string | Promise<string>} text
 * @property {string} [what] how the note names it ("DID", "local path"...), default: label
 */

export class CopyMenu {
  /** @param {{copy?: (text: string) => Promise<boolean>}} [opts] */
  constructor({ copy = copyText } = {}) {
    this.copy = copy;
    /** @type {HTMLElement | null} where focus goes back to */
    this.anchor = null;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.noteTimer = undefined;
    this.list = h("div", {
      class: "rw-copy-menu",
      role: "menu",
      "aria-label": "Copy",
      hidden: true,
      onkeydown: (/** @type {KeyboardEvent} */ e) => this.onKey(e),
    });
    this.note = h("div", { class: "rw-copied", role: "status", "aria-live": "polite", hidden: true });
    this.el = h("div", { class: "rw-copy" }, this.list, this.note);
    /** @param {Event} e */
    this.onOutside = (e) => {
      if (!this.list.hidden && e.target instanceof Node && !this.list.contains(e.target)) this.close(false);
    };
    document.addEventListener("pointerdown", this.onOutside, true);
  }

  get open() {
    return !this.list.hidden;
  }

  /**
   * Open the menu under an element (or at a point inside the panel, for a right click).
   * @param {HTMLElement} anchor
   * @param {CopyItem[]} items
   * @param {{x: number, y: number}} [at] client coordinates
   */
  show(anchor, items, at) {
    this.anchor = anchor;
    this.list.replaceChildren(
      ...items.map((item) =>
        h(
          "button",
          {
            class: "rw-copy-item",
            type: "button",
            role: "menuitem",
            tabindex: "-1",
            onclick: () => this.choose(item),
          },
          item.label,
        ),
      ),
    );
    this.list.hidden = false;
    this.place(anchor, at);
    this.items()[0]?.focus({ preventScroll: true });
  }

  /**
   * @param {HTMLElement} anchor
   * @param {{x: number, y: number}} [at]
   */
  place(anchor, at) {
    const host = this.el.offsetParent ?? this.el.parentElement;
    const base = host?.getBoundingClientRect();
    const box = anchor.getBoundingClientRect();
    const x = at ? at.x : box.right;
    const y = at ? at.y : box.bottom;
    const left = x - (base?.left ?? 0) - (at ? 0 : this.list.offsetWidth);
    this.list.style.left = `${Math.max(0, left)}px`;
    // Front ends clip what overflows the output: open upwards when the room below is short.
    const room = host instanceof HTMLElement ? host.clientHeight : 0;
    const height = this.list.offsetHeight;
    let top = y - (base?.top ?? 0);
    if (room && top + height > room) {
      const above = (at ? y : box.top) - (base?.top ?? 0) - height;
      top = above >= 0 ? above : Math.max(0, room - height);
    }
    this.list.style.top = `${top}px`;
  }

  /** @returns {HTMLButtonElement[]} */
  items() {
    return [...this.list.querySelectorAll("button.rw-copy-item")].filter(
      (b) => b instanceof HTMLButtonElement,
    );
  }

  /** @param {boolean} [refocus] give focus back to what opened the menu */
  close(refocus = true) {
    if (this.list.hidden) return;
    this.list.hidden = true;
    this.list.replaceChildren();
    if (refocus) this.anchor?.focus({ preventScroll: true });
  }

  /** @param {KeyboardEvent} e */
  onKey(e) {
    const items = this.items();
    const at = items.indexOf(/** @type {HTMLButtonElement} */ (document.activeElement));
    if (e.key === "ArrowDown") items[(at + 1) % items.length]?.focus();
    else if (e.key === "ArrowUp") items[(at - 1 + items.length) % items.length]?.focus();
    else if (e.key === "Home") items[0]?.focus();
    else if (e.key === "End") items[items.length - 1]?.focus();
    else if (e.key === "Escape" || e.key === "Tab") this.close();
    else return;
    e.preventDefault();
    e.stopPropagation();
  }

  /**
   * Copy an item's text and say so.
   * @param {CopyItem} item
   * @returns {Promise<boolean>}
   */
  async choose(item) {
    this.close();
    const what = item.what ?? item.label;
    let text;
    try {
      this.say(`Copying ${what}…`, false);
      text = await item.text();
    } catch (error) {
      this.say(error instanceof Error ? error.message : String(error), true);
      return false;
    }
    const ok = await this.copy(text);
    this.say(ok ? `Copied ${what}` : "The browser did not let the page copy: select the text instead", !ok);
    return ok;
  }

  /**
   * @param {string} text
   * @param {boolean} problem
   */
  say(text, problem) {
    clearTimeout(this.noteTimer);
    this.note.textContent = text;
    this.note.classList.toggle("rw-copied-problem", problem);
    this.note.hidden = false;
    this.noteTimer = setTimeout(
      () => {
        this.note.hidden = true;
      },
      problem ? COPIED_MS * 2 : COPIED_MS,
    );
  }

  destroy() {
    clearTimeout(this.noteTimer);
    document.removeEventListener("pointerdown", this.onOutside, true);
  }
}

// --- what each place offers -------------------------------------------------------------

/** @typedef {import("../rpc.js").Invoker} Invoker */
/** @typedef {import("../protocol.js").Row} Row */
/** @typedef {import("../protocol.js").DetailsReply} DetailsReply */
/** @typedef {import("../protocol.js").ReplicaInfo} ReplicaInfo */

/**
 * Ask Python for the local paths of a DID's files (or of the selection, with no DID).
 * @param {Invoker} rpc
 * @param {string} [did]
 * @returns {Promise<string[]>} at least one path
 */
async function localPaths(rpc, did) {
  const reply = await rpc.invoke("local_paths", did ? { did } : {}).promise;
  if (reply.error) throw new Error(String(reply.error.message || "The local paths could not be read."));
  const paths = reply.paths ?? [];
  if (!paths.length) {
    const whose = did ? did : "the selection";
    throw new Error(
      reply.missing
        ? `No local path yet: the files of ${whose} are not available here. Make them available first.`
        : `No files in ${whose}.`,
    );
  }
  return paths;
}

/**
 * Ask Python for remote-read URLs (root://, davs://, https://) of a DID's files (or of the
 * selection's, with no DID): for readers that open files where they are, with no rule and
 * no download.
 * @param {Invoker} rpc
 * @param {string} [did]
 * @returns {Promise<string[]>} at least one URL
 */
async function remoteUrls(rpc, did) {
  const reply = await rpc.invoke("remote_urls", did ? { did } : {}).promise;
  if (reply.error) throw new Error(String(reply.error.message || "The remote URLs could not be read."));
  const urls = reply.urls ?? [];
  if (!urls.length) {
    const whose = did ? did : "the selection";
    throw new Error(
      reply.missing
        ? `No remote URL: no storage serves the files of ${whose} over root://, davs:// or https://.`
        : `No files in ${whose}.`,
    );
  }
  return urls;
}

/**
 * The PFN to copy: the replica with a local path (the destination) first, then an
 * available one, then any.
 * @param {ReplicaInfo[]} replicas
 */
export function pickPfn(replicas) {
  const withPfn = replicas.filter((r) => r.pfn);
  const best =
    withPfn.find((r) => r.path) ?? withPfn.find((r) => r.state === "AVAILABLE") ?? withPfn[0] ?? null;
  return best?.pfn ?? null;
}

/**
 * The checksum to copy (adler32, as Rucio keeps it, else md5), with its algorithm.
 * @param {Record<string, unknown> | undefined} metadata
 * @returns {{algorithm: string, value: string} | null}
 */
export function pickChecksum(metadata) {
  for (const algorithm of ["adler32", "md5"]) {
    const value = metadata?.[algorithm];
    if (typeof value === "string" && value) return { algorithm, value };
  }
  return null;
}

/**
 * @param {Invoker} rpc
 * @param {string} did
 */
async function detailsOf(rpc, did) {
  const reply = await rpc.invoke("details", { did }).promise;
  if (reply.error) throw new Error(String(reply.error.message || "The details could not be read."));
  return reply;
}

/**
 * What a row's menu offers.
 * @param {Invoker} rpc
 * @param {Row} row
 * @returns {CopyItem[]}
 */
export function rowItems(rpc, row) {
  const collection = row.type !== "FILE";
  /** @type {CopyItem[]} */
  const items = [
    { label: "Copy DID", what: "the DID", text: () => row.did },
    {
      label: collection ? "Copy local paths of its files" : "Copy local path",
      what: collection ? "the local paths" : "the local path",
      text: async () => (await localPaths(rpc, row.did)).join("\n"),
    },
    {
      label: collection ? "Copy remote URLs of its files" : "Copy remote URL",
      what: collection ? "the remote URLs" : "the remote URL",
      text: async () => (await remoteUrls(rpc, row.did)).join("\n"),
    },
  ];
  if (!collection) {
    items.push(
      {
        label: "Copy PFN",
        what: "the PFN",
        text: async () => {
          const pfn = pickPfn((await detailsOf(rpc, row.did)).replicas ?? []);
          if (!pfn) throw new Error(`No replica of ${row.did} has a PFN.`);
          return pfn;
        },
      },
      {
        label: "Copy checksum",
        what: "the checksum",
        text: async () => {
          const sum = pickChecksum((await detailsOf(rpc, row.did)).metadata);
          if (!sum) throw new Error(`Rucio has no checksum of ${row.did}.`);
          return sum.value;
        },
      },
    );
  }
  items.push({ label: "Copy as code", what: "code for a cell", text: () => browserCode([row.did]) });
  if (collection) {
    items.push({
      label: "Copy local paths as code",
      what: "code for a cell",
      text: async () => pathsCode(await localPaths(rpc, row.did)),
    });
  }
  return items;
}

/**
 * What the details pane's menu offers, from its reply.
 * @param {DetailsReply} reply
 * @returns {CopyItem[]}
 */
export function detailsItems(reply) {
  const replicas = reply.replicas ?? [];
  const paths = replicas.map((r) => r.path).filter((p) => typeof p === "string" && p);
  /** @type {CopyItem[]} */
  const items = [{ label: "Copy DID", what: "the DID", text: () => reply.did }];
  if (paths.length)
    items.push({ label: "Copy local path", what: "the local path", text: () => paths.join("\n") });
  for (const r of replicas) {
    const pfn = r.pfn;
    if (pfn) items.push({ label: `Copy PFN at ${r.rse}`, what: "the PFN", text: () => pfn });
  }
  const sum = pickChecksum(reply.metadata);
  if (sum)
    items.push({ label: `Copy checksum (${sum.algorithm})`, what: "the checksum", text: () => sum.value });
  items.push({ label: "Copy as code", what: "code for a cell", text: () => browserCode([reply.did]) });
  return items;
}

/**
 * What the selection bar's menu offers.
 * @param {Invoker} rpc
 * @param {string[]} selected
 * @returns {CopyItem[]}
 */
export function selectionItems(rpc, selected) {
  return [
    {
      label: "Copy as code: RucioBrowser(selected=[…])",
      what: "code for a cell",
      text: () => browserCode(selected),
    },
    {
      label: "Copy local paths as code",
      what: "the paths as code",
      text: async () => pathsCode(await localPaths(rpc)),
    },
    {
      label: "Copy remote URLs (root://)",
      what: "the remote URLs",
      text: async () => (await remoteUrls(rpc)).join("\n"),
    },
    { label: "Copy selected DIDs", what: "the DIDs", text: () => selected.join("\n") },
  ];
}
