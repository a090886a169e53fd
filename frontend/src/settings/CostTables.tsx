// This month's spending on the Settings screen: the budget and how much of it is used, and the
// cost by provider and by task. Test calls refresh it (they invalidate `["costs"]`).
import { useQuery } from "@tanstack/react-query";
import { api } from "../api/client";
import type { CostGroup, SettingsView } from "../api/types";
import { ErrorBox, Loading } from "../components/common";
import { plural, usd } from "../components/format";
import BudgetForm from "./BudgetForm";
import { budgetState, currentMonth } from "./budget";

function CostTable({ label, groups }: { label: string; groups: CostGroup[] }) {
  return (
    <div className="table-scroll">
      <table aria-label={label}>
        <thead>
          <tr>
            <th scope="col">{label}</th>
            <th scope="col" className="num">Calls</th>
            <th scope="col" className="num">Tokens in / out</th>
            <th scope="col" className="num">Cost</th>
          </tr>
        </thead>
        <tbody>
          {groups.map((g) => (
            <tr key={g.key}>
              <td>{g.key}</td>
              <td className="num">
                {g.calls}
                {g.cached_calls > 0 ? <span className="muted small"> ({g.cached_calls} from the cache, free)</span> : null}
              </td>
              <td className="num">
                {g.input_tokens.toLocaleString()} / {g.output_tokens.toLocaleString()}
              </td>
              <td className="num">{usd(g.cost_usd)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export default function CostTables({ settings }: { settings: SettingsView }) {
  const costs = useQuery({ queryKey: ["costs", currentMonth()], queryFn: () => api.getCosts(currentMonth()) });
  const state = costs.data ? budgetState(costs.data.total_usd, settings.budget) : null;
  return (
    <section aria-labelledby="cost-heading" className="card stack">
      <h2 id="cost-heading">Budget and cost this month</h2>
      {settings.budget.monthly_usd == null ? (
        <p className="muted">No monthly budget is set.</p>
      ) : (
        <p>
          Monthly budget <strong>{usd(settings.budget.monthly_usd)}</strong>, warning at{" "}
          {Math.round(settings.budget.warn_fraction * 100)} % of it;{" "}
          {settings.budget.enforce
            ? "at the limit every model call stops and new sources wait."
            : "at the limit answers and embeddings stop, compiles go on."}
        </p>
      )}
      {settings.budget.paused_jobs > 0 ? (
        <p role="status" className="test-warn">
          {plural(settings.budget.paused_jobs, "source")} wait for the budget. Raise it below, or compile them with
          the offline compiler from the Inbox.
        </p>
      ) : null}
      <BudgetForm budget={settings.budget} />
      {costs.isPending ? <Loading label="Loading costs…" /> : null}
      {costs.isError ? <ErrorBox error={costs.error} onRetry={() => void costs.refetch()} /> : null}
      {costs.data && state ? (
        <>
          <p>
            Spent <strong>{usd(costs.data.total_usd)}</strong> in {costs.data.calls} calls in {costs.data.month}
            {state.fraction !== null ? ` — ${Math.round(state.fraction * 100)} % of the budget` : ""}.
            {costs.data.cached_calls > 0
              ? ` ${costs.data.cached_calls} of the calls were answered from the response cache at no cost.`
              : ""}
          </p>
          {state.fraction !== null ? (
            <meter
              min={0}
              max={1}
              low={settings.budget.warn_fraction}
              high={0.999}
              optimum={0}
              value={Math.min(1, state.fraction)}
              aria-label="Share of the monthly budget spent"
            />
          ) : null}
          {state.level !== "ok" ? (
            <p role="alert" className={state.level === "over" ? "test-bad" : "test-warn"}>
              {state.level === "over" ? "The monthly budget is spent." : "Spending is past the warning level."}
            </p>
          ) : null}
          {costs.data.calls === 0 ? (
            <p className="muted">No LLM calls this month{settings.offline_compiler ? " — the offline compiler is free" : ""}.</p>
          ) : (
            <div className="cost-grid">
              <CostTable label="By provider" groups={costs.data.by_provider} />
              <CostTable label="By task" groups={costs.data.by_task} />
            </div>
          )}
        </>
      ) : null}
    </section>
  );
}
