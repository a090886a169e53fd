// A graph of wiki pages drawn with WebGL (sigma): nodes coloured by community and sized by
// degree, a click opens the node's page. Used by the Graph screen and each article's local graph.
import { useEffect, useMemo, useRef } from "react";
import Sigma from "sigma";
import type { GraphData, GraphNode } from "../api/types";
import {
  applyLayout,
  buildGraph,
  layoutIterations,
  nodeHref,
  packLayout,
  type EdgeAttributes,
  type NodeAttributes,
} from "./build";

const NONE: Set<string> = new Set();
/** Nodes above which the graph is drawn with less detail. */
const LARGE_GRAPH = 2000;

export default function GraphCanvas({
  data,
  hidden = NONE,
  focus = null,
  highlight = null,
  label,
  className = "graph-canvas",
  onOpen,
}: {
  data: GraphData;
  /** Relations whose edges are not drawn. */
  hidden?: Set<string>;
  /** A node the camera flies to, with its neighbours standing out. */
  focus?: GraphNode | null;
  /** A node drawn highlighted, without moving the camera (the page being read). */
  highlight?: string | null;
  label: string;
  className?: string;
  onOpen: (href: string) => void;
}) {
  const container = useRef<HTMLDivElement>(null);
  const sigma = useRef<Sigma<NodeAttributes, EdgeAttributes> | null>(null);
  // A large graph is drawn at once from its start positions and laid out in a worker, so
  // building it never blocks the page for long; a small one is laid out before it is drawn.
  const offThread = data.nodes.length > LARGE_GRAPH && typeof Worker !== "undefined";
  const graph = useMemo(() => buildGraph(data, !offThread), [data, offThread]);
  const openRef = useRef(onOpen);
  useEffect(() => {
    openRef.current = onOpen;
  }, [onOpen]);

  useEffect(() => {
    if (!container.current) return;
    const large = graph.order > LARGE_GRAPH;
    const renderer = new Sigma(graph, container.current, {
      // A large graph draws only the labels of its bigger nodes, plain lines, and while the
      // camera moves neither edges nor labels: that is what keeps zooming and dragging smooth.
      labelRenderedSizeThreshold: large ? 10 : 4,
      defaultEdgeType: large ? "line" : "arrow",
      hideEdgesOnMove: large,
      hideLabelsOnMove: large,
      zIndex: true,
    });
    renderer.on("clickNode", ({ node }) => {
      const attrs = graph.getNodeAttributes(node);
      openRef.current(nodeHref(attrs));
    });
    renderer.on("enterNode", () => {
      if (container.current) container.current.style.cursor = "pointer";
    });
    renderer.on("leaveNode", () => {
      if (container.current) container.current.style.cursor = "";
    });
    sigma.current = renderer;
    return () => {
      renderer.kill();
      sigma.current = null;
    };
  }, [graph]);

  // The worker's layout, applied in one update (the renderer redraws once). `data-layout` says
  // where it is, for readers of the page and for the benchmark.
  useEffect(() => {
    const element = container.current;
    const mark = (state: string) => {
      if (!element) return;
      element.dataset.layout = state;
      element.setAttribute("aria-busy", state === "running" ? "true" : "false");
    };
    if (!offThread) {
      mark("done");
      return;
    }
    mark("running");
    const worker = new Worker(new URL("./layout.worker.ts", import.meta.url), { type: "module" });
    worker.onmessage = (event: MessageEvent<Float32Array>) => {
      applyLayout(graph, event.data);
      mark("done");
      worker.terminate();
    };
    // Without the layout the graph stays readable in its start positions, grouped by community.
    worker.onerror = () => {
      mark("failed");
      worker.terminate();
    };
    const request = packLayout(graph, layoutIterations(graph.order, true));
    worker.postMessage(request, [request.nodes.buffer, request.edges.buffer]);
    return () => worker.terminate();
  }, [graph, offThread]);

  // Hidden relations and the focused node's neighbourhood, applied without rebuilding.
  useEffect(() => {
    const renderer = sigma.current;
    if (!renderer) return;
    const near = new Set<string>();
    if (focus && graph.hasNode(focus.id)) {
      near.add(focus.id);
      graph.forEachNeighbor(focus.id, (n) => near.add(n));
    }
    renderer.setSetting("edgeReducer", (_edge, attrs) =>
      hidden.has(attrs.relation) ? { ...attrs, hidden: true } : attrs,
    );
    renderer.setSetting("nodeReducer", (node, attrs) =>
      near.size === 0 || near.has(node)
        ? { ...attrs, highlighted: node === focus?.id || node === highlight, zIndex: near.has(node) ? 1 : 0 }
        : { ...attrs, color: "#e5e7eb", label: "", zIndex: 0 },
    );
    if (focus && graph.hasNode(focus.id)) {
      const at = renderer.getNodeDisplayData(focus.id);
      // Zoom in, then move the camera by the distance between the node and the centre of the
      // view, both measured in the camera's own (framed graph) coordinates.
      if (at) {
        const camera = renderer.getCamera();
        const zoomed = { ...camera.getState(), ratio: 0.35 };
        const { width, height } = renderer.getDimensions();
        const node = renderer.viewportToFramedGraph(renderer.graphToViewport(at, { cameraState: zoomed }), {
          cameraState: zoomed,
        });
        const centre = renderer.viewportToFramedGraph({ x: width / 2, y: height / 2 }, { cameraState: zoomed });
        void camera.animate(
          { x: zoomed.x + node.x - centre.x, y: zoomed.y + node.y - centre.y, ratio: zoomed.ratio },
          { duration: 400 },
        );
      }
    }
  }, [graph, hidden, focus, highlight]);

  return (
    <div
      ref={container}
      className={className}
      role="img"
      aria-label={label}
      data-testid={className}
    />
  );
}
