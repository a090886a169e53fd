// Budget arithmetic of the Settings screen: the share spent, when to warn, and the UTC month.
import { describe, expect, it } from "vitest";
import { budgetState, currentMonth } from "./budget";

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
  it("treats a zero budget as spent by any cost", () => {
    expect(budgetState(0, budget(0)).level).toBe("ok");
    expect(budgetState(0.01, budget(0)).level).toBe("over");
  });
});

describe("currentMonth", () => {
  it("uses the UTC month, zero-padded", () => {
    expect(currentMonth(new Date("2026-03-31T23:30:00Z"))).toBe("2026-03");
    expect(currentMonth(new Date("2026-12-01T00:00:00Z"))).toBe("2026-12");
  });
});
