// Jobs: the recent background work with status, attempts, duration and errors, kept live by the
// `job.updated` events (the live store invalidates the list) and a slow refresh of running rows.
// A failed job of a source can be retried from here (a re-compile of that source).
// Every job is reachable a page at a time (the page in `?page=`), newest first unless another
// order is chosen (kept in `?sort=` and `?order=`).
import { Link, useSearchParams } from "react-router";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api } from "../api/client";
import { useRecompile } from "../api/mutations";
import { JOB_STATUSES, type Job } from "../api/types";
import { Badge, EmptyState, ErrorBox, Loading, useTitle } from "../components/common";
import { between, duration, timeAgo } from "../components/format";
import Pager from "../components/Pager";
import { knownValue } from "../components/params";
import { JOB_ORDERS } from "../components/sortMenus";
import SortSelect from "../components/SortSelect";
import { useListOrder } from "../components/useListOrder";
import { useKeepPageInRange, usePage } from "../components/usePage";

const KIND_LABELS: Record<Job["kind"], string> = {
  ingest_source: "Ingest",
  compile_source: "Re-compile",
  refresh_source: "Refresh",
  compile_offline: "Compile offline",
  compile_approved: "Compile (go-ahead)",
};

function RetryButton({ sourceId }: { sourceId: string }) {
  const recompile = useRecompile();
  return (
    <button
      type="button"
      className="small-button"
      disabled={recompile.isPending}
      onClick={() => recompile.mutate([sourceId])}
    >
      {recompile.isPending ? "Retrying…" : "Retry"}
    </button>
  );
}

function JobRow({ job }: { job: Job }) {
  const elapsed = between(job.started_at ?? null, job.finished_at ?? null);
  return (
    <tr data-job-id={job.id} data-status={job.status}>
      <td>
        <Badge kind={job.status}>{job.status}</Badge>
      </td>
      <td>
        {KIND_LABELS[job.kind] ?? job.kind}
        {job.source_id ? (
          <>
            {" · "}
            <Link to={`/sources/${job.source_id}`}>source</Link>
          </>
        ) : null}
        {job.article_id ? (
          <>
            {" · "}
            <Link to={`/wiki/${job.article_id}`}>article</Link>
          </>
        ) : null}
        {(job.status === "paused_budget" || job.status === "awaiting_approval") && job.message ? (
          <p className="muted small">{job.message}</p>
        ) : null}
        {job.status === "running" ? (
          <div className="job-progress">
            <progress max={1} value={job.progress} aria-label="Job progress" />
            {job.message ? <span className="muted small">{job.message}</span> : null}
          </div>
        ) : null}
        {job.error ? <p className="job-error">{job.error}</p> : null}
        {job.status === "failed" && job.source_id ? <RetryButton sourceId={job.source_id} /> : null}
      </td>
      <td className="num">{job.attempts}</td>
      <td className="num">{elapsed === null ? "—" : duration(elapsed)}</td>
      <td title={new Date(job.created_at).toLocaleString()}>{timeAgo(job.created_at)}</td>
    </tr>
  );
}

export default function JobsPage() {
  useTitle("Jobs");
  const [params] = useSearchParams();
  // An unknown `?status=` (a typo, an old bookmark) shows all jobs instead of a 400.
  const status = knownValue(params.get("status"), JOB_STATUSES);
  const pager = usePage();
  const sorting = useListOrder(JOB_ORDERS, pager);
  const { sort, order } = sorting.order;
  const jobs = useQuery({
    // The order and page are part of the key; the Inbox's budget notice lists paused jobs with another.
    queryKey: ["jobs", { status, sort, order, offset: pager.offset, limit: pager.size }],
    queryFn: () => api.listJobs({ status, sort, order, limit: pager.size, offset: pager.offset }),
    placeholderData: keepPreviousData,
    // Events keep it live; the interval only refreshes the durations of running jobs.
    refetchInterval: (q) => (q.state.data?.items.some((j) => j.status === "running") ? 5_000 : false),
  });
  const shown = jobs.data?.items ?? [];
  // A previous page's answer, shown while the next loads, has a stale total.
  useKeepPageInRange(pager, jobs.isPlaceholderData ? undefined : jobs.data?.total);

  return (
    <div className="stack">
      <div className="row">
        <h1>Jobs</h1>
        <span className="spacer" />
        <label className="row">
          <span>Status</span>
          <select
            aria-label="Filter jobs by status"
            value={status}
            onChange={(e) => {
              const value = e.target.value;
              pager.setFilters(
                (prev) => {
                  const next = new URLSearchParams(prev);
                  if (value) next.set("status", value);
                  else next.delete("status");
                  return next;
                },
                { replace: true },
              );
            }}
          >
            <option value="">All</option>
            {JOB_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <SortSelect menu={JOB_ORDERS} state={sorting} label="Sort jobs" />
      </div>
      {jobs.isPending ? <Loading label="Loading jobs…" /> : null}
      {jobs.isError ? <ErrorBox error={jobs.error} onRetry={() => void jobs.refetch()} /> : null}
      {jobs.data && jobs.data.items.length === 0 && jobs.data.total > 0 ? (
        // A page past the end of a list that is not empty: it is being moved to the last page.
        <Loading label="Loading jobs…" />
      ) : null}
      {jobs.data && jobs.data.items.length === 0 && jobs.data.total === 0 ? (
        <EmptyState title={status ? `No ${status} jobs` : "No jobs yet"}>
          <p>
            Every source you add runs as a job: fetching, extracting and compiling. Add one in the{" "}
            <Link to="/">Inbox</Link> and watch it here.
          </p>
        </EmptyState>
      ) : null}
      {jobs.data && jobs.data.items.length > 0 ? (
        <div className="table-scroll card">
          <table aria-label="Recent jobs" id="jobs-table" tabIndex={-1}>
            <thead>
              <tr>
                <th scope="col">Status</th>
                <th scope="col">Job</th>
                <th scope="col" className="num">
                  Attempts
                </th>
                <th scope="col" className="num">
                  Duration
                </th>
                <th scope="col">Queued</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((job) => (
                <JobRow key={job.id} job={job} />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {jobs.data && jobs.data.total > 0 ? (
        <Pager
          pager={pager}
          total={jobs.data.total}
          shown={shown.length}
          pending={jobs.isPlaceholderData}
          noun="jobs"
          label="Pages of jobs"
          focusId="jobs-table"
        />
      ) : null}
    </div>
  );
}
