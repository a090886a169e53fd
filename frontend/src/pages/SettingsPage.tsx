// Settings: the LLM providers (configured, in the call chain, model), a real test call per
// provider, the default provider, how search ranks, the monthly budget, and this month's cost by
// provider and task.
// Providers and the budget come from the environment, so the screen shows how to change them.
import { useState } from "react";
import { useNavigate } from "react-router";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../api/client";
import type { SessionInfo } from "../api/types";
import { ErrorBox, Loading, useTitle } from "../components/common";
import BackupsSection from "../settings/BackupsSection";
import CostTables from "../settings/CostTables";
import ProviderForm from "../settings/ProviderForm";
import ProviderTable, { PROVIDER_NAMES } from "../settings/ProviderTable";
import SearchSection from "../settings/SearchSection";

export default function SettingsPage() {
  useTitle("Settings");
  const settings = useQuery({ queryKey: ["settings"], queryFn: api.getSettings });
  const client = useQueryClient();
  const navigate = useNavigate();
  const [loggingOut, setLoggingOut] = useState(false);
  const [logoutError, setLogoutError] = useState<unknown>(null);

  async function logout() {
    setLoggingOut(true);
    setLogoutError(null);
    try {
      await api.logout();
    } catch (err) {
      // Still logged in: say why and stay here.
      setLogoutError(err);
      setLoggingOut(false);
      return;
    }
    // Nothing fetched under the old session may be shown to whoever logs in next; the session
    // itself is known (logged out), so the login page needs no round trip to show its form.
    client.clear();
    client.setQueryData<SessionInfo>(["session"], { auth_required: true, authenticated: false });
    void navigate("/login", { replace: true });
  }

  return (
    <div className="stack">
      <h1>Settings</h1>
      {settings.isPending ? <Loading label="Loading settings…" /> : null}
      {settings.isError ? <ErrorBox error={settings.error} onRetry={() => void settings.refetch()} /> : null}
      {settings.data ? (
        <>
          <section aria-labelledby="providers-heading" className="card stack">
            <h2 id="providers-heading">LLM providers</h2>
            <p className="muted">
              Default provider: <strong>{PROVIDER_NAMES[settings.data.default_provider]}</strong>
              {settings.data.fallback ? "; other configured providers are tried when it fails." : "; no fallback."}{" "}
              Keys and models saved here are used by the next compile or answer; the environment (
              <code>.env</code>) wins where it sets one.
            </p>
            <ProviderTable providers={settings.data.providers} />
            <ProviderForm settings={settings.data} />
          </section>
          <SearchSection search={settings.data.search} />
          <BackupsSection backups={settings.data.backups} />
          <CostTables settings={settings.data} />
          <section aria-labelledby="about-heading" className="card stack">
            <h2 id="about-heading">About</h2>
            <p className="muted">WikiMind {settings.data.version}</p>
            {settings.data.auth_required ? (
              <div>
                <button type="button" onClick={() => void logout()} disabled={loggingOut}>
                  {loggingOut ? "Logging out…" : "Log out"}
                </button>
                {logoutError ? <ErrorBox error={logoutError} /> : null}
              </div>
            ) : (
              <p className="muted small">
                Open to anyone who can reach this machine's loopback address; set <code>WIKIMIND_AUTH_TOKEN</code> to
                require a login.
              </p>
            )}
          </section>
        </>
      ) : null}
    </div>
  );
}
