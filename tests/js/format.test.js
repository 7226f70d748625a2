import { describe, expect, it } from "vitest";
import {
  describeLifetime,
  describeRuleState,
  describeStatus,
  formatBytes,
  formatCount,
  formatTime,
  plural,
  safeUrl,
} from "../../js/format.js";

describe("formatBytes", () => {
  it.each([
    [0, "0 B"],
    [999, "999 B"],
    [1000, "1.0 kB"],
    [1234567, "1.2 MB"],
    [12345678, "12 MB"],
    [9960000, "10 MB"],
    [999_600_000, "1.0 GB"],
    [98765432100, "99 GB"],
    [3.2e15, "3.2 PB"],
  ])("%d bytes is %s", (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });

  it("is empty when unknown", () => {
    expect(formatBytes(null)).toBe("");
    expect(formatBytes(undefined)).toBe("");
    expect(formatBytes(-1)).toBe("");
  });
});

describe("counts", () => {
  it("groups thousands", () => {
    expect(formatCount(1234)).toBe("1,234");
    expect(plural(1, "result")).toBe("1 result");
    expect(plural(100000, "result")).toBe("100,000 results");
  });
});

describe("describeStatus", () => {
  it("shows n/m for partial availability", () => {
    const d = describeStatus({ status: "PARTIALLY_AVAILABLE", available: 3, total: 12 });
    expect(d.text).toBe("3/12");
    expect(d.progress).toBe(0.25);
  });

  it("shows progress while replicating and the reason when stuck", () => {
    expect(describeStatus({ status: "REPLICATING", available: 1, total: 4 }).text).toBe("replicating 1/4");
    expect(describeStatus({ status: "STUCK", message: "no space left" }).title).toMatch(/no space left/);
  });

  it("follows a download's bytes in its bar and title", () => {
    const d = describeStatus({
      status: "DOWNLOADING",
      available: 1,
      total: 4,
      bytes_done: 3_000_000,
      bytes_total: 4_000_000,
    });
    expect(d.text).toBe("downloading 1/4");
    expect(d.progress).toBe(0.75);
    expect(d.title).toMatch(/3\.0 MB of 4\.0 MB/);
  });

  it("marks an unknown status", () => {
    expect(describeStatus(null)).toMatchObject({ key: "UNKNOWN", text: "…" });
  });
});

describe("safeUrl", () => {
  it("keeps absolute http and https URLs", () => {
    expect(safeUrl("https://rucio-ui.example.org/did?scope=s&name=n")).toBe(
      "https://rucio-ui.example.org/did?scope=s&name=n",
    );
    expect(safeUrl(" http://localhost:8080/rule?rule_id=abc ")).toBe(
      "http://localhost:8080/rule?rule_id=abc",
    );
  });

  it.each([
    null,
    undefined,
    "",
    42,
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "data:text/html,x",
    "ftp://host/x",
    "/relative/path",
    "rucio-ui.example.org",
  ])("drops %s", (url) => {
    expect(safeUrl(url)).toBeNull();
  });
});

describe("rule times and states", () => {
  const now = Date.parse("2026-12-02T12:00:00Z");

  it("prints a time the same on every machine, in UTC", () => {
    expect(formatTime("2026-12-01T09:30:00Z")).toBe("2026-12-01 09:30 UTC");
    expect(formatTime("2026-12-01T09:30:00.123456")).toBe("2026-12-01 09:30 UTC");
    expect(formatTime(null)).toBe("");
    expect(formatTime("soon")).toBe("");
  });

  it.each([
    ["2026-12-08T13:00:00Z", "in 6 days", "ok"],
    ["2026-12-03T12:00:00Z", "in 1 day", "ok"],
    ["2026-12-11T11:59:58Z", "in 9 days", "ok"],
    ["2026-12-02T15:30:00Z", "in 3 h 30 min", "soon"],
    ["2026-12-02T11:59:00Z", "expired", "expired"],
    [null, "never", "never"],
  ])("a rule expiring at %s: %s", (at, text, level) => {
    expect(describeLifetime(at, now)).toMatchObject({ text, level });
  });

  it("names rule states in words, with what they mean", () => {
    expect(describeRuleState("WAITING_APPROVAL")).toEqual({
      text: "WAITING APPROVAL",
      title: "An administrator must approve the rule before Rucio copies anything",
    });
    expect(describeRuleState("NEW_STATE")).toEqual({ text: "NEW STATE", title: "NEW_STATE" });
  });
});
