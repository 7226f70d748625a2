// A tiny element builder: h("button", {class: "x", onclick: f}, "Label"), and a few
// elements more than one part draws.

import { describeRuleState, safeUrl } from "./format.js";

const SVG_NS = "http://www.w3.org/2000/svg";
const FOCUSABLE = new Set(["a", "button", "input", "select", "textarea"]);

/**
 * @typedef {Record<string, unknown>} Props
 * "class" sets className, "text" sets textContent, "on<event>" adds a listener, a
 * boolean true sets an empty attribute, null/undefined/false are skipped, and anything
 * else becomes an attribute.
 */

/** @typedef {Node | string | null | undefined | false | Child[]} Child */

/**
 * @template {keyof HTMLElementTagNameMap} T
 * @param {T} tag
 * @param {Props} [props]
 * @param {...Child} children nodes, strings or (nested) arrays of them
 * @returns {HTMLElementTagNameMap[T]}
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  if (FOCUSABLE.has(tag) || "tabindex" in props) {
    // Lumino (JupyterLab, Notebook 7) matches its command-mode shortcuts (D D deletes a
    // cell, arrows move between cells) against the focused element itself before it looks
    // for this attribute on ancestors, so every element that can take focus carries it.
    el.setAttribute("data-lm-suppress-shortcuts", "true");
  }
  for (const [name, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") el.className = String(value);
    else if (name === "text") el.textContent = String(value);
    else if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2), /** @type {EventListener} */ (value));
    } else el.setAttribute(name, value === true ? "" : String(value));
  }
  appendAll(el, children);
  return el;
}

/**
 * @param {HTMLElement} el
 * @param {Child[]} children
 */
function appendAll(el, children) {
  for (const child of children) {
    if (Array.isArray(child)) appendAll(el, child);
    else if (child !== null && child !== undefined && child !== false) el.append(child);
  }
}

/**
 * Enter without modifiers (and not while composing): the key that sends a form.
 * @param {KeyboardEvent} e
 */
export function isPlainEnter(e) {
  return e.key === "Enter" && !e.isComposing && !e.shiftKey && !e.ctrlKey && !e.metaKey && !e.altKey;
}

/**
 * The root's keydown: keys typed in the widget are the widget's.  JupyterLab's command-mode
 * shortcuts (A, B, D D, arrows, Enter...) must not act on the notebook underneath.  Lumino
 * skips its key bindings for events from elements marked data-lm-suppress-shortcuts (set by
 * h() on everything focusable: Notebook 7 handles keys in the capture phase, before they
 * reach the widget); stopping plain keys here also covers front ends that listen in the
 * bubbling phase (JupyterLab).
 * @param {KeyboardEvent} e
 */
export function keepKeys(e) {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.key === "Escape" || e.key === "Tab" || (e.key === "Enter" && e.shiftKey)) return;
  e.stopPropagation();
}

/**
 * A small stroked icon (16x16 viewBox) drawn from one path, hidden from assistive tech.
 * @param {string} d path data
 * @param {string} [cls]
 */
export function icon(d, cls = "rw-icon") {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 16 16");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.setAttribute("class", cls);
  const path = document.createElementNS(SVG_NS, "path");
  path.setAttribute("d", d);
  svg.append(path);
  return svg;
}

export const ICON_CHEVRON = "M6 3.5 10.5 8 6 12.5";
export const ICON_FETCH = "M8 2.5v8M4.5 7 8 10.5 11.5 7M3 13.5h10";
export const ICON_CLOSE = "M4 4l8 8M12 4l-8 8";
export const ICON_RETRY = "M12.5 8A4.5 4.5 0 1 1 11 4.6M11.5 2v3h-3";
export const ICON_EXTERNAL = "M9 3h4v4M13 3 7.5 8.5M11 9.5V13H3V5h3.5";
/** Three dots, one above the other (a "more" menu): drawn by round caps of short strokes. */
export const ICON_KEBAB = "M8 3.2v.1M8 7.95v.1M8 12.7v.1";

/**
 * A message with its `quoted` parts (what the user typed, keys) as code.
 * @param {string} text
 * @returns {Array<Node | string>}
 */
export function withCode(text) {
  return String(text)
    .split("`")
    .map((part, i) => (i % 2 ? h("code", {}, part) : part))
    .filter((part) => part !== "");
}

/**
 * A DID as "scope:" (muted) and name, so that the name stands out.
 * @param {string} did
 * @returns {Array<Node | string>}
 */
export function didParts(did) {
  const i = did.indexOf(":");
  return i > 0 ? [h("span", { class: "rw-did-scope" }, did.slice(0, i + 1)), did.slice(i + 1)] : [did];
}

/** Characters of a name kept whole at its end, however narrow the column. */
export const TAIL_CHARS = 16;
/** Tails start after one of these when one is near the front of the last TAIL_CHARS. */
const TAIL_SEPARATORS = "._-";

/**
 * Where a DID's tail starts: the last TAIL_CHARS characters of its name, beginning after a
 * separator when one is among their first four (so `…DAOD_PHYS.r13286_p4910` keeps
 * `r13286_p4910`).  The whole DID's length when the name is too short to split.
 * @param {string} did
 */
export function tailStart(did) {
  const name = did.indexOf(":") + 1;
  if (did.length - name <= TAIL_CHARS + 4) return did.length;
  let start = did.length - TAIL_CHARS;
  for (let i = start; i < start + 4; i++) {
    if (TAIL_SEPARATORS.includes(did[i])) {
      start = i + 1;
      break;
    }
  }
  return start;
}

/**
 * A DID for a narrow column, with a middle ellipsis done by CSS alone: a head ("scope:"
 * muted, then the name) that shrinks with `text-overflow: ellipsis`, and a tail that never
 * shrinks, so the distinguishing end of a long name stays in view.  No measuring: with
 * 100,000 rows the virtual list only ever builds what is on screen.
 * @param {string} did
 * @returns {HTMLElement[]}
 */
export function didHeadTail(did) {
  const cut = tailStart(did);
  const head = h("span", { class: "rw-name-head" }, ...didParts(did.slice(0, cut)));
  return cut < did.length ? [head, h("span", { class: "rw-name-tail" }, did.slice(cut))] : [head];
}

/**
 * A link to the Rucio web UI in a new tab, or null when the URL is not http(s).
 * @param {unknown} url
 * @param {string} cls
 * @param {string} title
 * @param {...(Node | string)} children
 */
export function webLink(url, cls, title, ...children) {
  const href = safeUrl(url);
  return href
    ? h("a", { class: cls, href, target: "_blank", rel: "noopener noreferrer", title }, ...children)
    : null;
}

/**
 * "Waiting for the server…" and a Cancel button: a request has had no reply for a while.
 * The request is not given up unless the user cancels it; a late reply still counts.
 * @param {() => void} onCancel
 * @param {string} [text]
 */
export function waitingNote(onCancel, text = "Waiting for the server…") {
  return h(
    "span",
    { class: "rw-waiting", role: "status" },
    h("span", { class: "rw-spinner", "aria-hidden": "true" }),
    h("span", { class: "rw-waiting-text" }, text),
    h(
      "button",
      {
        class: "rw-waiting-cancel rw-link",
        type: "button",
        title: "Stop waiting: cancel the request",
        onclick: onCancel,
      },
      "Cancel",
    ),
  );
}

/**
 * A replication rule's state as a badge (the details pane and the Rules pane).
 * @param {string} state one of RULE_STATES
 */
export function ruleStateBadge(state) {
  const { text, title } = describeRuleState(state);
  return h("span", { class: "rw-rule-state", "data-state": state, title }, text);
}
