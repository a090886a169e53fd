// Pure helpers of the Inbox and source screens: names, the effective live stage, the status
// filter, file checks, dropped links and dates.
import { describe, expect, it } from "vitest";
import type { Source } from "../api/types";
import {
  droppedUrl,
  effectiveStage,
  failureText,
  isArchive,
  isSupportedFile,
  kindLabel,
  publishedText,
  shortHash,
  sourceTitle,
  stageText,
  statusFromParam,
  urlHost,
  withStatus,
} from "./sourceView";

const T0 = "2025-03-01T10:00:00.000000Z";
const T1 = "2025-03-01T10:00:05.123456Z";

describe("sourceTitle", () => {
  it("falls back from title to URL to 'Untitled note'", () => {
    expect(sourceTitle({ title: "A page", url: "https://x.org" })).toBe("A page");
    expect(sourceTitle({ title: "  ", url: "https://x.org" })).toBe("https://x.org");
    expect(sourceTitle({ title: null, url: null })).toBe("Untitled note");
  });
});

describe("urlHost", () => {
  it("gives a compact host", () => {
    expect(urlHost("https://www.example.org/a/b")).toBe("example.org");
    expect(urlHost("javascript:alert(1)")).toBeNull();
  });
});

describe("effectiveStage", () => {
  const row = (status: Source["status"], updated_at = T0) => ({ status, updated_at });
  it("uses the row when there is no live line", () => {
    expect(effectiveStage(row("compiled"), undefined)).toBe("compiled");
  });
  it("lets a later live stage win", () => {
    expect(effectiveStage(row("pending"), { stage: "compiling", message: "", at: T1 })).toBe("compiling");
    expect(effectiveStage(row("compiling"), { stage: "fetching", message: "", at: T1 })).toBe("compiling");
    expect(effectiveStage(row("extracting"), { stage: "failed", message: "boom", at: T1 })).toBe("failed");
    expect(effectiveStage(row("compiling"), { stage: "compiled", message: "", at: T1 })).toBe("compiled");
  });
  it("ignores a finished live stage older than a row reset by a re-compile", () => {
    expect(effectiveStage(row("pending", T1), { stage: "failed", message: "old", at: T0 })).toBe("pending");
    expect(effectiveStage(row("pending", T1), { stage: "compiled", message: "", at: T0 })).toBe("pending");
    // A non-finished live stage is still merged along the pipeline.
    expect(effectiveStage(row("pending", T1), { stage: "fetching", message: "", at: T0 })).toBe("fetching");
  });
  it("keeps a finished row whatever the live line says", () => {
    expect(effectiveStage(row("failed"), { stage: "compiling", message: "", at: T1 })).toBe("failed");
  });
});

describe("stage and failure wording", () => {
  it("adds the live message of the same stage", () => {
    expect(stageText("fetching", { stage: "fetching", message: "downloading", at: T0 })).toBe("Fetching — downloading");
    expect(stageText("compiling", { stage: "fetching", message: "downloading", at: T0 })).toBe("Compiling — writing the article");
    expect(stageText("pending", undefined)).toBe("Queued — waiting for a worker");
    expect(stageText("compiled", undefined)).toBe("Compiled");
  });
  it("prefers the row's error, then the live one", () => {
    expect(failureText({ error: "host unreachable" }, { stage: "failed", message: "x", at: T0 })).toBe("host unreachable");
    expect(failureText({ error: null }, { stage: "failed", message: "timed out", at: T0 })).toBe("timed out");
    expect(failureText({ error: null }, undefined)).toBe("Processing failed.");
  });
});

describe("status filter", () => {
  it("accepts known statuses only", () => {
    expect(statusFromParam("failed")).toBe("failed");
    expect(statusFromParam("bogus")).toBe("");
    expect(statusFromParam(null)).toBe("");
  });
  it("sets and clears ?status= keeping other params", () => {
    const p = new URLSearchParams("status=failed&x=1");
    expect(withStatus(p, "").toString()).toBe("x=1");
    expect(withStatus(p, "compiled").toString()).toBe("status=compiled&x=1");
    expect(p.toString()).toBe("status=failed&x=1");
  });
});

describe("files and drops", () => {
  it("accepts PDF, markdown, text and HTML files", () => {
    expect(isSupportedFile({ name: "paper.PDF", type: "" })).toBe(true);
    expect(isSupportedFile({ name: "notes.md", type: "" })).toBe(true);
    expect(isSupportedFile({ name: "notes.markdown", type: "" })).toBe(true);
    expect(isSupportedFile({ name: "page.htm", type: "" })).toBe(true);
    expect(isSupportedFile({ name: "README", type: "text/plain" })).toBe(true);
    expect(isSupportedFile({ name: "scan", type: "application/pdf" })).toBe(true);
    expect(isSupportedFile({ name: "photo.jpg", type: "image/jpeg" })).toBe(false);
    expect(isSupportedFile({ name: "archive.zip", type: "application/zip" })).toBe(true);
    expect(isArchive({ name: "Vault.ZIP", type: "" })).toBe(true);
    expect(isArchive({ name: "notes.md", type: "text/markdown" })).toBe(false);
    expect(isSupportedFile({ name: "pdf", type: "" })).toBe(false);
  });
  it("takes the first http(s) link of a drop that is not from this app", () => {
    const own = "http://127.0.0.1:7842";
    expect(droppedUrl("# comment\nhttps://example.org/a\nhttps://b.org", "", own)).toBe("https://example.org/a");
    expect(droppedUrl("", "https://example.org/plain", own)).toBe("https://example.org/plain");
    expect(droppedUrl("http://127.0.0.1:7842/sources/1", "", own)).toBeNull();
    expect(droppedUrl("javascript:alert(1)", "some words", own)).toBeNull();
  });
});

describe("small formatting", () => {
  it("names kinds", () => {
    expect(kindLabel("url")).toBe("Web page");
    expect(kindLabel("text")).toBe("Note");
    expect(kindLabel("pdf")).toBe("PDF");
    expect(kindLabel("feed")).toBe("feed");
  });
  it("shortens hashes", () => {
    expect(shortHash("sha256:0123456789abcdef0123")).toBe("0123456789ab…");
    expect(shortHash("abc")).toBe("abc");
    expect(shortHash(null)).toBe("");
  });
  it("shows a bare publication date as that day and free text as given", () => {
    expect(publishedText("2024-02-29")).toBe(new Date(Date.UTC(2024, 1, 29)).toLocaleDateString(undefined, { timeZone: "UTC" }));
    expect(publishedText("Spring 2021")).toBe("Spring 2021");
    expect(publishedText(null)).toBe("");
  });
});
