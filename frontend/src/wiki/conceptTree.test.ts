import { describe, expect, it } from "vitest";
import type { ConceptCount } from "../api/types";
import { conceptTree } from "./conceptTree";

const c = (name: string, article_count: number, parent: string | null = null): ConceptCount => ({
  name,
  display_name: name,
  article_count,
  parent,
});

describe("conceptTree", () => {
  it("nests concepts under their parents, keeping the list's order", () => {
    const tree = conceptTree([
      c("queue", 5),
      c("thread", 4),
      c("priority-queue", 3, "queue"),
      c("max-priority-queue", 1, "priority-queue"),
      c("fifo-queue", 2, "queue"),
    ]);
    expect(tree.map((b) => b.concept.name)).toEqual(["queue", "thread"]);
    const [queue, thread] = tree;
    expect(queue?.children.map((b) => b.concept.name)).toEqual(["priority-queue", "fifo-queue"]);
    expect(queue?.children[0]?.children.map((b) => b.concept.name)).toEqual(["max-priority-queue"]);
    expect(thread?.children).toEqual([]);
  });

  it("keeps a concept whose parent is not listed at the top", () => {
    const tree = conceptTree([c("event-loop", 2, "loop"), c("self", 1, "self")]);
    expect(tree.map((b) => b.concept.name)).toEqual(["event-loop", "self"]);
  });
});
