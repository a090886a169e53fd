// Folders brought to the Inbox (chosen with the folder picker, or dropped): every file in them,
// subfolders included, that WikiMind takes — PDF, Markdown, text, HTML — leaving out what a
// notes app keeps for itself (`.obsidian`, `.git`, `.trash` and other hidden folders).
import { isSupportedFile } from "./sourceView";

/** The most files taken from one folder; a larger one is better sent as a ZIP import. */
export const MAX_FOLDER_FILES = 2_000;

/** True for a path inside a hidden folder (a segment starting with a dot). */
export function inHiddenFolder(path: string): boolean {
  const segments = path.split("/").slice(0, -1);
  return segments.some((s) => s.startsWith("."));
}

/** What a folder holds that can be added, and how many of its files were left out. */
export function folderFiles(files: File[]): { files: File[]; skipped: number } {
  const taken = files.filter((f) => isSupportedFile(f) && !inHiddenFolder(f.webkitRelativePath || f.name));
  const kept = taken.slice(0, MAX_FOLDER_FILES);
  return { files: kept, skipped: files.length - kept.length };
}

function readAll(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  // `readEntries` answers in batches until it answers an empty one.
  return new Promise((ok, fail) => {
    const all: FileSystemEntry[] = [];
    const next = () =>
      reader.readEntries((batch) => {
        if (batch.length === 0) ok(all);
        else {
          all.push(...batch);
          next();
        }
      }, fail);
    next();
  });
}

/** Every file under dropped entries, walking folders (hidden ones are not entered). */
export async function filesOfEntries(entries: FileSystemEntry[]): Promise<File[]> {
  const files: File[] = [];
  const walk = async (entry: FileSystemEntry): Promise<void> => {
    if (files.length >= MAX_FOLDER_FILES * 2) return;
    if (entry.isFile) {
      const file = await new Promise<File>((ok, fail) => (entry as FileSystemFileEntry).file(ok, fail));
      files.push(file);
    } else if (entry.isDirectory && !entry.name.startsWith(".")) {
      for (const child of await readAll((entry as FileSystemDirectoryEntry).createReader())) await walk(child);
    }
  };
  for (const entry of entries) await walk(entry);
  return files;
}
