// The Inbox's notice while sources wait for the monthly LLM budget: why nothing is compiling,
// where to raise the budget, and a way to compile them now with the offline compiler.
import { Link } from "react-router";
import { useQuery } from "@tanstack/react-query";
import { api } from "../api/client";
import { useRecompile } from "../api/mutations";
import { plural } from "../components/format";
import { errorMessage } from "./hooks";

export default function BudgetWaitNotice() {
  // The jobs that wait: pausing and resuming announce `job.updated`, which refreshes `["jobs"]`.
  const waiting = useQuery({
    queryKey: ["jobs", { status: "paused_budget" }],
    queryFn: () => api.listJobs({ status: "paused_budget", limit: 100 }),
  });
  const offline = useRecompile({ offline: true });
  const sourceIds = (waiting.data?.items ?? []).flatMap((job) => (job.source_id ? [job.source_id] : []));
  if (sourceIds.length === 0) return null;
  const total = waiting.data?.total ?? sourceIds.length;
  return (
    <div className="budget-wait card" role="status" aria-label="Waiting for the budget">
      <p>
        <strong>{plural(total, "source")}</strong> {total === 1 ? "waits" : "wait"} because this month's LLM budget is
        spent. {total === 1 ? "It is" : "They are"} compiled when the budget is raised in{" "}
        <Link to="/settings">Settings</Link> or the month turns.
      </p>
      <button type="button" onClick={() => offline.mutate(sourceIds)} disabled={offline.isPending}>
        {offline.isPending
          ? "Queuing…"
          : total > sourceIds.length
            ? // One request asks for at most a page of them; the rest follow with the next press.
              `Compile the first ${sourceIds.length} offline now`
            : `Compile ${sourceIds.length === 1 ? "it" : "them"} offline now`}
      </button>
      {offline.isError ? (
        <p className="error-box" role="alert">
          Could not queue them all: {errorMessage(offline.error)}
        </p>
      ) : null}
    </div>
  );
}
