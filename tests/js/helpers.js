// Mount the whole view on a fake model, as anywidget does (initialize, then render), and
// reach its elements.

import widget from "../../js/widget.js";
import { createModel } from "./fake-model.js";

/** @typedef {import("../../js/model.js").Traits} Traits */

/** @type {Array<() => void>} */
const cleanups = [];

/** Undo every mount() of the test (call from afterEach). */
export function unmountAll() {
  while (cleanups.length) cleanups.pop()?.();
}

/**
 * An element that must be there.
 * @template {Element} T
 * @param {ParentNode} root
 * @param {string} sel
 * @param {new (...args: never[]) => T} type
 * @returns {T}
 */
export function find(root, sel, type) {
  const el = root.querySelector(sel);
  if (!(el instanceof type)) throw new Error(`no ${type.name} matches ${sel}`);
  return el;
}

/**
 * Accessors of one view's (or part's) elements.
 * @param {ParentNode} root
 */
export function query(root) {
  return {
    /** @param {string} sel */
    $: (sel) => find(root, sel, HTMLElement),
    /** @param {string} sel */
    maybe: (sel) => root.querySelector(sel),
    /** @param {string} sel */
    $$: (sel) => [...root.querySelectorAll(sel)].filter((e) => e instanceof HTMLElement),
    /** @param {string} sel */
    input: (sel) => find(root, sel, HTMLInputElement),
    /** @param {string} sel */
    button: (sel) => find(root, sel, HTMLButtonElement),
    /** @param {string} sel */
    select: (sel) => find(root, sel, HTMLSelectElement),
    /** @param {string} did */
    rowEl: (did) => find(root, `.rw-row[data-did="${did}"]`, HTMLElement),
    /** @param {string} did */
    maybeRow: (did) => root.querySelector(`.rw-row[data-did="${did}"]`),
  };
}

/**
 * Mount the view as anywidget does: the factory, initialize() for the model, render().
 * @param {Partial<Traits>} [initial]
 * @param {{initialize?: boolean}} [opts] initialize: false mounts as a host that only renders
 */
export function mount(initial, { initialize = true } = {}) {
  const model = createModel(initial);
  const el = document.createElement("div");
  document.body.append(el);
  const def = widget();
  const end = initialize ? def.initialize({ model }) : () => {};
  const cleanup = def.render({ model, el });
  let done = false;
  const dispose = () => {
    if (done) return;
    done = true;
    cleanup();
    end();
    el.remove();
  };
  cleanups.push(dispose);
  return { model, el, def, cleanup: dispose, ...query(el) };
}

/** @typedef {ReturnType<typeof mount>} Mounted */

/**
 * @param {Element} target
 * @param {string} key
 * @param {KeyboardEventInit} [init]
 */
export function press(target, key, init = {}) {
  const e = new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true, ...init });
  target.dispatchEvent(e);
  return e;
}

/**
 * @param {HTMLInputElement | HTMLTextAreaElement} input
 * @param {string} value
 */
export function type(input, value) {
  input.value = value;
  input.dispatchEvent(new Event("input", { bubbles: true }));
}

/**
 * @param {HTMLSelectElement} select
 * @param {string} value
 */
export function pick(select, value) {
  select.value = value;
  select.dispatchEvent(new Event("change", { bubbles: true }));
}
