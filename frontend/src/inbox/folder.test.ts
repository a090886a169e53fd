// Which files of a folder the Inbox takes.
import { describe, expect, it } from "vitest";
import { folderFiles, inHiddenFolder } from "./folder";

function file(path: string, type = ""): File {
  const f = new File(["x"], path.split("/").pop() ?? path, { type });
  Object.defineProperty(f, "webkitRelativePath", { value: path });
  return f;
}

describe("folderFiles", () => {
  it("takes notes and documents in subfolders and leaves out hidden folders and other kinds", () => {
    const { files, skipped } = folderFiles([
      file("vault/Harbour.md"),
      file("vault/trips/Tides.md"),
      file("vault/papers/lamps.pdf", "application/pdf"),
      file("vault/.obsidian/workspace.json", "application/json"),
      file("vault/.obsidian/notes.md"),
      file("vault/images/lighthouse.png", "image/png"),
    ]);
    expect(files.map((f) => f.webkitRelativePath)).toEqual([
      "vault/Harbour.md",
      "vault/trips/Tides.md",
      "vault/papers/lamps.pdf",
    ]);
    expect(skipped).toBe(3);
  });
  it("knows a hidden folder from a hidden-looking file name", () => {
    expect(inHiddenFolder("vault/.git/config")).toBe(true);
    expect(inHiddenFolder("vault/notes/.md")).toBe(false);
  });
});
