// The details pane: the collections that hold a DID (each opens its own details),
// metadata, replicas and rules of one DID.  It asks with the rpc, gives the request up when
// another DID is opened or the pane is closed, says when the server is slow to answer (with
// a Cancel), and shows an error in place.

import {
  ICON_CLOSE,
  ICON_EXTERNAL,
  ICON_KEBAB,
  didParts,
  h,
  icon,
  ruleStateBadge,
  waitingNote,
  webLink,
} from "../dom.js";
import { describeLifetime, formatCount, formatTime } from "../format.js";
import { isCancelled } from "../rpc.js";

/** @typedef {import("../rpc.js").Invoker} Invoker */
/** @typedef {import("../protocol.js").DetailsReply} DetailsReply */
/** @typedef {import("../protocol.js").ReplicaInfo} ReplicaInfo */
/** @typedef {import("../protocol.js").RuleInfo} RuleInfo */
/** @typedef {import("../protocol.js").ParentInfo} ParentInfo */

/** @type {Record<string, string>} */
const TYPE_NAMES = { CONTAINER: "Container", DATASET: "Dataset", FILE: "File" };

/**
 * @typedef {object} Shown
 * @property {string} did
 * @property {import("../rpc.js").Call<"details">} call
 * @property {DetailsReply | null} reply
 * @property {boolean} waiting no reply for WAITING_MS
 * @property {boolean} cancelling the user pressed Cancel
 */

/**
 * @param {string[]} headings
 * @param {Array<Array<Node | string | null>>} rows
 */
function table(headings, rows) {
  return h(
    "div",
    { class: "rw-table-wrap" },
    h(
      "table",
      { class: "rw-table" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          headings.map((t) => h("th", { scope: "col" }, t)),
        ),
      ),
      h(
        "tbody",
        {},
        rows.map((cells) =>
          h(
            "tr",
            {},
            cells.map((c) => h("td", {}, c ?? "")),
          ),
        ),
      ),
    ),
  );
}

/**
 * @param {string} cls
 * @param {string} title
 * @param {Node} body
 */
const section = (cls, title, body) =>
  h("div", { class: `rw-details-section ${cls}` }, h("h4", {}, title), body);

/** @param {Record<string, unknown> | undefined} metadata */
function metadataSection(metadata) {
  const entries = Object.entries(metadata ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const show = (/** @type {unknown} */ v) =>
    v === null || v === undefined ? "—" : typeof v === "object" ? JSON.stringify(v) : String(v);
  return section(
    "rw-details-metadata",
    "Metadata",
    entries.length
      ? h(
          "dl",
          { class: "rw-kv" },
          entries.map(([k, v]) => [h("dt", {}, k), h("dd", {}, show(v))]),
        )
      : h("p", { class: "rw-muted" }, "No metadata"),
  );
}

/** @param {ReplicaInfo[] | undefined} replicas */
function replicasSection(replicas) {
  const list = replicas ?? [];
  // Files show their PFN; collections how many of their files the RSE holds.
  const counts = list.some((r) => typeof r.total === "number");
  const pfns = list.some((r) => r.pfn);
  const headings = ["RSE", "State", ...(counts ? ["Files"] : []), "Local path", ...(pfns ? ["PFN"] : [])];
  const rows = list.map((r) => [
    r.rse,
    r.state,
    ...(counts
      ? [typeof r.total === "number" ? `${formatCount(r.available ?? 0)} / ${formatCount(r.total)}` : ""]
      : []),
    r.path ? h("code", {}, r.path) : "—",
    ...(pfns ? [r.pfn ? h("code", {}, r.pfn) : "—"] : []),
  ]);
  return section(
    "rw-details-replicas",
    `Replicas (${formatCount(list.length)})`,
    list.length ? table(headings, rows) : h("p", { class: "rw-muted" }, "No replicas"),
  );
}

/** @param {RuleInfo[] | undefined} rules */
function rulesSection(rules) {
  const list = rules ?? [];
  const id = (/** @type {RuleInfo} */ r) => String(r.id ?? "").slice(0, 8);
  const rows = list.map((r) => {
    const expiry = describeLifetime(r.expires_at);
    return [
      webLink(r.url, "rw-webui-rule", `Open rule ${r.id} in the Rucio web UI`, h("code", {}, id(r))) ??
        h("code", { title: r.id }, id(r)),
      r.rse_expression,
      ruleStateBadge(r.state),
      r.account,
      `${r.locks_ok ?? 0} / ${r.locks_replicating ?? 0} / ${r.locks_stuck ?? 0}`,
      formatTime(r.created_at) || "—",
      h("span", { class: "rw-rule-expires", "data-level": expiry.level, title: expiry.title }, expiry.text),
      r.comment ?? "",
      r.error ?? "",
    ];
  });
  const headings = [
    "Rule",
    "RSE expression",
    "State",
    "Account",
    "Locks OK / replicating / stuck",
    "Created",
    "Expires",
    "Comment",
    "Error",
  ];
  return section(
    "rw-details-rules",
    `Rules (${formatCount(list.length)})`,
    list.length ? table(headings, rows) : h("p", { class: "rw-muted" }, "No rules"),
  );
}

/**
 * The datasets and containers that hold the DID, each a button that opens its details.
 * @param {ParentInfo[]} parents
 * @param {(did: string) => void} open
 */
function parentsSection(parents, open) {
  return section(
    "rw-details-parents",
    `Parents (${formatCount(parents.length)})`,
    parents.length
      ? h(
          "ul",
          { class: "rw-parents" },
          parents.map((p) => {
            const typeName = TYPE_NAMES[p.type] ?? String(p.type ?? "");
            return h(
              "li",
              {},
              h(
                "button",
                {
                  class: "rw-details-parent rw-link",
                  type: "button",
                  "data-did": p.did,
                  title: `Show the details of ${typeName.toLowerCase() || "collection"} ${p.did}`,
                  onclick: () => open(p.did),
                },
                typeName
                  ? h("span", { class: "rw-type", "data-type": p.type, "aria-hidden": "true" }, typeName[0])
                  : null,
                h("span", { class: "rw-details-parent-did" }, didParts(String(p.did ?? ""))),
              ),
            );
          }),
        )
      : h("p", { class: "rw-muted" }, "In no dataset or container"),
  );
}

export class DetailsPane {
  /**
   * @param {object} opts
   * @param {Invoker} opts.rpc
   * @param {() => void} opts.onClose the user closed the pane
   * @param {(anchor: HTMLElement, reply: DetailsReply) => void} [opts.onMenu] open the copy
   *   menu for what the pane shows
   */
  constructor({ rpc, onClose, onMenu }) {
    this.rpc = rpc;
    this.onClose = onClose;
    this.onMenu = onMenu;
    /** @type {Shown | null} */
    this.shown = null;
    this.el = h("section", { class: "rw-details", hidden: true, "aria-label": "Details" });
  }

  /**
   * Show a DID's details (asked again when it is already shown), or close with null.
   * @param {{did?: string | null}} state
   */
  update({ did }) {
    if (did === undefined) return;
    if (did) this.open(did);
    else this.close();
  }

  /** @param {string} did */
  open(did) {
    this.stop();
    /** @type {Shown} */
    const shown = {
      did,
      reply: null,
      waiting: false,
      cancelling: false,
      call: this.rpc.invoke(
        "details",
        { did },
        {
          onWaiting: () => {
            shown.waiting = true;
            if (this.shown === shown) this.render();
          },
        },
      ),
    };
    this.shown = shown;
    shown.call.promise.then((reply) => {
      shown.reply = reply;
      if (this.shown === shown) this.render();
    });
    this.render();
  }

  /**
   * A parent was clicked: show its details, and keep the focus in the pane (the button
   * clicked is gone).
   * @param {string} did
   */
  openParent(did) {
    this.open(did);
    const close = this.el.querySelector("button.rw-details-close");
    if (close instanceof HTMLElement) close.focus();
  }

  close() {
    const wasOpen = this.shown !== null;
    this.stop();
    this.shown = null;
    this.render();
    if (wasOpen) this.onClose();
  }

  /** Give up the request in flight, if any. */
  stop() {
    const shown = this.shown;
    if (shown && !shown.reply) shown.call.cancel();
  }

  render() {
    const d = this.shown;
    this.el.hidden = !d;
    if (!d) {
      this.el.replaceChildren();
      return;
    }
    const reply = d.reply;
    const ok = reply && !reply.error ? reply : null;
    const typeName = ok ? TYPE_NAMES[ok.did_type] : "";
    const header = h(
      "header",
      { class: "rw-details-header" },
      h(
        "h3",
        { class: "rw-details-title", title: d.did },
        webLink(ok?.did_url, "rw-webui-did", "Open in the Rucio web UI", d.did, icon(ICON_EXTERNAL)) ?? d.did,
      ),
      typeName
        ? h(
            "span",
            { class: "rw-type rw-details-type", "data-type": ok?.did_type, title: typeName },
            typeName[0],
          )
        : null,
      ok && this.onMenu
        ? h(
            "button",
            {
              class: "rw-details-copy rw-icon-button",
              type: "button",
              "aria-haspopup": "menu",
              "aria-label": "Copy…",
              title: "Copy the DID, a local path, a PFN or the checksum",
              onclick: (/** @type {MouseEvent} */ e) => {
                if (e.currentTarget instanceof HTMLElement) this.onMenu?.(e.currentTarget, ok);
              },
            },
            icon(ICON_KEBAB, "rw-icon rw-icon-kebab"),
          )
        : null,
      h(
        "button",
        {
          class: "rw-details-close rw-icon-button",
          type: "button",
          "aria-label": "Close details",
          title: "Close",
          onclick: () => this.close(),
        },
        icon(ICON_CLOSE),
      ),
    );
    /** @type {Array<Node | null>} */
    let body;
    if (!reply) {
      body = [
        h("p", { class: "rw-muted" }, d.cancelling ? "Cancelling…" : "Loading details…"),
        d.waiting && !d.cancelling
          ? waitingNote(() => {
              d.cancelling = true;
              d.call.cancel();
              this.render();
            })
          : null,
      ];
    } else if (reply.error) {
      const cancelled = isCancelled(reply.error);
      body = [
        h(
          "p",
          { class: cancelled ? "rw-details-error rw-muted" : "rw-details-error" },
          cancelled ? "Cancelled." : String(reply.error.message || "The details could not be read."),
        ),
        !cancelled && reply.error.hint
          ? h("p", { class: "rw-details-hint" }, String(reply.error.hint))
          : null,
        h(
          "button",
          { class: "rw-details-retry rw-link", type: "button", onclick: () => this.open(d.did) },
          "Retry",
        ),
      ];
    } else {
      body = [
        Array.isArray(reply.parents) ? parentsSection(reply.parents, (did) => this.openParent(did)) : null,
        metadataSection(reply.metadata),
        replicasSection(reply.replicas),
        rulesSection(reply.rules),
      ];
    }
    this.el.replaceChildren(header, ...body.filter((n) => n !== null));
  }

  destroy() {
    this.stop();
    this.shown = null;
  }
}
