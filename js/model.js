// The part of anywidget's model the view uses, the synced traits it reads and writes
// (rucio_widgets/widget.py), and a reader that gives each trait a usable value.

/** @typedef {import("./protocol.js").AuthState} AuthState */
/** @typedef {import("./protocol.js").Info} Info */
/** @typedef {import("./protocol.js").InstanceInfo} InstanceInfo */
/** @typedef {import("./protocol.js").PanelError} PanelError */
/** @typedef {import("./protocol.js").PathsState} PathsState */
/** @typedef {import("./protocol.js").ResultsState} ResultsState */

/**
 * The synced traits.  A dict trait is `{}` until Python has a value for it, so the view
 * reads every one defensively.
 * @typedef {object} Traits
 * @property {string} query
 * @property {string} did_type
 * @property {string} filters
 * @property {string[]} scopes
 * @property {string[]} selected
 * @property {Partial<Info>} info
 * @property {string} busy
 * @property {PanelError} error
 * @property {Partial<ResultsState>} results_state
 * @property {Partial<PathsState>} paths_state
 * @property {AuthState} auth
 * @property {InstanceInfo[]} instances
 * @property {string} instance
 */

/**
 * @typedef {(...args: unknown[]) => void} Listener
 *
 * @typedef {object} Model
 * @property {<K extends keyof Traits>(name: K) => Traits[K] | null | undefined} get
 * @property {<K extends keyof Traits>(name: K, value: Traits[K]) => void} set
 * @property {() => void} save_changes
 * @property {(name: string, cb: Listener) => void} on
 * @property {(name: string, cb: Listener) => void} off
 * @property {(content: object) => void} send
 */

/** @typedef {"query" | "did_type" | "filters" | "busy" | "instance"} TextTrait */
/** @typedef {"info" | "auth" | "error" | "results_state" | "paths_state"} DictTrait */

/**
 * Read traits defensively: Python sends {} for a dict trait with no value yet, and another
 * front end may hold anything at all.
 * @param {Model} model
 */
export function traits(model) {
  /** @param {"scopes" | "selected"} name */
  const strings = (name) => {
    const v = model.get(name);
    return Array.isArray(v) ? v.filter((s) => typeof s === "string") : [];
  };
  const instances = () => {
    const v = model.get("instances");
    return Array.isArray(v) ? v.filter((i) => i && typeof i.name === "string") : [];
  };
  return {
    /** @param {TextTrait} name */
    text: (name) => String(model.get(name) ?? ""),
    strings,
    instances,
    /**
     * @template {DictTrait} K
     * @param {K} name
     * @returns {NonNullable<Traits[K]>}
     */
    dict(name) {
      const v = model.get(name);
      // Every field of these traits' types is optional: {} is a valid value of each.
      return v && typeof v === "object" ? v : /** @type {NonNullable<Traits[K]>} */ ({});
    },
    /** Display name of the current instance when there is a choice, else "". */
    instanceLabel() {
      const list = instances();
      const current = list.length > 1 ? list.find((i) => i.name === model.get("instance")) : undefined;
      return current ? String(current.display_name || current.name) : "";
    },
  };
}
