import { describe, expect, it } from "vitest";
import type { GraphData } from "../api/types";
import { applyLayout, buildGraph, communityColour, findNodes, nodeHref, packLayout, relationsOf, runLayout } from "./build";

const data: GraphData = {
  nodes: [
    { id: "a", kind: "article", title: "heapq — Heap queue algorithm", slug: "heapq", page_type: "source", degree: 2, community: 0 },
    { id: "b", kind: "article", title: "bisect — Array bisection", slug: "bisect", page_type: "source", degree: 2, community: 0 },
    { id: "concept:queue", kind: "concept", title: "queue", slug: "queue", page_type: null, degree: 1, community: 1 },
  ],
  edges: [
    { source: "a", target: "b", relation: "references" },
    { source: "b", target: "a", relation: "references" },
    { source: "a", target: "concept:queue", relation: "concept" },
    { source: "a", target: "missing", relation: "references" },
  ],
  communities: 2,
};

describe("graph", () => {
  it("builds nodes and edges with their attributes, skipping dangling edges", () => {
    const g = buildGraph(data);
    expect(g.order).toBe(3);
    expect(g.size).toBe(3);
    expect(g.getNodeAttribute("a", "color")).toBe(communityColour(0));
    expect(g.getNodeAttribute("concept:queue", "kind")).toBe("concept");
    expect(Number.isFinite(g.getNodeAttribute("b", "x"))).toBe(true);
    expect(g.getNodeAttribute("a", "size")).toBeGreaterThan(g.getNodeAttribute("concept:queue", "size"));
  });

  it("lays out a packed graph and puts the positions back on its nodes", () => {
    const g = buildGraph(data, false);
    const before = g.getNodeAttribute("a", "x");
    const request = packLayout(g, 20);
    expect(request.nodes.length).toBe(g.order * 3);
    expect(request.edges.length).toBe(g.size * 2);
    const positions = runLayout(request);
    expect(positions.length).toBe(g.order * 2);
    expect([...positions].every(Number.isFinite)).toBe(true);
    applyLayout(g, positions);
    expect(g.getNodeAttribute("a", "x")).toBeCloseTo(positions[0]!, 3);
    expect(g.getNodeAttribute("a", "x")).not.toBe(before);
  });

  it("lists relations, finds nodes by title words and links them to their pages", () => {
    expect(relationsOf(data)).toEqual(["concept", "references"]);
    expect(findNodes(data, "HEAP queue").map((n) => n.id)).toEqual(["a"]);
    expect(findNodes(data, "  ")).toEqual([]);
    expect(nodeHref(data.nodes[0]!)).toBe("/wiki/heapq");
    expect(nodeHref(data.nodes[2]!)).toBe("/wiki?concept=queue");
  });
});
