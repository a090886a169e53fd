// The wiki search box: what is typed goes to `?q=` after a short pause (or at once on Enter),
// and a change of `?q=` from elsewhere (back button, "Clear filters") shows in the box. The
// concept list's name filter is the same box under other words.
import { useEffect, useState, type FormEvent } from "react";

export const SEARCH_DEBOUNCE_MS = 250;

export default function SearchBox({
  value,
  onCommit,
  label = "Search the wiki",
  placeholder = "Search titles, summaries and claims…",
  button = "Search",
  className = "wiki-search",
}: {
  /** The committed query (`?q=`). */
  value: string;
  /** Puts a query into the URL; `replace` while typing so history is not flooded. */
  onCommit: (q: string, replace: boolean) => void;
  /** The input's accessible name. */
  label?: string;
  placeholder?: string;
  /** The submit button's text. */
  button?: string;
  className?: string;
}) {
  const [draft, setDraft] = useState(value);
  const [seen, setSeen] = useState(value);
  const [pushed, setPushed] = useState<string | null>(null);

  // The URL changed: unless the change is the one this box made, show it. Once its own change
  // has arrived it is forgotten, so the same value coming back later (Back after a Clear) is
  // shown rather than taken for this box's own.
  if (value !== seen) {
    setSeen(value);
    if (value === pushed) setPushed(null);
    else setDraft(value);
  }

  useEffect(() => {
    const q = draft.trim();
    if (q === value) return;
    const timer = setTimeout(() => {
      setPushed(q);
      onCommit(q, true);
    }, SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [draft, value, onCommit]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const q = draft.trim();
    if (q === value) return;
    setPushed(q);
    onCommit(q, false);
  };

  return (
    <form role="search" aria-label={label} className={className} onSubmit={submit}>
      <input
        type="search"
        aria-label={label}
        placeholder={placeholder}
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
        autoComplete="off"
        spellCheck={false}
      />
      <button type="submit">{button}</button>
    </form>
  );
}
