// The console's "Régie" section (the treasurer's): the local authorities' accounts (approved
// merchants of kind `local_authority`, GET /v1/merchants?status=approved) and, for one of them
// and a month, its monthly statement (GET /v1/merchants/{n}/months/{YYYY-MM}), its CSV and
// its printout. Only aggregates: a public body's takings, never who paid.

import { api } from "./api.js";
import { addWords, onLanguage, t } from "./i18n.js";
import { formatCents } from "./money.js";
import { drawMonth, thisMonth } from "./regie.js";
import { $, busy, printAlone, showError } from "./screen.js";

addWords({
  fr: {
    "reg.heading": "Régies des collectivités",
    "reg.none": "Aucune collectivité n’a de compte approuvé.",
    "reg.account": "Régie",
    "reg.month": "Mois du relevé",
    "reg.show": "Afficher le relevé",
    "reg.csv": "Relevé du mois (CSV)",
    "reg.print": "Imprimer le relevé (ou l’enregistrer en PDF)",
    "reg.option": "{name} (n° {account})",
  },
  en: {
    "reg.heading": "Local authorities’ régies",
    "reg.none": "No local authority has an approved account.",
    "reg.account": "Régie",
    "reg.month": "Month of the statement",
    "reg.show": "Show the statement",
    "reg.csv": "The month’s statement (CSV)",
    "reg.print": "Print the statement (or save it as PDF)",
    "reg.option": "{name} (no. {account})",
  },
});

const euros = (cents) => `${formatCents(cents)}\u00a0€`;

let ctx = null; // {token: () => Promise<string>}
let regies = [];
let month = null;

function render() {
  $("reg-none").hidden = regies.length > 0;
  $("reg-form").hidden = regies.length === 0;
  const select = $("reg-account");
  const chosen = select.value;
  select.replaceChildren(...regies.map((r) => new Option(t("reg.option", { name: r.legal_name, account: r.account }), r.account)));
  if (chosen) select.value = chosen;
  $("reg-actions").hidden = month === null;
  if (month) drawMonth($("reg-statement"), month, euros, 4);
}

async function showMonth() {
  const chosen = $("reg-month").value;
  if (!/^\d{4}-\d{2}$/.test(chosen)) return showError("error.period");
  const token = await ctx.token();
  month = await api(`/v1/merchants/${$("reg-account").value}/months/${chosen}`, { token });
  render();
}

async function downloadCsv() {
  const token = await ctx.token();
  const response = await fetch(`/v1/merchants/${month.account}/months/${month.month}/statement.csv`, {
    headers: { authorization: `Bearer ${token}` },
    cache: "no-store",
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const link = document.createElement("a");
  link.href = URL.createObjectURL(await response.blob());
  link.download = `sou-${month.account}-${month.month}.csv`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
}

/** The section, for the treasurer's device only (an auditor's does not see it). */
export async function setUpRegie({ device, token }) {
  if (device.role !== "treasurer") return;
  ctx = { token };
  $("regie").hidden = false;
  $("reg-month").value = thisMonth();
  $("reg-month").max = thisMonth();
  $("reg-form").addEventListener("submit", (event) => {
    event.preventDefault();
    busy($("reg-form").querySelector("button"), showMonth);
  });
  $("reg-csv").addEventListener("click", () => busy($("reg-csv"), downloadCsv));
  $("reg-print").addEventListener("click", () => printAlone($("reg-statement")));
  try {
    const approved = await api("/v1/merchants?status=approved", { token: await token() });
    regies = approved.applications.filter((a) => a.kind === "local_authority");
  } catch (error) {
    showError(error);
  }
  onLanguage(render);
}
