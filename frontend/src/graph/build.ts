// The graph the API returns as a graphology graph sigma can draw: nodes sized by degree and
// coloured by community, edges tagged with their relation, laid out by ForceAtlas2 from a start
// where each community sits in its own sector (so the layout converges in few iterations). A
// large graph is laid out off the main thread (see layout.worker.ts) from the packed arrays
// `packLayout` makes, so the screen stays responsive while it settles.
import Graph from "graphology";
import forceAtlas2 from "graphology-layout-forceatlas2";
import type { GraphData, GraphNode } from "../api/types";

export interface NodeAttributes {
  label: string;
  x: number;
  y: number;
  size: number;
  color: string;
  kind: GraphNode["kind"];
  slug: string;
  community: number;
  degree: number;
}

export interface EdgeAttributes {
  relation: string;
  color: string;
  size: number;
}

/** Colours of the twelve largest communities; the rest share a neutral one. */
export const COMMUNITY_COLOURS = [
  "#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2",
  "#ca8a04", "#db2777", "#4d7c0f", "#7c3aed", "#0f766e", "#b45309",
];
const OTHER_COLOUR = "#94a3b8";
const EDGE_COLOUR = "#cbd5e1";
const CONCEPT_EDGE_COLOUR = "#e2e8f0";

export function communityColour(community: number): string {
  return COMMUNITY_COLOURS[community] ?? OTHER_COLOUR;
}

/** Iterations of ForceAtlas2 on the main thread, fewer for larger graphs so the page stays
 * responsive; off it (`inWorker`), a large graph gets enough to settle. */
export function layoutIterations(nodes: number, inWorker = false): number {
  if (inWorker) return nodes > 5000 ? 80 : 120;
  if (nodes > 5000) return 15;
  if (nodes > 1000) return 40;
  return 150;
}

/** A graph as the layout needs it, in arrays a worker receives without copying: x, y and size
 * of each node in the graph's order, and each edge as a pair of node indices. */
export interface LayoutRequest {
  nodes: Float32Array;
  edges: Uint32Array;
  iterations: number;
}

export function packLayout(graph: Graph<NodeAttributes, EdgeAttributes>, iterations: number): LayoutRequest {
  const index = new Map<string, number>();
  const nodes = new Float32Array(graph.order * 3);
  graph.forEachNode((node, attrs) => {
    const i = index.size;
    index.set(node, i);
    nodes[3 * i] = attrs.x;
    nodes[3 * i + 1] = attrs.y;
    nodes[3 * i + 2] = attrs.size;
  });
  const edges = new Uint32Array(graph.size * 2);
  let e = 0;
  graph.forEachEdge((_edge, _attrs, source, target) => {
    edges[e++] = index.get(source) ?? 0;
    edges[e++] = index.get(target) ?? 0;
  });
  return { nodes, edges, iterations };
}

/** Runs ForceAtlas2 over a packed graph; the x and y of each node, in order. */
export function runLayout({ nodes, edges, iterations }: LayoutRequest): Float32Array {
  const graph = new Graph<{ x: number; y: number; size: number }>({ multi: true, type: "directed" });
  const count = nodes.length / 3;
  for (let i = 0; i < count; i++) {
    graph.addNode(String(i), { x: nodes[3 * i] ?? 0, y: nodes[3 * i + 1] ?? 0, size: nodes[3 * i + 2] ?? 1 });
  }
  for (let e = 0; e + 1 < edges.length; e += 2) {
    graph.addEdge(String(edges[e]), String(edges[e + 1]));
  }
  const positions = forceAtlas2(graph, {
    iterations,
    settings: { ...forceAtlas2.inferSettings(graph), barnesHutOptimize: count > 500 },
  });
  const out = new Float32Array(count * 2);
  for (let i = 0; i < count; i++) {
    const p = positions[String(i)];
    out[2 * i] = p?.x ?? nodes[3 * i] ?? 0;
    out[2 * i + 1] = p?.y ?? nodes[3 * i + 1] ?? 0;
  }
  return out;
}

/** Moves the graph's nodes to a layout's positions (in the order `packLayout` used), in one
 * update, so the renderer redraws once. */
export function applyLayout(graph: Graph<NodeAttributes, EdgeAttributes>, positions: Float32Array): void {
  let i = 0;
  graph.updateEachNodeAttributes((_node, attrs) => {
    const at = i++;
    return { ...attrs, x: positions[2 * at] ?? attrs.x, y: positions[2 * at + 1] ?? attrs.y };
  });
}

export function buildGraph(data: GraphData, layout = true): Graph<NodeAttributes, EdgeAttributes> {
  const graph = new Graph<NodeAttributes, EdgeAttributes>({ multi: true, type: "directed" });
  const communities = Math.max(1, data.communities);
  const perCommunity = new Map<number, number>();
  for (const n of data.nodes) {
    // A start on a circle, each community in its own sector.
    const index = perCommunity.get(n.community) ?? 0;
    perCommunity.set(n.community, index + 1);
    const angle = (2 * Math.PI * (n.community + 0.5 * ((index * 0.618) % 1))) / communities;
    const radius = 10 + (index % 50);
    graph.addNode(n.id, {
      label: n.title,
      x: Math.cos(angle) * radius,
      y: Math.sin(angle) * radius,
      size: (n.kind === "concept" ? 3 : 4) + Math.min(14, Math.sqrt(n.degree) * 2.5),
      color: n.kind === "concept" ? "#64748b" : communityColour(n.community),
      kind: n.kind,
      slug: n.slug,
      community: n.community,
      degree: n.degree,
    });
  }
  for (const e of data.edges) {
    if (!graph.hasNode(e.source) || !graph.hasNode(e.target)) continue;
    graph.addEdge(e.source, e.target, {
      relation: e.relation,
      color: e.relation === "concept" ? CONCEPT_EDGE_COLOUR : EDGE_COLOUR,
      size: e.relation === "concept" ? 0.5 : 1,
    });
  }
  if (layout && graph.order > 1) {
    forceAtlas2.assign(graph, {
      iterations: layoutIterations(graph.order),
      settings: { ...forceAtlas2.inferSettings(graph), barnesHutOptimize: graph.order > 500 },
    });
  }
  return graph;
}

/** The relations present among the edges, in a stable order. */
export function relationsOf(data: GraphData): string[] {
  return [...new Set(data.edges.map((e) => e.relation))].sort();
}

/** Nodes whose title contains every word of `query` (case-insensitive), best connected first. */
export function findNodes(data: GraphData, query: string, limit = 8): GraphNode[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [];
  return data.nodes
    .filter((n) => words.every((w) => n.title.toLowerCase().includes(w)))
    .sort((a, b) => b.degree - a.degree || a.title.localeCompare(b.title))
    .slice(0, limit);
}

/** Where a node leads: an article's page, or the wiki filtered by a concept. */
export function nodeHref(node: Pick<GraphNode, "kind" | "slug">): string {
  return node.kind === "concept" ? `/wiki?concept=${encodeURIComponent(node.slug)}` : `/wiki/${encodeURIComponent(node.slug)}`;
}
