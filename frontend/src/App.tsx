// The app shell: header navigation, the offline-compiler banner, the login gate (also when a
// session expires mid-use), focus on the new page after a navigation, and the routes
// (a contract: `/`, `/sources/:id`, `/wiki`, `/wiki/:slug`, `/graph`, `/ask`, `/wiki-health`, `/jobs`,
// `/settings`, `/login`). Health's entry carries a badge when the newest run found new errors.
import { lazy, Suspense, useEffect, useState, type FormEvent } from "react";
import { Navigate, NavLink, Route, Routes, useLocation, useNavigate } from "react-router";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api, setUnauthorizedHandler } from "./api/client";
import type { SessionInfo } from "./api/types";
import { ErrorBox, Loading } from "./components/common";
import { useFocusMainOnNavigation } from "./components/routeFocus";
import type { LiveEvents } from "./live/events";
import { useConnectionState } from "./live/context";
import InboxPage from "./pages/InboxPage";
import SourcePage from "./pages/SourcePage";
import WikiPage from "./pages/WikiPage";
import JobsPage from "./pages/JobsPage";
import HealthPage from "./pages/HealthPage";
import SettingsPage from "./pages/SettingsPage";
import LoginPage from "./pages/LoginPage";
import NotFoundPage from "./pages/NotFoundPage";

// The reader carries the markdown pipeline, the largest part of the bundle: load it on first use.
const ArticlePage = lazy(() => import("./pages/ArticlePage"));
const AskPage = lazy(() => import("./pages/AskPage"));
// The graph carries the WebGL renderer and the layout: load them on first use too.
const GraphPage = lazy(() => import("./pages/GraphPage"));

const NAV = [
  { to: "/", label: "Inbox", end: true },
  { to: "/wiki", label: "Wiki", end: false },
  { to: "/graph", label: "Graph", end: false },
  { to: "/ask", label: "Ask", end: false },
  { to: "/wiki-health", label: "Health", end: false },
  { to: "/jobs", label: "Jobs", end: false },
  { to: "/settings", label: "Settings", end: false },
];

/** How many errors the newest Health run found that the run before did not, while open. */
function NewErrorsBadge() {
  const report = useQuery({ queryKey: ["health", {}], queryFn: api.getHealth, staleTime: 60_000 });
  const newErrors = report.data?.run?.new_errors ?? 0;
  const open = report.data?.findings.filter((f) => f.severity === "error").length ?? 0;
  const count = Math.min(newErrors, open);
  if (count === 0) return null;
  return (
    <span className="nav-badge" aria-label={`${count} new ${count === 1 ? "error" : "errors"}`}>
      {count}
    </span>
  );
}

function LiveIndicator() {
  const state = useConnectionState();
  const label = state === "open" ? "Live" : state === "connecting" ? "Connecting…" : "Offline, reconnecting";
  return (
    <span className={`live live-${state}`} role="status" aria-live="polite" title="Live updates from the server">
      <span className="live-dot" aria-hidden="true" />
      {label}
    </span>
  );
}

/** The header's search: sends the words to the wiki's search results. */
function HeaderSearch() {
  const navigate = useNavigate();
  const [q, setQ] = useState("");
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const words = q.trim();
    if (!words) return;
    void navigate(`/wiki?q=${encodeURIComponent(words)}`);
    setQ("");
  };
  return (
    <form role="search" className="header-search" onSubmit={submit}>
      <input
        type="search"
        aria-label="Quick search"
        placeholder="Search…"
        value={q}
        onChange={(e) => setQ(e.target.value)}
        autoComplete="off"
      />
    </form>
  );
}

function OfflineBanner() {
  const settings = useQuery({ queryKey: ["settings"], queryFn: api.getSettings, staleTime: 60_000 });
  if (!settings.data?.offline_compiler) return null;
  return (
    <div className="banner" role="note">
      No LLM is configured, so articles are compiled by the built-in offline compiler (extractive, no
      model). Set a provider key to get written articles — see <NavLink to="/settings">Settings</NavLink>.
    </div>
  );
}

export default function App({ live }: { live: LiveEvents }) {
  const navigate = useNavigate();
  const location = useLocation();
  const queryClient = useQueryClient();
  const session = useQuery({ queryKey: ["session"], queryFn: api.session, staleTime: 60_000 });
  const needsLogin = session.data ? session.data.auth_required && !session.data.authenticated : false;
  useFocusMainOnNavigation(location.pathname);

  const { pathname, search } = location;
  useEffect(() => {
    setUnauthorizedHandler(() => {
      // The session expired or was revoked. Record that first: the login page reads the cached
      // session, and a stale "authenticated" one would send the person straight back here.
      queryClient.setQueryData<SessionInfo>(["session"], { auth_required: true, authenticated: false });
      if (pathname === "/login") return;
      void navigate("/login", { replace: true, state: { from: pathname + search } });
    });
    return () => setUnauthorizedHandler(null);
  }, [navigate, queryClient, pathname, search]);

  // The WebSocket is opened only once the session can use it.
  useEffect(() => {
    if (!session.data || needsLogin) return;
    live.start();
    return () => live.stop();
  }, [live, session.data, needsLogin]);

  // Nothing is fetched until we know whether a login is needed, so a protected gateway never
  // sees a burst of unauthenticated requests.
  if (session.isPending || session.isError) {
    return (
      <main id="main" className="boot">
        {session.isError ? (
          <ErrorBox error={session.error} onRetry={() => void session.refetch()} />
        ) : (
          <Loading label="Starting WikiMind…" />
        )}
      </main>
    );
  }
  if (needsLogin && location.pathname !== "/login") {
    return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  }
  if (location.pathname === "/login") {
    return <LoginPage />;
  }

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <NavLink to="/" className="brand" aria-label="WikiMind home">
          <span className="brand-mark" aria-hidden="true">W</span>
          <span className="brand-name">WikiMind</span>
        </NavLink>
        <nav aria-label="Main">
          <ul>
            {NAV.map((item) => (
              <li key={item.to}>
                <NavLink to={item.to} end={item.end}>
                  {item.label}
                  {item.to === "/wiki-health" ? <NewErrorsBadge /> : null}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <HeaderSearch />
        {session.data ? <LiveIndicator /> : null}
      </header>
      <OfflineBanner />
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<Loading />}>
          <Routes>
            <Route path="/" element={<InboxPage />} />
            <Route path="/sources/:id" element={<SourcePage />} />
            <Route path="/wiki" element={<WikiPage />} />
            <Route path="/wiki/:slug" element={<ArticlePage />} />
            <Route path="/graph" element={<GraphPage />} />
            <Route path="/ask" element={<AskPage />} />
            <Route path="/wiki-health" element={<HealthPage />} />
            <Route path="/jobs" element={<JobsPage />} />
            <Route path="/settings" element={<SettingsPage />} />
            <Route path="*" element={<NotFoundPage />} />
          </Routes>
        </Suspense>
      </main>
    </div>
  );
}
