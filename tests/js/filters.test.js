import { describe, expect, it } from "vitest";
import { countConditions, formatFilters, parseFilters } from "../../js/filters.js";

const c = (key, op, value) => ({ key, op, value });

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

  it("reads value-first terms the other way round", () => {
    expect(parseFilters("300000<=run_number").groups).toEqual([[c("run_number", ">=", "300000")]]);
  });

  it("ignores spaces and empty terms", () => {
    expect(parseFilters("  datatype = AOD , ; run_number != 3 ,").groups).toEqual([
      [c("datatype", "=", "AOD")],
      [c("run_number", "!=", "3")],
    ]);
    expect(parseFilters("")).toEqual({ groups: [], error: null });
    expect(parseFilters("   ").groups).toEqual([]);
  });

  it("keeps wildcards and dates in values", () => {
    expect(parseFilters("name=data18_13TeV.*,created_at>=2024-01-01").groups).toEqual([
      [c("name", "=", "data18_13TeV.*"), c("created_at", ">=", "2024-01-01")],
    ]);
  });

  it.each([
    ["datatype", /no operator/],
    ["=AOD", /key and a value/],
    ["datatype=", /key and a value/],
    ["1<events>5", /two < or two >/],
    ["a=b=c", /two < or two >/],
    ["1<2", /not a metadata key/],
    ["1<a<2<3", /too many operators/],
  ])("rejects %s", (text, message) => {
    const result = parseFilters(text);
    expect(result.groups).toBeNull();
    expect(result.error).toMatch(message);
  });
});

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
  });

  it.each([
    "datatype=AOD",
    "datatype=AOD,run_number>=300000;datatype=RAW",
    "a!=1;b<2;c<=3;d>4;e>=5",
    "events>1,events<5",
  ])("round-trips %s", (text) => {
    const { groups } = parseFilters(text);
    expect(formatFilters(groups ?? [])).toBe(text);
    expect(parseFilters(formatFilters(groups ?? [])).groups).toEqual(groups);
  });

  it("writes a compound range as two AND terms", () => {
    expect(formatFilters(parseFilters("1<events<5").groups ?? [])).toBe("events>1,events<5");
  });

  it("counts complete conditions", () => {
    expect(countConditions(parseFilters("a=1,b=2;c=3").groups ?? [])).toBe(3);
    expect(countConditions([[c("a", "=", "")]])).toBe(0);
  });
});
