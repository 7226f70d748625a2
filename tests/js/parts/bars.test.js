// The status bar, the selection bar and the error banner on their own.

import { afterEach, describe, expect, it, vi } from "vitest";
import { ErrorBanner } from "../../../js/parts/errorbanner.js";
import { SelectionBar } from "../../../js/parts/selectionbar.js";
import { BUSY_NOTE_MS, EXPIRY_TICK_MS, StatusBar } from "../../../js/parts/statusbar.js";
import { query } from "../helpers.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("StatusBar", () => {
  function setup() {
    const cb = { onSignOut: vi.fn(), onCancel: vi.fn() };
    const bar = new StatusBar(cb);
    return { cb, bar, ...query(bar.el) };
  }

  it("says how long Python has waited once a busy step is long, and stops counting after", () => {
    vi.useFakeTimers();
    const s = setup();
    s.bar.update({ busy: "Searching…" });
    expect(s.$(".rw-busy-label").textContent).toBe("Searching…");
    vi.advanceTimersByTime(BUSY_NOTE_MS + 15000);
    expect(s.$(".rw-busy-label").textContent).toBe("Searching… waiting for the server (20 s)…");
    expect(s.$(".rw-busy").hidden).toBe(false);
    s.$("button.rw-cancel").click();
    expect(s.cb.onCancel).toHaveBeenCalledTimes(1);
    s.bar.update({ busy: "" });
    expect(s.$(".rw-busy").hidden).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    s.bar.update({ busy: "Resolving paths…" });
    expect(s.$(".rw-busy-label").textContent).toBe("Resolving paths…");
    s.bar.destroy();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("shows server, account, mode and the paths summary", () => {
    const s = setup();
    expect(s.$(".rw-status-paths").textContent).toBe("nothing selected");
    s.bar.update({
      info: { server: "https://rucio.example.org", mode: "replica", destination: "SITE_DISK" },
      auth: { state: "signed_in", account: "alice" },
      paths: { files: 1, available: 1, pending: 0 },
      selected: 1,
    });
    expect(s.$(".rw-status-server").textContent).toBe("rucio.example.org");
    expect(s.$(".rw-status-account").textContent).toBe("alice");
    expect(s.$(".rw-status-mode").textContent).toBe("replica → SITE_DISK");
    expect(s.$(".rw-status-paths").textContent).toBe("1 selected · 1 file · 1 path ready");
    s.$("button.rw-signout").click();
    expect(s.cb.onSignOut).toHaveBeenCalledTimes(1);
    s.bar.update({ signedOut: true });
    expect(s.$("button.rw-signout").hidden).toBe(true);
  });

  it("shows Python's busy label with Cancel", () => {
    const s = setup();
    s.bar.update({ busy: "Searching…" });
    expect(s.$(".rw-busy").hidden).toBe(false);
    s.$("button.rw-cancel").click();
    expect(s.cb.onCancel).toHaveBeenCalledTimes(1);
    s.bar.update({ busy: null });
    expect(s.$(".rw-busy").hidden).toBe(true);
  });

  it("lists requests waiting long for a reply, and Cancel gives every one up", () => {
    const s = setup();
    const a = vi.fn();
    const b = vi.fn();
    s.bar.waiting(1, a);
    s.bar.waiting(2, b);
    expect(s.$(".rw-status-waiting").hidden).toBe(false);
    expect(s.$$(".rw-waiting")).toHaveLength(1);
    s.$("button.rw-waiting-cancel").click();
    expect([a.mock.calls.length, b.mock.calls.length]).toEqual([1, 1]);
    s.bar.waiting(1, null);
    expect(s.$(".rw-status-waiting").hidden).toBe(false);
    s.bar.waiting(2, null);
    expect(s.$(".rw-status-waiting").hidden).toBe(true);
    s.bar.waiting(3, null); // never waited: nothing to do
    expect(s.$(".rw-status-waiting").hidden).toBe(true);
  });

  it("counts the token down and stops its timer on destroy", () => {
    vi.useFakeTimers();
    vi.setSystemTime(Date.parse("2025-03-01T12:00:00Z"));
    const s = setup();
    s.bar.update({ auth: { state: "signed_in", expires_at: "2025-03-01T13:00:00" } });
    expect(s.$(".rw-expiry").textContent).toBe("token 1 h");
    vi.advanceTimersByTime(EXPIRY_TICK_MS);
    expect(s.$(".rw-expiry").textContent).toBe("token 59 min");
    expect(vi.getTimerCount()).toBe(1);
    s.bar.destroy();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("SelectionBar", () => {
  it("counts results, offers more… while incomplete, and enables what the selection allows", () => {
    const cb = { onSelectAll: vi.fn(), onClear: vi.fn(), onLoadMore: vi.fn(), onMakeAvailable: vi.fn() };
    const toggle = document.createElement("button");
    const bar = new SelectionBar({ optionsToggle: toggle, ...cb });
    const q = query(bar.el);
    expect(bar.el.lastElementChild).toBe(toggle);
    expect(q.$(".rw-count").textContent).toBe("");
    bar.update({ results: { count: 1234, complete: false, searched: true } });
    expect(q.$(".rw-count").textContent).toBe("1,234 results");
    expect(q.$(".rw-count-more").hidden).toBe(false);
    bar.update({ results: { count: 1234, complete: true, searched: true } });
    expect(q.$(".rw-count-more").hidden).toBe(true);

    const make = q.button("button.rw-make-selection-available");
    const clear = q.button("button.rw-clear");
    expect([make.disabled, clear.disabled]).toEqual([true, true]);
    bar.update({ selected: 2 });
    expect([make.disabled, clear.disabled]).toEqual([false, false]);
    bar.update({ signedOut: true });
    expect([make.disabled, clear.disabled]).toEqual([true, false]);
    for (const sel of ["button.rw-select-all", "button.rw-clear", "button.rw-count-more"]) q.$(sel).click();
    expect([cb.onSelectAll, cb.onClear, cb.onLoadMore].map((f) => f.mock.calls.length)).toEqual([1, 1, 1]);
  });
});

describe("ErrorBanner's Retry", () => {
  it("offers Retry only for a server that was away or silent, and retries once", () => {
    const onRetry = vi.fn();
    const onDismiss = vi.fn();
    const banner = new ErrorBanner({ onDismiss, onRetry });
    const retry = /** @type {HTMLButtonElement} */ (banner.el.querySelector(".rw-error-retry"));
    banner.update({ error: { message: "Bad filter", hint: "", kind: "InvalidQueryError" } });
    expect(retry.hidden).toBe(true);
    banner.update({
      error: {
        message: "The Rucio server did not answer within 60 s.",
        hint: "",
        kind: "ServerUnavailableError",
      },
    });
    expect(retry.hidden).toBe(false);
    retry.click();
    expect(onRetry).toHaveBeenCalledTimes(1);
    expect(onDismiss).toHaveBeenCalledTimes(1);
    expect(banner.el.hidden).toBe(true);
  });
});

describe("ErrorBanner", () => {
  it("shows the trait's error, and dismissing it asks the view to clear the trait", () => {
    const onDismiss = vi.fn();
    const banner = new ErrorBanner({ onDismiss });
    const q = query(banner.el);
    banner.update({ error: { message: "Cannot authenticate", hint: "", kind: "AuthenticationError" } });
    expect(banner.el.hidden).toBe(false);
    expect(q.$(".rw-error-hint").hidden).toBe(true);
    q.$(".rw-error-dismiss").click();
    expect(onDismiss).toHaveBeenCalledTimes(1);
    expect(banner.el.hidden).toBe(true);
  });

  it("shows a reply's error as view state, once, until dismissed, replaced or cleared", () => {
    const onDismiss = vi.fn();
    const banner = new ErrorBanner({ onDismiss });
    const q = query(banner.el);
    banner.showLocal({ message: "Quota exceeded", hint: "Pick another RSE.", kind: "QuotaExceededError" });
    expect(q.$(".rw-error-message").textContent).toBe("Quota exceeded");
    expect(q.$(".rw-error-hint").textContent).toBe("Pick another RSE.");
    banner.update({ error: {} }); // the trait has nothing: the reply's error stays
    expect(banner.el.hidden).toBe(false);
    q.$(".rw-error-dismiss").click();
    expect(onDismiss).not.toHaveBeenCalled();
    expect(banner.el.hidden).toBe(true);

    // The same error in the trait and in a reply shows once, as the trait's.
    banner.update({ error: { message: "Server down", hint: "", kind: "ServerUnavailableError" } });
    banner.showLocal({ message: "Server down", hint: "", kind: "ServerUnavailableError" });
    q.$(".rw-error-dismiss").click();
    expect(onDismiss).toHaveBeenCalledTimes(1);

    banner.showLocal({ message: "Nothing to load", hint: "", kind: "InvalidQueryError" });
    banner.clearLocal();
    expect(banner.el.hidden).toBe(true);
    banner.destroy();
    banner.showLocal({ message: "late", hint: "", kind: "X" });
    expect(banner.el.hidden).toBe(true);
  });
});
