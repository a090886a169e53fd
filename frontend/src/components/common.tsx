// Small building blocks every screen uses: page title, loading, error and empty states, badges.
import { useEffect, type ReactNode } from "react";
import { ApiError } from "../api/client";

/** Sets `document.title` to "<title> · WikiMind". */
export function useTitle(title: string) {
  useEffect(() => {
    document.title = title ? `${title} · WikiMind` : "WikiMind";
  }, [title]);
}

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {label}
    </p>
  );
}

export function ErrorBox({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const message = error instanceof Error ? error.message : String(error);
  const requestId = error instanceof ApiError ? error.requestId : null;
  return (
    <div className="error-box" role="alert">
      <p>{message}</p>
      {requestId ? <p className="muted small">Request id: {requestId}</p> : null}
      {onRetry ? (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <h2>{title}</h2>
      {children}
    </div>
  );
}

export function Badge({ kind, children, title }: { kind: string; children: ReactNode; title?: string }) {
  return (
    <span className={`badge badge-${kind}`} title={title}>
      {children}
    </span>
  );
}
