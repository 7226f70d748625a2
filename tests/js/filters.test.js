import { describe, expect, it } from "vitest";
import {
  COMMON_KEYS,
  OPERATORS,
  countConditions,
  floatRepr,
  formatFilters,
  isComplete,
  parseFilters,
  typedValue,
  valueType,
} from "../../js/filters.js";
// @ts-expect-error: Vite's ?raw import (the file's text) has no type declarations here
import TABLE_TEXT from "../fixtures/filters.json?raw";

/**
 * @param {string} key
 * @param {import("../../js/filters.js").Operator} op
 * @param {string} value
 * @param {boolean} [quoted]
 * @returns {import("../../js/filters.js").Condition}
 */
const c = (key, op, value, quoted) => (quoted ? { key, op, value, quoted } : { key, op, value });

// --- the shared table ----------------------------------------------------------------------

/** @typedef {{type: string, value: unknown}} Expected a value with its Python type */
/** @typedef {{key: string, op: string, value: Expected}} ExpectedCondition */
/**
 * @typedef {{input: string, ok: true, groups: ExpectedCondition[][], text: string}
 *   | {input: string, ok: false, error: string}} Case
 */

/**
 * The cases of tests/fixtures/filters.json (Python's answers), each value with its Python
 * type.  JSON.parse would make 1 and 1.0 the same number, so each number literal is wrapped
 * (with its text) before parsing: one with a fraction or an exponent is a Python float.
 * @returns {{hand_cases: number, generated_cases: number, cases: Case[]}}
 */
function loadTable() {
  const raw = String(TABLE_TEXT);
  const wrapped = raw.replace(
    /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g,
    (/** @type {string} */ token) => (token.startsWith('"') ? token : `{"$number": "${token}"}`),
  );
  return JSON.parse(wrapped, (key, value) => {
    if (value && typeof value === "object" && "$number" in value) {
      const text = value.$number;
      return key === "value"
        ? { type: /[.eE]/.test(text) ? "float" : "int", value: Number(text) }
        : Number(text);
    }
    if (key === "value" && typeof value !== "object") {
      return { type: typeof value === "boolean" ? "bool" : "str", value };
    }
    return value;
  });
}

/**
 * Groups with each value typed as Python types it.
 * @param {import("../../js/filters.js").FilterGroups} groups
 */
const typedGroups = (groups) =>
  groups.map((group) =>
    group.map((cond) => ({
      key: cond.key,
      op: cond.op,
      value: { type: valueType(cond), value: typedValue(cond) },
    })),
  );

const table = loadTable();
const EMPTY_CONDITION = "has an empty condition";

describe("the shared table (tests/fixtures/filters.json)", () => {
  it("holds hand-written and generated cases", () => {
    expect(table.cases.length).toBe(table.hand_cases + table.generated_cases);
    expect(table.hand_cases).toBeGreaterThan(300);
    expect(table.generated_cases).toBeGreaterThan(300);
  });

  it("holds the past divergences of the two copies", () => {
    const byInput = new Map(table.cases.map((k) => [k.input, k]));
    expect(byInput.get("name='a,b'")?.ok).toBe(true);
    expect(byInput.get("events.gt=3")?.ok).toBe(false);
    expect(byInput.get("a=1,,b=2")?.ok).toBe(false);
    expect(byInput.get("my-key=1")?.ok).toBe(false);
  });

  it("types values by their JSON text", () => {
    const byInput = new Map(table.cases.map((k) => [k.input, k]));
    const first = (/** @type {string} */ input) => {
      const k = byInput.get(input);
      return k?.ok ? k.groups[0]?.[0]?.value : undefined;
    };
    expect(first("a=1.0")).toEqual({ type: "float", value: 1 });
    expect(first("a=1")).toEqual({ type: "int", value: 1 });
    expect(first("a=true")).toEqual({ type: "bool", value: true });
    expect(first("a='5'")).toEqual({ type: "str", value: "5" });
  });

  it.each(table.cases.map((k) => [JSON.stringify(k.input), k]))("strict parse of %s", (_, k) => {
    const result = parseFilters(k.input, { strict: true });
    if (k.ok) {
      expect(result.error).toBeNull();
      expect(typedGroups(result.groups ?? [])).toEqual(k.groups);
      expect(formatFilters(result.groups)).toBe(k.text);
      // the canonical text reads back as the same groups
      expect(typedGroups(parseFilters(k.text, { strict: true }).groups ?? [])).toEqual(k.groups);
    } else {
      expect(result).toEqual({ groups: null, error: k.error });
    }
  });

  it("lenient parse differs from strict only on empty conditions", () => {
    for (const k of table.cases) {
      const lenient = parseFilters(k.input);
      if (k.ok) {
        expect(typedGroups(lenient.groups ?? [])).toEqual(k.groups);
      } else if (k.error.includes(EMPTY_CONDITION)) {
        expect(lenient.error ?? "").not.toContain(EMPTY_CONDITION);
      } else {
        expect(lenient).toEqual({ groups: null, error: k.error });
      }
    }
  });
});

// --- parsing --------------------------------------------------------------------------------

describe("parseFilters", () => {
  it("reads one condition", () => {
    expect(parseFilters("datatype=AOD")).toEqual({ groups: [[c("datatype", "=", "AOD")]], error: null });
  });

  it("reads every operator, longest first", () => {
    const { groups } = parseFilters("a=1,b!=2,c<3,d<=4,e>5,f>=6");
    expect(groups).toEqual([
      [
        c("a", "=", "1"),
        c("b", "!=", "2"),
        c("c", "<", "3"),
        c("d", "<=", "4"),
        c("e", ">", "5"),
        c("f", ">=", "6"),
      ],
    ]);
  });

  it("splits OR groups on ; and AND terms on ,", () => {
    const { groups } = parseFilters("datatype=AOD,run_number>=300000;datatype=RAW");
    expect(groups).toEqual([
      [c("datatype", "=", "AOD"), c("run_number", ">=", "300000")],
      [c("datatype", "=", "RAW")],
    ]);
  });

  it("turns a compound range into two conditions", () => {
    expect(parseFilters("1<events<5").groups).toEqual([[c("events", ">", "1"), c("events", "<", "5")]]);
    expect(parseFilters("10>=events>2").groups).toEqual([[c("events", "<=", "10"), c("events", ">", "2")]]);
    expect(parseFilters("datatype=AOD,1<=events<5;stream_name!=physics_Main").groups).toEqual([
      [c("datatype", "=", "AOD"), c("events", ">=", "1"), c("events", "<", "5")],
      [c("stream_name", "!=", "physics_Main")],
    ]);
  });

  it("refuses value-first terms with a hint to put the key first", () => {
    expect(parseFilters("300000<=run_number").error).toBe(
      "Filter `300000<=run_number`: put the key first, e.g. `run_number>=300000`",
    );
  });

  it("keeps the typed text of values, and marks quoted ones", () => {
    expect(parseFilters('a=+3,b=1e5,c=007,d=\'x,y\',e="a\\"b"').groups).toEqual([
      [
        c("a", "=", "+3"),
        c("b", "=", "1e5"),
        c("c", "=", "007"),
        c("d", "=", "x,y", true),
        c("e", "=", 'a"b', true),
      ],
    ]);
  });

  it("keeps wildcards and dates in values", () => {
    expect(parseFilters("name=data18_13TeV.*,created_at>=2024-01-01").groups).toEqual([
      [c("name", "=", "data18_13TeV.*"), c("created_at", ">=", "2024-01-01")],
    ]);
  });

  it.each([
    ["datatype", "Filter `datatype` is not understood"],
    ["=AOD", "Filter `=AOD` has no key"],
    ["datatype=", "Filter `datatype=` has no value"],
    ["1<events>5", "a range has < or <= on both sides (1<events<5)"],
    ["a=b=c", "Filter `a=b=c` is not understood"],
    ["1<2", "`1` is not a metadata key"],
    ["1<a<2<3", "Filter `1<a<2<3` is not understood"],
    ["my-key=1", "`my-key` is not a metadata key"],
    ["events.gt=3", "Filter `events.gt=3`: write `events>3`"],
    ["a='x", "has a quote ' that is not closed"],
  ])("refuses %s, strict or not", (text, message) => {
    for (const strict of [true, false]) {
      const result = parseFilters(text, { strict });
      expect(result.groups).toBeNull();
      expect(result.error).toContain(message);
    }
  });

  it("accepts separators inside quotes", () => {
    expect(parseFilters("name='a,b'", { strict: true }).groups).toEqual([[c("name", "=", "a,b", true)]]);
  });
});

describe("parseFilters while typing (not strict)", () => {
  it.each([
    ["a=1,", [[c("a", "=", "1")]]],
    ["a=1;", [[c("a", "=", "1")]]],
    ["a=1,,b=2", [[c("a", "=", "1"), c("b", "=", "2")]]],
    [",a=1", [[c("a", "=", "1")]]],
    ["a=1; ;b=2", [[c("a", "=", "1")], [c("b", "=", "2")]]],
    ["  datatype = AOD , ; run_number != 3 ,", [[c("datatype", "=", "AOD")], [c("run_number", "!=", "3")]]],
    [";", []],
    [" , ", []],
    ["", []],
    ["   ", []],
  ])("skips the empty conditions of %j", (text, groups) => {
    expect(parseFilters(text)).toEqual({ groups, error: null });
    if (text.trim()) expect(parseFilters(text, { strict: true }).error).toContain(EMPTY_CONDITION);
  });

  it("still refuses a bad term after an empty one", () => {
    expect(parseFilters("a=1,,b").error).toBe(
      "Filter `b` is not understood: write key=value, key>=3, 1<key<5; join with `,` (and) or `;` (or)",
    );
  });
});

// --- values ---------------------------------------------------------------------------------

describe("typedValue and valueType", () => {
  it.each([
    ["1", 1, "int"],
    ["-0", 0, "int"],
    ["+3", 3, "int"],
    ["007", "007", "str"],
    ["1.0", 1, "float"],
    ["1e5", 100000, "float"],
    ["-0.0", -0, "float"],
    ["1e999", "1e999", "str"],
    ["inf", "inf", "str"],
    ["TRUE", true, "bool"],
    ["fAlSe", false, "bool"],
    [" 5 ", 5, "int"],
    ["x y", "x y", "str"],
  ])("types %j", (value, expected, type) => {
    expect(typedValue({ value })).toStrictEqual(expected);
    expect(valueType({ value })).toBe(type);
  });

  it("leaves quoted values strings, unstripped", () => {
    expect(typedValue({ value: "5", quoted: true })).toBe("5");
    expect(typedValue({ value: " true ", quoted: true })).toBe(" true ");
    expect(valueType({ value: "5", quoted: true })).toBe("str");
  });

  it.each([
    [1, "1.0"],
    [3, "3.0"],
    [100000, "100000.0"],
    [1e-5, "1e-05"],
    [1e-4, "0.0001"],
    [1e16, "1e+16"],
    [1e15, "1000000000000000.0"],
    [0.1 + 0.2, "0.30000000000000004"],
    [-1.5e300, "-1.5e+300"],
    [5e-324, "5e-324"],
    [-0, "-0.0"],
    [0, "0.0"],
    [123.456, "123.456"],
  ])("prints %d as Python's repr", (x, text) => {
    expect(floatRepr(x)).toBe(text);
  });
});

// --- formatting -----------------------------------------------------------------------------

describe("formatFilters", () => {
  it("writes groups with , and ;", () => {
    expect(
      formatFilters([
        [c("datatype", "=", "AOD"), c("run_number", ">=", "300000")],
        [c("datatype", "=", "RAW")],
      ]),
    ).toBe("datatype=AOD,run_number>=300000;datatype=RAW");
  });

  it("leaves out incomplete conditions and empty groups", () => {
    expect(
      formatFilters([[c("", "=", "x"), c("events", "<", "")], [c(" project ", "!=", " data18 ")], []]),
    ).toBe("project!=data18");
    expect(formatFilters([])).toBe("");
    expect(formatFilters(null)).toBe("");
  });

  it("writes half-filled form rows as far as they go", () => {
    const groups = [
      [c("datatype", "=", "AOD"), c("events", ">", "  ")],
      [c("  ", "=", "x"), c("", "=", "")],
      [c("name", "=", "", true), c("stream_name", "!=", "x, y")],
    ];
    expect(formatFilters(groups)).toBe('datatype=AOD;name="",stream_name!="x, y"');
    expect(countConditions(groups)).toBe(3);
    expect(parseFilters(formatFilters(groups), { strict: true }).error).toBeNull();
  });

  it("quotes form values exactly when Python would", () => {
    const row = (/** @type {string} */ value, quoted = false) =>
      formatFilters([[c("a", "=", value, quoted)]]);
    expect(row("AOD")).toBe("a=AOD");
    expect(row("5")).toBe("a=5");
    expect(row("5", true)).toBe('a="5"');
    expect(row("true", true)).toBe('a="true"');
    expect(row("007")).toBe("a=007");
    expect(row("1e999")).toBe("a=1e999");
    expect(row("+3")).toBe("a=3");
    expect(row("1e5")).toBe("a=100000.0");
    expect(row('say "hi"')).toBe('a="say \\"hi\\""');
    expect(row("it's")).toBe('a="it\'s"');
    expect(row("back\\slash")).toBe("a=back\\slash");
    expect(row("a;b")).toBe('a="a;b"');
    expect(row(" padded ", true)).toBe('a=" padded "');
  });

  it.each([
    "datatype=AOD",
    "datatype=AOD,run_number>=300000;datatype=RAW",
    "a!=1;b<2;c<=3;d>4;e>=5",
    "events>1,events<5",
    'name="a,b",x=1.5',
  ])("round-trips %s", (text) => {
    const { groups } = parseFilters(text, { strict: true });
    expect(formatFilters(groups)).toBe(text);
    expect(parseFilters(formatFilters(groups)).groups).toEqual(groups);
  });

  it("writes a compound range as two AND terms", () => {
    expect(formatFilters(parseFilters("1<events<5").groups)).toBe("events>1,events<5");
  });
});

describe("form helpers", () => {
  it("counts complete conditions", () => {
    expect(countConditions(parseFilters("a=1,b=2;c=3").groups)).toBe(3);
    expect(countConditions([[c("a", "=", "")]])).toBe(0);
    expect(countConditions(null)).toBe(0);
  });

  it("tells complete conditions", () => {
    expect(isComplete(c("a", "=", "1"))).toBe(true);
    expect(isComplete(c("a", "=", " "))).toBe(false);
    expect(isComplete(c("a", "=", "", true))).toBe(true);
    expect(isComplete(c(" ", "=", "1"))).toBe(false);
    expect(isComplete(null)).toBe(false);
  });

  it("offers the operators and common keys", () => {
    expect(OPERATORS).toEqual(["=", "!=", "<", "<=", ">", ">="]);
    expect(COMMON_KEYS).toContain("datatype");
  });
});
