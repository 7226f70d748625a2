// The sign-in form on its own, with a fake rpc.

import { describe, expect, it, vi } from "vitest";
import { SignInForm, needsSignIn } from "../../../js/parts/signin.js";
import { createFakeRpc } from "../fake-model.js";
import { press, query, type } from "../helpers.js";

function setup() {
  const rpc = createFakeRpc();
  const onChange = vi.fn();
  const form = new SignInForm({ uid: "u", rpc, onChange });
  document.body.append(form.el);
  return { rpc, onChange, form, ...query(form.el) };
}

describe("SignInForm", () => {
  it("is needed only when signed out or expired", () => {
    /** @type {Array<import("../../../js/protocol.js").AuthState | null | undefined>} */
    const known = [undefined, null, {}, { state: "signed_in" }];
    expect(known.map((a) => needsSignIn(a))).toEqual([false, false, false, false]);
    expect(needsSignIn({ state: "signed_out" })).toBe(true);
    expect(needsSignIn({ state: "expired" })).toBe(true);
  });

  it("sends the fields once through the rpc and lets go of the password", async () => {
    const f = setup();
    f.form.update({
      auth: { state: "signed_out", auth_type: "userpass", username: "alice" },
      instanceLabel: "ATLAS",
    });
    expect(f.$(".rw-signin-title").textContent).toBe("Sign in to ATLAS");
    const password = f.input("input.rw-signin-password");
    type(password, "pw");
    press(password, "Enter");
    expect(f.rpc.calls.map((c) => [c.kind, c.payload])).toEqual([
      ["sign_in", { username: "alice", password: "pw" }],
    ]);
    expect(password.value).toBe("");
    press(password, "Enter");
    expect(f.rpc.calls).toHaveLength(1);
    await f.rpc.answer(f.rpc.last("sign_in"), { ok: true, message: "" });
    expect(f.form.shown).toBe(false);
    expect(f.onChange).toHaveBeenCalledTimes(1);
  });

  it("waits without giving up, offers Cancel, and cancels what is in flight on destroy", async () => {
    const f = setup();
    f.form.update({ auth: { state: "signed_out", auth_type: "x509" } });
    f.$("button.rw-signin-submit").click();
    const call = f.rpc.last("sign_in");
    call.onWaiting?.();
    expect(f.$(".rw-signin-waiting").hidden).toBe(false);
    expect(call.cancelled).toBe(false);
    f.$("button.rw-waiting-cancel").click();
    expect(call.cancelled).toBe(true);
    expect(f.button("button.rw-signin-submit").disabled).toBe(false);
    // Its late reply belongs to a request given up: nothing changes.
    await f.rpc.answer(call, { ok: false, message: "too late" });
    expect(f.$(".rw-signin-error").hidden).toBe(true);

    f.$("button.rw-signin-submit").click();
    f.form.destroy();
    expect(f.rpc.last("sign_in").cancelled).toBe(true);
  });
});
