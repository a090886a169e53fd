// React access to the live connection: the stage line of a source and the connection state.
import { createContext, useContext, useSyncExternalStore } from "react";
import type { LiveEvents, StageLine } from "./events";

export const LiveContext = createContext<LiveEvents | null>(null);

function useLive(): LiveEvents {
  const live = useContext(LiveContext);
  if (!live) throw new Error("LiveContext is missing");
  return live;
}

/**
 * The latest live stage of a source, if an event named it. The snapshot is the line object
 * itself, which is replaced only when that source's line changes, so an event about one source
 * re-renders only the rows showing it.
 */
export function useStageLine(sourceId: string): StageLine | undefined {
  const live = useLive();
  return useSyncExternalStore(live.subscribe, () => live.stages.get(sourceId));
}

/** "connecting" | "open" | "closed", for the header's live indicator (re-renders on a change of
 * state only, not on every event). */
export function useConnectionState() {
  const live = useLive();
  return useSyncExternalStore(live.subscribe, () => live.state);
}
