// The budget's form on the Settings screen: the monthly amount (empty for none), the warning
// share and whether the limit stops every model call. A value the environment sets is shown
// but cannot be changed here. Saving queues again the sources that waited, when it allows.
import { useState, type FormEvent } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "../api/client";
import type { Budget, BudgetChange } from "../api/types";
import { budgetChange } from "./budget";
import { errorMessage } from "../inbox/hooks";

const ENV_NOTE = "Set in the environment";

export default function BudgetForm({ budget }: { budget: Budget }) {
  const queryClient = useQueryClient();
  const env = budget.set_in_environment;
  const [amount, setAmount] = useState(budget.monthly_usd == null ? "" : String(budget.monthly_usd));
  const [warnPercent, setWarnPercent] = useState(String(Math.round(budget.warn_fraction * 100)));
  const [enforce, setEnforce] = useState(budget.enforce);
  const [invalid, setInvalid] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: (change: BudgetChange) => api.updateBudget(change),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["settings"] });
      void queryClient.invalidateQueries({ queryKey: ["costs"] });
      void queryClient.invalidateQueries({ queryKey: ["sources"] });
      void queryClient.invalidateQueries({ queryKey: ["jobs"] });
    },
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const change = budgetChange(budget, { amount, warnPercent, enforce });
    if (typeof change === "string") {
      setInvalid(change);
      return;
    }
    setInvalid(null);
    save.mutate(change);
  };

  return (
    <form className="budget-form stack" onSubmit={submit} aria-label="Budget">
      <div className="row">
        <label>
          Monthly budget (US $)
          <input
            type="number"
            min={0}
            step="any"
            inputMode="decimal"
            placeholder="none"
            value={amount}
            disabled={env.monthly_usd}
            onChange={(e) => setAmount(e.target.value)}
          />
          {env.monthly_usd ? <span className="muted small"> {ENV_NOTE}</span> : null}
        </label>
        <label>
          Warn at (%)
          <input
            type="number"
            min={1}
            max={100}
            value={warnPercent}
            disabled={env.warn_fraction}
            onChange={(e) => setWarnPercent(e.target.value)}
          />
          {env.warn_fraction ? <span className="muted small"> {ENV_NOTE}</span> : null}
        </label>
      </div>
      <label className="checkbox">
        <input type="checkbox" checked={enforce} disabled={env.enforce} onChange={(e) => setEnforce(e.target.checked)} />
        Stop every model call at the limit (new sources wait until the budget is raised or the month turns)
        {env.enforce ? <span className="muted small"> — {ENV_NOTE}</span> : null}
      </label>
      <div className="row">
        <button type="submit" disabled={save.isPending}>
          {save.isPending ? "Saving…" : "Save budget"}
        </button>
        <span aria-live="polite" className="small">
          {save.isSuccess && !save.isPending ? "Saved" : ""}
        </span>
      </div>
      {invalid || save.isError ? (
        <div className="error-box" role="alert">
          <p>{invalid ?? `Could not save the budget: ${errorMessage(save.error)}`}</p>
        </div>
      ) : null}
    </form>
  );
}
