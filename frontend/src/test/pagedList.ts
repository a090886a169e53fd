// A stub of one of the API's paged lists for screen tests: each request is answered with the
// items the server would send for its offset and limit, out of `total`.
export function pagedList<T>(total: number, item: (n: number) => T) {
  return ({ offset = 0, limit = 50 }: { offset?: number; limit?: number } = {}) =>
    Promise.resolve({
      items: Array.from({ length: Math.max(0, Math.min(limit, total - offset)) }, (_, i) => item(offset + i + 1)),
      total,
    });
}
