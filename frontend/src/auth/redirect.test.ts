// The login page's return address: in-app paths survive with their query, anything that could
// leave the origin or loop back to the login page becomes "/".
import { describe, expect, it } from "vitest";
import { safeFrom } from "./redirect";

describe("safeFrom", () => {
  it("keeps in-app paths with query and fragment", () => {
    expect(safeFrom("/jobs")).toBe("/jobs");
    expect(safeFrom("/?status=failed")).toBe("/?status=failed");
    expect(safeFrom("/wiki/bees#sec-hive")).toBe("/wiki/bees#sec-hive");
    expect(safeFrom("/")).toBe("/");
  });

  it("refuses other hosts however they are spelled", () => {
    for (const from of ["//evil.com", "/\\evil.com", "/\t/evil.com", "/\n/evil.com", "https://evil.com", "evil.com", "javascript:alert(1)", ""]) {
      expect(safeFrom(from), JSON.stringify(from)).toBe("/");
    }
  });

  it("refuses the login page itself and non-strings", () => {
    expect(safeFrom("/login")).toBe("/");
    expect(safeFrom("/login?x=1")).toBe("/");
    expect(safeFrom("/login/")).toBe("/");
    expect(safeFrom(undefined)).toBe("/");
    expect(safeFrom(42)).toBe("/");
    expect(safeFrom("/loginhelp")).toBe("/loginhelp");
  });
});
