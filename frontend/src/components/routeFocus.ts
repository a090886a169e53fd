// Focus after a client-side navigation. A browser moves focus to the new document on a real page
// load; a single-page app must do it itself, or a screen reader stays on the link that was
// followed and never announces the new page.
import { useEffect, useRef } from "react";

/**
 * Moves focus to `<main id="main">` (which has `tabIndex={-1}`) whenever `pathname` changes, but
 * not on the first render (the person has not gone anywhere yet) and not when only the query
 * changes (a filter or a search on the same page must keep focus where it is).
 */
export function useFocusMainOnNavigation(pathname: string) {
  const previous = useRef(pathname);
  useEffect(() => {
    if (previous.current === pathname) return;
    previous.current = pathname;
    // No scroll: a deep link to a heading scrolls by itself, and main starts at the top anyway.
    document.getElementById("main")?.focus({ preventScroll: true });
  }, [pathname]);
}
