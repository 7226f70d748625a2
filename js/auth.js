// The sign-in form shown when Python reports no valid credentials (`auth` trait).
//
// Secrets (password, pasted token) live only in their input elements: they go out in one
// sign_in message and the fields are emptied as soon as the message is sent.  Nothing here
// writes them to a trait, to storage, to an attribute or to the console.

import { h } from "./dom.js";
import { EXPIRED, MSG_SIGN_IN, SIGNED_OUT } from "./protocol.js";

/** @typedef {import("./protocol.js").AuthState} AuthState */

/** After this long without a reply the button may be pressed again. */
export const SIGN_IN_TIMEOUT_MS = 60000;

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
   * @param {(content: Record<string, unknown>) => void} opts.send
   * @param {() => number} opts.nextId a request id unique to the view
   * @param {() => void} opts.onChange the form was shown, hidden or accepted
   */
  constructor({ uid, send, nextId, onChange }) {
    this.send = send;
    this.nextId = nextId;
    this.onChange = onChange;
    /** @type {number | null} request id of the sign-in in flight */
    this.pending = null;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.timeout = undefined;
    /** @type {string | null} the auth_type the fields were built for */
    this.builtFor = null;
    /** @type {AuthState} */
    this.auth = {};
    /** Prefill values last written, to tell them apart from what the user typed. */
    this.prefill = { account: "", username: "" };
    this.submitLabel = "Sign in";

    this.titleEl = h("div", { class: "rw-signin-title" });
    this.messageEl = h("div", { class: "rw-signin-message", id: `${uid}-signin-message` });
    this.fieldsEl = h("div", { class: "rw-signin-fields" });
    this.errorEl = h("div", { class: "rw-signin-error", role: "alert", hidden: true });
    this.submitButton = /** @type {HTMLButtonElement} */ (
      h("button", { class: "rw-signin-submit rw-primary", type: "button", onclick: () => this.submit() })
    );
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
   * @param {AuthState} auth
   * @param {string} instanceLabel the current instance's display name, or ""
   */
  update(auth, instanceLabel) {
    this.auth = auth && typeof auth === "object" ? auth : {};
    const show = needsSignIn(this.auth);
    if (!show) {
      this.hide();
      return;
    }
    const type = String(this.auth.auth_type || "");
    if (type !== this.builtFor) this.build(type);
    this.titleEl.textContent = instanceLabel ? `Sign in to ${instanceLabel}` : "Sign in to Rucio";
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
      this.tokenInput = /** @type {HTMLTextAreaElement} */ (
        h("textarea", {
          class: "rw-signin-token",
          rows: "2",
          spellcheck: "false",
          autocomplete: "off",
          placeholder: "Paste an access token",
          onkeydown: enter,
        })
      );
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
    return /** @type {HTMLInputElement} */ (
      h("input", {
        class: `rw-signin-${name}`,
        type,
        name,
        placeholder,
        autocomplete,
        spellcheck: "false",
        autocapitalize: "off",
      })
    );
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
    if (e.key !== "Enter" || e.isComposing || e.shiftKey || e.ctrlKey || e.metaKey || e.altKey) return;
    e.preventDefault();
    e.stopPropagation();
    this.submit();
  }

  submit() {
    if (this.pending !== null && !this.submitButton.disabled) this.pending = null;
    if (this.pending !== null || !this.shown) return;
    const id = this.nextId();
    /** @type {Record<string, unknown>} */
    const content = { type: MSG_SIGN_IN, request_id: id };
    if (this.passwordInput) {
      const account = /** @type {HTMLInputElement} */ (this.accountInput).value.trim();
      const username = /** @type {HTMLInputElement} */ (this.usernameInput).value.trim();
      if (!username || !this.passwordInput.value) {
        this.showError(username ? "Enter your password." : "Enter your username.");
        (username ? this.passwordInput : this.usernameInput)?.focus();
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
    // The message holds the only other copy of the secret; the fields let go of it now.
    this.clearSecrets();
    this.showError("");
    this.pending = id;
    this.setBusy(true);
    this.send(content);
    clearTimeout(this.timeout);
    this.timeout = setTimeout(() => {
      // No answer yet (a busy kernel?): a late reply still counts, but allow a retry.
      this.timeout = undefined;
      if (this.pending !== id) return;
      this.setBusy(false);
      this.showError("No answer from Python yet. Is the kernel busy?");
    }, SIGN_IN_TIMEOUT_MS);
  }

  /**
   * A sign_in reply; replies to other views' (or older) requests are ignored.
   * @param {import("./protocol.js").SignInReply} msg
   */
  onReply(msg) {
    if (this.pending === null || msg.request_id !== this.pending) return;
    this.pending = null;
    clearTimeout(this.timeout);
    this.timeout = undefined;
    this.setBusy(false);
    this.clearSecrets();
    if (msg.ok) {
      // Python's `auth` change (signed_in) may come before or after this reply.
      this.hide();
    } else {
      this.showError(String(msg.message || "Sign-in failed."));
      if (this.shown) (this.passwordInput ?? this.tokenInput ?? this.submitButton).focus();
    }
    this.onChange();
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
      // Signed in meanwhile (another view, or Python on its own): stop waiting.
      this.pending = null;
      clearTimeout(this.timeout);
      this.timeout = undefined;
      this.setBusy(false);
    }
    this.clearSecrets();
    this.showError("");
    this.el.hidden = true;
  }

  destroy() {
    clearTimeout(this.timeout);
    this.timeout = undefined;
    this.clearSecrets();
  }
}
