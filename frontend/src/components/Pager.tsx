// The pager under a long list: where the page sits in the whole ("Showing 101–200 of 10,000"),
// first / previous / next / last, and a page number to jump to. It renders nothing while the
// list fits on one page.
import { useState } from "react";
import { clampPage, formatCount, pageCount, rangeText } from "./paging";
import type { PageState } from "./usePage";

export default function Pager({
  pager,
  total,
  shown,
  noun,
  label,
  focusId,
  pending = false,
}: {
  pager: PageState;
  /** How many items the whole list holds. */
  total: number;
  /** How many items this page shows. */
  shown: number;
  /** What the list holds, after the count ("Showing 1–100 of 250 sources"). */
  noun?: string;
  /** The name of the pager's navigation landmark ("Pages of sources"); a screen may have two. */
  label: string;
  /** The id of an element (with `tabIndex={-1}`) at the top of the list, focused after a page
   * change so keyboard and screen-reader users start reading the new page from its beginning
   * instead of being left at the bottom of it (or on a button that has just been disabled). */
  focusId?: string;
  /** The page asked for is still on its way and the previous one is shown meanwhile: its items
   * are not the ones this page's range would name. */
  pending?: boolean;
}) {
  const { page, size } = pager;
  const last = pageCount(total, size);
  if (last <= 1 && page <= 1) return null;

  const go = (target: number) => {
    const next = clampPage(target, total, size);
    if (next === page) return;
    pager.goTo(next);
    if (focusId) document.getElementById(focusId)?.focus();
  };

  return (
    <nav className="pager" aria-label={label}>
      <p className="pager-range muted small" role="status">
        {pending ? `Loading page ${formatCount(page)}…` : rangeText(pager.offset, shown, total, noun)}
      </p>
      <div className="pager-controls">
        <button type="button" className="small-button" aria-label="First page" disabled={page <= 1} onClick={() => go(1)}>
          <span aria-hidden="true">«</span> First
        </button>
        <button
          type="button"
          className="small-button"
          aria-label="Previous page"
          disabled={page <= 1}
          onClick={() => go(page - 1)}
        >
          <span aria-hidden="true">‹</span> Previous
        </button>
        {/* Keyed by page: the box shows the current page again after every move. */}
        <PageJump key={page} page={page} last={last} onJump={go} />
        <button
          type="button"
          className="small-button"
          aria-label="Next page"
          disabled={page >= last}
          onClick={() => go(page + 1)}
        >
          Next <span aria-hidden="true">›</span>
        </button>
        <button
          type="button"
          className="small-button"
          aria-label="Last page"
          disabled={page >= last}
          onClick={() => go(last)}
        >
          Last <span aria-hidden="true">»</span>
        </button>
      </div>
    </nav>
  );
}

/** "Page [7] of 100": with a hundred pages, stepping is not enough. */
function PageJump({ page, last, onJump }: { page: number; last: number; onJump: (page: number) => void }) {
  const [draft, setDraft] = useState(String(page));
  return (
    <form
      className="pager-jump"
      onSubmit={(e) => {
        e.preventDefault();
        const wanted = Number(draft);
        if (Number.isFinite(wanted) && draft.trim() !== "") onJump(wanted);
        else setDraft(String(page));
      }}
    >
      <label>
        Page{" "}
        <input
          type="number"
          inputMode="numeric"
          min={1}
          max={last}
          step={1}
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          aria-label="Page number"
        />{" "}
        of {formatCount(last)}
      </label>
      <button type="submit" className="small-button" aria-label="Go to page">
        Go
      </button>
    </form>
  );
}
