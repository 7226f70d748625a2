// Text to the clipboard: the async Clipboard API where the page may use it (a secure
// context: https or localhost), else the old way (a hidden textarea and execCommand), which
// also works on a plain-http JupyterHub.

/**
 * The old way: select the text in a hidden textarea and ask the browser to copy it.
 * @param {string} text
 * @returns {boolean} whether the browser says it copied
 */
export function copyWithTextarea(text) {
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.setAttribute("aria-hidden", "true");
  area.style.position = "fixed";
  area.style.top = "0";
  area.style.left = "-9999px";
  area.style.opacity = "0";
  const focused = document.activeElement;
  document.body.append(area);
  area.focus({ preventScroll: true });
  area.select();
  let ok = false;
  try {
    ok = typeof document.execCommand === "function" && document.execCommand("copy");
  } catch {
    ok = false;
  } finally {
    area.remove();
    if (focused instanceof HTMLElement) focused.focus({ preventScroll: true });
  }
  return ok;
}

/**
 * Put text on the clipboard.
 * @param {string} text
 * @returns {Promise<boolean>} whether it got there
 */
export async function copyText(text) {
  const clipboard = typeof navigator !== "undefined" ? navigator.clipboard : undefined;
  const secure = typeof window !== "undefined" && window.isSecureContext !== false;
  if (clipboard && typeof clipboard.writeText === "function" && secure) {
    try {
      await clipboard.writeText(text);
      return true;
    } catch {
      // Refused (no permission, the page lost focus): try the old way.
    }
  }
  return copyWithTextarea(text);
}

/**
 * A Python string literal of any text (JSON's escapes are Python's too).
 * @param {string} text
 */
export const pyString = (text) => JSON.stringify(String(text));

/**
 * A Python list literal, one item a line when there are several.
 * @param {string[]} items
 */
export function pyList(items) {
  if (items.length <= 1) return `[${items.map(pyString).join("")}]`;
  return `[\n${items.map((i) => `    ${pyString(i)},\n`).join("")}]`;
}

/**
 * A cell that makes a browser with these DIDs selected.
 * @param {string[]} dids
 */
export function browserCode(dids) {
  return `from rucio_widgets import RucioBrowser\n\nbrowser = RucioBrowser(selected=${pyList(dids)})\nbrowser`;
}

/**
 * A cell that holds these local paths.
 * @param {string[]} paths
 */
export const pathsCode = (paths) => `paths = ${pyList(paths)}`;
