// The till's business day (FORMATS.md §7): today's takings for every till device, and for the
// merchant's own key any past day, its closing with a `day` record signed on this device,
// and the statements for the accountant. Reads carry the device's bearer token; the closing
// is the signed record itself, checked by the ledger against the day as the log stands.

import { Problem, api } from "./api.js";
import { readingToken } from "./device.js";
import { language, onLanguage, t } from "./i18n.js";
import { formatAmount, parseAmount } from "./money.js";
import { signRecord } from "./records.js";
import { $, busy, clearError, show, showError } from "./screen.js";
import { setUpReports } from "./till-reports.js";

const ZERO = /^0+(?:[,.]0{1,2})?$/;
const REFRESHED = ["day-statement-changed", "day-closed"]; // the view was stale: show it afresh

let ledger = null;
let device = null;
let slot = null;
let today = null; // the merchant's current business day, YYYY-MM-DD, as the ledger said
let shown = null; // the day on screen, as GET …/days/{date} gives it
let pending = null; // the unsigned `day` record awaiting the merchant's confirmation
let outcome = null; // the last closing: {date, entry}
let loads = 0; // answers to older loads are dropped

const isMerchant = () => device?.role === "merchant";
const base = () => `/v1/merchants/${device.account}`;
const money = (cents) => formatAmount(cents, ledger.currency);

/** A declared total: null if left blank, its cents, or undefined if it is not an amount. */
export function parseDeclared(text) {
  const trimmed = String(text).trim();
  if (trimmed === "") return null;
  if (ZERO.test(trimmed)) return 0;
  return parseAmount(trimmed) ?? undefined;
}

function signed(cents) {
  if (cents === null || cents === undefined) return "";
  return cents > 0 ? `+${money(cents)}` : money(cents);
}

function longDate(date) {
  const format = new Intl.DateTimeFormat(language() === "en" ? "en-GB" : "fr-FR", { dateStyle: "full", timeZone: "UTC" });
  return format.format(new Date(`${date}T00:00:00Z`));
}

async function withToken(call) {
  try {
    return await call(await readingToken(slot, device, ledger.host));
  } catch (error) {
    if (!(error instanceof Problem) || error.code !== "unauthenticated") throw error;
    return call(await readingToken(slot, device, ledger.host, { renew: true }));
  }
}

const read = (path) => withToken((token) => api(path, { token }));

/** Fetches a file with the bearer token and hands it to the browser as a download. */
async function download(path, name) {
  const blob = await withToken(async (token) => {
    let response;
    try {
      response = await fetch(path, { headers: { authorization: `Bearer ${token}` }, cache: "no-store" });
    } catch {
      throw new Problem(0, { type: "urn:sou:problem:network" });
    }
    if (!response.ok) throw new Problem(response.status, await response.json().catch(() => null));
    return response.blob();
  });
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

function cell(row, text) {
  const td = document.createElement(row.childElementCount ? "td" : "th");
  if (td.tagName === "TH") td.scope = "row";
  td.textContent = text;
  row.append(td);
}

function fillTable(id, rows, columns) {
  const body = $(id);
  body.replaceChildren();
  if (rows.length === 0) {
    const tr = document.createElement("tr");
    const td = document.createElement("td");
    td.colSpan = columns;
    td.textContent = t("day.none");
    tr.append(td);
    body.append(tr);
    return;
  }
  for (const values of rows) {
    const tr = document.createElement("tr");
    for (const value of values) cell(tr, value);
    body.append(tr);
  }
}

function tillName(till) {
  if (till.label) return till.label;
  return till.till ? t("day.key", { kid: till.till }) : t("day.sticker");
}

function renderConfirm() {
  $("close-confirm").hidden = pending === null;
  $("close-form").hidden = pending !== null || shown?.status !== "open";
  if (!pending) return;
  const r = pending;
  const net = r.credits - r.refunds;
  $("confirm-date").textContent = longDate(r.date);
  $("confirm-count").textContent = String(r.count);
  $("confirm-credits").textContent = money(r.credits);
  $("confirm-refunds").textContent = money(r.refunds);
  $("confirm-net").textContent = money(net);
  $("confirm-declared").textContent = r.declared === null ? t("close.none") : money(r.declared);
  $("confirm-difference").textContent = r.declared === null ? "—" : signed(r.declared - net);
}

function render() {
  if (!device || !shown) return;
  const d = shown;
  $("day-date").textContent = longDate(d.date);
  $("day-status").textContent =
    d.status === "closed" ? t("day.closed", { entry: d.closed_entry }) : t("day.open-status");
  $("day-status").className = `day-status ${d.status}`;
  $("day-count").textContent = String(d.count);
  $("day-credits").textContent = money(d.credits);
  $("day-refunds").textContent = money(d.refunds);
  $("day-net").textContent = money(d.net);
  $("day-declared-row").hidden = d.declared === null;
  $("day-declared").textContent = d.declared === null ? "" : money(d.declared);
  $("day-difference-row").hidden = d.difference === null;
  $("day-difference").textContent = signed(d.difference);
  fillTable(
    "day-tills",
    d.tills.map((till) => [tillName(till), String(till.payments), money(till.credits), money(till.refunds)]),
    4,
  );
  fillTable(
    "day-hours",
    d.hours.map((h) => [t("day.hour-span", { from: h.hour, to: (h.hour + 1) % 24 }), String(h.payments), money(h.credits)]),
    3,
  );
  $("day-outcome").textContent = outcome ? t("close.done", { date: longDate(outcome.date), entry: outcome.entry }) : "";
  $("day-pick").hidden = !isMerchant();
  $("day-merchant").hidden = !isMerchant();
  if (isMerchant()) {
    $("day-date-input").value = d.date;
    $("day-date-input").max = today;
    $("period-first").max = today;
    $("period-last").max = today;
  }
  renderConfirm();
}

/** Loads a day (`today` by default, or the one on screen) and shows it. */
async function load(date = shown && shown.date !== today ? shown.date : "today") {
  const ticket = ++loads;
  const day = await read(`${base()}/days/${date}`);
  if (ticket !== loads) return;
  if (date === "today") today = day.date;
  if (!shown || shown.date !== day.date) {
    pending = null;
    $("declared").value = "";
  }
  shown = day;
  if (isMerchant() && !$("period-first").value) {
    $("period-first").value = `${today.slice(0, 8)}01`;
    $("period-last").value = today;
  }
  render();
}

async function prepareClosing() {
  const declared = parseDeclared($("declared").value);
  if (declared === undefined) return showError("error.declared");
  outcome = null;
  const date = shown.date;
  const query = declared === null ? "" : `?declared=${declared}`;
  const { record } = await read(`${base()}/days/${date}/record${query}`);
  const expected = {
    v: 1,
    type: "day",
    ledger: ledger.host,
    account: String(device.account),
    date,
    kid: device.kid,
    declared,
  };
  const wrong = Object.keys(expected).filter((field) => record[field] !== expected[field]);
  if (wrong.length === 1 && wrong[0] === "declared" && declared === null) {
    // The ledger fills in the total declared at the closing only once the day is closed.
    await load(date === today ? "today" : date);
    return showError("problem.day-closed");
  }
  if (wrong.length > 0) throw new Error(t("error.day-record"));
  pending = record;
  render();
  $("close-confirm").querySelector("h3").focus();
}

async function close() {
  const record = pending;
  const { envelope } = await signRecord("day", record, device.privateKey);
  try {
    const closed = await api(`${base()}/days/${record.date}/close`, { method: "POST", body: envelope });
    pending = null;
    outcome = { date: record.date, entry: closed.entry };
    shown = closed.day;
    $("declared").value = "";
    render();
  } catch (error) {
    if (!(error instanceof Problem) || !REFRESHED.includes(error.code)) throw error;
    pending = null;
    await load(record.date === today ? "today" : record.date);
    throw error; // shown over the refreshed figures
  }
}

/** Reloads today's figures if they are the ones on screen (a payment has just turned paid). */
export function paymentArrived() {
  if (!device || (shown && shown.date !== today)) return;
  load("today").catch(showError);
}

export function showDay() {
  clearError();
  show("day");
  busy($("day-refresh"), () => load());
}

/** Wires the day view for this till device; `back` returns to the till's home. */
export function setUpDay(options) {
  ({ ledger, device, slot } = options);
  $("open-day").hidden = false;
  $("open-day").addEventListener("click", showDay);
  $("day-back").addEventListener("click", () => {
    clearError();
    options.back();
  });
  $("day-refresh").addEventListener("click", () => busy($("day-refresh"), () => load()));
  onLanguage(render);
  if (!isMerchant()) return;
  $("day-date-input").addEventListener("change", () => {
    const date = $("day-date-input").value;
    if (!date) return;
    outcome = null;
    busy($("day-refresh"), () => load(date === today ? "today" : date));
  });
  $("close-form").addEventListener("submit", (event) => {
    event.preventDefault();
    busy($("close-form").querySelector("button"), prepareClosing);
  });
  $("close-sign").addEventListener("click", () => busy($("close-sign"), close));
  $("close-cancel").addEventListener("click", () => {
    pending = null;
    render();
    $("declared").focus();
  });
  for (const format of ["csv", "pdf"]) {
    const button = $(`download-${format}`);
    const path = () => `${base()}/days/${shown.date}/statement.${format}`;
    button.addEventListener("click", () =>
      busy(button, () => download(path(), `sou-${device.account}-${shown.date}.${format}`)),
    );
  }
  $("period-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const first = $("period-first").value;
    const last = $("period-last").value;
    if (!first || !last || first > last) return showError("error.period");
    busy($("period-form").querySelector("button"), () =>
      download(`${base()}/takings.csv?first=${first}&last=${last}`, `sou-${device.account}-${first}-${last}.csv`),
    );
  });
  // a CAE's cooperative view, a régie's monthly statement (till-reports.js)
  setUpReports({ device, read, download, money }).catch(showError);
}
