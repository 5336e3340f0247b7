// Amounts are integer cents. They are parsed from the typed text, digit by digit, and never
// pass through a binary fraction. The rules are those of ledger/money.py: "1 234,56", "12",
// "12,5"; a dot ("12.50") only when the integer part is not grouped.

export const MAX_AMOUNT = 2 ** 31 - 1;
const NBSP = "\u00a0";
const FRENCH = /^(?<units>\d{1,3}(?<sep>[ \u00a0\u202f])\d{3}(?:\k<sep>\d{3})*|\d+)(?:,(?<dec>\d{1,2}))?$/;
const DOTTED = /^(?<units>\d+)\.(?<dec>\d{1,2})$/;

/** Cents of a typed amount ("12,50" → 1250), or null if it is not a payable amount. */
export function parseAmount(text) {
  const trimmed = String(text).trim();
  const match = FRENCH.exec(trimmed) || DOTTED.exec(trimmed);
  if (!match) return null;
  const units = match.groups.units.replace(/\D/g, "");
  const decimals = (match.groups.dec ?? "").padEnd(2, "0");
  if (units.replace(/^0+/, "").length > 8) return null;
  const cents = Number.parseInt(units, 10) * 100 + Number.parseInt(decimals, 10);
  return cents >= 1 && cents <= MAX_AMOUNT ? cents : null;
}

/** 123456 → "1 234,56" (no-break spaces between groups). */
export function formatCents(cents) {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  const units = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+$)/g, NBSP);
  return `${sign}${units},${String(abs % 100).padStart(2, "0")}`;
}

/** 1250, "RTZ" → "12,50 RTZ". */
export function formatAmount(cents, unit) {
  return `${formatCents(cents)}${NBSP}${unit}`;
}
