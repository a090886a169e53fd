// The shared external-URL check: only absolute http(s) URLs with a host pass, so no caller can
// turn `javascript:`, `data:` or a protocol-relative value into a link.
import { describe, expect, it } from "vitest";
import { isHttpUrl, safeExternalUrl } from "./urls";

describe("isHttpUrl", () => {
  it("accepts absolute http(s) URLs only", () => {
    expect(isHttpUrl("https://example.org")).toBe(true);
    expect(isHttpUrl("https://a.b/c")).toBe(true);
    expect(isHttpUrl("http://a.b")).toBe(true);
    expect(isHttpUrl("http://localhost:8080/x")).toBe(true);
    expect(isHttpUrl("https:example.org")).toBe(false);
    expect(isHttpUrl("mailto:a@example.org")).toBe(false);
    expect(isHttpUrl("javascript:alert(1)")).toBe(false);
    expect(isHttpUrl("data:text/html,<script>")).toBe(false);
    expect(isHttpUrl("ftp://a.b")).toBe(false);
    expect(isHttpUrl("/relative")).toBe(false);
    expect(isHttpUrl("//evil.example")).toBe(false);
    expect(isHttpUrl("")).toBe(false);
    expect(isHttpUrl(null)).toBe(false);
  });
});

describe("safeExternalUrl", () => {
  it("keeps http(s) only", () => {
    expect(safeExternalUrl("https://example.org/a")).toBe("https://example.org/a");
    expect(safeExternalUrl(" http://example.org ")).toBe("http://example.org");
    expect(safeExternalUrl("javascript:alert(1)")).toBeNull();
    expect(safeExternalUrl("JavaScript:alert(1)//https://x")).toBeNull();
    expect(safeExternalUrl("data:text/html,hi")).toBeNull();
    expect(safeExternalUrl("//evil.example")).toBeNull();
    expect(safeExternalUrl(null)).toBeNull();
  });
});
