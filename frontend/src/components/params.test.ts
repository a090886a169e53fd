// URL filter values: only the known ones are used, anything else means "no filter".
import { describe, expect, it } from "vitest";
import { knownValue } from "./params";

describe("knownValue", () => {
  it("keeps known values and drops the rest", () => {
    const allowed = ["queued", "running"] as const;
    expect(knownValue("running", allowed)).toBe("running");
    expect(knownValue("Running", allowed)).toBe("");
    expect(knownValue("bogus", allowed)).toBe("");
    expect(knownValue("", allowed)).toBe("");
    expect(knownValue(null, allowed)).toBe("");
  });
});
