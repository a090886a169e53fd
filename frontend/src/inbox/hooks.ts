// Small hooks of the Inbox: a clock for relative times, page-wide file drop, and the upload queue.
import { useCallback, useEffect, useRef, useState, type DragEvent } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { api } from "../api/client";
import type { BatchReply, IngestReply, Source } from "../api/types";
import { filesOfEntries, folderFiles } from "./folder";
import { droppedUrl, isArchive, isSupportedFile, outcomeOf } from "./sourceView";

/** The current time, refreshed every `intervalMs`, so "3 minutes ago" stays true. */
export function useNow(intervalMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

/** The message of an error, for inline display. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

function carriesDroppable(types: readonly string[] | DOMStringList | undefined): boolean {
  if (!types) return false;
  const list = Array.from(types as ArrayLike<string>);
  return list.includes("Files") || list.includes("text/uri-list");
}

export interface FileDrop {
  dragging: boolean;
  handlers: {
    onDragEnter: (e: DragEvent<HTMLElement>) => void;
    onDragOver: (e: DragEvent<HTMLElement>) => void;
    onDragLeave: (e: DragEvent<HTMLElement>) => void;
    onDrop: (e: DragEvent<HTMLElement>) => void;
  };
}

/**
 * Drag and drop of files (and of links from other tabs) onto an element. While it is mounted, a
 * file dropped anywhere else in the window is ignored instead of making the browser navigate
 * away to it; drags that start inside the page (a link of the app) are not drops.
 */
export function useFileDrop(onFiles: (files: File[]) => void, onUrl: (url: string) => void): FileDrop {
  const [dragging, setDragging] = useState(false);
  const depth = useRef(0);
  const internal = useRef(false);

  useEffect(() => {
    const start = () => {
      internal.current = true;
    };
    const end = () => {
      internal.current = false;
    };
    const guard = (e: globalThis.DragEvent) => {
      if (e.dataTransfer && Array.from(e.dataTransfer.types).includes("Files")) e.preventDefault();
    };
    document.addEventListener("dragstart", start);
    document.addEventListener("dragend", end);
    window.addEventListener("dragover", guard);
    window.addEventListener("drop", guard);
    return () => {
      document.removeEventListener("dragstart", start);
      document.removeEventListener("dragend", end);
      window.removeEventListener("dragover", guard);
      window.removeEventListener("drop", guard);
    };
  }, []);

  const accepts = (e: DragEvent<HTMLElement>) => !internal.current && carriesDroppable(e.dataTransfer?.types);

  const handlers: FileDrop["handlers"] = {
    onDragEnter: (e) => {
      if (!accepts(e)) return;
      e.preventDefault();
      depth.current += 1;
      setDragging(true);
    },
    onDragOver: (e) => {
      if (!accepts(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = "copy";
      if (!dragging) setDragging(true);
    },
    onDragLeave: (e) => {
      if (!accepts(e)) return;
      depth.current = Math.max(0, depth.current - 1);
      if (depth.current === 0) setDragging(false);
    },
    onDrop: (e) => {
      depth.current = 0;
      setDragging(false);
      if (!accepts(e)) return;
      e.preventDefault();
      const dt = e.dataTransfer;
      // A dropped folder is walked; its entries must be taken now, while the drop lasts.
      const entries = Array.from(dt.items ?? [])
        .map((item) => item.webkitGetAsEntry?.() ?? null)
        .filter((entry): entry is FileSystemEntry => entry !== null);
      if (entries.some((entry) => entry.isDirectory)) {
        void filesOfEntries(entries).then((found) => onFiles(folderFiles(found).files));
        return;
      }
      const files = Array.from(dt.files ?? []);
      if (files.length > 0) {
        onFiles(files);
        return;
      }
      const url = droppedUrl(dt.getData("text/uri-list"), dt.getData("text/plain"), window.location.origin);
      if (url) onUrl(url);
    },
  };
  return { dragging, handlers };
}

export type UploadState = "waiting" | "uploading" | "added" | "duplicate" | "error";

export interface Upload {
  key: number;
  /** The file name, or the URL of a dropped link. */
  name: string;
  size: number | null;
  state: UploadState;
  source?: Source;
  message?: string;
}

export const UNSUPPORTED_MESSAGE =
  "Not a supported file type: choose a PDF, Markdown, text or HTML file, or a ZIP of them.";

/** One row per file of an imported archive, named by its place in it. */
export function archiveRows(archive: string, reply: BatchReply, nextKey: () => number): Upload[] {
  return reply.items.map((item) => ({
    key: nextKey(),
    name: `${archive} › ${item.path ?? item.url ?? ""}`,
    size: null,
    state: item.outcome === "refused" ? "error" : item.outcome,
    source: item.source ?? undefined,
    message: item.error?.message,
  }));
}

/** The per-file outcomes of dropped or chosen files, uploaded one after the other. */
export function useUploads() {
  const queryClient = useQueryClient();
  const [uploads, setUploads] = useState<Upload[]>([]);
  const nextKey = useRef(1);

  const update = useCallback((key: number, patch: Partial<Upload>) => {
    setUploads((list) => list.map((u) => (u.key === key ? { ...u, ...patch } : u)));
  }, []);

  const run = useCallback(
    async (jobs: { key: number; name: string; send: () => Promise<IngestReply | BatchReply> }[]) => {
      for (const job of jobs) {
        update(job.key, { state: "uploading" });
        try {
          const reply = await job.send();
          if ("items" in reply) {
            // An archive's row becomes one row per file in it.
            const rows = archiveRows(job.name, reply, () => nextKey.current++);
            if (rows.length === 0) update(job.key, { state: "error", message: "The archive holds no notes." });
            else setUploads((list) => list.flatMap((u) => (u.key === job.key ? rows : [u])));
          } else {
            update(job.key, { state: outcomeOf(reply), source: reply.source });
          }
          void queryClient.invalidateQueries({ queryKey: ["sources"] });
        } catch (e) {
          update(job.key, { state: "error", message: errorMessage(e) });
        }
      }
    },
    [queryClient, update],
  );

  const addFiles = useCallback(
    (files: File[]) => {
      const items = files.map((file) => {
        const ok = isSupportedFile(file);
        const upload: Upload = {
          key: nextKey.current++,
          // Files of a chosen folder show where in it they are.
          name: file.webkitRelativePath || file.name,
          size: file.size,
          state: ok ? "waiting" : "error",
          message: ok ? undefined : UNSUPPORTED_MESSAGE,
        };
        return { upload, file, ok };
      });
      setUploads((list) => [...list, ...items.map((i) => i.upload)]);
      void run(
        items
          .filter((i) => i.ok)
          .map((i) => ({
            key: i.upload.key,
            name: i.upload.name,
            send: () => (isArchive(i.file) ? api.importArchive(i.file) : api.addFile(i.file)),
          })),
      );
    },
    [run],
  );

  const addLink = useCallback(
    (url: string) => {
      const upload: Upload = { key: nextKey.current++, name: url, size: null, state: "waiting" };
      setUploads((list) => [...list, upload]);
      void run([{ key: upload.key, name: url, send: () => api.addUrl(url) }]);
    },
    [run],
  );

  const clearFinished = useCallback(() => {
    setUploads((list) => list.filter((u) => u.state === "waiting" || u.state === "uploading"));
  }, []);

  return { uploads, addFiles, addLink, clearFinished };
}
