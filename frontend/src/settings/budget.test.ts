// Budget arithmetic of the Settings screen: the share spent, when to warn, and the UTC month.
import { describe, expect, it } from "vitest";
import { budgetChange, budgetState, currentMonth } from "./budget";

const budget = (monthly_usd: number | null) => ({ monthly_usd, warn_fraction: 0.8 });

describe("budgetState", () => {
  it("has no fraction without a budget", () => {
    expect(budgetState(3, budget(null))).toEqual({ fraction: null, level: "ok" });
  });
  it("warns at the warning share and is over at the budget", () => {
    expect(budgetState(7.9, budget(10)).level).toBe("ok");
    expect(budgetState(8, budget(10)).level).toBe("warn");
    expect(budgetState(10, budget(10)).level).toBe("over");
    expect(budgetState(12, budget(10)).fraction).toBeCloseTo(1.2);
  });
  it("treats a zero budget as spent from the start, as the server does", () => {
    expect(budgetState(0, budget(0)).level).toBe("over");
    expect(budgetState(0.01, budget(0)).level).toBe("over");
  });
});

describe("currentMonth", () => {
  it("uses the UTC month, zero-padded", () => {
    expect(currentMonth(new Date("2026-03-31T23:30:00Z"))).toBe("2026-03");
    expect(currentMonth(new Date("2026-12-01T00:00:00Z"))).toBe("2026-12");
  });
});

describe("budgetChange", () => {
  const base = {
    monthly_usd: 10,
    warn_fraction: 0.8,
    enforce: false,
    set_in_environment: { monthly_usd: false, warn_fraction: false, enforce: false },
    month: "2026-12",
    spent_usd: 0,
    level: "ok" as const,
    paused_jobs: 0,
  };
  it("sends every field the environment leaves to the screen", () => {
    expect(budgetChange(base, { amount: "12.5", warnPercent: "75", enforce: true })).toEqual({
      monthly_usd: 12.5,
      warn_fraction: 0.75,
      enforce: true,
    });
  });
  it("removes the budget when the amount is empty", () => {
    expect(budgetChange(base, { amount: " ", warnPercent: "80", enforce: false })).toMatchObject({ monthly_usd: null });
  });
  it("leaves out what the environment sets", () => {
    const env = { ...base, set_in_environment: { monthly_usd: true, warn_fraction: false, enforce: true } };
    expect(budgetChange(env, { amount: "3", warnPercent: "50", enforce: true })).toEqual({ warn_fraction: 0.5 });
  });
  it("refuses a negative amount and a share out of range", () => {
    expect(typeof budgetChange(base, { amount: "-1", warnPercent: "80", enforce: false })).toBe("string");
    expect(typeof budgetChange(base, { amount: "1", warnPercent: "0", enforce: false })).toBe("string");
    expect(typeof budgetChange(base, { amount: "1", warnPercent: "101", enforce: false })).toBe("string");
  });
});
