// The quoted-span contract between the article reader and the source page:
// `/sources/<id>?start=N&end=M` highlights characters N..M of the source's clean text, counted in
// Unicode code points (what the gateway's Rust `chars()` counts), not UTF-16 code units. The
// link is built and read here, side by side, so both ends agree; slicing is in
// `components/codepoints`.

export interface CharSpan {
  start: number;
  end: number;
}

/** Reads `?start=N&end=M` (non-negative integers, end after start); anything else is no span. */
export function spanFromParams(params: URLSearchParams): CharSpan | null {
  const rawStart = params.get("start");
  const rawEnd = params.get("end");
  if (rawStart === null || rawEnd === null) return null;
  if (!/^\d{1,15}$/.test(rawStart.trim()) || !/^\d{1,15}$/.test(rawEnd.trim())) return null;
  const start = Number(rawStart.trim());
  const end = Number(rawEnd.trim());
  return end > start ? { start, end } : null;
}

/** `/sources/<id>?start=&end=`: the source screen highlights and scrolls to that range. */
export function sourceQuoteHref(sourceId: string, span?: CharSpan | null): string {
  const path = `/sources/${encodeURIComponent(sourceId)}`;
  if (!span) return path;
  return `${path}?${new URLSearchParams({ start: String(span.start), end: String(span.end) }).toString()}`;
}
