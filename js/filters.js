// Metadata filter expressions in the syntax of the `rucio` command line:
//   key=value            operators = != < <= > >=
//   1<events<5           compound range (becomes events>1 and events<5)
//   a=1,b>2              "," joins terms with AND
//   a=1;b=2              ";" joins groups with OR
// Pure functions only: the view keeps the text and a form of groups of conditions in step.

/** @typedef {"=" | "!=" | "<" | "<=" | ">" | ">="} Operator */
/** @typedef {{key: string, op: Operator, value: string}} Condition */
/** @typedef {Condition[][]} FilterGroups groups joined by OR; conditions inside by AND */

/** @type {readonly Operator[]} */
export const OPERATORS = ["=", "!=", "<", "<=", ">", ">="];

/** Keys offered in the form's suggestions. */
export const COMMON_KEYS = [
  "datatype",
  "run_number",
  "project",
  "stream_name",
  "events",
  "name",
  "length",
  "bytes",
  "created_at",
];

// Longer operators first, so "<=" is not read as "<" followed by "=".
const OPERATOR_SPLIT = /(!=|<=|>=|=|<|>)/;
const KEY = /^[A-Za-z_][\w.-]*$/;

/** @type {Record<string, Operator>} */
const MIRROR = { "=": "=", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<=" };

/** @param {string} op */
const isLess = (op) => op === "<" || op === "<=";
/** @param {string} op */
const isGreater = (op) => op === ">" || op === ">=";

/**
 * Parse one term ("key=value", "value<key" or "low<key<high") into conditions.
 * @param {string} term trimmed, not empty
 * @returns {Condition[]}
 */
function parseTerm(term) {
  const parts = term.split(OPERATOR_SPLIT).map((p) => p.trim());
  if (parts.length === 1) {
    throw new Error(`"${term}" has no operator: write key=value`);
  }
  if (parts.length === 3) {
    const [left, op, right] = parts;
    if (!left || !right) {
      throw new Error(`"${term}" needs a key and a value on each side of ${op}`);
    }
    if (KEY.test(left)) {
      return [{ key: left, op: /** @type {Operator} */ (op), value: right }];
    }
    if (KEY.test(right)) {
      // "300000<=run_number" reads as run_number>=300000
      return [{ key: right, op: MIRROR[op], value: left }];
    }
    throw new Error(`"${term}": "${left}" is not a metadata key`);
  }
  if (parts.length === 5) {
    const [low, op1, key, op2, high] = parts;
    if (!low || !key || !high) {
      throw new Error(`"${term}" is incomplete: write low<key<high`);
    }
    if (!KEY.test(key)) {
      throw new Error(`"${term}": "${key}" is not a metadata key`);
    }
    const sameWay = (isLess(op1) && isLess(op2)) || (isGreater(op1) && isGreater(op2));
    if (!sameWay) {
      throw new Error(`"${term}": a range needs two < or two > operators`);
    }
    return [
      { key, op: MIRROR[op1], value: low },
      { key, op: /** @type {Operator} */ (op2), value: high },
    ];
  }
  throw new Error(`"${term}" has too many operators`);
}

/**
 * Parse a filter expression.  Empty terms and groups (a trailing "," or ";") are skipped,
 * so text that is still being typed parses as far as it goes.
 * @param {string} text
 * @returns {{groups: FilterGroups, error: null} | {groups: null, error: string}}
 */
export function parseFilters(text) {
  /** @type {FilterGroups} */
  const groups = [];
  try {
    for (const groupText of String(text ?? "").split(";")) {
      /** @type {Condition[]} */
      const group = [];
      for (const raw of groupText.split(",")) {
        const term = raw.trim();
        if (term) group.push(...parseTerm(term));
      }
      if (group.length) groups.push(group);
    }
  } catch (err) {
    return { groups: null, error: /** @type {Error} */ (err).message };
  }
  return { groups, error: null };
}

/**
 * Whether a condition of the form is complete enough to be written out.
 * @param {Partial<Condition>} c
 */
export function isComplete(c) {
  return Boolean(c && String(c.key ?? "").trim() && String(c.value ?? "").trim() && c.op);
}

/**
 * Write groups of conditions as text.  Incomplete conditions (no key or no value) and
 * empty groups are left out.
 * @param {FilterGroups} groups
 * @returns {string}
 */
export function formatFilters(groups) {
  return (groups ?? [])
    .map((group) =>
      group
        .filter(isComplete)
        .map((c) => `${c.key.trim()}${c.op}${c.value.trim()}`)
        .join(","),
    )
    .filter(Boolean)
    .join(";");
}

/**
 * Number of complete conditions, for the "Filters (n)" label.
 * @param {FilterGroups} groups
 */
export function countConditions(groups) {
  return (groups ?? []).reduce((n, g) => n + g.filter(isComplete).length, 0);
}
