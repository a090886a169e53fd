// Reading a Health finding's `detail`, which the API document gives as untyped JSON (it is a
// `serde_json::Value` on the server). Only what the Health screen shows is read, and each field is
// checked, so a detail of another shape (another kind, a newer server) shows nothing rather than
// breaking the screen.
import type { FindingClaim, FindingDetail } from "./types";

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** One claim of a contradiction: `{position, text, quote}`; undefined unless it has that shape. */
function findingClaim(value: unknown): FindingClaim | undefined {
  if (!isObject(value)) return undefined;
  const { position, text, quote } = value;
  if (typeof position !== "number" || typeof text !== "string") return undefined;
  return { position, text, quote: typeof quote === "string" ? quote : null };
}

/** The parts of a finding's `detail` the app shows; missing or malformed fields are left out. */
export function findingDetail(detail: unknown): FindingDetail {
  if (!isObject(detail)) return {};
  const out: FindingDetail = {};
  const claimA = findingClaim(detail.claim_a);
  const claimB = findingClaim(detail.claim_b);
  if (claimA) out.claim_a = claimA;
  if (claimB) out.claim_b = claimB;
  if (typeof detail.explanation === "string") out.explanation = detail.explanation;
  return out;
}
