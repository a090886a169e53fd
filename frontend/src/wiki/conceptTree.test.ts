import { describe, expect, it } from "vitest";
import type { ConceptCount } from "../api/types";
import { conceptOrderFromParam, conceptTree, conceptsMatching, sortConcepts } from "./conceptTree";

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

describe("sortConcepts", () => {
  it("keeps the API's order, or sorts by name without regard to case", () => {
    const list = [c("thread", 4), c("Actor", 3), c("queue 10", 5), c("queue 2", 1)];
    expect(sortConcepts(list, "articles")).toBe(list);
    expect(sortConcepts(list, "name").map((x) => x.name)).toEqual(["Actor", "queue 2", "queue 10", "thread"]);
    expect(list.map((x) => x.name)).toEqual(["thread", "Actor", "queue 10", "queue 2"]);
  });

  it("reads an unknown order as the API's", () => {
    expect(conceptOrderFromParam("name")).toBe("name");
    expect(conceptOrderFromParam("bogus")).toBe("articles");
    expect(conceptOrderFromParam(null)).toBe("articles");
  });
});

describe("conceptsMatching", () => {
  const list = [
    c("queue", 5),
    { ...c("cafe-culture", 2), display_name: "Café Culture" },
    c("priority-queue", 3, "queue"),
  ];

  it("finds names holding the text, case and accents aside, flat and in the list's order", () => {
    expect(conceptsMatching(list, "QUEUE").map((b) => b.concept.name)).toEqual(["queue", "priority-queue"]);
    expect(conceptsMatching(list, "  cafe ").map((b) => b.concept.display_name)).toEqual(["Café Culture"]);
    expect(conceptsMatching(list, "culture")[0]?.children).toEqual([]);
  });

  it("finds nothing for no text, and nothing for text no name holds", () => {
    expect(conceptsMatching(list, "   ")).toEqual([]);
    expect(conceptsMatching(list, "graph")).toEqual([]);
  });
});
