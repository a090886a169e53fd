// The quick-add box's decisions: link or note, the title a note gets, and the submit shortcut.
import { describe, expect, it } from "vitest";
import { isSubmitShortcut, noteTitle, planQuickAdd } from "./quickAdd";

describe("planQuickAdd", () => {
  it("sends a single http(s) URL to the URL endpoint", () => {
    expect(planQuickAdd("https://example.org/a?b=1#c")).toEqual({ kind: "url", url: "https://example.org/a?b=1#c" });
    expect(planQuickAdd("  http://example.org  \n")).toEqual({ kind: "url", url: "http://example.org" });
    expect(planQuickAdd("HTTPS://EXAMPLE.ORG/Path")).toEqual({ kind: "url", url: "HTTPS://EXAMPLE.ORG/Path" });
  });

  it("keeps anything that is not a lone http(s) URL as a note", () => {
    for (const input of [
      "javascript:alert(1)",
      "ftp://example.org/file",
      "example.org",
      "www.example.org",
      "https://",
      "https://example.org and more words",
      "https://example.org\nand a line of prose",
      "see https://example.org",
    ]) {
      expect(planQuickAdd(input).kind, input).toBe("text");
    }
  });

  it("sends several links, one per line, to the batch endpoint", () => {
    expect(planQuickAdd("https://example.org/a\n\n  https://example.com/b \r\nhttps://example.net")).toEqual({
      kind: "urls",
      urls: ["https://example.org/a", "https://example.com/b", "https://example.net"],
    });
  });

  it("sends the note as typed", () => {
    const note = "  a thought worth keeping\n";
    expect(planQuickAdd(note)).toEqual({ kind: "text", content: note });
  });

  it("does nothing for empty or blank input", () => {
    expect(planQuickAdd("")).toEqual({ kind: "empty" });
    expect(planQuickAdd(" \n\t \n")).toEqual({ kind: "empty" });
  });

  it("titles a note from its heading", () => {
    expect(planQuickAdd("# Thread pools\n\nThey reuse threads.")).toEqual({
      kind: "text",
      content: "# Thread pools\n\nThey reuse threads.",
      title: "Thread pools",
    });
  });
});

describe("noteTitle", () => {
  it("reads a markdown heading of any level on the first line", () => {
    expect(noteTitle("# Hello world")).toBe("Hello world");
    expect(noteTitle("\n\n## Closed heading ##\nbody")).toBe("Closed heading");
    expect(noteTitle("###   Spaced    out  \nbody")).toBe("Spaced out");
    expect(noteTitle("#hashtag\nbody")).toBe("#hashtag");
    expect(noteTitle("# \nbody")).toBeUndefined();
  });

  it("uses a short first line of a longer note", () => {
    expect(noteTitle("Meeting notes\nWe decided to ship.")).toBe("Meeting notes");
    expect(noteTitle("Meeting notes\r\n\r\nWe decided to ship.")).toBe("Meeting notes");
  });

  it("does not title a single line, prose, lists, quotes, code or links", () => {
    expect(noteTitle("Just one line")).toBeUndefined();
    expect(noteTitle("This is a sentence.\nAnd another.")).toBeUndefined();
    expect(noteTitle("Things to buy:\n- milk")).toBeUndefined();
    expect(noteTitle("- milk\n- eggs")).toBeUndefined();
    expect(noteTitle("> quoted\nreply")).toBeUndefined();
    expect(noteTitle("1. first\n2. second")).toBeUndefined();
    expect(noteTitle("```\ncode\n```")).toBeUndefined();
    expect(noteTitle("https://example.org\nwhat I think of it")).toBeUndefined();
    expect(noteTitle("---\nbody")).toBeUndefined();
    expect(noteTitle(`${"x".repeat(81)}\nbody`)).toBeUndefined();
    expect(noteTitle(`${"x".repeat(80)}\nbody`)).toBe("x".repeat(80));
  });

  it("caps a heading at 300 characters, counting code points", () => {
    const title = noteTitle(`# ${"😀".repeat(400)}`);
    expect(Array.from(title ?? "")).toHaveLength(300);
    expect(title).toBe("😀".repeat(300));
  });
});

describe("isSubmitShortcut", () => {
  const key = (over: Partial<Parameters<typeof isSubmitShortcut>[0]>) => ({
    key: "Enter",
    ctrlKey: false,
    metaKey: false,
    altKey: false,
    shiftKey: false,
    ...over,
  });
  it("is Ctrl+Enter or Cmd+Enter only", () => {
    expect(isSubmitShortcut(key({ ctrlKey: true }))).toBe(true);
    expect(isSubmitShortcut(key({ metaKey: true }))).toBe(true);
    expect(isSubmitShortcut(key({}))).toBe(false);
    expect(isSubmitShortcut(key({ shiftKey: true, ctrlKey: true }))).toBe(false);
    expect(isSubmitShortcut(key({ key: "a", ctrlKey: true }))).toBe(false);
  });
});
