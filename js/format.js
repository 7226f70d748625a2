// Small text helpers for the view.

import { DID_TYPES } from "./protocol.js";

/** @typedef {import("./protocol.js").DidType} DidType */

export const DID_TYPE_LIST = DID_TYPES;

/** @type {Record<DidType, string>} */
export const DID_TYPE_LABELS = {
  all: "All types",
  container: "Containers",
  dataset: "Datasets",
  file: "Files",
  collection: "Collections",
};

/**
 * A DID type from a trait or a select, "all" when it is not one.
 * @param {unknown} value
 * @returns {DidType}
 */
export function didTypeOf(value) {
  const found = DID_TYPE_LIST.find((t) => t === value);
  return found ?? "all";
}

const UNITS = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
const numberFormat = new Intl.NumberFormat("en-US");

/**
 * Human readable size in decimal units, as Rucio prints them: 1234567 -> "1.2 MB".
 * @param {number | null | undefined} bytes
 */
export function formatBytes(bytes) {
  if (typeof bytes !== "number" || !Number.isFinite(bytes) || bytes < 0) return "";
  let value = bytes;
  let unit = 0;
  // 999.6 MB would print as "1000 MB": move up a unit once rounding reaches 1000.
  while (value >= 999.5 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  if (unit === 0) return `${bytes} B`;
  // One decimal below 10 (9.96 would print as "10.0"), none above.
  const text = value < 9.95 ? value.toFixed(1) : value.toFixed(0);
  return `${text} ${UNITS[unit]}`;
}

/**
 * Integer with thousands separators: 1234 -> "1,234".
 * @param {number | null | undefined} n
 */
export function formatCount(n) {
  return typeof n === "number" && Number.isFinite(n) ? numberFormat.format(n) : "";
}

/**
 * "1 result", "2 results".
 * @param {number} n
 * @param {string} one
 * @param {string} [many]
 */
export function plural(n, one, many = `${one}s`) {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** @type {Record<string, string>} */
const STATUS_WORDS = {
  AVAILABLE: "available",
  PARTIALLY_AVAILABLE: "partial",
  REPLICATING: "replicating",
  STUCK: "stuck",
  NOT_AVAILABLE: "not available",
  EMPTY: "empty",
  DOWNLOADING: "downloading",
  FAILED: "failed",
};

/** @type {Record<string, string>} */
const STATUS_HELP = {
  AVAILABLE: "All files are available at the destination",
  PARTIALLY_AVAILABLE: "Some files are available at the destination",
  REPLICATING: "Rucio is copying the files to the destination",
  STUCK: "Replication is stuck",
  NOT_AVAILABLE: "Not available at the destination",
  EMPTY: "The collection holds no files",
  DOWNLOADING: "Downloading to the destination",
  FAILED: "The transfer failed",
};

/**
 * Text, tooltip and progress (0..1 or null) of an availability badge.
 * @param {import("./protocol.js").RowStatus | null | undefined} st
 * @returns {{key: string, text: string, title: string, progress: number | null}}
 */
export function describeStatus(st) {
  if (!st?.status) {
    return { key: "UNKNOWN", text: "…", title: "Availability not known yet", progress: null };
  }
  const key = String(st.status);
  const { available, total } = st;
  const hasCounts = typeof available === "number" && typeof total === "number";
  const counts = hasCounts ? `${formatCount(available)}/${formatCount(total)}` : "";
  const { bytes_done: bytesDone, bytes_total: bytesTotal } = st;
  const hasBytes = typeof bytesDone === "number" && typeof bytesTotal === "number" && bytesTotal > 0;
  // A download's bar follows its bytes, so a big file shows progress before it lands.
  let progress = hasCounts && total > 0 ? Math.min(1, Math.max(0, available / total)) : null;
  if (hasBytes && key === "DOWNLOADING") progress = Math.min(1, Math.max(0, bytesDone / bytesTotal));
  let text = STATUS_WORDS[key] ?? key.toLowerCase();
  if (key === "PARTIALLY_AVAILABLE" && counts) text = counts;
  else if ((key === "REPLICATING" || key === "DOWNLOADING") && counts) text = `${text} ${counts}`;
  let title = STATUS_HELP[key] ?? key;
  if (counts) title += ` (${counts} files)`;
  if (hasBytes && key === "DOWNLOADING") title += ` ${formatBytes(bytesDone)} of ${formatBytes(bytesTotal)}`;
  if (st.message) title += `: ${st.message}`;
  return { key, text, title, progress };
}

/** Under this many milliseconds of validity left, the expiry shows as a warning. */
export const EXPIRY_WARN_MS = 10 * 60 * 1000;

/**
 * Milliseconds since the epoch of an ISO 8601 time, or NaN.  A time without a zone is
 * read as UTC (Python's isoformat() of a naive UTC datetime), not as local time, and
 * fractions of a second are cut to milliseconds (Python prints microseconds).
 * @param {unknown} iso
 */
export function parseTime(iso) {
  if (typeof iso !== "string" || !iso.trim()) return NaN;
  let s = iso.trim().replace(" ", "T");
  s = s.replace(/(\.\d{3})\d+/, "$1");
  if (/T[\d:.]+$/.test(s)) s += "Z";
  return Date.parse(s);
}

/**
 * "1 h 59 min", "4 min", "2 d 3 h", "< 1 min": how long a positive duration lasts.
 * @param {number} ms
 */
export function formatDuration(ms) {
  const minutes = Math.floor(ms / 60000);
  if (minutes < 1) return "< 1 min";
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  if (days) return hours ? `${days} d ${hours} h` : `${days} d`;
  if (hours) return mins ? `${hours} h ${mins} min` : `${hours} h`;
  return `${mins} min`;
}

/**
 * How long the credentials last, for the status bar; null when the time is not known.
 * @param {string | null | undefined} expiresAt ISO 8601
 * @param {number} [now] milliseconds since the epoch
 * @returns {{text: string, level: "ok" | "warn" | "expired", title: string} | null}
 */
export function describeExpiry(expiresAt, now = Date.now()) {
  const at = parseTime(expiresAt);
  if (!Number.isFinite(at)) return null;
  const left = at - now;
  const when = new Date(at).toLocaleString();
  if (left <= 0) return { text: "token expired", level: "expired", title: `Expired at ${when}` };
  return {
    text: `token ${formatDuration(left)}`,
    level: left < EXPIRY_WARN_MS ? "warn" : "ok",
    title: `Valid until ${when}`,
  };
}

/**
 * An absolute http(s) URL as given, or null for anything else (relative, javascript:,
 * data:, not a string): links to the Rucio web UI are rendered only for these.
 * @param {unknown} url
 * @returns {string | null}
 */
export function safeUrl(url) {
  if (typeof url !== "string" || !url.trim()) return null;
  try {
    const parsed = new URL(url.trim());
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
  } catch {
    return null;
  }
}

/**
 * A time as "2026-12-02 16:18 UTC" (the same on every machine), "" when it is not one.
 * @param {string | null | undefined} iso ISO 8601
 */
export function formatTime(iso) {
  const at = parseTime(iso);
  if (!Number.isFinite(at)) return "";
  return `${new Date(at).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/**
 * "in 6 days", "in 3 h", "in 20 min", "expired", "never": how long a rule has left.
 * `level` is "soon" under a day, so that the view can mark it.
 * @param {string | null | undefined} expiresAt ISO 8601; null: the rule never expires
 * @param {number} [now] milliseconds since the epoch
 * @returns {{text: string, level: "never" | "ok" | "soon" | "expired", title: string}}
 */
export function describeLifetime(expiresAt, now = Date.now()) {
  const at = parseTime(expiresAt);
  if (!Number.isFinite(at)) return { text: "never", level: "never", title: "The rule does not expire" };
  const left = at - now;
  const title = `Expires ${formatTime(expiresAt)}`;
  if (left <= 0) return { text: "expired", level: "expired", title: `Expired ${formatTime(expiresAt)}` };
  // Rounded: a rule just extended by 9 days reads "in 9 days", not "in 8 days".
  if (left >= 86400000)
    return { text: `in ${plural(Math.round(left / 86400000), "day")}`, level: "ok", title };
  return { text: `in ${formatDuration(left)}`, level: "soon", title };
}

/** @type {Record<string, string>} */
const RULE_STATE_HELP = {
  OK: "Every lock is satisfied: the data is where the rule asks",
  REPLICATING: "Rucio is copying the data to the RSEs of the rule",
  STUCK: "Some transfers failed and wait to be retried",
  SUSPENDED: "Rucio stopped working on the rule",
  WAITING_APPROVAL: "An administrator must approve the rule before Rucio copies anything",
  INJECT: "Rucio has not started on the rule yet",
};

/**
 * Text and tooltip of a rule's state badge.
 * @param {unknown} state one of RULE_STATES
 */
export function describeRuleState(state) {
  const key = String(state ?? "");
  return { text: key.replaceAll("_", " "), title: RULE_STATE_HELP[key] ?? key };
}
