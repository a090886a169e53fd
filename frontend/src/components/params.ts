// Reading enumerated values from the URL. A query string is typed by hand, shared and
// bookmarked, so a value the API does not know is treated as absent rather than sent on (where
// it would only come back as a 400).

/** `value` when it is one of `allowed`, else "" (meaning: no filter). */
export function knownValue<T extends string>(value: string | null, allowed: readonly T[]): T | "" {
  return value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : "";
}
