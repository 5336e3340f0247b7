// The pilot's evaluation for the treasurer or an auditor: where the pilot stands against its
// criteria (its end date, each target judged on the last complete month), the monthly figures
// of GET /v1/reports/evaluation as SVG charts drawn here (no library) and a table, and the same
// report as a CSV download. The page signs in with this computer's enrolled key.

import { Problem, api } from "./api.js";
import { enrolDevice, forgetDevice, loadDevice, readingToken } from "./device.js";
import { addWords, language, onLanguage, setUpLanguage, t } from "./i18n.js";
import { formatAmount, formatCents } from "./money.js";

const SLOT = "audit";
const SVG = "http://www.w3.org/2000/svg";
const HEIGHT = 240; // CSS pixels: a chart is drawn at the width it is shown, text at 14 px
const FONT = 14;
const MARGIN = { top: 12, right: 12, bottom: 28, left: 76 };
const LABEL_WIDTH = 64; // room for one month's label ("janv. 26")
const COLOURS = ["#1d5c4d", "#c0650f", "#3b5ba5"];
// This page's own words, over the shared ones (i18n.js): where a key is in both, this page's
// wins; a problem type this page has no sentence for shows the server's title.
const WORDS = {
  fr: {
    "lang.other": "English",
    title: "Évaluation du pilote",
    "enrol.heading": "Enrôler cet ordinateur",
    "enrol.help": "Saisissez le code d’enrôlement à usage unique d’une clé de trésorier ou d’auditeur.",
    "enrol.code": "Code d’enrôlement",
    "enrol.submit": "Enrôler",
    "criteria.heading": "Critères du pilote",
    "criteria.help": "Chaque critère est jugé sur le dernier mois complet.",
    "criteria.end": "Fin du pilote : {date} ({days}).",
    "criteria.no-end": "Aucune date de fin n’est fixée pour le pilote (réglage SOU_PILOT_END).",
    "criteria.days.0": "aucun jour restant",
    "criteria.days.1": "1 jour restant",
    "criteria.days.n": "{n} jours restants",
    "criteria.criterion": "Critère",
    "criteria.target": "Objectif",
    "criteria.month": "Mois jugé",
    "criteria.value": "Valeur",
    "criteria.status": "Statut",
    "criteria.at-least": "au moins {value}",
    "criteria.at-most": "au plus {value}",
    "criteria.met": "Atteint",
    "criteria.missed": "Non atteint",
    "criteria.pending": "Pas encore jugé",
    "criterion.active_residents": "Résidents actifs",
    "criterion.active_merchants": "Prestataires actifs",
    "criterion.volume": "Volume des paiements",
    "criterion.merchant_share_bp": "Part des paiements entre prestataires",
    "criterion.reconversion_rate_bp": "Taux de reconversion",
    "report.heading": "Mois par mois",
    "report.help": "Mois calendaires (heure de Paris), du premier mois du registre à aujourd’hui.",
    "report.csv": "Télécharger le tableau (CSV)",
    "chart.active": "Résidents et prestataires actifs",
    "chart.volume": "Volume des paiements",
    "chart.velocity": "Vitesse de circulation (volume ÷ circulation numérique moyenne)",
    "chart.rates": "Part des paiements entre prestataires et taux de reconversion (%)",
    "table.heading": "Les chiffres",
    "report.partial": "Mois partiels (le registre a commencé après le 1er, ou le mois n’est pas fini), marqués dans le tableau et absents des graphiques : {months}.",
    "report.no-complete": "Aucun mois complet à représenter pour l’instant.",
    partial: "partiel",
    forget: "Oublier cet ordinateur",
    source: "Code source de ce service (AGPL-3.0)",
    "col.month": "Mois",
    "col.residents": "Résidents actifs",
    "col.merchants": "Prestataires actifs",
    "col.payments": "Paiements",
    "col.volume": "Volume",
    "col.share": "Entre prestataires (%)",
    "col.rate": "Taux de reconversion (%)",
    "col.circulation": "Circulation moyenne",
    "col.velocity": "Vitesse",
    "error.role": "Cette clé n’est ni celle du trésorier ni celle d’un auditeur.",
    "error.crypto": "Ce navigateur ne sait pas signer (Ed25519) : mettez-le à jour.",
    "problem.audit-access-expired": "La période d’accès de cet auditeur est terminée",
    "problem.audit-access-not-granted": "Le trésorier n’a ouvert aucun accès à cet auditeur",
    "problem.not-authorized": "Accès refusé",
    "problem.network": "Réseau indisponible : réessayez.",
  },
  en: {
    "lang.other": "Français",
    title: "Pilot evaluation",
    "enrol.heading": "Enrol this computer",
    "enrol.help": "Type the one-time enrolment code of a treasurer's or an auditor's key.",
    "enrol.code": "Enrolment code",
    "enrol.submit": "Enrol",
    "criteria.heading": "The pilot's criteria",
    "criteria.help": "Each criterion is judged on the last complete month.",
    "criteria.end": "The pilot ends on {date} ({days}).",
    "criteria.no-end": "No end date is set for the pilot (setting SOU_PILOT_END).",
    "criteria.days.0": "no days left",
    "criteria.days.1": "1 day left",
    "criteria.days.n": "{n} days left",
    "criteria.criterion": "Criterion",
    "criteria.target": "Target",
    "criteria.month": "Month judged",
    "criteria.value": "Value",
    "criteria.status": "Status",
    "criteria.at-least": "at least {value}",
    "criteria.at-most": "at most {value}",
    "criteria.met": "Met",
    "criteria.missed": "Not met",
    "criteria.pending": "Not judged yet",
    "criterion.active_residents": "Active residents",
    "criterion.active_merchants": "Active merchants",
    "criterion.volume": "Payment volume",
    "criterion.merchant_share_bp": "Share of merchant-to-merchant payments",
    "criterion.reconversion_rate_bp": "Reconversion rate",
    "report.heading": "Month by month",
    "report.help": "Calendar months (Paris time), from the ledger's first month to today.",
    "report.csv": "Download the table (CSV)",
    "chart.active": "Active residents and merchants",
    "chart.volume": "Payment volume",
    "chart.velocity": "Velocity of circulation (volume ÷ average digital circulation)",
    "chart.rates": "Share of merchant-to-merchant payments and reconversion rate (%)",
    "table.heading": "The figures",
    "report.partial": "Partial months (the ledger began after the 1st, or the month is not over), marked in the table and left out of the charts: {months}.",
    "report.no-complete": "No complete month to chart yet.",
    partial: "partial",
    forget: "Forget this computer",
    source: "Source code of this service (AGPL-3.0)",
    "col.month": "Month",
    "col.residents": "Active residents",
    "col.merchants": "Active merchants",
    "col.payments": "Payments",
    "col.volume": "Volume",
    "col.share": "Merchant to merchant (%)",
    "col.rate": "Reconversion rate (%)",
    "col.circulation": "Average circulation",
    "col.velocity": "Velocity",
    "error.role": "This key is neither the treasurer's nor an auditor's.",
    "error.crypto": "This browser cannot sign (Ed25519): please update it.",
    "problem.audit-access-expired": "This auditor's access window is over",
    "problem.audit-access-not-granted": "The treasurer opened no access for this auditor",
    "problem.not-authorized": "Access refused",
    "problem.network": "Network unavailable: try again.",
  },
};

addWords(WORDS);

let report = null;
let shownError = null;

const $ = (id) => document.getElementById(id);

// Basis points as a percentage ("16,66") and as a multiple ("0,7583"): integers only.
const percent = (bp) => (bp === null ? "–" : formatCents(bp));
const times = (bp) => (bp === null ? "–" : `${Math.floor(bp / 10000)},${String(bp % 10000).padStart(4, "0")}`);

function show(id) {
  for (const section of document.querySelectorAll("main > section")) section.hidden = section.id !== id;
  $(id).querySelector("h2")?.focus();
}

function renderError() {
  const box = $("message");
  box.hidden = shownError === null;
  if (shownError === null) return;
  if (shownError instanceof Problem) {
    const key = `problem.${shownError.code}`;
    box.textContent = key in WORDS.fr ? t(key) : shownError.title || shownError.message;
  } else {
    box.textContent = t(shownError);
  }
}

function showError(error) {
  if (!(error instanceof Problem) && typeof error !== "string") console.error(error);
  shownError = error instanceof Problem || typeof error === "string" ? error : "problem.network";
  renderError();
}

function element(name, attributes = {}, text = "") {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text) node.textContent = text;
  return node;
}

/** "2026-01" as a person reads it on an axis: "janv. 26", "Jan 26". */
function shortMonth(month) {
  const [year, number] = month.split("-").map(Number);
  const format = new Intl.DateTimeFormat(language() === "fr" ? "fr-FR" : "en-GB", { month: "short", year: "2-digit", timeZone: "UTC" });
  return format.format(new Date(Date.UTC(year, number - 1, 1)));
}

/** Draws `series` ({label, values, kind: "bar"|"line"}) over `months` on `svg`, at the width
 * the page gives it, with a legend below it in the page's own text. */
function chart(svg, months, series, format) {
  svg.replaceChildren();
  const width = Math.max(280, Math.round(svg.getBoundingClientRect().width));
  svg.setAttribute("viewBox", `0 0 ${width} ${HEIGHT}`);
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const values = series.flatMap((s) => s.values.filter((v) => v !== null));
  const top = Math.max(1, ...values);
  const y = (v) => MARGIN.top + plotH - (plotH * v) / top;
  const band = plotW / Math.max(1, months.length);
  const x = (i) => MARGIN.left + band * i + band / 2;
  const every = Math.max(1, Math.ceil(LABEL_WIDTH / band)); // a label on every month that fits
  svg.setAttribute("aria-label", series.map((s) => s.label).join(", "));
  for (const tick of [0, top / 2, top]) {
    svg.append(element("line", { x1: MARGIN.left, x2: width - MARGIN.right, y1: y(tick), y2: y(tick), stroke: "#c9cfcc" }));
    svg.append(element("text", { x: MARGIN.left - 6, y: y(tick) + 5, "text-anchor": "end", "font-size": FONT }, format(Math.round(tick))));
  }
  months.forEach((month, i) => {
    if ((months.length - 1 - i) % every !== 0) return; // the latest month is always named
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
        const rect = element("rect", { x: left, y: y(v), width: Math.max(1, barW - 2), height: y(0) - y(v), fill: colour });
        rect.append(element("title", {}, `${months[i]} · ${s.label} : ${format(v)}`));
        svg.append(rect);
      });
    } else {
      const points = s.values.map((v, i) => (v === null ? null : `${x(i)},${y(v)}`)).filter(Boolean);
      if (points.length > 1) {
        svg.append(element("polyline", { points: points.join(" "), fill: "none", stroke: colour, "stroke-width": 3 }));
      }
      s.values.forEach((v, i) => {
        if (v === null) return;
        const dot = element("circle", { cx: x(i), cy: y(v), r: 5, fill: colour });
        dot.append(element("title", {}, `${months[i]} · ${s.label} : ${format(v)}`));
        svg.append(dot);
      });
    }
  });
  let legend = svg.nextElementSibling;
  if (!legend) {
    legend = document.createElement("ul");
    legend.className = "legend";
    svg.after(legend);
  }
  legend.replaceChildren(
    ...series.map((s, n) => {
      const item = document.createElement("li");
      const swatch = document.createElement("span");
      swatch.className = `swatch swatch-${n % COLOURS.length}`;
      item.append(swatch, s.label);
      return item;
    }),
  );
}

function renderCharts() {
  const months = report.months.filter((m) => !m.partial); // a partial month would mislead
  const partial = report.months.filter((m) => m.partial).map((m) => m.month);
  $("partial-note").hidden = partial.length === 0;
  $("partial-note").textContent = t("report.partial", { months: partial.join(", ") });
  const charts = document.querySelector(".charts");
  charts.hidden = months.length === 0;
  if (months.length === 0) {
    $("partial-note").textContent += ` ${t("report.no-complete")}`;
    return;
  }
  const labels = months.map((m) => m.month);
  const pick = (key) => months.map((m) => m[key]);
  chart($("chart-active"), labels, [
    { label: t("col.residents"), values: pick("active_residents"), kind: "bar" },
    { label: t("col.merchants"), values: pick("active_merchants"), kind: "bar" },
  ], String);
  chart($("chart-volume"), labels, [{ label: `${t("col.volume")} (${report.currency})`, values: pick("volume"), kind: "bar" }], formatCents);
  chart($("chart-velocity"), labels, [{ label: t("col.velocity"), values: pick("velocity_bp"), kind: "line" }], times);
  chart($("chart-rates"), labels, [
    { label: t("col.share"), values: pick("merchant_share_bp"), kind: "line" },
    { label: t("col.rate"), values: pick("reconversion_rate_bp"), kind: "line" },
  ], percent);
}

const COLUMNS = [
  ["col.month", (m) => (m.partial ? `${m.month} (${t("partial")})` : m.month)],
  ["col.residents", (m) => String(m.active_residents)],
  ["col.merchants", (m) => String(m.active_merchants)],
  ["col.payments", (m) => String(m.payments)],
  ["col.volume", (m) => formatCents(m.volume)],
  ["col.share", (m) => percent(m.merchant_share_bp)],
  ["col.rate", (m) => percent(m.reconversion_rate_bp)],
  ["col.circulation", (m) => formatCents(m.average_circulation)],
  ["col.velocity", (m) => times(m.velocity_bp)],
];

function renderTable() {
  $("figures-head").replaceChildren(
    ...COLUMNS.map(([key]) => Object.assign(document.createElement("th"), { scope: "col", textContent: t(key) })),
  );
  $("figures-body").replaceChildren(
    ...report.months.map((m) => {
      const row = document.createElement("tr");
      if (m.partial) row.className = "partial";
      const [month, ...figures] = COLUMNS.map(([, cell]) => cell(m));
      row.append(
        Object.assign(document.createElement("th"), { scope: "row", textContent: month }),
        ...figures.map((text) => Object.assign(document.createElement("td"), { textContent: text })),
      );
      return row;
    }),
  );
}

// How each criterion's figure reads: accounts, cents of the currency, or basis points.
const CRITERION_FORMAT = {
  volume: (v) => formatAmount(v, report.currency),
  merchant_share_bp: (bp) => `${percent(bp)}\u00a0%`,
  reconversion_rate_bp: (bp) => `${percent(bp)}\u00a0%`,
};
const STATUS = new Map([
  [true, ["criteria.met", "met"]],
  [false, ["criteria.missed", "missed"]],
  [null, ["criteria.pending", "pending"]],
]);

function pilotEnd(pilot) {
  if (pilot.end === null) return t("criteria.no-end");
  const [year, month, day] = pilot.end.split("-").map(Number);
  const date = new Intl.DateTimeFormat(language() === "fr" ? "fr-FR" : "en-GB", { dateStyle: "long", timeZone: "UTC" })
    .format(new Date(Date.UTC(year, month - 1, day)));
  const left = pilot.days_left;
  const days = left === 0 ? t("criteria.days.0") : left === 1 ? t("criteria.days.1") : t("criteria.days.n", { n: left });
  return t("criteria.end", { date, days });
}

function renderCriteria() {
  const pilot = report.pilot;
  $("pilot-end").textContent = pilotEnd(pilot);
  const cell = (name, text) => Object.assign(document.createElement(name), { textContent: text });
  $("criteria-body").replaceChildren(
    ...pilot.criteria.map((c) => {
      const format = CRITERION_FORMAT[c.name] ?? String;
      const key = `criterion.${c.name}`;
      const label = cell("th", key in WORDS.fr ? t(key) : c.name);
      label.scope = "row";
      const target = t(c.at_least ? "criteria.at-least" : "criteria.at-most", { value: format(c.target) });
      const [statusKey, statusClass] = STATUS.get(c.met ?? null);
      const status = cell("td", t(statusKey));
      status.className = `criterion-status ${statusClass}`;
      const row = document.createElement("tr");
      row.dataset.criterion = c.name;
      row.append(
        label,
        cell("td", target),
        cell("td", c.month ?? "–"),
        cell("td", c.value === null ? "–" : format(c.value)),
        status,
      );
      return row;
    }),
  );
}

function render() {
  renderError();
  if (report) {
    renderCriteria();
    renderCharts();
    renderTable();
  }
}

async function enrolled() {
  const kept = await loadDevice(SLOT);
  if (kept) return kept;
  show("enrol");
  return new Promise((resolve) => {
    $("enrol-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = event.target.querySelector("button");
      button.disabled = true;
      shownError = null;
      renderError();
      try {
        resolve(await enrolDevice(SLOT, $("code").value, "evaluation"));
      } catch (error) {
        showError(error);
      } finally {
        button.disabled = false;
      }
    });
  });
}

async function download(token) {
  const response = await fetch("/v1/reports/evaluation.csv", {
    headers: { authorization: `Bearer ${token}` },
    cache: "no-store",
  });
  if (!response.ok) throw new Problem(response.status, await response.json().catch(() => null));
  const link = document.createElement("a");
  link.href = URL.createObjectURL(await response.blob());
  link.download = "evaluation.csv";
  link.click();
  URL.revokeObjectURL(link.href);
}

async function start() {
  setUpLanguage();
  let resizing = null; // the charts are drawn at their width: again when it changes
  window.addEventListener("resize", () => {
    clearTimeout(resizing);
    resizing = setTimeout(() => report && renderCharts(), 150);
  });
  onLanguage(render);
  if (!window.crypto?.subtle || !window.indexedDB) {
    showError("error.crypto");
    return;
  }
  const forget = $("forget");
  forget.addEventListener("click", async () => {
    await forgetDevice(SLOT);
    window.location.reload();
  });
  const device = await enrolled();
  forget.hidden = false;
  if (device.role !== "treasurer" && device.role !== "auditor") {
    showError("error.role");
    return;
  }
  try {
    const ledger = await api("/v1/ledger");
    const token = await readingToken(SLOT, device, ledger.host);
    report = await api("/v1/reports/evaluation", { token });
    $("download").addEventListener("click", () => download(token).catch(showError));
    show("report");
    render();
  } catch (error) {
    showError(error);
  }
}

start();
