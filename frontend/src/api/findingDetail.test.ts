import { describe, expect, it } from "vitest";
import { findingDetail } from "./findingDetail";

describe("findingDetail", () => {
  it("reads the claims and explanation of a contradiction", () => {
    const detail = {
      claim_a: { position: 0, text: "It has 4 cores.", quote: "four cores" },
      claim_b: { position: 2, text: "It has 8 cores.", quote: null },
      explanation: "The claims give different figures for the same thing.",
      method: "figures",
    };
    expect(findingDetail(detail)).toEqual({
      claim_a: { position: 0, text: "It has 4 cores.", quote: "four cores" },
      claim_b: { position: 2, text: "It has 8 cores.", quote: null },
      explanation: "The claims give different figures for the same thing.",
    });
  });

  it("leaves out what is missing or of another shape", () => {
    expect(findingDetail(null)).toEqual({});
    expect(findingDetail("text")).toEqual({});
    expect(findingDetail([1, 2])).toEqual({});
    expect(findingDetail({ target: "Missing page" })).toEqual({});
    expect(findingDetail({ claim_a: { text: "no position" }, claim_b: "x", explanation: 3 })).toEqual({});
  });
});
