// Where the login page may send the person afterwards. `from` arrives in history state, which
// any page of this origin can set, so it is checked before use: only a path of this app, never
// another host (`//host`, `/\host`) and never the login page itself (which would loop).

const LOCAL = "http://wikimind.invalid";

/** `from` when it is a safe in-app path (as path + query + fragment), else "/". */
export function safeFrom(from: unknown): string {
  if (typeof from !== "string") return "/";
  if (!from.startsWith("/") || from.startsWith("//") || from.startsWith("/\\")) return "/";
  let url: URL;
  try {
    url = new URL(from, LOCAL);
  } catch {
    return "/";
  }
  // The URL parser drops tabs and newlines (`/\t/host` is `//host`): judge what it resolves to.
  if (url.origin !== LOCAL) return "/";
  if (url.pathname === "/login" || url.pathname.startsWith("/login/")) return "/";
  return `${url.pathname}${url.search}${url.hash}`;
}
