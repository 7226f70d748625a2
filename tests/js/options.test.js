import { describe, expect, it } from "vitest";
import { collectOptions } from "../../js/parts/options.js";

const blank = { rse: "", lifetime: "", grouping: "DATASET", asynchronous: false, comment: "" };

describe("collectOptions", () => {
  it("is null when nothing is set, defaults included", () => {
    expect(collectOptions(blank)).toEqual({ options: null, error: "" });
    expect(collectOptions({ ...blank, rse: "   ", comment: " " })).toEqual({ options: null, error: "" });
  });

  it("keeps only what is set, trimmed, the lifetime as a number", () => {
    expect(
      collectOptions({
        rse: " tier=1&country=CH ",
        lifetime: "30",
        grouping: "NONE",
        asynchronous: true,
        comment: " for the fit ",
      }),
    ).toEqual({
      options: {
        rse_expression: "tier=1&country=CH",
        lifetime_days: 30,
        grouping: "NONE",
        asynchronous: true,
        comment: "for the fit",
      },
      error: "",
    });
    expect(collectOptions({ ...blank, grouping: "ALL" }).options).toEqual({ grouping: "ALL" });
    expect(collectOptions({ ...blank, grouping: "bogus" }).options).toBeNull();
  });

  it.each(["0", "-3", "2.5", "abc"])("refuses a lifetime of %s", (lifetime) => {
    const result = collectOptions({ ...blank, lifetime });
    expect(result.options).toBeNull();
    expect(result.error).toMatch(/whole number of days/);
  });

  it("refuses text the browser could not read as a number", () => {
    expect(collectOptions({ ...blank, lifetime: "", badLifetime: true }).error).toMatch(/Lifetime/);
  });
});

describe("collectOptions and approval", () => {
  it("asks for approval only with a comment, and says which field to fix", () => {
    expect(collectOptions({ ...blank, approval: true, comment: "  " })).toEqual({
      options: null,
      error: "Asking for approval needs a comment: say why you need the data, for the administrator.",
      field: "comment",
    });
    expect(collectOptions({ ...blank, approval: true, comment: " thesis fit " }).options).toEqual({
      comment: "thesis fit",
      ask_approval: true,
    });
    expect(collectOptions({ ...blank, approval: false, comment: "x" }).options).toEqual({ comment: "x" });
    expect(collectOptions({ ...blank, lifetime: "0" }).field).toBe("lifetime");
  });
});
