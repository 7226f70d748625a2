// A tiny element builder: h("button", {class: "x", onclick: f}, "Label").

const SVG_NS = "http://www.w3.org/2000/svg";
const FOCUSABLE = new Set(["a", "button", "input", "select", "textarea"]);

/**
 * @typedef {Record<string, unknown>} Props
 * "class" sets className, "text" sets textContent, "on<event>" adds a listener, a
 * boolean true sets an empty attribute, null/undefined/false are skipped, and anything
 * else becomes an attribute.
 */

/**
 * @param {string} tag
 * @param {Props} [props]
 * @param {...any} children nodes, strings or (nested) arrays of them
 * @returns {HTMLElement}
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
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child);
  }
  return el;
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
