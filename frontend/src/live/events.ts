// The `/api/ws` connection: reconnects with backoff, keeps the latest stage line per source (a
// bounded map), and turns events into TanStack Query cache updates so every screen stays live
// without polling.
import type { QueryClient } from "@tanstack/react-query";
import type { LiveEvent, SourceDetail, SourceStatus } from "../api/types";

export interface StageLine {
  stage: SourceStatus;
  message: string;
  at: string;
}

type Listener = () => void;

/** Most stage lines kept: a long session sees many sources, and old lines only matter until the
 * row is refetched, so the least recently updated ones are forgotten first. */
export const MAX_STAGE_LINES = 500;

/**
 * Records the line of a source as a new object (so `useSyncExternalStore` sees the change for
 * that source only) and moves it to the end of the map's order; past `max`, the least recently
 * updated lines are dropped.
 */
export function rememberStage(stages: Map<string, StageLine>, sourceId: string, line: StageLine, max = MAX_STAGE_LINES) {
  stages.delete(sourceId);
  stages.set(sourceId, { ...line });
  for (const oldest of stages.keys()) {
    if (stages.size <= max) break;
    stages.delete(oldest);
  }
}

/** Delay before reconnect attempt `n` (0-based): 0.5 s doubling to at most 10 s. */
export function reconnectDelay(attempt: number): number {
  return Math.min(10_000, 500 * 2 ** Math.min(attempt, 5));
}

/** Parses one frame; anything that is not a JSON object with a `type` is ignored. */
export function parseEvent(data: unknown): LiveEvent | null {
  if (typeof data !== "string") return null;
  try {
    const value = JSON.parse(data) as { type?: unknown };
    return value && typeof value === "object" && typeof value.type === "string" ? (value as LiveEvent) : null;
  } catch {
    return null;
  }
}

/** What each event means for the cached server state. */
export function applyEvent(client: QueryClient, event: LiveEvent, stages: Map<string, StageLine>): boolean {
  switch (event.type) {
    case "source.progress":
      rememberStage(stages, event.source_id, { stage: event.stage, message: event.message, at: event.timestamp });
      return true;
    case "source.updated":
      // Merged: the source screen's row also holds what only `GET /api/sources/{id}` gives
      // (the cost estimate), which the event does not carry.
      client.setQueryData<SourceDetail>(["source", event.source.id], (old) => (old ? { ...old, ...event.source } : event.source));
      rememberStage(stages, event.source.id, { stage: event.source.status, message: event.source.error ?? "", at: event.timestamp });
      void client.invalidateQueries({ queryKey: ["sources"] });
      return true;
    case "article.updated":
      // A deleted article is dropped by id (how source pages ask for it) rather than refetched
      // into a 404; a reader open on it by slug refetches and shows that it is gone.
      if (event.deleted) client.removeQueries({ queryKey: ["article", event.article_id], exact: true });
      void client.invalidateQueries({ queryKey: ["articles"] });
      void client.invalidateQueries({ queryKey: ["article"] });
      void client.invalidateQueries({ queryKey: ["concepts"] });
      return false;
    case "job.updated":
      // Only lists show jobs (there is no job screen), so the list is simply refetched.
      void client.invalidateQueries({ queryKey: ["jobs"] });
      return false;
    case "lint.progress":
    case "lint.complete":
      // The Health report shows the run under way, then its findings; the header its badge.
      void client.invalidateQueries({ queryKey: ["health"] });
      return false;
    case "budget.warning":
    case "budget.exceeded":
      // Settings shows where spending stands; the costs behind it changed too.
      void client.invalidateQueries({ queryKey: ["settings"] });
      void client.invalidateQueries({ queryKey: ["costs"] });
      return false;
    case "resync":
      void client.invalidateQueries();
      return false;
    default:
      return false;
  }
}

export type ConnectionState = "connecting" | "open" | "closed";

/** One live connection per app. */
export class LiveEvents {
  private socket: WebSocket | null = null;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private readonly listeners = new Set<Listener>();
  readonly stages = new Map<string, StageLine>();
  state: ConnectionState = "connecting";

  constructor(private readonly client: QueryClient) {}

  start() {
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.socket?.close();
    this.socket = null;
  }

  subscribe = (listener: Listener) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Forgets the line of a source, e.g. when it is re-compiled: what follows is a new run. */
  clearStage(sourceId: string) {
    if (this.stages.delete(sourceId)) this.notify();
  }

  private notify() {
    for (const l of this.listeners) l();
  }

  private connect() {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${window.location.host}/api/ws`);
    this.socket = socket;
    this.state = "connecting";
    this.notify();
    socket.onopen = () => {
      this.attempt = 0;
      this.state = "open";
      // Events published before this socket was open (between a screen's first fetch and the
      // first connection, or while reconnecting) never reach us: refetch what is on screen.
      void this.client.invalidateQueries();
      this.notify();
    };
    socket.onmessage = (message) => {
      const event = parseEvent(message.data);
      if (event && applyEvent(this.client, event, this.stages)) this.notify();
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.state = "closed";
      this.notify();
      if (this.stopped) return;
      this.timer = setTimeout(() => this.connect(), reconnectDelay(this.attempt));
      this.attempt += 1;
    };
  }
}
