// The sign-in form shown when Python reports no valid credentials (`auth` trait).
//
// Secrets (password, pasted token) live only in their input elements: they go out in one
// sign_in request and the fields are emptied as soon as it is sent.  Nothing here writes
// them to a trait, to storage, to an attribute or to the console.

import { h, isPlainEnter, waitingNote } from "../dom.js";
import { EXPIRED, SIGNED_OUT } from "../protocol.js";
import { isCancelled } from "../rpc.js";

/** @typedef {import("../protocol.js").AuthState} AuthState */
/** @typedef {import("../protocol.js").SignInReply} SignInReply */
/** @typedef {import("../rpc.js").Invoker} Invoker */
/** @typedef {import("../rpc.js").Payload<"sign_in">} SignInPayload */

/**
 * Whether an `auth` value asks for the sign-in form.
 * @param {AuthState | null | undefined} auth
 */
export function needsSignIn(auth) {
  const state = auth && typeof auth === "object" ? auth.state : undefined;
  return state === SIGNED_OUT || state === EXPIRED;
}

export class SignInForm {
  /**
   * @param {object} opts
   * @param {string} opts.uid prefix for element ids
   * @param {Invoker} opts.rpc
   * @param {() => void} opts.onChange the form was shown, hidden or accepted
   */
  constructor({ uid, rpc, onChange }) {
    this.rpc = rpc;
    this.onChange = onChange;
    /** @type {import("../rpc.js").Call<"sign_in"> | null} the sign-in in flight */
    this.pending = null;
    /** @type {string | null} the auth_type the fields were built for */
    this.builtFor = null;
    /** @type {AuthState} */
    this.auth = {};
    this.instanceLabel = "";
    /** Prefill values last written, to tell them apart from what the user typed. */
    this.prefill = { account: "", username: "" };
    this.submitLabel = "Sign in";

    this.titleEl = h("div", { class: "rw-signin-title" });
    this.messageEl = h("div", { class: "rw-signin-message", id: `${uid}-signin-message` });
    this.fieldsEl = h("div", { class: "rw-signin-fields" });
    this.errorEl = h("div", { class: "rw-signin-error", role: "alert", hidden: true });
    this.waitingEl = h("div", { class: "rw-signin-waiting", hidden: true });
    this.submitButton = h("button", {
      class: "rw-signin-submit rw-primary",
      type: "button",
      onclick: () => this.submit(),
    });
    this.el = h(
      "div",
      {
        class: "rw-signin",
        role: "form",
        "aria-label": "Sign in to Rucio",
        "aria-describedby": `${uid}-signin-message`,
        hidden: true,
      },
      this.titleEl,
      this.messageEl,
      this.fieldsEl,
      this.errorEl,
      this.waitingEl,
    );
    /** @type {HTMLInputElement | null} */ this.accountInput = null;
    /** @type {HTMLInputElement | null} */ this.usernameInput = null;
    /** @type {HTMLInputElement | null} */ this.passwordInput = null;
    /** @type {HTMLTextAreaElement | null} */ this.tokenInput = null;
  }

  /** The form is on screen: searching and fetching wait for a sign-in. */
  get shown() {
    return !this.el.hidden;
  }

  /**
   * Follow the `auth` trait.
   * @param {{auth?: AuthState | null, instanceLabel?: string}} state instanceLabel: the
   *   current instance's display name when there is a choice, else ""
   */
  update({ auth, instanceLabel }) {
    if (instanceLabel !== undefined) this.instanceLabel = instanceLabel;
    if (auth !== undefined) this.auth = auth && typeof auth === "object" ? auth : {};
    const show = needsSignIn(this.auth);
    if (!show) {
      this.hide();
      return;
    }
    const type = String(this.auth.auth_type || "");
    if (type !== this.builtFor) this.build(type);
    this.titleEl.textContent = this.instanceLabel ? `Sign in to ${this.instanceLabel}` : "Sign in to Rucio";
    this.messageEl.textContent =
      String(this.auth.message || "") ||
      (this.auth.state === EXPIRED
        ? "Your Rucio credentials have expired."
        : "You are not signed in to Rucio.");
    this.setPrefill("account", this.accountInput);
    this.setPrefill("username", this.usernameInput);
    this.el.hidden = false;
  }

  /**
   * Write a prefill value unless the user has typed something else.
   * @param {"account" | "username"} key
   * @param {HTMLInputElement | null} input
   */
  setPrefill(key, input) {
    const value = String(this.auth[key] ?? "");
    if (input && (!input.value || input.value === this.prefill[key])) input.value = value;
    this.prefill[key] = value;
  }

  /** @param {string} type */
  build(type) {
    this.builtFor = type;
    this.clearSecrets();
    this.accountInput = this.usernameInput = this.passwordInput = null;
    this.tokenInput = null;
    this.prefill = { account: "", username: "" };
    this.showError("");
    const enter = (/** @type {KeyboardEvent} */ e) => this.onKey(e);
    /** @type {Node[]} */
    let fields;
    if (type === "userpass") {
      this.accountInput = this.input("account", "Account", "text", "off");
      this.usernameInput = this.input("username", "Username", "text", "username");
      this.passwordInput = this.input("password", "Password", "password", "current-password");
      for (const input of [this.accountInput, this.usernameInput, this.passwordInput])
        input.addEventListener("keydown", enter);
      fields = [
        this.label("Account", this.accountInput),
        this.label("Username", this.usernameInput),
        this.label("Password", this.passwordInput),
      ];
    } else if (type === "oidc") {
      this.tokenInput = h("textarea", {
        class: "rw-signin-token",
        rows: "2",
        spellcheck: "false",
        autocomplete: "off",
        placeholder: "Paste an access token",
        onkeydown: enter,
      });
      fields = [
        this.label("Token", this.tokenInput, " rw-signin-field-wide"),
        h(
          "div",
          { class: "rw-signin-hint" },
          "A token file or variable configured by your administrator is read again automatically: " +
            "leave the field empty to try it again.",
        ),
      ];
    } else {
      fields = [
        h(
          "div",
          { class: "rw-signin-hint" },
          type === "x509" || type === "x509_proxy"
            ? "Renew the certificate or proxy if needed, then try again."
            : "Fix the configuration if needed, then try again.",
        ),
      ];
    }
    this.submitLabel = this.passwordInput || this.tokenInput ? "Sign in" : "Try again";
    this.setBusy(false);
    this.fieldsEl.replaceChildren(...fields, h("div", { class: "rw-signin-actions" }, this.submitButton));
  }

  /**
   * @param {string} name
   * @param {string} placeholder
   * @param {string} type
   * @param {string} autocomplete
   */
  input(name, placeholder, type, autocomplete) {
    return h("input", {
      class: `rw-signin-${name}`,
      type,
      name,
      placeholder,
      autocomplete,
      spellcheck: "false",
      autocapitalize: "off",
    });
  }

  /**
   * @param {string} text
   * @param {HTMLElement} control
   * @param {string} [extra] more classes
   */
  label(text, control, extra = "") {
    return h(
      "label",
      { class: `rw-signin-field${extra}` },
      h("span", { class: "rw-signin-label" }, text),
      control,
    );
  }

  /** @param {KeyboardEvent} e */
  onKey(e) {
    if (!isPlainEnter(e)) return;
    e.preventDefault();
    e.stopPropagation();
    this.submit();
  }

  submit() {
    // Waiting for a reply: the button is disabled, unless the server was slow to answer
    // and the user tries again, which gives the earlier request up.
    if (!this.shown || this.submitButton.disabled) return;
    /** @type {SignInPayload} */
    const content = {};
    if (this.passwordInput && this.usernameInput) {
      const account = this.accountInput?.value.trim() ?? "";
      const username = this.usernameInput.value.trim();
      if (!username || !this.passwordInput.value) {
        this.showError(username ? "Enter your password." : "Enter your username.");
        (username ? this.passwordInput : this.usernameInput).focus();
        return;
      }
      // An empty account is left out: Python then uses the configured one.
      if (account) content.account = account;
      content.username = username;
      content.password = this.passwordInput.value;
    } else if (this.tokenInput) {
      const token = this.tokenInput.value.trim();
      if (token) content.token = token;
    }
    this.pending?.cancel();
    // The request holds the only other copy of the secret; the fields let go of it now.
    this.clearSecrets();
    this.showError("");
    this.showWaiting(false);
    this.setBusy(true);
    const call = this.rpc.invoke("sign_in", content, {
      onWaiting: () => {
        if (this.pending !== call) return;
        // A busy kernel? The request still counts; the user may cancel it or try again.
        this.setBusy(false);
        this.showWaiting(true);
      },
    });
    this.pending = call;
    call.promise.then((reply) => {
      if (this.pending === call) this.onReply(reply);
    });
  }

  /**
   * The reply to the sign-in in flight.
   * @param {SignInReply} reply
   */
  onReply(reply) {
    this.pending = null;
    this.setBusy(false);
    this.showWaiting(false);
    this.clearSecrets();
    if (reply.error) {
      if (!isCancelled(reply.error)) {
        const { message, hint } = reply.error;
        this.showError([message || "Sign-in failed.", hint].filter(Boolean).join(" "));
      }
    } else if (reply.ok) {
      // Python's `auth` change (signed_in) may come before or after this reply.
      this.hide();
    } else {
      this.showError(String(reply.message || "Sign-in failed."));
      if (this.shown) (this.passwordInput ?? this.tokenInput ?? this.submitButton).focus();
    }
    this.onChange();
  }

  /** @param {boolean} show */
  showWaiting(show) {
    this.waitingEl.hidden = !show;
    this.waitingEl.replaceChildren(
      ...(show
        ? [waitingNote(() => this.cancel(), "No answer from the server yet. Is the kernel busy?")]
        : []),
    );
  }

  /** Give the sign-in in flight up. */
  cancel() {
    const call = this.pending;
    this.pending = null;
    call?.cancel();
    this.setBusy(false);
    this.showWaiting(false);
  }

  /** @param {boolean} busy */
  setBusy(busy) {
    this.submitButton.disabled = busy;
    this.el.setAttribute("aria-busy", String(busy));
    this.submitButton.textContent = busy ? "Signing in…" : this.submitLabel;
  }

  /** @param {string} message */
  showError(message) {
    this.errorEl.textContent = message;
    this.errorEl.hidden = !message;
  }

  clearSecrets() {
    if (this.passwordInput) this.passwordInput.value = "";
    if (this.tokenInput) this.tokenInput.value = "";
  }

  hide() {
    if (this.pending !== null) {
      // Signed in meanwhile (another view, or Python on its own): stop waiting.  The
      // request is left to finish: it may be the one that signed in.
      this.pending = null;
      this.setBusy(false);
      this.showWaiting(false);
    }
    this.clearSecrets();
    this.showError("");
    this.el.hidden = true;
  }

  destroy() {
    this.pending?.cancel();
    this.pending = null;
    this.clearSecrets();
  }
}
