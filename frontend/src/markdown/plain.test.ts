import { describe, expect, it } from "vitest";
import { plainText } from "./plain";

describe("plainText", () => {
  it("shows escapes, links and emphasis as the text a reader sees", () => {
    expect(plainText("heapq\\_heappush keeps [the invariant](https://x/y) **always**")).toBe(
      "heapq_heappush keeps the invariant always",
    );
    expect(plainText("see [[Thread Pool|pools]] and `queue.Queue`")).toBe("see pools and queue.Queue");
  });

  it("keeps whitespace so pieces of one text still join", () => {
    expect(plainText("  two\n  lines ")).toBe("  two\n  lines ");
    expect(plainText("snake_case_name")).toBe("snake_case_name");
  });
});
