// ForceAtlas2 off the main thread: a large graph is drawn at once from its start positions,
// and moves to this layout when it is ready (see GraphCanvas).
import { runLayout, type LayoutRequest } from "./build";

self.onmessage = (event: MessageEvent<LayoutRequest>) => {
  const positions = runLayout(event.data);
  self.postMessage(positions, { transfer: [positions.buffer] });
};
