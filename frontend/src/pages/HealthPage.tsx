// Health: the wiki's linter. The score of the newest run and its trend, the open findings grouped
// by kind with the pages they name (a contradiction shows both claims with their quotes, side by
// side), and what can be done about each: repair, resolve or dismiss. A run is started here and
// made by the workers; `lint.*` events refresh the screen as it goes.
import { Link } from "react-router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../api/client";
import { findingDetail } from "../api/findingDetail";
import type { ContradictionResolution, Finding, FindingClaim, FindingKind, HealthRun } from "../api/types";
import { Badge, EmptyState, ErrorBox, Loading, useTitle } from "../components/common";
import { timeAgo } from "../components/format";

/** The kinds, in the order they are shown (errors first), with their section titles. */
const KINDS: { kind: FindingKind; title: string; hint: string }[] = [
  { kind: "contradiction", title: "Contradictions", hint: "Claims of two pages that cannot both be true." },
  { kind: "broken_link", title: "Broken links", hint: "Links to pages that do not exist." },
  { kind: "duplicate", title: "Duplicates", hint: "Two pages about the same thing. Merging keeps the older page." },
  { kind: "stale", title: "Stale pages", hint: "The source changed since it was compiled, or a newer page supersedes it." },
  { kind: "missing_inverse", title: "Missing inverse links", hint: "A two-way relation present one way only." },
  { kind: "orphan", title: "Orphans", hint: "Pages with no link in or out." },
];

const FIX_LABELS: Record<string, string> = {
  add_inverse_link: "Add the link back",
  merge: "Merge into the older page",
  recompile: "Fetch and compile again",
};

/** Invalidates what an action on a finding changes: the report, and the pages it touched. */
function useFindingAction<T>(action: (finding: Finding, arg: T) => Promise<unknown>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ finding, arg }: { finding: Finding; arg: T }) => action(finding, arg),
    onSettled: () => {
      void client.invalidateQueries({ queryKey: ["health"] });
      void client.invalidateQueries({ queryKey: ["article"] });
    },
  });
}

/** The trend of scores, oldest to newest, as a small line. */
function Trend({ runs }: { runs: HealthRun[] }) {
  const scores = runs
    .flatMap((r) => (r.status === "complete" && r.score != null ? [r.score] : []))
    .reverse();
  if (scores.length < 2) return null;
  const width = 160;
  const height = 40;
  const step = width / (scores.length - 1);
  const points = scores.map((s, i) => `${(i * step).toFixed(1)},${(height - (s / 100) * height).toFixed(1)}`).join(" ");
  return (
    <figure className="health-trend">
      <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`Scores of the last ${scores.length} runs: ${scores.join(", ")}`}>
        <polyline points={points} fill="none" stroke="currentColor" strokeWidth="2" />
      </svg>
      <figcaption className="small muted">last {scores.length} runs</figcaption>
    </figure>
  );
}

function ClaimSide({ label, page, claim }: { label: string; page?: Finding["articles"][number]; claim?: FindingClaim }) {
  return (
    <div className="claim-side">
      <p className="small muted">
        {label}: {page ? <Link to={`/wiki/${encodeURIComponent(page.slug)}`}>{page.title}</Link> : "a removed page"}
      </p>
      <p className="claim-text">{claim?.text}</p>
      {claim?.quote ? <blockquote className="small">{claim.quote}</blockquote> : null}
    </div>
  );
}

const RESOLUTIONS: { value: ContradictionResolution; label: (a: string, b: string) => string }[] = [
  { value: "source_a_wins", label: (a) => `${a} is right` },
  { value: "source_b_wins", label: (_a, b) => `${b} is right` },
  { value: "both_valid", label: () => "Both are valid" },
  { value: "superseded", label: () => "The older page is out of date" },
];

function FindingItem({ finding }: { finding: Finding }) {
  const dismiss = useFindingAction((f) => api.dismissFinding(f.id));
  const fix = useFindingAction((f, keep: string | undefined) => api.fixFinding(f.id, keep));
  const resolve = useFindingAction((f, r: ContradictionResolution) => api.resolveFinding(f.id, r));
  const busy = dismiss.isPending || fix.isPending || resolve.isPending;
  const error = dismiss.error ?? fix.error ?? resolve.error;
  const [a, b] = finding.articles;
  const detail = findingDetail(finding.detail);
  return (
    <li className={`finding finding-${finding.severity}`} data-finding-id={finding.id} data-kind={finding.kind}>
      <p className="finding-message">
        <Badge kind={finding.severity === "error" ? "bad" : "warn"}>{finding.severity}</Badge> {finding.message}
      </p>
      {finding.kind === "contradiction" ? (
        <div className="claims-side-by-side">
          <ClaimSide label="A" page={a} claim={detail.claim_a} />
          <ClaimSide label="B" page={b} claim={detail.claim_b} />
        </div>
      ) : (
        <p className="finding-pages small">
          {finding.articles.map((p, i) => (
            <span key={p.id}>
              {i > 0 ? " · " : null}
              <Link to={`/wiki/${encodeURIComponent(p.slug)}`}>{p.title}</Link>
            </span>
          ))}
        </p>
      )}
      {detail.explanation ? <p className="small muted">{detail.explanation}</p> : null}
      <div className="finding-actions">
        {finding.kind === "contradiction"
          ? RESOLUTIONS.map((r) => (
              <button
                key={r.value}
                type="button"
                className="small-button"
                disabled={busy}
                onClick={() => resolve.mutate({ finding, arg: r.value })}
              >
                {r.label(a?.title ?? "A", b?.title ?? "B")}
              </button>
            ))
          : null}
        {finding.fix ? (
          <button type="button" className="small-button" disabled={busy} onClick={() => fix.mutate({ finding, arg: undefined })}>
            {FIX_LABELS[finding.fix] ?? "Fix"}
          </button>
        ) : null}
        {finding.fix === "merge" && b ? (
          <button type="button" className="small-button secondary" disabled={busy} onClick={() => fix.mutate({ finding, arg: b.id })}>
            Merge into the newer page
          </button>
        ) : null}
        <button type="button" className="small-button secondary" disabled={busy} onClick={() => dismiss.mutate({ finding, arg: undefined })}>
          Dismiss
        </button>
      </div>
      {error ? <ErrorBox error={error} /> : null}
    </li>
  );
}

function RunButton({ pending }: { pending: HealthRun | null }) {
  const client = useQueryClient();
  const start = useMutation({
    mutationFn: api.startHealthRun,
    onSettled: () => void client.invalidateQueries({ queryKey: ["health"] }),
  });
  const waiting = pending !== null || start.isPending;
  return (
    <div className="health-run">
      <button type="button" disabled={waiting} onClick={() => start.mutate()}>
        {waiting ? "Checking…" : "Run Health now"}
      </button>
      {pending ? (
        <span className="small muted" role="status">
          {pending.status === "queued" ? "Waiting for a worker" : "Checking the wiki"}
        </span>
      ) : null}
      {start.error ? <ErrorBox error={start.error} /> : null}
    </div>
  );
}

export default function HealthPage() {
  useTitle("Health");
  const report = useQuery({
    queryKey: ["health", {}],
    queryFn: api.getHealth,
    // Events keep it live; the interval only covers a run whose events were missed.
    refetchInterval: (q) => (q.state.data?.pending ? 3_000 : false),
  });
  const history = useQuery({ queryKey: ["health", "history"], queryFn: () => api.getHealthHistory(30) });
  const settings = useQuery({ queryKey: ["settings"], queryFn: api.getSettings, staleTime: 60_000 });

  if (report.isPending) return <Loading label="Loading the Health report…" />;
  if (report.isError) return <ErrorBox error={report.error} onRetry={() => void report.refetch()} />;
  const { findings } = report.data;
  // Absent or null alike before the first run and when nothing is under way.
  const score = report.data.score ?? null;
  const run = report.data.run ?? null;
  const pending = report.data.pending ?? null;

  return (
    <section className="health" aria-labelledby="health-title">
      <h1 id="health-title">Health</h1>
      <div className="health-summary">
        <div className="health-score">
          <span className="health-score-value" aria-label={score === null ? "No score yet" : `Score ${score} of 100`}>
            {score ?? "—"}
          </span>
          <span className="small muted">of 100</span>
        </div>
        {history.data ? <Trend runs={history.data.items} /> : null}
        <div>
          {run ? (
            <p className="small muted">
              Last checked {timeAgo(run.finished_at ?? run.started_at)} ({run.trigger === "schedule" ? "scheduled" : "started by hand"}),{" "}
              {run.article_count} pages.
            </p>
          ) : (
            <p className="small muted">Health has not checked this wiki yet.</p>
          )}
          <RunButton pending={pending} />
        </div>
      </div>
      {settings.data?.offline_compiler ? (
        <p className="note small" role="note">
          Without a model, contradictions are found only where two claims about the same thing give different
          figures. With a model configured, Health finds claims that disagree in words too.
        </p>
      ) : null}
      {run && findings.length === 0 ? (
        <EmptyState title="Nothing to fix">
          <p>The last run found nothing open: no contradictions, broken links, duplicates, stale pages or orphans.</p>
        </EmptyState>
      ) : null}
      {KINDS.map(({ kind, title, hint }) => {
        const ofKind = findings.filter((f) => f.kind === kind);
        if (ofKind.length === 0) return null;
        return (
          <section key={kind} className="finding-group" aria-labelledby={`kind-${kind}`}>
            <h2 id={`kind-${kind}`}>
              {title} <span className="muted">({ofKind.length})</span>
            </h2>
            <p className="small muted">{hint}</p>
            <ul className="findings" aria-label={title}>
              {ofKind.map((f) => (
                <FindingItem key={f.id} finding={f} />
              ))}
            </ul>
          </section>
        );
      })}
    </section>
  );
}
