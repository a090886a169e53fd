// Pure logic of the live stage line: which stage a source is at, in words, and how far along.
import type { SourceStatus } from "../api/types";

/** The pipeline in order; `failed` can follow any stage. */
export const PIPELINE: SourceStatus[] = ["pending", "fetching", "extracting", "compiling", "compiled"];

const LABELS: Record<SourceStatus, string> = {
  pending: "Queued",
  fetching: "Fetching",
  extracting: "Extracting",
  compiling: "Compiling",
  paused_budget: "Waiting for budget",
  awaiting_approval: "Waiting for your go-ahead",
  compiled: "Compiled",
  failed: "Failed",
};

export function stageLabel(stage: SourceStatus): string {
  return LABELS[stage];
}

/** True once the pipeline has stopped for the source. */
export function isFinished(stage: SourceStatus): boolean {
  return stage === "compiled" || stage === "failed";
}

/** 0..1 along the pipeline, for a progress bar; a failure keeps no progress. */
export function stageProgress(stage: SourceStatus): number {
  if (stage === "failed") return 0;
  const i = PIPELINE.indexOf(stage);
  return i < 0 ? 0 : i / (PIPELINE.length - 1);
}

/**
 * Merges a stage from a live event with the stage the last fetched row shows. Events can arrive
 * before or after the refetch, so the later stage along the pipeline wins; a terminal state from
 * the row always wins (a retry resets the row to `pending`, which clears stale live stages).
 */
export function mergeStage(row: SourceStatus, live: SourceStatus | undefined): SourceStatus {
  if (!live) return row;
  if (isFinished(row)) return row;
  // The pipeline stopped there (a failure, or a compile waiting for the budget).
  if (live === "failed" || live === "paused_budget" || live === "awaiting_approval") return live;
  if (isFinished(live)) return live;
  return PIPELINE.indexOf(live) > PIPELINE.indexOf(row) ? live : row;
}
