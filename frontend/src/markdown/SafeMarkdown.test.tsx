// The markdown renderer against hostile input: no scripts, handlers or images; unsafe links lose
// their href but keep their text; a link is judged by where it resolves (`/\evil.com` and
// `\\evil.com` reach evil.com), so only same-origin links stay in the app; headings get ids.
import { afterEach, describe, expect, it } from "vitest";
import { cleanup, render } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import SafeMarkdown, { safeUrlTransform } from "./SafeMarkdown";
import { linkTarget } from "./links";

afterEach(cleanup);

function renderMd(markdown: string, headingIds = false) {
  return render(
    <MemoryRouter>
      <SafeMarkdown headingIds={headingIds}>{markdown}</SafeMarkdown>
    </MemoryRouter>,
  );
}

const HOSTILE = [
  "<script>alert(1)</script>",
  "",
  "Inline <script>alert(2)</script> script and [x](javascript:alert(1)) link.",
  "",
  '<img src=x onerror=alert(1)>',
  "",
  "Text with <img src=x onerror=alert(3)> inline and <a href=\"javascript:alert(4)\">a</a>.",
  "",
  "[y](JaVaScRiPt:alert(5)) [z](vbscript:msgbox) [d](data:text/html;base64,PHNjcmlwdD4=)",
  "",
  "![remote](https://tracker.example/pixel.png) ![local](x.png)",
  "",
  '<iframe src="https://evil.example"></iframe>',
].join("\n");

describe("SafeMarkdown", () => {
  it("renders hostile markdown without scripts, javascript: links, images or handlers", () => {
    const { container } = renderMd(HOSTILE);
    expect(container.querySelector("script")).toBeNull();
    expect(container.querySelector("iframe")).toBeNull();
    expect(container.querySelector("img")).toBeNull();
    expect(container.querySelector("[onerror]")).toBeNull();
    for (const el of Array.from(container.querySelectorAll("*"))) {
      for (const attr of Array.from(el.attributes)) {
        expect(attr.name.startsWith("on"), `${el.tagName} has ${attr.name}`).toBe(false);
        expect(/^\s*(javascript|vbscript|data):/i.test(attr.value), `${el.tagName} ${attr.name}=${attr.value}`).toBe(false);
      }
    }
    for (const a of Array.from(container.querySelectorAll("a"))) {
      expect(a.getAttribute("href") ?? "").not.toMatch(/javascript:/i);
    }
    // Raw HTML is shown as inert text.
    expect(container.textContent).toContain("<script>alert(1)</script>");
    // Each unsafe link keeps its text as plain text, and none of those texts is a link.
    const dropped = Array.from(container.querySelectorAll("span.md-dropped-link")).map((s) => s.textContent);
    expect(dropped).toEqual(["x", "y", "z", "d"]);
    const anchorTexts = Array.from(container.querySelectorAll("a")).map((a) => a.textContent);
    for (const text of ["x", "y", "z", "d"]) expect(anchorTexts).not.toContain(text);
  });

  it("shows images as links to the image, never loading them", () => {
    const { container } = renderMd("![a diagram](https://example.org/d.png) and ![](local.png)");
    expect(container.querySelector("img")).toBeNull();
    const link = container.querySelector("a.md-image-link");
    expect(link?.getAttribute("href")).toBe("https://example.org/d.png");
    expect(link?.textContent).toBe("Image: a diagram");
    expect(link?.getAttribute("rel")).toBe("noopener noreferrer nofollow");
    expect(container.querySelector("span.md-image-link")?.textContent).toBe("Image");
  });

  it("opens external links in a new tab without referrer or opener", () => {
    const { container } = renderMd("[site](https://example.org/a) and <https://example.com> and [p](//host.example/x)");
    const links = Array.from(container.querySelectorAll("a"));
    expect(links).toHaveLength(3);
    for (const a of links) {
      expect(a.getAttribute("target")).toBe("_blank");
      expect(a.getAttribute("rel")).toBe("noopener noreferrer nofollow");
    }
    expect(links[2]?.getAttribute("href")).toBe("https://host.example/x");
  });

  it("never lets a link that only looks local leave the app in the same tab", () => {
    // In markdown `\\` is an escaped backslash, so `\\\\evil.com` is the href `\\evil.com`
    // (in this JS string every backslash is doubled once more).
    // The markdown parser percent-encodes backslashes in destinations (`/%5Cevil.com`), so those
    // stay on this origin; `linkTarget` below covers the raw spellings in case that ever changes.
    const { container } = renderMd("[a](/\\evil.com) [b](\\\\\\\\evil.com/p) [c](//evil.com) [d](https://evil.com) [e](/wiki/x)");
    const links = Array.from(container.querySelectorAll("a"));
    expect(links.map((l) => l.textContent)).toEqual(["a", "b", "c", "d", "e"]);
    const origin = window.location.origin;
    for (const link of links) {
      const resolved = new URL(link.getAttribute("href") ?? "", origin);
      if (resolved.origin === origin) {
        expect(link.getAttribute("target"), link.textContent ?? "").toBeNull();
        expect(resolved.hostname).not.toBe("evil.com");
      } else {
        expect(link.getAttribute("target"), link.textContent ?? "").toBe("_blank");
        expect(link.getAttribute("rel")).toBe("noopener noreferrer nofollow");
      }
    }
    const [a, b, c, d, e] = links;
    expect(a?.getAttribute("href")).toBe("/%5Cevil.com");
    expect(b?.getAttribute("href")).toBe("/%5C%5Cevil.com/p");
    expect(c?.getAttribute("href")).toBe("https://evil.com/");
    expect(d?.getAttribute("href")).toBe("https://evil.com/");
    expect(e?.getAttribute("href")).toBe("/wiki/x");
  });

  it("keeps in-page and in-app links in the app", () => {
    const origin = window.location.origin;
    const { container } = renderMd(
      `[top](#intro) [wiki](/wiki/other) [mail](mailto:a@b.c) [jobs](${origin}/jobs?status=failed#x) [irc](irc://h/c)`,
    );
    const [hash, wiki, mail, jobs, irc] = Array.from(container.querySelectorAll("a"));
    expect(hash?.getAttribute("href")).toBe("#intro");
    expect(hash?.getAttribute("target")).toBeNull();
    expect(wiki?.getAttribute("href")).toBe("/wiki/other");
    expect(mail?.getAttribute("href")).toBe("mailto:a@b.c");
    // An absolute URL of this origin is an in-app route, not a new tab.
    expect(jobs?.getAttribute("href")).toBe("/jobs?status=failed#x");
    expect(jobs?.getAttribute("target")).toBeNull();
    // Other schemes are not links at all.
    expect(irc).toBeUndefined();
    expect(container.querySelector("span.md-dropped-link")?.textContent).toBe("irc");
  });

  it("renders GFM tables inside a scroll box and demotes a body h1", () => {
    const { container } = renderMd("# Big\n\n| a | b |\n|---|---|\n| 1 | 2 |\n");
    expect(container.querySelector("h1")).toBeNull();
    expect(container.querySelector("h2")?.textContent).toBe("Big");
    expect(container.querySelector(".md-table-scroll > table")).not.toBeNull();
  });

  it("gives h2/h3 the outline ids", () => {
    const { container } = renderMd("## Why it matters\n\ntext\n\n### Details\n\n## Why it matters\n", true);
    expect(Array.from(container.querySelectorAll("h2, h3")).map((h) => h.id)).toEqual([
      "sec-why-it-matters",
      "sec-details",
      "sec-why-it-matters-2",
    ]);
  });
});

describe("url helpers", () => {
  it("drops dangerous schemes", () => {
    expect(safeUrlTransform("javascript:alert(1)")).toBe("");
    expect(safeUrlTransform("data:text/html,x")).toBe("");
    expect(safeUrlTransform("/wiki/a")).toBe("/wiki/a");
    expect(safeUrlTransform("//h.example/p")).toBe("https://h.example/p");
  });
});

describe("linkTarget", () => {
  const origin = "https://wiki.example";
  it("resolves backslash and protocol-relative tricks to the host they really reach", () => {
    expect(linkTarget("/\\evil.com", origin)).toEqual({ kind: "external", href: "https://evil.com/" });
    expect(linkTarget("\\\\evil.com", origin)).toEqual({ kind: "external", href: "https://evil.com/" });
    expect(linkTarget("//evil.com", origin)).toEqual({ kind: "external", href: "https://evil.com/" });
    expect(linkTarget("https://evil.com", origin)).toEqual({ kind: "external", href: "https://evil.com/" });
  });
  it("keeps same-origin links in the app as path, query and fragment", () => {
    expect(linkTarget("/wiki/x", origin)).toEqual({ kind: "internal", to: "/wiki/x" });
    expect(linkTarget("https://wiki.example/jobs?status=failed#top", origin)).toEqual({
      kind: "internal",
      to: "/jobs?status=failed#top",
    });
    // A single backslash is a slash to the URL parser: still this origin.
    expect(linkTarget("\\wiki\\x", origin)).toEqual({ kind: "internal", to: "/wiki/x" });
  });
  it("keeps fragments and mail, and drops everything else", () => {
    expect(linkTarget("#fn-1", origin)).toEqual({ kind: "anchor", href: "#fn-1" });
    expect(linkTarget("mailto:a@b.c", origin)).toEqual({ kind: "mail", href: "mailto:a@b.c" });
    for (const href of ["javascript:alert(1)", "data:text/html,x", "ftp://h/x", "blob:https://wiki.example/u", "", null]) {
      expect(linkTarget(href, origin), String(href)).toEqual({ kind: "dropped" });
    }
  });
});

describe("outline and rendered headings agree", () => {
  it("gives every outline entry a rendered heading with its id", async () => {
    const { extractOutline } = await import("./outline");
    const md = [
      "Intro with [[Link]].",
      "## Why *it* matters",
      "````md",
      "## Not a heading",
      "```",
      "````",
      "Setext two",
      "----------",
      "### `code` and [link](https://x.example) and [[A|alias]]",
      "> ## Quoted",
      "- ## In a list",
      "## Why it matters",
      "## C# & F#",
      "## snake_case_name",
    ].join("\n");
    const { container } = renderMd(md, true);
    const rendered = Array.from(container.querySelectorAll("h2[id], h3[id]")).map((h) => h.id);
    expect(extractOutline(md).map((h) => h.id)).toEqual(rendered);
    expect(rendered).toHaveLength(6);
  });
});
