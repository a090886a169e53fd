// Pure helpers of the Inbox and source screens: names, the effective live stage, the status
// filter in the URL, file checks and the wording of ingest outcomes.
import type { IngestReply, Source, SourceKind, SourceStatus } from "../api/types";
import { SOURCE_STATUSES } from "../api/types";
import type { StageLine } from "../live/events";
import { isFinished, mergeStage, stageLabel } from "../live/stages";
import { knownValue } from "../components/params";
import { isHttpUrl, safeExternalUrl } from "../components/urls";

const KIND_LABELS: Record<SourceKind, string> = {
  text: "Note",
  markdown: "Markdown",
  html: "HTML",
  pdf: "PDF",
  url: "Web page",
  youtube: "Video",
};

/** "PDF", "Web page", "Note"…; an unknown kind is shown as it is. */
export function kindLabel(kind: SourceKind | string): string {
  return (KIND_LABELS as Record<string, string>)[kind] ?? kind;
}

/** The name a source is shown by: its title, else its URL, else "Untitled note". */
export function sourceTitle(source: Pick<Source, "title" | "url">): string {
  const title = source.title?.trim();
  if (title) return title;
  const url = source.url?.trim();
  if (url) return url;
  return "Untitled note";
}

/** "example.org" for a URL, for compact display; null when it does not parse. */
export function urlHost(url: string | null | undefined): string | null {
  const safe = safeExternalUrl(url);
  if (!safe) return null;
  try {
    return new URL(safe).hostname.replace(/^www\./, "");
  } catch {
    return null;
  }
}

/** The first characters of a content hash, for display. */
export function shortHash(hash: string | null | undefined, length = 12): string {
  if (!hash) return "";
  const bare = hash.replace(/^sha256:/i, "");
  return bare.length > length ? `${bare.slice(0, length)}…` : bare;
}

function parsed(iso: string | null | undefined): number {
  return iso ? Date.parse(iso) : Number.NaN;
}

/**
 * The stage to show for a source: the row's status merged with the latest live stage. A finished
 * live stage older than the row is stale (the row was reset to `pending` by a re-compile after it
 * was recorded) and is ignored.
 */
export function effectiveStage(source: Pick<Source, "status" | "updated_at">, line: StageLine | undefined): SourceStatus {
  let live = line?.stage;
  if (line && live && isFinished(live) && !isFinished(source.status)) {
    const at = parsed(line.at);
    const updated = parsed(source.updated_at);
    if (!Number.isNaN(at) && !Number.isNaN(updated) && at < updated) live = undefined;
  }
  return mergeStage(source.status, live);
}

const STAGE_HINTS: Partial<Record<SourceStatus, string>> = {
  pending: "waiting for a worker",
  fetching: "downloading the original",
  extracting: "extracting the text",
  compiling: "writing the article",
};

/**
 * The words for where a source is: "Fetching — <the live message>", else a description of the
 * stage ("Queued — waiting for a worker"), else just its name.
 */
export function stageText(stage: SourceStatus, line: StageLine | undefined): string {
  const message = (line && line.stage === stage ? line.message.trim() : "") || STAGE_HINTS[stage] || "";
  return message ? `${stageLabel(stage)} — ${message}` : stageLabel(stage);
}

/** The error of a failed source: the row's, else the live event's, else a generic one. */
export function failureText(source: Pick<Source, "error">, line: StageLine | undefined): string {
  const fromRow = source.error?.trim();
  if (fromRow) return fromRow;
  const fromLive = line?.stage === "failed" ? line.message.trim() : "";
  return fromLive || "Processing failed.";
}

/** `?status=` as a known status, or "" for all (an unknown value is ignored). */
export function statusFromParam(value: string | null): SourceStatus | "" {
  return knownValue(value, SOURCE_STATUSES);
}

/** The search params with `?status=` set, or removed for "". */
export function withStatus(params: URLSearchParams, status: SourceStatus | ""): URLSearchParams {
  const next = new URLSearchParams(params);
  if (status) next.set("status", status);
  else next.delete("status");
  return next;
}

const SUPPORTED_EXTENSIONS = ["pdf", "md", "markdown", "txt", "text", "html", "htm"];

/** The `accept` attribute of the file picker. */
export const FILE_ACCEPT = ".pdf,.md,.markdown,.txt,.html,.htm,.zip,application/pdf,application/zip,text/*";

/** A ZIP of notes, sent whole to be imported file by file. */
export function isArchive(file: { name: string; type: string }): boolean {
  const type = file.type.toLowerCase();
  return /\.zip$/i.test(file.name) || type === "application/zip" || type === "application/x-zip-compressed";
}

/** Files the gateway ingests: PDF, markdown, plain text and HTML (by extension or type), and
 * ZIP archives of them. */
export function isSupportedFile(file: { name: string; type: string }): boolean {
  if (isArchive(file)) return true;
  const ext = /\.([^./\\]+)$/.exec(file.name)?.[1]?.toLowerCase();
  if (ext && SUPPORTED_EXTENSIONS.includes(ext)) return true;
  const type = file.type.toLowerCase();
  return type === "application/pdf" || type.startsWith("text/");
}

/**
 * A link dropped from another page or tab (`text/uri-list`, else plain text), as an http(s)
 * URL; links of this app itself (dragged from the page) are not sources.
 */
export function droppedUrl(uriList: string, plain: string, ownOrigin: string): string | null {
  const candidates = [
    ...uriList.split(/\r?\n/).filter((l) => l.trim() !== "" && !l.startsWith("#")),
    plain,
  ].map((l) => l.trim());
  for (const candidate of candidates) {
    if (!candidate || /\s/.test(candidate) || !isHttpUrl(candidate)) continue;
    try {
      if (new URL(candidate).origin === ownOrigin) continue;
    } catch {
      continue;
    }
    return candidate;
  }
  return null;
}

export type Outcome = "added" | "duplicate";

/** What an ingest reply means for the person: added, or already there. */
export function outcomeOf(reply: IngestReply): Outcome {
  return reply.duplicate ? "duplicate" : "added";
}

/** A publication date as a date when it parses as one, else as given. */
export function publishedText(value: string | null | undefined): string {
  const v = value?.trim();
  if (!v) return "";
  if (!/^\d{4}-\d{2}-\d{2}/.test(v)) return v;
  const t = Date.parse(v);
  if (Number.isNaN(t)) return v;
  // A bare date is midnight UTC: show it as that calendar day wherever the reader is.
  return /^\d{4}-\d{2}-\d{2}$/.test(v)
    ? new Date(t).toLocaleDateString(undefined, { timeZone: "UTC" })
    : new Date(t).toLocaleDateString();
}
