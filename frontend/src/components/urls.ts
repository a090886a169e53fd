// The one definition of "a URL that may be shown as an external link": an absolute http(s) URL
// with a host. The quick-add box, the markdown renderer and the source screens all ask this, so
// a `javascript:`, `data:`, protocol-relative or relative value is refused the same way everywhere.

/** True for an absolute `http://` or `https://` URL with a host, and nothing else. */
export function isHttpUrl(value: string | null | undefined): boolean {
  // The prefix check comes first because `new URL` also accepts `https:example.org` and other
  // spellings a person would not recognise as a link.
  if (!value || !/^https?:\/\//i.test(value)) return false;
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    return false;
  }
}

/** The URL to render as an external link (trimmed), or null when it is not http(s). */
export function safeExternalUrl(url: string | null | undefined): string | null {
  const trimmed = url?.trim();
  return trimmed && isHttpUrl(trimmed) ? trimmed : null;
}
