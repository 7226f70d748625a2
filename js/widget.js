// The browser view of rucio-widgets.  initialize() owns the model's requests (rpc.js);
// render() makes the parts (js/parts/), wires the model's events to their update(), and
// returns one cleanup.  Python owns the data (protocol.js); the view keeps only UI state.
// Parts never reach into each other: what one needs of another is a callback made here.

import { h, keepKeys } from "./dom.js";
import { traits } from "./model.js";
import { CopyMenu, detailsItems, rowItems, selectionItems } from "./parts/copymenu.js";
import { DetailsPane } from "./parts/details.js";
import { ErrorBanner } from "./parts/errorbanner.js";
import { FilterForm } from "./parts/filterform.js";
import { MakeOptionsPanel } from "./parts/options.js";
import { RulesPane } from "./parts/rules.js";
import { SelectionBar } from "./parts/selectionbar.js";
import { SignInForm } from "./parts/signin.js";
import { StatusBar } from "./parts/statusbar.js";
import { Toolbar } from "./parts/toolbar.js";
import { Tree } from "./parts/tree.js";
import { UploadPanel } from "./parts/upload.js";
import { MSG_RULES_CHANGED, MSG_STATUS } from "./protocol.js";
import { Rpc, isCancelled } from "./rpc.js";

/** @typedef {import("./model.js").Model} Model */
/** @typedef {import("./model.js").Listener} Listener */
/** @typedef {import("./protocol.js").Requests} Requests */
/** @typedef {import("./protocol.js").StatusMessage} StatusMessage */

let viewCount = 0;

/**
 * One view of the panel.
 * @param {{model: Model, el: HTMLElement}} ctx
 * @param {Rpc | undefined} shared the model's rpc, when initialize() made one
 * @returns {() => void} cleanup: destroys every part and removes every listener
 */
function renderView({ model, el }, shared) {
  viewCount += 1;
  const uid = `rw${viewCount}-${Math.random().toString(36).slice(2, 7)}`;
  const rpc = shared ?? new Rpc(model);

  const { text, strings, instances, dict, instanceLabel } = traits(model);

  /**
   * Send a request whose reply is an acknowledgement (or carries nothing the view shows):
   * a failure goes to the banner, a long wait to the status bar.
   * @template {keyof Requests} K
   * @param {K} kind
   * @param {import("./rpc.js").Payload<K>} payload
   */
  const ack = (kind, payload) => {
    const call = rpc.invoke(kind, payload, { onWaiting: () => status.waiting(call.id, call.cancel) });
    call.promise.then((reply) => {
      status.waiting(call.id, null);
      if (reply.error && !isCancelled(reply.error)) banner.showLocal(reply.error);
    });
  };
  /**
   * Write a trait (a new value: Python sees no change made in place).
   * @template {keyof import("./model.js").Traits} K
   * @param {K} name
   * @param {import("./model.js").Traits[K]} value
   */
  const write = (name, value) => {
    model.set(name, value);
    model.save_changes();
  };

  const banner = new ErrorBanner({ onDismiss: () => write("error", {}), onRetry: () => search() });
  const signIn = new SignInForm({ uid, rpc, onChange: () => syncSignedOut() });
  const rules = new RulesPane({
    uid,
    rpc,
    onShow: (did) => showInBrowser(did),
    onToggle: (open) => {
      results.hidden = open;
      if (!open) tree.focus();
    },
  });
  const upload = new UploadPanel({ uid, rpc, onShow: (did) => showInBrowser(did) });
  const toolbar = new Toolbar({
    rulesToggle: rules.toggle,
    uploadToggle: upload.toggle,
    filtersId: `${uid}-filters`,
    onSearch: () => search(),
    onInstance: (name) => write("instance", name),
    onToggleFilters: () => filters.show(!filters.open),
  });
  const filters = new FilterForm({
    uid,
    onEnter: () => search(),
    onChange: ({ open, count }) => toolbar.update({ filtersOpen: open, filterCount: count }),
  });
  const options = new MakeOptionsPanel(uid, rpc);
  // One copy menu for the whole panel: rows, the details pane and the selection bar.
  const copyMenu = new CopyMenu();
  const selectionBar = new SelectionBar({
    optionsToggle: options.toggle,
    onSelectAll: () => ack("select_all", {}),
    onClear: () => setSelected([]),
    onLoadMore: () => tree.loadMore(),
    onMakeAvailable: () => makeAvailable([]),
    onCopy: (anchor) => copyMenu.show(anchor, selectionItems(rpc, strings("selected"))),
  });
  const tree = new Tree({
    uid,
    rpc,
    onOpen: (did) => details.open(did),
    onSelect: (did, checked) => {
      const current = strings("selected");
      const has = current.includes(did);
      setSelected(checked ? (has ? [...current] : [...current, did]) : current.filter((d) => d !== did));
    },
    onMakeAvailable: (dids) => makeAvailable(dids),
    onCancelDownload: (did) => ack("cancel_download", { did }),
    onCount: (results) => selectionBar.update({ results }),
    onError: (error) => banner.showLocal(error),
    onMenu: (anchor, row, at) => copyMenu.show(anchor, rowItems(rpc, row), at),
  });
  const details = new DetailsPane({
    rpc,
    onClose: () => tree.focus(),
    onMenu: (anchor, reply) => copyMenu.show(anchor, detailsItems(reply)),
  });
  const status = new StatusBar({
    onSignOut: () => ack("sign_out", {}),
    onCancel: () => ack("cancel", {}),
  });
  const parts = [
    signIn,
    toolbar,
    filters,
    banner,
    selectionBar,
    options,
    tree,
    rules,
    details,
    status,
    copyMenu,
    upload,
  ];
  const results = h("div", { class: "rw-results" }, upload.el, selectionBar.el, options.el, tree.el);

  const root = h(
    "div",
    {
      class: "rucio-widgets",
      "data-lm-suppress-shortcuts": "true",
      onkeydown: keepKeys,
    },
    signIn.el,
    toolbar.el,
    filters.el,
    banner.el,
    h("div", { class: "rw-main" }, results, rules.el, details.el),
    status.el,
    copyMenu.el,
  );
  el.append(root);

  // --- what the parts ask for ------------------------------------------------------------

  function search() {
    if (signIn.shown) return;
    const filterText = filters.read();
    if (filterText === null) return; // the form says why
    const { query, didType } = toolbar.value();
    model.set("query", query);
    model.set("did_type", didType);
    write("filters", filterText);
    banner.clearLocal();
    tree.markSearched();
    ack("search", { query, did_type: didType, filters: filterText });
  }

  /** @param {string[]} dids [] for the selection */
  function makeAvailable(dids) {
    if (signIn.shown) return;
    const { options: set, error } = options.read();
    if (error) return; // the panel says why and focuses the field
    ack("make_available", set ? { dids, options: set } : { dids });
  }

  /**
   * "Show in browser" of a rule: search its DID (any type, no filters) and select it.
   * @param {string} did
   */
  function showInBrowser(did) {
    rules.show(false);
    toolbar.update({ query: did, didType: "all" });
    filters.update({ filters: "" });
    search();
    const current = strings("selected");
    if (!current.includes(did)) setSelected([...current, did]);
  }

  /** @param {string[]} dids a new array */
  function setSelected(dids) {
    write("selected", dids);
    syncSelected();
  }

  // --- model -> parts --------------------------------------------------------------------

  function syncSignedOut() {
    const signedOut = signIn.shown;
    root.classList.toggle("rw-signed-out", signedOut);
    for (const part of [toolbar, selectionBar, tree, rules, status, upload]) part.update({ signedOut });
  }
  function syncSelected() {
    const list = strings("selected");
    tree.update({ selected: list });
    selectionBar.update({ selected: list.length });
    options.update({ selected: list.length });
    status.update({ selected: list.length });
  }
  function syncInstances() {
    toolbar.update({ instances: instances(), instance: text("instance") });
    signIn.update({ instanceLabel: instanceLabel() });
  }
  const syncSearch = () =>
    tree.update({ search: { query: text("query"), didType: text("did_type"), filters: text("filters") } });

  /** @type {Record<string, () => void>} trait -> what follows it */
  const syncs = {
    instances: syncInstances,
    instance: syncInstances,
    auth: () => {
      signIn.update({ auth: dict("auth"), instanceLabel: instanceLabel() });
      status.update({ auth: dict("auth") });
      syncSignedOut();
    },
    scopes: () => toolbar.update({ scopes: strings("scopes") }),
    query: () => {
      toolbar.update({ query: text("query") });
      syncSearch();
    },
    did_type: () => {
      toolbar.update({ didType: text("did_type") });
      syncSearch();
    },
    filters: () => {
      filters.update({ filters: text("filters") });
      syncSearch();
    },
    info: () => {
      // A read-only browser (shared dashboards) offers nothing that writes.
      root.classList.toggle("rw-read-only", !!dict("info").read_only);
      rules.update({ readOnly: !!dict("info").read_only });
      upload.update({ readOnly: !!dict("info").read_only });
      options.update({ info: dict("info") });
      status.update({ info: dict("info") });
    },
    selected: syncSelected,
    paths_state: () => status.update({ paths: dict("paths_state") }),
    busy: () => {
      root.classList.toggle("rw-is-busy", !!text("busy"));
      status.update({ busy: text("busy") });
      tree.update({ busy: text("busy") });
    },
    error: () => banner.update({ error: dict("error") }),
    results_state: () => tree.update({ results: dict("results_state") }),
  };

  /** @type {Array<[string, Listener]>} */
  const listeners = [];
  for (const [name, sync] of Object.entries(syncs)) {
    model.on(`change:${name}`, sync);
    listeners.push([`change:${name}`, sync]);
  }
  /** @type {Listener} */
  const onMessage = (msg) => {
    const m = /** @type {{type?: unknown} | null} */ (msg && typeof msg === "object" ? msg : null);
    if (m?.type === MSG_STATUS) {
      const updates = /** @type {Partial<StatusMessage>} */ (m).updates;
      if (updates) tree.applyStatus(updates);
    } else if (m?.type === MSG_RULES_CHANGED) rules.onMessage(m);
  };
  model.on("msg:custom", onMessage);
  listeners.push(["msg:custom", onMessage]);

  // Results last: the first page request goes out once everything else is in place.
  for (const sync of new Set(Object.values(syncs))) sync();

  return () => {
    for (const [name, cb] of listeners) model.off(name, cb);
    listeners.length = 0;
    for (const part of parts) part.destroy();
    root.remove();
    if (!shared) rpc.destroy();
  };
}

/**
 * anywidget calls this factory per widget model; its initialize() makes the model's one
 * Rpc, shared by the model's views.  A host that calls render() without initialize() gets
 * an Rpc per view.
 */
export default () => {
  /** @type {WeakMap<Model, Rpc>} */
  const rpcs = new WeakMap();
  return {
    /** @param {{model: Model}} ctx */
    initialize({ model }) {
      const rpc = new Rpc(model);
      rpcs.set(model, rpc);
      return () => {
        rpc.destroy();
        if (rpcs.get(model) === rpc) rpcs.delete(model);
      };
    },
    /** @param {{model: Model, el: HTMLElement}} ctx */
    render({ model, el }) {
      return renderView({ model, el }, rpcs.get(model));
    },
  };
};
