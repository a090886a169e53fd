// Merging a live stage with the fetched row: the later pipeline stage wins, a finished row wins
// over a stale event, and progress runs from 0 to 1.
import { describe, expect, it } from "vitest";
import { isFinished, mergeStage, stageProgress } from "./stages";

describe("mergeStage", () => {
  it("takes the later stage of the row and the live event", () => {
    expect(mergeStage("pending", "extracting")).toBe("extracting");
    expect(mergeStage("compiling", "fetching")).toBe("compiling");
    expect(mergeStage("pending", undefined)).toBe("pending");
  });
  it("lets a finished row win over a stale live stage", () => {
    expect(mergeStage("compiled", "compiling")).toBe("compiled");
    expect(mergeStage("failed", "extracting")).toBe("failed");
  });
  it("shows a live failure or completion before the row is refetched", () => {
    expect(mergeStage("compiling", "failed")).toBe("failed");
    expect(mergeStage("extracting", "compiled")).toBe("compiled");
  });
});

describe("stageProgress", () => {
  it("runs from 0 to 1 along the pipeline", () => {
    expect(stageProgress("pending")).toBe(0);
    expect(stageProgress("compiled")).toBe(1);
    expect(stageProgress("extracting")).toBeCloseTo(0.5);
    expect(stageProgress("failed")).toBe(0);
    expect(isFinished("failed")).toBe(true);
  });
});
