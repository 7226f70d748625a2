// The sign-in form in the view, the credentials' countdown, and the instance picker.

import { afterEach, describe, expect, it, vi } from "vitest";
import { describeExpiry, formatDuration, parseTime } from "../../js/format.js";
import { WAITING_MS } from "../../js/rpc.js";
import { answerAll, answerCancels, fail, flush, reply, row } from "./fake-model.js";
import { find, mount as mountView, press, type, unmountAll } from "./helpers.js";

/** @typedef {import("../../js/model.js").Traits} Traits */

/** @param {Partial<Traits>} [initial] */
function mount(initial) {
  const w = mountView(initial);
  return { ...w, set: vi.spyOn(w.model, "set") };
}

afterEach(() => {
  unmountAll();
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** @type {import("../../js/protocol.js").AuthState} */
const USERPASS_OUT = {
  state: "signed_out",
  auth_type: "userpass",
  account: "alice",
  username: "alice",
  expires_at: null,
  message: "Wrong password for alice",
};
const SECRET = "s3cret-Pa55-7f1d";
const TOKEN = "eyJhbGciOiJSUzI1NiJ9.secret-token-payload.c2lnbmF0dXJl";
const ISO = (/** @type {number} */ ms) => new Date(ms).toISOString();

/**
 * Nothing outside the input ever held the secret.
 * @param {ReturnType<typeof mount>} w
 * @param {string} secret
 */
function expectNoLeak(w, secret) {
  for (const call of w.set.mock.calls) expect(JSON.stringify(call)).not.toContain(secret);
  expect(JSON.stringify(w.model.state)).not.toContain(secret);
  for (const value of Object.values(w.model.state))
    expect(JSON.stringify(value ?? null)).not.toContain(secret);
  expect(w.el.innerHTML).not.toContain(secret);
  expect(localStorage.length).toBe(0);
  expect(sessionStorage.length).toBe(0);
}

describe("sign-in form", () => {
  it("is hidden while the state is not known, and when signed in", () => {
    const w = mount();
    expect(w.$(".rw-signin").hidden).toBe(true);
    expect(w.input("input.rw-search").disabled).toBe(false);
    expect(w.$("button.rw-signout").hidden).toBe(true);
    expect(w.$(".rw-expiry").hidden).toBe(true);
    w.model.update("auth", { state: "signed_in", auth_type: "userpass", account: "alice" });
    expect(w.$(".rw-signin").hidden).toBe(true);
    expect(w.$("button.rw-signout").hidden).toBe(false);
  });

  it("appears for signed_out userpass, prefilled, and disables searching and fetching", async () => {
    const w = mount({ selected: ["s:a"] });
    w.model.update("results_state", { generation: 1, loaded: 1, complete: true });
    await answerAll(w.model, "results", 1, () => row("s:a", "DATASET"));
    const rowButton = () => w.button('.rw-row[data-did="s:a"] .rw-make-available');
    expect(rowButton().disabled).toBe(false);
    expect(w.button("button.rw-make-selection-available").disabled).toBe(false);

    w.model.update("auth", USERPASS_OUT);
    const form = w.$(".rw-signin");
    expect(form.hidden).toBe(false);
    expect(form.getAttribute("role")).toBe("form");
    expect(form.getAttribute("aria-label")).toBeTruthy();
    expect(w.$(".rucio-widgets").firstElementChild).toBe(form);
    expect(w.$(".rw-signin-message").textContent).toBe("Wrong password for alice");
    expect(w.input("input.rw-signin-account").value).toBe("alice");
    expect(w.input("input.rw-signin-username").value).toBe("alice");
    const password = w.input("input.rw-signin-password");
    expect(password.type).toBe("password");
    expect(password.getAttribute("autocomplete")).toBe("current-password");
    expect(w.$("button.rw-signin-submit").textContent).toBe("Sign in");

    expect(w.input("input.rw-search").disabled).toBe(true);
    expect(w.button("button.rw-search-button").disabled).toBe(true);
    expect(w.button("button.rw-make-selection-available").disabled).toBe(true);
    expect(rowButton().disabled).toBe(true);
    expect(w.$("button.rw-signout").hidden).toBe(true);
    expect(w.$(".rucio-widgets").classList.contains("rw-signed-out")).toBe(true);
    // Enter in the filter text does not search either.
    press(w.$("input.rw-filter-text"), "Enter");
    expect(w.model.sentOf("search")).toHaveLength(0);

    w.model.update("auth", { ...USERPASS_OUT, state: "signed_in", message: "" });
    expect(form.hidden).toBe(true);
    expect(w.input("input.rw-search").disabled).toBe(false);
    expect(w.button("button.rw-make-selection-available").disabled).toBe(false);
    expect(rowButton().disabled).toBe(false);
  });

  it("shows the form with a default message when the credentials expired", () => {
    const w = mount({ auth: { state: "expired", auth_type: "userpass", account: "alice" } });
    expect(w.$(".rw-signin").hidden).toBe(false);
    expect(w.$(".rw-signin-message").textContent).toMatch(/expired/);
    expect(w.input("input.rw-search").disabled).toBe(true);
    expect(w.$(".rw-empty").textContent).toBe("Sign in to search the catalogue");
  });

  it("sends one sign_in on Enter in the password field and keeps the password nowhere else", async () => {
    const log = vi.spyOn(console, "log");
    const warn = vi.spyOn(console, "warn");
    const error = vi.spyOn(console, "error");
    const debug = vi.spyOn(console, "debug");
    const w = mount({ auth: USERPASS_OUT });
    type(w.input("input.rw-signin-account"), "alice2");
    const password = w.input("input.rw-signin-password");
    type(password, SECRET);
    expect(w.model.sentOf("sign_in")).toHaveLength(0);
    password.dispatchEvent(new Event("change", { bubbles: true }));
    expect(w.model.sentOf("sign_in")).toHaveLength(0);

    const e = press(password, "Enter");
    expect(e.defaultPrevented).toBe(true);
    expect(w.model.bodies("sign_in")).toEqual([
      { type: "sign_in", account: "alice2", username: "alice", password: SECRET },
    ]);
    // Busy until the reply; a second Enter or click sends nothing.
    const button = w.button("button.rw-signin-submit");
    expect(button.disabled).toBe(true);
    expect(button.textContent).toMatch(/Signing in/);
    press(password, "Enter");
    button.click();
    expect(w.model.sentOf("sign_in")).toHaveLength(1);
    expect(password.value).toBe("");

    await reply(w.model, w.model.lastOf("sign_in"), { ok: true, message: "" });
    expect(password.value).toBe("");
    expect(w.$(".rw-signin").hidden).toBe(true);
    expect(w.input("input.rw-search").disabled).toBe(false);

    expectNoLeak(w, SECRET);
    for (const spy of [log, warn, error, debug])
      for (const call of spy.mock.calls) expect(JSON.stringify(call)).not.toContain(SECRET);
  });

  it("shows a refusal, keeps account and username, clears the password", async () => {
    const w = mount({ auth: USERPASS_OUT });
    const password = w.input("input.rw-signin-password");
    type(password, SECRET);
    w.$("button.rw-signin-submit").click();
    const req = w.model.lastOf("sign_in");
    expect(req.password).toBe(SECRET);

    // Another view's reply (or a stale one) changes nothing.
    w.model.message({ type: "sign_in", request_id: req.request_id + 1, ok: false, message: "other" });
    await flush();
    expect(w.$(".rw-signin-error").hidden).toBe(true);
    expect(w.button("button.rw-signin-submit").disabled).toBe(true);

    await reply(w.model, req, { ok: false, message: "Cannot authenticate: wrong password" });
    const error = w.$(".rw-signin-error");
    expect(error.hidden).toBe(false);
    expect(error.textContent).toBe("Cannot authenticate: wrong password");
    expect(w.$(".rw-signin").hidden).toBe(false);
    expect(w.input("input.rw-signin-account").value).toBe("alice");
    expect(w.input("input.rw-signin-username").value).toBe("alice");
    expect(password.value).toBe("");
    expect(document.activeElement).toBe(password);
    expect(w.button("button.rw-signin-submit").disabled).toBe(false);
    expect(w.input("input.rw-search").disabled).toBe(true);
    expectNoLeak(w, SECRET);

    // A repeated reply is ignored; the next attempt clears the error.
    type(password, "again");
    press(password, "Enter");
    expect(w.model.sentOf("sign_in")).toHaveLength(2);
    expect(w.$(".rw-signin-error").hidden).toBe(true);
  });

  it("shows an error reply's message and hint", async () => {
    const w = mount({ auth: { state: "signed_out", auth_type: "x509" } });
    w.$("button.rw-signin-submit").click();
    await fail(w.model, w.model.lastOf("sign_in"), "The Rucio server does not answer.", {
      hint: "Check the network.",
      kind: "ServerUnavailableError",
    });
    expect(w.$(".rw-signin-error").textContent).toBe("The Rucio server does not answer. Check the network.");
    expect(w.button("button.rw-signin-submit").disabled).toBe(false);
  });

  it("asks for a password before sending, and leaves out an empty account", () => {
    const w = mount({ auth: { ...USERPASS_OUT, account: "" } });
    const password = w.input("input.rw-signin-password");
    press(password, "Enter");
    expect(w.model.sentOf("sign_in")).toHaveLength(0);
    expect(w.$(".rw-signin-error").textContent).toMatch(/password/);
    type(password, SECRET);
    press(password, "Enter");
    expect(w.model.bodies("sign_in")).toEqual([{ type: "sign_in", username: "alice", password: SECRET }]);
  });

  it("sends a pasted token for oidc, or nothing but the request id to re-read the configured one", async () => {
    const w = mount({
      auth: { state: "expired", auth_type: "oidc", account: "alice", message: "Token expired" },
    });
    expect(w.maybe("input.rw-signin-password")).toBeNull();
    const token = find(w.el, "textarea.rw-signin-token", HTMLTextAreaElement);
    expect(w.$(".rw-signin").textContent).toMatch(/administrator/);
    type(token, `  ${TOKEN}\n`);
    w.$("button.rw-signin-submit").click();
    expect(w.model.bodies("sign_in")).toEqual([{ type: "sign_in", token: TOKEN }]);
    expect(token.value).toBe("");
    await reply(w.model, w.model.lastOf("sign_in"), { ok: false, message: "Invalid token" });
    expect(w.$(".rw-signin-error").textContent).toBe("Invalid token");
    expectNoLeak(w, TOKEN);

    press(token, "Enter");
    expect(w.model.bodies("sign_in").at(-1)).toEqual({ type: "sign_in" });
  });

  it("offers Try again for x509 and sends only the request id", async () => {
    for (const authType of ["x509", "x509_proxy"]) {
      const w = mount({
        auth: { state: "signed_out", auth_type: authType, account: "alice", message: "Proxy expired" },
      });
      expect(w.el.querySelectorAll(".rw-signin input, .rw-signin textarea")).toHaveLength(0);
      expect(w.$(".rw-signin-message").textContent).toBe("Proxy expired");
      const button = w.$("button.rw-signin-submit");
      expect(button.textContent).toBe("Try again");
      button.click();
      const sent = w.model.sentOf("sign_in");
      expect(sent).toHaveLength(1);
      expect(Object.keys(sent[0] ?? {}).sort()).toEqual(["request_id", "type"]);
      await reply(w.model, w.model.lastOf("sign_in"), { ok: false, message: "Still expired" });
      expect(w.$(".rw-signin-error").textContent).toBe("Still expired");
      expect(button.textContent).toBe("Try again");
    }
  });

  it("keeps each view's request apart", async () => {
    const a = mount({ auth: USERPASS_OUT });
    const other = document.createElement("div");
    const b = a.def.render({ model: a.model, el: other });
    try {
      type(a.input("input.rw-signin-password"), SECRET);
      press(a.input("input.rw-signin-password"), "Enter");
      await reply(a.model, a.model.lastOf("sign_in"), { ok: false, message: "Nope" });
      expect(a.$(".rw-signin-error").textContent).toBe("Nope");
      expect(find(other, ".rw-signin-error", HTMLElement).hidden).toBe(true);
      expect(a.model.sentOf("sign_in")).toHaveLength(1);
    } finally {
      b();
    }
  });

  it("says when Python does not answer, allows another try, and still takes a late reply", async () => {
    vi.useFakeTimers();
    const w = mount({ auth: { state: "signed_out", auth_type: "x509" } });
    const button = w.button("button.rw-signin-submit");
    button.click();
    expect(button.disabled).toBe(true);
    expect(w.$(".rw-signin-waiting").hidden).toBe(true);
    vi.advanceTimersByTime(WAITING_MS);
    expect(button.disabled).toBe(false);
    expect(w.$(".rw-signin-waiting").textContent).toMatch(/No answer/);
    await reply(w.model, w.model.lastOf("sign_in"), { ok: true, message: "" });
    expect(w.$(".rw-signin").hidden).toBe(true);
  });

  it("gives a slow sign-in up on Cancel, or when the user tries again", async () => {
    vi.useFakeTimers();
    const w = mount({ auth: { state: "signed_out", auth_type: "x509" } });
    w.$("button.rw-signin-submit").click();
    const first = w.model.lastOf("sign_in");
    vi.advanceTimersByTime(WAITING_MS);
    w.$(".rw-signin-waiting button.rw-waiting-cancel").click();
    expect(w.model.bodies("cancel_request")).toEqual([{ type: "cancel_request", target: first.request_id }]);
    expect(w.$(".rw-signin-waiting").hidden).toBe(true);
    await answerCancels(w.model);
    // Cancelled at the user's request: no error to show.
    expect(w.$(".rw-signin-error").hidden).toBe(true);

    w.$("button.rw-signin-submit").click();
    const second = w.model.lastOf("sign_in");
    vi.advanceTimersByTime(WAITING_MS);
    w.$("button.rw-signin-submit").click();
    expect(w.model.bodies("cancel_request").at(-1)).toEqual({
      type: "cancel_request",
      target: second.request_id,
    });
    expect(w.model.sentOf("sign_in")).toHaveLength(3);
  });

  it("signs out from the status bar", () => {
    const w = mount({ auth: { state: "signed_in", auth_type: "userpass", account: "alice" } });
    expect(w.$(".rw-status").textContent).toMatch(/alice/);
    const signOut = w.$("button.rw-signout");
    expect(signOut.hidden).toBe(false);
    signOut.click();
    expect(w.model.bodies("sign_out")).toEqual([{ type: "sign_out" }]);
    w.model.update("auth", { ...USERPASS_OUT, message: "Signed out" });
    expect(signOut.hidden).toBe(true);
    expect(w.$(".rw-signin").hidden).toBe(false);
  });
});

describe("credential expiry", () => {
  const NOW = Date.parse("2025-03-01T12:00:00Z");

  /** @param {number} inMs */
  function mountExpiring(inMs) {
    vi.useFakeTimers();
    vi.setSystemTime(NOW);
    return mount({
      auth: { state: "signed_in", auth_type: "oidc", account: "alice", expires_at: ISO(NOW + inMs) },
    });
  }

  it("shows hours and minutes, without warning, for 2 h", () => {
    const w = mountExpiring(2 * 3600e3);
    const el = w.$(".rw-status .rw-expiry");
    expect(el.hidden).toBe(false);
    expect(el.textContent).toBe("token 2 h");
    expect(el.classList.contains("rw-expiry-warn")).toBe(false);
    expect(el.classList.contains("rw-expiry-expired")).toBe(false);
    vi.advanceTimersByTime(30e3);
    expect(el.textContent).toBe("token 1 h 59 min");
  });

  it("warns under 10 minutes", () => {
    const w = mountExpiring(5 * 60e3);
    const el = w.$(".rw-expiry");
    expect(el.textContent).toBe("token 5 min");
    expect(el.classList.contains("rw-expiry-warn")).toBe(true);
    expect(el.classList.contains("rw-expiry-expired")).toBe(false);
  });

  it("says expired once the time has passed", () => {
    const w = mountExpiring(-60e3);
    const el = w.$(".rw-expiry");
    expect(el.textContent).toBe("token expired");
    expect(el.classList.contains("rw-expiry-expired")).toBe(true);
    expect(el.classList.contains("rw-expiry-warn")).toBe(false);
  });

  it("counts down every 30 s into the warning and then expired", () => {
    const w = mountExpiring(10 * 60e3 + 20e3);
    const el = w.$(".rw-expiry");
    expect(el.textContent).toBe("token 10 min");
    expect(el.classList.contains("rw-expiry-warn")).toBe(false);
    vi.advanceTimersByTime(30e3);
    expect(el.textContent).toBe("token 9 min");
    expect(el.classList.contains("rw-expiry-warn")).toBe(true);
    vi.advanceTimersByTime(10 * 60e3);
    expect(el.textContent).toBe("token expired");
    expect(el.classList.contains("rw-expiry-expired")).toBe(true);
  });

  it("stops its timer on cleanup, and when there is no expiry to show", () => {
    const w = mountExpiring(3600e3);
    expect(vi.getTimerCount()).toBe(1);
    w.model.update("auth", { state: "signed_in", auth_type: "userpass", account: "alice", expires_at: null });
    expect(w.$(".rw-expiry").hidden).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    w.model.update("auth", { state: "signed_in", auth_type: "userpass", expires_at: ISO(NOW + 3600e3) });
    expect(vi.getTimerCount()).toBe(1);
    w.cleanup();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("instance selector", () => {
  const INSTANCES = [
    { name: "atlas", display_name: "ATLAS" },
    { name: "cms", display_name: "CMS" },
  ];

  it("lists the instances at the start of the toolbar and writes instance", () => {
    const w = mount({ instances: INSTANCES, instance: "cms" });
    const select = w.select("select.rw-instance");
    expect(select.hidden).toBe(false);
    expect(w.$(".rw-toolbar").firstElementChild).toBe(select);
    expect([...select.options].map((o) => [o.value, o.textContent])).toEqual([
      ["atlas", "ATLAS"],
      ["cms", "CMS"],
    ]);
    expect(select.value).toBe("cms");
    select.value = "atlas";
    select.dispatchEvent(new Event("change"));
    expect(w.model.state.instance).toBe("atlas");
    expect(w.set).toHaveBeenCalledWith("instance", "atlas");
    expect(w.model.saves).toBe(1);
    w.model.update("instance", "cms");
    expect(select.value).toBe("cms");
  });

  it("is hidden with one instance or none, and stays usable while signed out", () => {
    const w = mount({ instances: INSTANCES.slice(0, 1), instance: "atlas" });
    expect(w.$("select.rw-instance").hidden).toBe(true);
    w.model.update("instances", []);
    expect(w.$("select.rw-instance").hidden).toBe(true);
    w.model.update("instances", INSTANCES);
    expect(w.$("select.rw-instance").hidden).toBe(false);
    w.model.update("auth", USERPASS_OUT);
    expect(w.select("select.rw-instance").disabled).toBe(false);
    expect(w.$(".rw-signin-title").textContent).toBe("Sign in to ATLAS");
  });
});

describe("time helpers", () => {
  it("reads times without a zone as UTC and cuts microseconds", () => {
    const t = Date.parse("2025-03-01T12:00:00.123Z");
    expect(parseTime("2025-03-01T12:00:00.123456")).toBe(t);
    expect(parseTime("2025-03-01 12:00:00.123456+00:00")).toBe(t);
    expect(parseTime("2025-03-01T13:00:00.123+01:00")).toBe(t);
    expect(parseTime("2025-03-01T12:00:00.123Z")).toBe(t);
    expect(parseTime("not a time")).toBeNaN();
    expect(parseTime(null)).toBeNaN();
  });

  it("formats durations", () => {
    expect(formatDuration(30e3)).toBe("< 1 min");
    expect(formatDuration(4 * 60e3 + 59e3)).toBe("4 min");
    expect(formatDuration(2 * 3600e3 - 1)).toBe("1 h 59 min");
    expect(formatDuration(3 * 86400e3 + 4 * 3600e3)).toBe("3 d 4 h");
    expect(formatDuration(2 * 86400e3)).toBe("2 d");
  });

  it("describes no expiry as null", () => {
    expect(describeExpiry(null)).toBeNull();
    expect(describeExpiry(undefined)).toBeNull();
    expect(describeExpiry("")).toBeNull();
    expect(describeExpiry("garbage")).toBeNull();
  });
});
