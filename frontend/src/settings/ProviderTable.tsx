// The LLM providers on the Settings screen: configured or not, default or fallback, the model,
// and a real test call per provider. A test call is logged as a cost, so it refreshes the costs.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "../api/client";
import type { ProviderInfo, ProviderKind, ProviderTest } from "../api/types";
import { Badge } from "../components/common";
import { duration } from "../components/format";
import { providerEnvHint } from "./budget";
import { keySourceLabel } from "./providers";

export const PROVIDER_NAMES: Record<ProviderKind, string> = {
  anthropic: "Anthropic",
  openai: "OpenAI-compatible",
  google: "Google Gemini",
  ollama: "Ollama",
  offline: "Offline compiler",
};

function TestResult({ result }: { result: ProviderTest }) {
  return result.ok ? (
    <span className="test-ok" role="status">
      Answered in {duration(result.latency_ms)}
    </span>
  ) : (
    <span className="test-bad" role="alert">
      Failed: {result.error}
    </span>
  );
}

function ProviderRow({ provider }: { provider: ProviderInfo }) {
  const name = PROVIDER_NAMES[provider.kind];
  const queryClient = useQueryClient();
  const test = useMutation({
    mutationFn: () => api.testProvider(provider.kind),
    // The call is recorded in the cost log (even a failed one may have used tokens).
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ["costs"] }),
  });
  return (
    <tr data-provider={provider.kind}>
      <th scope="row">
        {name}
        {provider.is_default ? (
          <>
            {" "}
            <Badge kind="ok">default</Badge>
          </>
        ) : null}
      </th>
      <td>
        {provider.configured ? <Badge kind="ok">configured</Badge> : <Badge kind="muted">not configured</Badge>}
        {provider.in_chain && !provider.is_default ? <span className="muted small"> · fallback</span> : null}
        {provider.kind !== "offline" && provider.key !== "none" ? (
          <div className="muted small">{keySourceLabel(provider.key)}</div>
        ) : null}
        {!provider.configured ? <div className="muted small break">{providerEnvHint(provider.kind)}</div> : null}
      </td>
      <td>
        <code>{provider.model}</code>
        {provider.base_url ? <div className="muted small break">{provider.base_url}</div> : null}
      </td>
      <td>
        <button
          type="button"
          onClick={() => test.mutate()}
          disabled={!provider.configured || test.isPending}
          aria-label={`Test ${name}`}
        >
          {test.isPending ? "Testing…" : "Test"}
        </button>
        <div className="small">
          {test.data ? <TestResult result={test.data} /> : null}
          {test.isError ? (
            <span className="test-bad" role="alert">
              {(test.error as Error).message}
            </span>
          ) : null}
        </div>
      </td>
    </tr>
  );
}

export default function ProviderTable({ providers }: { providers: ProviderInfo[] }) {
  return (
    <div className="table-scroll">
      <table aria-label="Providers" className="stack-on-phone">
        <thead>
          <tr>
            <th scope="col">Provider</th>
            <th scope="col">State</th>
            <th scope="col">Model</th>
            <th scope="col">Check</th>
          </tr>
        </thead>
        <tbody>
          {providers.map((p) => (
            <ProviderRow key={p.kind} provider={p} />
          ))}
        </tbody>
      </table>
    </div>
  );
}
