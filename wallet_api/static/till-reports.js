// The merchant key's reports under its business day: a CAE's "Coopérative" (each
// entrepreneur's takings of a day, GET /v1/merchants/{n}/consolidated, and a period's CSV,
// GET …/consolidated.csv) and a local authority's (régie's) monthly statement
// (GET …/months/{YYYY-MM}, its CSV, and printed from the browser). Entrepreneurs and other
// merchants see neither: the profile's kind says which applies.

import { addWords, onLanguage, t } from "./i18n.js";
import { drawMonth, thisMonth } from "./regie.js";
import { $, busy, printAlone, showError } from "./screen.js";

addWords({
  fr: {
    "cae.heading": "Coopérative",
    "cae.help": "Les recettes de chaque entrepreneur de la coopérative, et leur total.",
    "cae.date": "Journée",
    "cae.code": "Code analytique",
    "cae.name": "Entrepreneur",
    "cae.count": "Paiements",
    "cae.credits": "Reçu",
    "cae.refunds": "Remboursements",
    "cae.net": "Net",
    "cae.balance": "Solde",
    "cae.total": "Total",
    "cae.none": "Aucun entrepreneur n’est rattaché à la coopérative.",
    "cae.first": "Premier jour de la période",
    "cae.last": "Dernier jour de la période",
    "cae.csv": "Recettes des entrepreneurs sur la période (CSV)",
    "regie.heading": "Régie : relevé mensuel",
    "regie.month": "Mois du relevé",
    "regie.show": "Afficher le relevé",
    "regie.csv": "Relevé du mois (CSV)",
    "regie.print": "Imprimer le relevé (ou l’enregistrer en PDF)",
  },
  en: {
    "cae.heading": "Cooperative",
    "cae.help": "The takings of each of the cooperative’s entrepreneurs, and their total.",
    "cae.date": "Business day",
    "cae.code": "Analytic code",
    "cae.name": "Entrepreneur",
    "cae.count": "Payments",
    "cae.credits": "Received",
    "cae.refunds": "Refunds",
    "cae.net": "Net",
    "cae.balance": "Balance",
    "cae.total": "Total",
    "cae.none": "No entrepreneur belongs to the cooperative.",
    "cae.first": "First day of the period",
    "cae.last": "Last day of the period",
    "cae.csv": "Entrepreneurs’ takings over the period (CSV)",
    "regie.heading": "Régie: monthly statement",
    "regie.month": "Month of the statement",
    "regie.show": "Show the statement",
    "regie.csv": "The month’s statement (CSV)",
    "regie.print": "Print the statement (or save it as PDF)",
  },
});

let ctx = null; // {device, read, download, money}
let consolidated = null;
let month = null;

function cell(tag, text, scope) {
  const node = document.createElement(tag);
  node.textContent = text;
  if (scope) node.scope = scope;
  return node;
}

function renderCae() {
  if (!consolidated) return;
  const c = consolidated;
  const money = ctx.money;
  const body = $("cae-rows");
  body.replaceChildren();
  if (c.entrepreneurs.length === 0) {
    const row = document.createElement("tr");
    const td = cell("td", t("cae.none"));
    td.colSpan = 7;
    row.append(td);
    body.append(row);
  }
  for (const e of c.entrepreneurs) {
    const row = document.createElement("tr");
    row.append(cell("th", e.analytic_code || "—", "row"));
    for (const v of [e.name, String(e.count), money(e.credits), money(e.refunds), money(e.net), money(e.balance)]) {
      row.append(cell("td", v));
    }
    body.append(row);
  }
  const total = document.createElement("tr");
  total.append(cell("th", t("cae.total"), "row"), cell("td", ""));
  for (const v of [String(c.count), money(c.credits), money(c.refunds), money(c.net), money(c.balance)]) {
    total.append(cell("td", v));
  }
  $("cae-total").replaceChildren(total);
}

async function loadCae() {
  const date = $("cae-date").value || "today";
  consolidated = await ctx.read(`/v1/merchants/${ctx.device.account}/consolidated?date=${date}`);
  if (!$("cae-date").value) {
    $("cae-date").value = consolidated.date;
    $("cae-date").max = consolidated.date;
    $("cae-first").value = `${consolidated.date.slice(0, 8)}01`;
    $("cae-last").value = consolidated.date;
  }
  renderCae();
}

function renderMonth() {
  $("regie-actions").hidden = month === null;
  if (month) drawMonth($("regie-statement"), month, ctx.money, 4);
}

async function loadMonth() {
  const chosen = $("regie-month").value;
  if (!/^\d{4}-\d{2}$/.test(chosen)) return showError("error.period");
  month = await ctx.read(`/v1/merchants/${ctx.device.account}/months/${chosen}`);
  renderMonth();
}

function setUpCae() {
  $("day-cae").hidden = false;
  $("cae-date").addEventListener("change", () => busy($("cae-date"), loadCae));
  $("cae-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const first = $("cae-first").value;
    const last = $("cae-last").value;
    if (!first || !last || first > last) return showError("error.period");
    const account = ctx.device.account;
    busy($("cae-form").querySelector("button"), () =>
      ctx.download(`/v1/merchants/${account}/consolidated.csv?first=${first}&last=${last}`, `sou-${account}-entrepreneurs-${first}-${last}.csv`),
    );
  });
  onLanguage(renderCae);
  return loadCae();
}

function setUpRegie() {
  $("day-regie").hidden = false;
  $("regie-month").value = thisMonth();
  $("regie-month").max = thisMonth();
  $("regie-form").addEventListener("submit", (event) => {
    event.preventDefault();
    busy($("regie-form").querySelector("button"), loadMonth);
  });
  $("regie-csv").addEventListener("click", () =>
    busy($("regie-csv"), () =>
      ctx.download(`/v1/merchants/${ctx.device.account}/months/${month.month}/statement.csv`, `sou-${ctx.device.account}-${month.month}.csv`),
    ),
  );
  $("regie-print").addEventListener("click", () => printAlone($("regie-statement")));
  onLanguage(renderMonth);
  return loadMonth();
}

/** Shows the reports this merchant key has, from its profile's kind. */
export async function setUpReports(options) {
  ctx = options;
  const profile = await ctx.read(`/v1/merchants/${ctx.device.account}/profile`);
  if (profile.kind === "cae" && profile.parent === null) await setUpCae();
  else if (profile.kind === "local_authority") await setUpRegie();
}
