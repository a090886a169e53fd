// Login: exchanges the gateway's token for an HttpOnly session cookie, then returns to where the
// person was going. Only shown when the gateway was started with WIKIMIND_AUTH_TOKEN.
import { useState, type FormEvent } from "react";
import { Navigate, useLocation, useNavigate } from "react-router";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../api/client";
import { safeFrom } from "../auth/redirect";
import { ErrorBox, Loading, useTitle } from "../components/common";

export default function LoginPage() {
  useTitle("Log in");
  const navigate = useNavigate();
  const location = useLocation();
  const client = useQueryClient();
  const session = useQuery({ queryKey: ["session"], queryFn: api.session });
  const [token, setToken] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const from = safeFrom((location.state as { from?: unknown } | null)?.from);

  if (session.data && (!session.data.auth_required || session.data.authenticated)) {
    return <Navigate to={from} replace />;
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const info = await api.login(token);
      client.setQueryData(["session"], info);
      await client.invalidateQueries();
      navigate(from, { replace: true });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main id="main" className="login">
      <form className="card stack login-card" onSubmit={(e) => void submit(e)}>
        <h1>
          <span className="brand-mark" aria-hidden="true">
            W
          </span>{" "}
          WikiMind
        </h1>
        {session.isPending ? <Loading /> : null}
        <p className="muted">This WikiMind is protected. Enter the access token it was started with.</p>
        <label htmlFor="token">Access token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="current-password"
          required
          autoFocus
          value={token}
          onChange={(e) => setToken(e.target.value)}
        />
        {error ? <ErrorBox error={error} /> : null}
        <button type="submit" className="primary" disabled={busy || token.trim() === ""}>
          {busy ? "Logging in…" : "Log in"}
        </button>
      </form>
    </main>
  );
}
