import { describe, expect, it } from "vitest";
import { SseParser } from "./stream";

describe("SseParser", () => {
  it("gives whole events whatever the pieces", () => {
    const text = 'event: token\ndata: {"text":"He"}\n\nevent: token\r\ndata: {"text":"ap"}\r\n\r\n: ping\n\nevent: done\ndata: {}\n\n';
    for (const size of [1, 3, 7, text.length]) {
      const parser = new SseParser();
      const events = [];
      for (let i = 0; i < text.length; i += size) events.push(...parser.push(text.slice(i, i + size)));
      expect(events).toEqual([
        { event: "token", data: '{"text":"He"}' },
        { event: "token", data: '{"text":"ap"}' },
        { event: "done", data: "{}" },
      ]);
    }
  });
});
