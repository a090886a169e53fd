// What can be done to a source: re-compile it, open the original, delete it (with a confirmation
// that can also delete the articles made only from it).
import { useEffect, useId, useRef, useState, type KeyboardEvent } from "react";
import { Link, useNavigate } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "../api/client";
import { useRecompile } from "../api/mutations";
import type { Source, SourceDetail } from "../api/types";
import { plural, usd } from "../components/format";
import { errorMessage } from "./hooks";
import { sourceTitle } from "./sourceView";

function DeleteConfirm({ source, onCancel }: { source: Source; onCancel: () => void }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const headingId = useId();
  const [cascade, setCascade] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const count = source.article_ids.length;

  useEffect(() => {
    heading.current?.focus();
  }, []);

  const remove = useMutation({
    mutationFn: () => api.deleteSource(source.id, count > 0 && cascade),
    onSuccess: ({ deleted_article_ids }) => {
      // Leave first and drop what no longer exists, so nothing still on screen asks for it.
      void navigate("/", { state: { deleted: sourceTitle(source) } });
      queryClient.removeQueries({ queryKey: ["source", source.id], exact: true });
      queryClient.removeQueries({ queryKey: ["source-text", source.id], exact: true });
      for (const id of deleted_article_ids) queryClient.removeQueries({ queryKey: ["article", id], exact: true });
      void queryClient.invalidateQueries({ queryKey: ["sources"] });
      void queryClient.invalidateQueries({ queryKey: ["articles"] });
      void queryClient.invalidateQueries({ queryKey: ["article"] });
      void queryClient.invalidateQueries({ queryKey: ["concepts"] });
    },
  });

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key === "Escape" && !remove.isPending) {
      e.preventDefault();
      onCancel();
    }
  };

  return (
    <div className="delete-confirm card" role="group" aria-labelledby={headingId} onKeyDown={onKeyDown}>
      <h2 id={headingId} ref={heading} tabIndex={-1}>
        Delete this source?
      </h2>
      <p>Its original document and clean text are removed. This cannot be undone.</p>
      {count > 0 ? (
        <>
          <label className="checkbox">
            <input type="checkbox" checked={cascade} onChange={(e) => setCascade(e.target.checked)} />
            Also delete the {plural(count, "article")} made from it
          </label>
          <p className="muted small">Articles that also draw on other sources are kept either way.</p>
        </>
      ) : null}
      {remove.isError ? (
        <div className="error-box" role="alert">
          <p>Could not delete it: {errorMessage(remove.error)}</p>
        </div>
      ) : null}
      <div className="row">
        <button type="button" className="danger" onClick={() => remove.mutate()} disabled={remove.isPending}>
          Delete source
        </button>
        <button type="button" onClick={onCancel} disabled={remove.isPending}>
          Cancel
        </button>
      </div>
    </div>
  );
}

/** A web page or a video has an original only once it was fetched; every other kind has one
 * from the start. */
function hasOriginal(source: Source): boolean {
  const fetched = source.kind === "url" || source.kind === "youtube";
  return !fetched || source.original_mime != null || source.content_hash != null;
}

export default function SourceActions({ source }: { source: SourceDetail }) {
  const [confirming, setConfirming] = useState(false);
  const deleteButton = useRef<HTMLButtonElement>(null);

  const recompile = useRecompile();
  const offline = useRecompile({ offline: true });
  const approve = useRecompile({ approve: true });
  const waiting = source.status === "paused_budget" || source.status === "awaiting_approval";

  const cancel = () => {
    setConfirming(false);
    // Back to where the person was.
    requestAnimationFrame(() => deleteButton.current?.focus());
  };

  return (
    <div className="source-actions">
      {source.status === "awaiting_approval" ? (
        <div className="budget-wait card" role="status">
          <p>
            Compiling this source is estimated at{" "}
            <strong>{source.estimate ? usd(source.estimate.cost_usd) : "more than the limit"}</strong>
            {source.max_cost_per_source_usd != null ? `, above your limit of ${usd(source.max_cost_per_source_usd)} per source` : ""}
            . It waits for your go-ahead.
          </p>
          <div className="row">
            <button type="button" onClick={() => approve.mutate([source.id])} disabled={approve.isPending}>
              Compile it with the model
            </button>
            <button type="button" onClick={() => offline.mutate([source.id])} disabled={offline.isPending}>
              Compile offline, at no cost
            </button>
          </div>
          {approve.isError || offline.isError ? (
            <p className="error-box" role="alert">
              Could not queue it: {errorMessage(approve.error ?? offline.error)}
            </p>
          ) : null}
        </div>
      ) : null}
      {source.status === "paused_budget" ? (
        <div className="budget-wait card" role="status">
          <p>
            This source waits for the monthly LLM budget, which is spent. It is compiled when the budget is raised in{" "}
            <Link to="/settings">Settings</Link> or the month turns — or now by the offline compiler, at no cost.
          </p>
          <button type="button" onClick={() => offline.mutate([source.id])} disabled={offline.isPending}>
            Compile offline now
          </button>
          {offline.isError ? (
            <p className="error-box" role="alert">
              Could not queue it: {errorMessage(offline.error)}
            </p>
          ) : null}
        </div>
      ) : null}
      <div className="row">
        <button type="button" onClick={() => recompile.mutate([source.id])} disabled={recompile.isPending || waiting}>
          Re-compile
        </button>
        {hasOriginal(source) ? (
          <a className="button" href={api.originalUrl(source.id)} target="_blank" rel="noopener noreferrer">
            Open original
          </a>
        ) : null}
        <button
          type="button"
          className="danger"
          ref={deleteButton}
          onClick={() => setConfirming((open) => !open)}
          aria-expanded={confirming}
        >
          Delete…
        </button>
      </div>
      <div aria-live="polite">
        {recompile.isSuccess ? <p className="small source-actions-note">Re-compile queued</p> : null}
      </div>
      {recompile.isError ? (
        <div className="error-box" role="alert">
          <p>Could not re-compile: {errorMessage(recompile.error)}</p>
        </div>
      ) : null}
      {confirming ? <DeleteConfirm source={source} onCancel={cancel} /> : null}
    </div>
  );
}
