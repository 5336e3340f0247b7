// The public transparency page: what circulates, what backs it, and twelve months of
// aggregates from GET /v1/transparency, drawn here as SVG (no library, no third party). Each
// chart's label reads out its numbers, and the table below holds them all. No sign-in: the
// figures hold no personal data (docs/PRIVACY.md).

import { api } from "./api.js";
import { addWords, language, onLanguage, setUpLanguage, t } from "./i18n.js";
import { formatCents } from "./money.js";
import { $, setUpMessages, showError } from "./screen.js";

const SVG = "http://www.w3.org/2000/svg";
const HEIGHT = 220;
const FONT = 13;
const MARGIN = { top: 12, right: 10, bottom: 26, left: 70 };
const LABEL_WIDTH = 56;
const COLOURS = ["#1d5c4d", "#c0650f"];
const TEXT = {
  fr: {
    title: "Transparence de la monnaie",
    intro: "Chaque unité en circulation est couverte par un euro à la banque ou dans la caisse d’un comptoir. Voici les chiffres de l’ensemble, sans aucune donnée personnelle.",
    "now.heading": "Aujourd’hui",
    "months.heading": "Les douze derniers mois",
    "months.help": "Fin de chaque mois (heure de Paris) ; le mois en cours, jusqu’à aujourd’hui.",
    "chart.reserve": "Circulation et couverture (€)",
    "chart.coverage": "Taux de couverture (%)",
    "chart.payments": "Paiements numériques par mois",
    "chart.total": "Montant des paiements par mois (€)",
    "table.heading": "Les chiffres de chaque mois",
    "fig.circulation": "Unités en circulation",
    "fig.digital": "dont numériques",
    "fig.paper": "dont billets",
    "fig.backing": "Euros en couverture",
    "fig.coverage": "Taux de couverture",
    "fig.residents": "Comptes de résidents ouverts",
    "fig.merchants": "Comptes de prestataires ouverts",
    "fig.approved": "Prestataires agréés",
    "col.month": "Mois",
    "col.circulation": "Circulation",
    "col.backing": "Couverture",
    "col.coverage": "Taux",
    "col.payments": "Paiements",
    "col.total": "Montant",
    partial: "{month} (en cours)",
    hidden: "non publié",
    privacy: "Un mois de moins de {n} paiements montre leur nombre, pas leur montant : il dirait ce qu’a payé une seule personne.",
    statement: "Dernier état signé de la réserve : {date}, {status}",
    "no-statement": "Aucun état de la réserve n’est encore publié.",
    "foot.statements": "Tous les états signés de la réserve",
    "foot.association": "La console de l’association",
    "foot.wallet": "Le porte-monnaie",
  },
  en: {
    title: "The currency’s transparency",
    intro: "Every unit in circulation is backed by a euro at the bank or in an exchange office’s till. These are the figures of the whole, with no personal data.",
    "now.heading": "Today",
    "months.heading": "The last twelve months",
    "months.help": "The end of each month (Paris time); the current month, up to today.",
    "chart.reserve": "Circulation and backing (€)",
    "chart.coverage": "Coverage ratio (%)",
    "chart.payments": "Digital payments per month",
    "chart.total": "Payments’ total per month (€)",
    "table.heading": "Each month’s figures",
    "fig.circulation": "Units in circulation",
    "fig.digital": "of which digital",
    "fig.paper": "of which paper",
    "fig.backing": "Backing euros",
    "fig.coverage": "Coverage ratio",
    "fig.residents": "Open resident accounts",
    "fig.merchants": "Open merchant accounts",
    "fig.approved": "Approved merchants",
    "col.month": "Month",
    "col.circulation": "Circulation",
    "col.backing": "Backing",
    "col.coverage": "Ratio",
    "col.payments": "Payments",
    "col.total": "Total",
    partial: "{month} (so far)",
    hidden: "not published",
    privacy: "A month of fewer than {n} payments shows their number, not their total: it would tell what one person paid.",
    statement: "Latest signed reserve statement: {date}, {status}",
    "no-statement": "No reserve statement is published yet.",
    "foot.statements": "Every signed reserve statement",
    "foot.association": "The association’s console",
    "foot.wallet": "The wallet",
  },
};
addWords(TEXT);
let figures = null;

const euros = (cents) => `${formatCents(cents)}\u00a0€`;
const wholeEuros = (cents) => `${formatCents(Math.round(cents / 100) * 100).slice(0, -3)}\u00a0€`;
const percent = (bp) => (bp === null ? "—" : `${Math.floor(bp / 100)},${String(bp % 100).padStart(2, "0")}\u00a0%`);

function element(name, attributes = {}, text = "") {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text) node.textContent = text;
  return node;
}

/** "2026-01" as a person reads it on an axis: "janv. 26", "Jan 26". */
function shortMonth(month) {
  const [year, number] = month.split("-").map(Number);
  const locale = language() === "fr" ? "fr-FR" : "en-GB";
  const format = new Intl.DateTimeFormat(locale, { month: "short", year: "2-digit", timeZone: "UTC" });
  return format.format(new Date(Date.UTC(year, number - 1, 1)));
}

/** Draws `series` ({label, values, kind: "bar"|"line"}) on `svg`, at the width it is shown;
 * its label gives every value, for a screen reader. */
function chart(svg, months, series, axis, format) {
  svg.replaceChildren();
  const width = Math.max(280, Math.round(svg.getBoundingClientRect().width));
  svg.setAttribute("viewBox", `0 0 ${width} ${HEIGHT}`);
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const top = Math.max(1, ...series.flatMap((s) => s.values.filter((v) => v !== null)));
  const y = (v) => MARGIN.top + plotH - (plotH * v) / top;
  const band = plotW / Math.max(1, months.length);
  const x = (i) => MARGIN.left + band * i + band / 2;
  const every = Math.max(1, Math.ceil(LABEL_WIDTH / band));
  for (const tick of [0, top / 2, top]) {
    svg.append(element("line", { x1: MARGIN.left, x2: width - MARGIN.right, y1: y(tick), y2: y(tick), stroke: "#c9cfcc" }));
    svg.append(element("text", { x: MARGIN.left - 6, y: y(tick) + 5, "text-anchor": "end", "font-size": FONT }, axis(tick)));
  }
  months.forEach((month, i) => {
    if ((months.length - 1 - i) % every !== 0) return;
    svg.append(element("text", { x: x(i), y: HEIGHT - 8, "text-anchor": "middle", "font-size": FONT }, shortMonth(month)));
  });
  const bars = series.filter((s) => s.kind === "bar");
  const barW = (band * 0.8) / Math.max(1, bars.length);
  series.forEach((s, n) => {
    const colour = COLOURS[n % COLOURS.length];
    if (s.kind === "bar") {
      const k = bars.indexOf(s);
      s.values.forEach((v, i) => {
        if (v === null) return;
        const left = x(i) - (band * 0.8) / 2 + k * barW;
        svg.append(element("rect", { x: left, y: y(v), width: Math.max(1, barW - 2), height: y(0) - y(v), fill: colour }));
      });
    } else {
      const points = s.values.map((v, i) => (v === null ? null : `${x(i)},${y(v)}`)).filter(Boolean);
      if (points.length > 1) svg.append(element("polyline", { points: points.join(" "), fill: "none", stroke: colour, "stroke-width": 3 }));
      s.values.forEach((v, i) => {
        if (v !== null) svg.append(element("circle", { cx: x(i), cy: y(v), r: 4, fill: colour }));
      });
    }
  });
  const caption = svg.closest("figure").querySelector("figcaption").textContent;
  const read = months.map((month, i) => `${month} ${series.map((s) => (s.values[i] === null ? t("hidden") : format(s.values[i]))).join(" / ")}`);
  svg.setAttribute("aria-label", `${caption} — ${series.map((s) => s.label).join(" / ")} : ${read.join(" ; ")}`);
  let legend = svg.nextElementSibling;
  if (!legend) {
    legend = document.createElement("ul");
    legend.className = "legend";
    svg.after(legend);
  }
  legend.replaceChildren(
    ...series.map((s, n) => {
      const li = document.createElement("li");
      const swatch = document.createElement("span");
      swatch.className = `swatch swatch-${n % COLOURS.length}`;
      li.append(swatch, s.label);
      return li;
    }),
  );
}

function renderFigures(f) {
  const rows = [
    ["circulation", euros(f.circulation)],
    ["digital", euros(f.circulation_digital)],
    ["paper", euros(f.circulation_paper)],
    ["backing", euros(f.backing)],
    ["coverage", percent(f.coverage_bp)],
    ["residents", String(f.residents)],
    ["merchants", String(f.merchants)],
    ["approved", String(f.approved_merchants)],
  ];
  $("figures").replaceChildren(
    ...rows.flatMap(([key, value]) => {
      const dt = document.createElement("dt");
      dt.textContent = t(`fig.${key}`);
      const dd = document.createElement("dd");
      dd.id = `figure-${key}`;
      dd.textContent = value;
      return [dt, dd];
    }),
  );
  const s = f.latest_statement;
  if (s) {
    const link = document.createElement("a");
    link.href = `/v1/reserve-statements/${s.id}`;
    link.textContent = t("statement", { date: s.date, status: s.status });
    $("statement").replaceChildren(link);
  } else {
    $("statement").textContent = t("no-statement");
  }
}

function renderTable(months) {
  const head = document.createElement("tr");
  for (const key of ["month", "circulation", "backing", "coverage", "payments", "total"]) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = t(`col.${key}`);
    head.append(th);
  }
  const thead = document.createElement("thead");
  thead.append(head);
  const body = document.createElement("tbody");
  for (const m of months) {
    const row = document.createElement("tr");
    if (m.partial) row.className = "partial";
    const th = document.createElement("th");
    th.scope = "row";
    th.textContent = m.partial ? t("partial", { month: m.month }) : m.month;
    row.append(th);
    const total = m.payments_total === null ? t("hidden") : euros(m.payments_total);
    for (const value of [euros(m.circulation), euros(m.backing), percent(m.coverage_bp), String(m.payments), total]) {
      const td = document.createElement("td");
      td.textContent = value;
      row.append(td);
    }
    body.append(row);
  }
  $("months").replaceChildren(thead, body);
}

function render() {
  if (!figures) return;
  const months = figures.months;
  const names = months.map((m) => m.month);
  renderFigures(figures);
  renderTable(months);
  $("privacy").textContent = t("privacy", { n: figures.min_payments });
  chart(
    $("chart-reserve"),
    names,
    [
      { label: t("col.circulation"), kind: "bar", values: months.map((m) => m.circulation) },
      { label: t("col.backing"), kind: "bar", values: months.map((m) => m.backing) },
    ],
    wholeEuros,
    euros,
  );
  chart(
    $("chart-coverage"),
    names,
    [{ label: t("col.coverage"), kind: "line", values: months.map((m) => m.coverage_bp) }],
    (bp) => percent(Math.round(bp)),
    percent,
  );
  chart(
    $("chart-payments"),
    names,
    [{ label: t("col.payments"), kind: "bar", values: months.map((m) => m.payments) }],
    (n) => String(Math.round(n)),
    String,
  );
  chart(
    $("chart-total"),
    names,
    [{ label: t("col.total"), kind: "bar", values: months.map((m) => m.payments_total) }],
    wholeEuros,
    euros,
  );
}

async function main() {
  setUpLanguage();
  setUpMessages();
  onLanguage(render);
  let width = window.innerWidth;
  window.addEventListener("resize", () => {
    if (window.innerWidth === width) return;
    width = window.innerWidth;
    render();
  });
  try {
    figures = await api("/v1/transparency");
    render();
  } catch (error) {
    showError(error);
  }
}

main();
