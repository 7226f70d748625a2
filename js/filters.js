// The metadata filter grammar (the `--filter` option of the `rucio` command), the view's copy
// of rucio_widgets/filters.py.  Python is the reference: read its module docstring.  Both run
// the cases of tests/fixtures/filters.json, which scripts/gen_filter_cases.py writes from the
// Python parser, so a rule changed here alone fails tests/js/filters.test.js.
//
//   key=value   key!=value   key<3   key<=3   key>3   key>=3   (== means =)
//   1<key<5     5>key>1      a range: two conditions on one key
//   a=1,b>2     "," joins conditions (and)      a=1;b=2     ";" joins groups (or)
//   key='a,b'   quotes ('...' or "...", with \ escapes inside) keep a value a string
//
// Values are typed as Python types them: integers, finite floats, true/false in any case, and
// strings for everything else (007 and 1e999 too).  Whitespace is Python's (str.isspace), and
// floats print as Python's repr.  Pure functions only: the view keeps the text and a form of
// groups of conditions in step.

import { DID_TYPES, ECHO_LIMIT } from "./protocol.js";

/** @typedef {import("./protocol.js").DidType} DidType */

/**
 * @param {string} text
 * @returns {text is DidType}
 */
const isDidType = (text) => /** @type {readonly string[]} */ (DID_TYPES).includes(text);

/** @typedef {"=" | "!=" | "<" | "<=" | ">" | ">="} Operator */

/**
 * One comparison `key op value`.  `value` is the value's text as typed, without its quotes
 * (what the form's value field shows and edits); `quoted` is true when it was quoted, and the
 * value then stays a string.  {@link typedValue} gives the value Python would compare.
 * @typedef {{key: string, op: Operator, value: string, quoted?: boolean}} Condition
 */

/** @typedef {Condition[][]} FilterGroups groups joined by OR; conditions inside by AND */

/** @typedef {number | boolean | string} FilterValue */

/** @typedef {"int" | "float" | "bool" | "str"} ValueType the Python type of a value */

/**
 * @typedef {{groups: FilterGroups, error: null} | {groups: null, error: string}} ParseResult
 */

/**
 * A value as Python has it: its type and the JavaScript value (an int beyond 2**53 loses
 * digits here, but never in the canonical text).
 * @typedef {{type: ValueType, value: FilterValue}} Typed
 */

/**
 * A lexical piece of one term: an operator (`==` already read as `=`), or a key or value,
 * quoted (its text unescaped) or not (its text stripped).
 * @typedef {{kind: "op" | "value", text: string, quoted: boolean}} Token
 */

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

const SYNTAX_HELP = "write key=value, key>=3, 1<key<5; join with `,` (and) or `;` (or)";
const KEY_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SUFFIX_KEY_RE = /^([A-Za-z_][A-Za-z0-9_]*)\.(ne|lt|lte|gt|gte)$/;
const INT_RE = /^[+-]?(?:0|[1-9][0-9]*)$/;
const FLOAT_RE = /^[+-]?(?:(?:0|[1-9][0-9]*)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const OPERATOR_CHARS = "<>=!";
const QUOTES = "'\"";
const SPECIAL_CHARS = `,;${OPERATOR_CHARS}${QUOTES}`;
const WILDCARDS = ["*", "%"];
/** Two-character operators, looked for before the one-character ones. */
const LONG_OPERATORS = ["<=", ">=", "==", "!="];

// Python's str.isspace() and str.strip(): JavaScript's \s and trim() differ (they take
// U+FEFF and leave U+001C-U+001F and U+0085).
const SPACE = "[\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
const SPACE_RE = new RegExp(SPACE);
const STRIP_RE = new RegExp(`^${SPACE}+|${SPACE}+$`, "g");

/** @type {Readonly<Record<string, Operator>>} */
const SUFFIX_OPS = { ne: "!=", lt: "<", lte: "<=", gt: ">", gte: ">=" };
/** @type {Readonly<Record<string, Operator>>} */
const FLIPPED = { "<": ">", "<=": ">=", ">": "<", ">=": "<=" };

/** @param {string} op */
const isOrdering = (op) => op in FLIPPED;
/** @param {string} op */
const isLess = (op) => op === "<" || op === "<=";
/** @param {string} op */
const isGreater = (op) => op === ">" || op === ">=";
/** @param {string} text */
const strip = (text) => text.replace(STRIP_RE, "");

/** A filter text that the grammar refuses; the message names the part, as Python's does. */
/**
 * The message with each `quoted` part longer than ECHO_LIMIT cut, as Python's
 * words.clip_quoted does (counted in code points, as Python counts).
 * @param {string} message
 */
export function clipQuoted(message) {
  const long = new RegExp(`\`([^\`]{${ECHO_LIMIT + 1},})\``, "gu");
  return message.replace(
    long,
    (_, text) =>
      `\`${Array.from(text)
        .slice(0, ECHO_LIMIT - 1)
        .join("")}…\``,
  );
}

class FilterSyntaxError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(clipQuoted(message));
  }
}

// --- values ----------------------------------------------------------------------------------

/**
 * Python's `repr(float)`: the shortest digits that read back as `x` (JavaScript's own
 * choice), written in fixed notation for 1e-4 <= |x| < 1e16, else as `1.5e+16`, `1e-05`.
 * @param {number} x a finite number
 * @returns {string}
 */
export function floatRepr(x) {
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const sign = x < 0 ? "-" : "";
  const [mantissa = "", exponent = "0"] = Math.abs(x).toString().split("e");
  const [whole = "", fraction = ""] = mantissa.split(".");
  const all = whole + fraction;
  const digits = all.replace(/^0+/, "").replace(/0+$/, "");
  // x = 0.<digits> * 10**point
  const point = whole.length + Number(exponent) - (all.length - all.replace(/^0+/, "").length);
  if (point > 16 || point <= -4) {
    const e = point - 1;
    const head = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${head}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  }
  if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${"0".repeat(point - digits.length)}.0`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/**
 * Python's typing of an unquoted value (`_convert_value`).
 * @param {string} text stripped
 * @returns {Typed}
 */
function convert(text) {
  if (INT_RE.test(text)) {
    const n = Number(text);
    return { type: "int", value: n === 0 ? 0 : n };
  }
  if (FLOAT_RE.test(text)) {
    const n = Number(text);
    if (Number.isFinite(n)) return { type: "float", value: n };
  }
  const lower = text.toLowerCase();
  if (lower === "true" || lower === "false") return { type: "bool", value: lower === "true" };
  return { type: "str", value: text };
}

/**
 * A string value as Python's `_format_value` writes it: bare when it reads back as the same
 * string, else in double quotes with `\` and `"` escaped.
 * @param {string} value
 */
function formatString(value) {
  const bare =
    value !== "" &&
    ![...value].some((c) => SPACE_RE.test(c) || SPECIAL_CHARS.includes(c)) &&
    convert(value).type === "str";
  return bare ? value : `"${value.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

/**
 * @param {{value?: string, quoted?: boolean}} c
 * @returns {Typed}
 */
function typed(c) {
  const value = String(c.value ?? "");
  return c.quoted ? { type: "str", value } : convert(strip(value));
}

/**
 * The canonical text of a condition's value, as Python's `_format_value` writes it.  An int
 * is written from its digits, so that one beyond 2**53 keeps them all.
 * @param {{value?: string, quoted?: boolean}} c
 * @returns {string}
 */
function valueText(c) {
  const { type, value } = typed(c);
  if (type === "int") {
    const digits = strip(String(c.value ?? "")).replace(/^\+/, "");
    return digits === "-0" ? "0" : digits;
  }
  if (type === "float") return floatRepr(Number(value));
  return type === "bool" ? String(value) : formatString(String(value));
}

/**
 * The value Python compares: a number, a boolean or a string.  A quoted value stays a
 * string; an unquoted one is typed as Python types it (`1`, `-5`, `1.5`, `1e5`, `TRUE`),
 * leading zeros (`007`) and non-finite numbers (`1e999`, `inf`) stay strings.
 * @param {{value?: string, quoted?: boolean}} condition
 * @returns {FilterValue}
 */
export function typedValue(condition) {
  return typed(condition).value;
}

/**
 * The Python type of the condition's value: "int", "float", "bool" or "str" (JavaScript's
 * numbers do not tell `1` from `1.0`; Python, and the server, do).
 * @param {{value?: string, quoted?: boolean}} condition
 * @returns {ValueType}
 */
export function valueType(condition) {
  return typed(condition).type;
}

// --- parsing ---------------------------------------------------------------------------------

/**
 * Split at `;` (groups) and `,` (terms) outside quotes; quotes stay in the terms.
 * @param {string} text
 * @returns {string[][]}
 */
function splitTerms(text) {
  /** @type {string[][]} */
  const groups = [[]];
  let current = "";
  /** @type {string | null} */
  let quote = null;
  for (let i = 0; i < text.length; i += 1) {
    const char = text.charAt(i);
    if (quote !== null) {
      current += char;
      if (char === "\\") {
        i += 1;
        current += text.charAt(i);
      } else if (char === quote) {
        quote = null;
      }
    } else if (QUOTES.includes(char)) {
      quote = char;
      current += char;
    } else if (char === "," || char === ";") {
      groups[groups.length - 1]?.push(current);
      current = "";
      if (char === ";") groups.push([]);
    } else {
      current += char;
    }
  }
  groups[groups.length - 1]?.push(current);
  return groups;
}

/**
 * @param {string} term stripped, not empty
 * @returns {Token[]}
 */
function tokenize(term) {
  /** @type {Token[]} */
  const tokens = [];
  const n = term.length;
  let i = 0;
  while (i < n) {
    const char = term.charAt(i);
    if (SPACE_RE.test(char)) {
      i += 1;
    } else if (OPERATOR_CHARS.includes(char)) {
      const op = LONG_OPERATORS.find((o) => term.startsWith(o, i)) ?? char;
      if (op === "!") {
        throw new FilterSyntaxError(
          `Filter \`${term}\` is not understood: \`!\` only comes as \`!=\`; ${SYNTAX_HELP}`,
        );
      }
      tokens.push({ kind: "op", text: op === "==" ? "=" : op, quoted: false });
      i += op.length;
    } else if (QUOTES.includes(char)) {
      let value = "";
      i += 1;
      while (i < n && term.charAt(i) !== char) {
        if (term.charAt(i) === "\\" && i + 1 < n) i += 1;
        value += term.charAt(i);
        i += 1;
      }
      if (i >= n) {
        throw new FilterSyntaxError(
          `Filter \`${term}\` has a quote ${char} that is not closed: ` +
            `close it, e.g. key=${char}some value${char}`,
        );
      }
      tokens.push({ kind: "value", text: value, quoted: true });
      i += 1;
    } else {
      const start = i;
      while (i < n && !OPERATOR_CHARS.includes(term.charAt(i)) && !QUOTES.includes(term.charAt(i))) {
        i += 1;
      }
      tokens.push({ kind: "value", text: strip(term.slice(start, i)), quoted: false });
    }
  }
  return tokens;
}

/** @param {Token} token */
const isKey = (token) => token.kind === "value" && !token.quoted && KEY_RE.test(token.text);

/**
 * @param {Token} token
 * @param {string} term
 */
function keyOf(token, term) {
  if (isKey(token)) return token.text;
  if (token.quoted && KEY_RE.test(token.text)) {
    throw new FilterSyntaxError(`Filter \`${term}\`: write the key \`${token.text}\` without quotes`);
  }
  throw new FilterSyntaxError(
    `Filter \`${term}\`: \`${token.text}\` is not a metadata key: keys are letters, digits and ` +
      `\`_\`, starting with a letter or \`_\`; ${SYNTAX_HELP}`,
  );
}

/**
 * @param {string} key
 * @param {string} op an operator token's text
 * @param {Token} value
 * @returns {Condition}
 */
function condition(key, op, value) {
  const c = { key, op: /** @type {Operator} */ (op), value: value.text };
  return value.quoted ? { ...c, quoted: true } : c;
}

/**
 * One term (`key=value`, or a range `1<key<5`) as conditions.
 * @param {string} term stripped, not empty
 * @returns {Condition[]}
 */
function parseTerm(term) {
  const tokens = tokenize(term);
  const kinds = tokens.map((t) => t.kind).join(" ");
  if (kinds === "value op") {
    throw new FilterSyntaxError(`Filter \`${term}\` has no value: ${SYNTAX_HELP}`);
  }
  if (kinds === "op value") {
    throw new FilterSyntaxError(`Filter \`${term}\` has no key: ${SYNTAX_HELP}`);
  }
  const [first, op, second, op2, third] = tokens;
  if (kinds === "value op value" && first && op && second) {
    const [left, right] = [first, second];
    const suffixed = left.quoted ? null : SUFFIX_KEY_RE.exec(left.text);
    if (suffixed && op.text === "=") {
      const [, key = "", suffix = ""] = suffixed;
      const better = `${key}${SUFFIX_OPS[suffix]}${valueText({ value: right.text, quoted: right.quoted })}`;
      throw new FilterSyntaxError(
        `Filter \`${term}\`: write \`${better}\`: ` +
          `filters use operators, not Rucio's internal \`${key}.${suffix}\` form`,
      );
    }
    if (isOrdering(op.text) && isKey(right) && !isKey(left)) {
      throw new FilterSyntaxError(
        `Filter \`${term}\`: put the key first, e.g. \`${right.text}${FLIPPED[op.text]}${left.text}\``,
      );
    }
    return [condition(keyOf(left, term), op.text, right)];
  }
  if (kinds === "value op value op value" && first && op && second && op2 && third) {
    const key = keyOf(second, term);
    const [lowOp, highOp] = [op.text, op2.text];
    if (!isOrdering(lowOp) || !isOrdering(highOp)) {
      throw new FilterSyntaxError(`Filter \`${term}\` is not understood: ${SYNTAX_HELP}`);
    }
    if (!((isLess(lowOp) && isLess(highOp)) || (isGreater(lowOp) && isGreater(highOp)))) {
      throw new FilterSyntaxError(
        `Filter \`${term}\` is not understood: a range has < or <= on both sides ` +
          `(1<${key}<5) or > or >= on both sides (5>${key}>1)`,
      );
    }
    return [condition(key, FLIPPED[lowOp] ?? lowOp, first), condition(key, highOp, third)];
  }
  throw new FilterSyntaxError(`Filter \`${term}\` is not understood: ${SYNTAX_HELP}`);
}

/**
 * Refuse two conditions the server would fail on: `type` other than `type=` one of
 * DID_TYPES (any case), and a wildcard (`*`, `%`) in a string compared with < <= > >=.
 * @param {Condition} c
 * @param {string} term the text the condition came from
 */
function checkCondition(c, term) {
  const { type, value } = typed(c);
  if (c.key === "type" && (c.op !== "=" || typeof value !== "string" || !isDidType(value.toLowerCase()))) {
    throw new FilterSyntaxError(`Filter \`${term}\`: write type=${DID_TYPES.join("|")}, e.g. type=dataset`);
  }
  if (isOrdering(c.op) && type === "str" && WILDCARDS.some((w) => String(value).includes(w))) {
    throw new FilterSyntaxError(
      `Filter \`${term}\`: wildcards (\`*\`, \`%\`) work only with = and !=, e.g. ${c.key}=abc*`,
    );
  }
}

/**
 * Parse a filter text into an OR of AND groups (`[]` for blank text).
 *
 * `strict: true` (what Enter sends) answers exactly as Python's `parse_filters` does, with
 * the same messages.  The default, for text still being typed, skips empty conditions and
 * groups (`a=1,`, `a=1;`, `a=1,,b=2`) and is otherwise as strict.
 * @param {string} text
 * @param {{strict?: boolean}} [options]
 * @returns {ParseResult}
 */
export function parseFilters(text, { strict = false } = {}) {
  const source = String(text ?? "");
  if (!strip(source)) return { groups: [], error: null };
  /** @type {FilterGroups} */
  const groups = [];
  try {
    for (const rawGroup of splitTerms(source)) {
      /** @type {Condition[]} */
      const group = [];
      for (const raw of rawGroup) {
        const term = strip(raw);
        if (!term && !strict) continue;
        if (!term) {
          throw new FilterSyntaxError(
            `Filter \`${strip(source)}\` has an empty condition (a \`,\` or \`;\` too many): ${SYNTAX_HELP}`,
          );
        }
        for (const c of parseTerm(term)) {
          checkCondition(c, term);
          group.push(c);
        }
      }
      if (group.length) groups.push(group);
    }
  } catch (err) {
    if (!(err instanceof FilterSyntaxError)) throw err;
    return { groups: null, error: err.message };
  }
  return { groups, error: null };
}

// --- formatting ------------------------------------------------------------------------------

/**
 * Whether a condition of the form is complete enough to be written out: a key, an operator,
 * and a value (an empty value counts only when quoted: `key=""`).
 * @param {Partial<Condition> | null | undefined} c
 * @returns {boolean}
 */
export function isComplete(c) {
  return Boolean(c && strip(String(c.key ?? "")) && c.op && (c.quoted || strip(String(c.value ?? ""))));
}

/**
 * The canonical filter text of `groups`, as Python's `format_filters` writes it:
 * `a=1,b>2;c!=x`, numbers and booleans as Python prints them (`1e-05`, `true`), strings bare
 * or in double quotes.  Incomplete conditions (no key, or an empty unquoted value) and empty
 * groups are left out, so the form can hold half-filled rows.  Nothing else is refused
 * here: the strict parse of the text says what Python would refuse (a key like `my-key`).
 * @param {FilterGroups | null | undefined} groups
 * @returns {string}
 */
export function formatFilters(groups) {
  return (groups ?? [])
    .map((group) =>
      group
        .filter(isComplete)
        .map((c) => `${strip(c.key)}${c.op}${valueText(c)}`)
        .join(","),
    )
    .filter(Boolean)
    .join(";");
}

/**
 * Number of complete conditions, for the "Filters (n)" label.
 * @param {FilterGroups | null | undefined} groups
 * @returns {number}
 */
export function countConditions(groups) {
  return (groups ?? []).reduce((n, g) => n + g.filter(isComplete).length, 0);
}
