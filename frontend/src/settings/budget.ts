// Pure logic of the Settings screen: where spending stands against the budget, and which
// environment variable turns a provider on.
import type { Budget, BudgetChange, ProviderKind } from "../api/types";

export type BudgetLevel = "ok" | "warn" | "over";

/** The share of the budget spent (null without a budget) and whether to warn. */
export function budgetState(
  spentUsd: number,
  budget: Pick<Budget, "monthly_usd" | "warn_fraction">,
): { fraction: number | null; level: BudgetLevel } {
  if (budget.monthly_usd == null) return { fraction: null, level: "ok" };
  // A budget of nothing is spent from the start, as the server counts it: nothing may be spent.
  if (budget.monthly_usd <= 0) return { fraction: 1, level: "over" };
  const fraction = spentUsd / budget.monthly_usd;
  const level: BudgetLevel = fraction >= 1 ? "over" : fraction >= budget.warn_fraction ? "warn" : "ok";
  return { fraction, level };
}

/** `YYYY-MM` of `now` in UTC, the month the cost log is grouped by. */
export function currentMonth(now: Date = new Date()): string {
  return `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, "0")}`;
}

const ENV_HINTS: Record<ProviderKind, string> = {
  anthropic: "Save its key below, or set WIKIMIND_LLM__ANTHROPIC__API_KEY.",
  openai: "Save its key below, or set WIKIMIND_LLM__OPENAI__API_KEY (or WIKIMIND_LLM__OPENAI__BASE_URL for a compatible server).",
  google: "Save its key below, or set WIKIMIND_LLM__GOOGLE__API_KEY.",
  ollama: "Set WIKIMIND_LLM__OLLAMA__BASE_URL (e.g. http://127.0.0.1:11434) to enable.",
  offline: "Always available.",
};

export function providerEnvHint(kind: ProviderKind): string {
  return ENV_HINTS[kind];
}

/** The change the form's fields ask for, or a reason they cannot be saved. */
export function budgetChange(
  budget: Budget,
  fields: { amount: string; warnPercent: string; enforce: boolean },
): BudgetChange | string {
  const change: BudgetChange = {};
  const env = budget.set_in_environment;
  if (!env.monthly_usd) {
    const raw = fields.amount.trim();
    if (raw === "") change.monthly_usd = null;
    else {
      const amount = Number(raw);
      if (!Number.isFinite(amount) || amount < 0) return "The monthly budget is an amount of at least 0 dollars.";
      change.monthly_usd = amount;
    }
  }
  if (!env.warn_fraction) {
    const percent = Number(fields.warnPercent);
    if (!Number.isFinite(percent) || percent <= 0 || percent > 100) return "Warn at a share between 1 and 100 %.";
    change.warn_fraction = percent / 100;
  }
  if (!env.enforce) change.enforce = fields.enforce;
  return change;
}
