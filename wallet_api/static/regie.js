// A local authority's (régie's) monthly statement (GET /v1/merchants/{n}/months/{YYYY-MM}),
// drawn the same on the console and on the régie's own merchant screen: the opening balance,
// each business day, the reconversions, the closing balance and where it stands in the log.
// "Print" prints the statement alone (sou.css, `body.printing`), to paper or to PDF.

import { addWords, language, t } from "./i18n.js";

addWords({
  fr: {
    "month.title": "Relevé mensuel de la régie {name} (compte {account}) : {month}",
    "month.complete": "Mois clos.",
    "month.partial": "Mois en cours : relevé arrêté au {end}.",
    "month.summary": "Totaux du mois",
    "month.opening": "Solde d’ouverture",
    "month.count": "Paiements reçus",
    "month.credits": "Encaissements",
    "month.refunds": "Remboursements",
    "month.net": "Net",
    "month.reconverted": "Reconverti en euros",
    "month.paid-out": "Versé en euros (après commission)",
    "month.other": "Autres mouvements",
    "month.closing": "Solde de clôture",
    "month.days": "Par journée",
    "month.day": "Journée",
    "month.closed": "Clôture (écriture)",
    "month.open": "non clôturée",
    "month.reconversions": "Reconversions",
    "month.none": "Aucune reconversion ce mois-ci.",
    "month.entry": "Écriture",
    "month.date": "Date",
    "month.amount": "Montant",
    "month.fee": "Commission",
    "month.batch": "Lot",
    "month.status": "État",
    "month.status.waiting": "en attente",
    "month.status.approved": "approuvée",
    "month.status.executed": "versée",
    "month.log": "Écritures {first} à {last} du journal (taille lue : {size}). Racine des reçus du mois : {root}.",
    "month.log-empty": "Aucune écriture ce mois-ci (taille du journal lue : {size}).",
  },
  en: {
    "month.title": "Monthly statement of the régie {name} (account {account}): {month}",
    "month.complete": "Month over.",
    "month.partial": "Month under way: statement as of {end}.",
    "month.summary": "The month’s totals",
    "month.opening": "Opening balance",
    "month.count": "Payments received",
    "month.credits": "Takings",
    "month.refunds": "Refunds",
    "month.net": "Net",
    "month.reconverted": "Reconverted to euros",
    "month.paid-out": "Paid out in euros (after fees)",
    "month.other": "Other movements",
    "month.closing": "Closing balance",
    "month.days": "By business day",
    "month.day": "Business day",
    "month.closed": "Closing (entry)",
    "month.open": "not closed",
    "month.reconversions": "Reconversions",
    "month.none": "No reconversion this month.",
    "month.entry": "Entry",
    "month.date": "Date",
    "month.amount": "Amount",
    "month.fee": "Fee",
    "month.batch": "Batch",
    "month.status": "Status",
    "month.status.waiting": "waiting",
    "month.status.approved": "approved",
    "month.status.executed": "paid",
    "month.log": "Log entries {first} to {last} (log size read: {size}). Root of the month’s receipts: {root}.",
    "month.log-empty": "No log entry this month (log size read: {size}).",
  },
});

const locale = () => (language() === "en" ? "en-GB" : "fr-FR");

function el(tag, text, attributes = {}) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

function table(caption, heads, rows) {
  const node = el("table", undefined, { class: "figures" });
  node.append(el("caption", caption));
  const head = el("tr");
  head.append(...heads.map((h) => el("th", t(h), { scope: "col" })));
  const thead = el("thead");
  thead.append(head);
  const body = el("tbody");
  for (const [first, ...rest] of rows) {
    const row = el("tr");
    row.append(el("th", first, { scope: "row" }), ...rest.map((v) => el("td", v)));
    body.append(row);
  }
  node.append(thead, body);
  const region = el("div", undefined, { class: "table", role: "region", tabindex: "0", "aria-label": caption });
  region.append(node);
  return region;
}

/** `2026-03` → "mars 2026" / "March 2026". */
export function monthName(month) {
  const format = new Intl.DateTimeFormat(locale(), { month: "long", year: "numeric", timeZone: "UTC" });
  return format.format(new Date(`${month}-01T00:00:00Z`));
}

function dayName(date) {
  const format = new Intl.DateTimeFormat(locale(), { weekday: "short", day: "numeric", month: "short", timeZone: "UTC" });
  return format.format(new Date(`${date}T00:00:00Z`));
}

/** The statement `m` drawn into `container` (amounts by `money(cents)`); `level` is the
 * heading level of its title (h3 on the console, h4 under the till's day). */
export function drawMonth(container, m, money, level = 3) {
  const title = el(`h${level}`, t("month.title", { name: m.name, account: m.account, month: monthName(m.month) }));
  const when = new Date(m.end).toLocaleString(locale(), { dateStyle: "long", timeStyle: "short" });
  const state = el("p", m.complete ? t("month.complete") : t("month.partial", { end: when }));
  const summary = table(
    t("month.summary"),
    ["month.summary", "month.amount"],
    [
      [t("month.opening"), money(m.opening)],
      [t("month.count"), String(m.count)],
      [t("month.credits"), money(m.credits)],
      [t("month.refunds"), money(m.refunds)],
      [t("month.net"), money(m.net)],
      [t("month.reconverted"), money(m.reconverted)],
      [t("month.paid-out"), money(m.paid_out)],
      [t("month.other"), money(m.other)],
      [t("month.closing"), money(m.closing)],
    ],
  );
  const days = table(
    t("month.days"),
    ["month.day", "month.count", "month.credits", "month.refunds", "month.net", "month.closed"],
    m.days.map((d) => [
      dayName(d.date),
      String(d.count),
      money(d.credits),
      money(d.refunds),
      money(d.net),
      d.closed_entry === null ? t("month.open") : String(d.closed_entry),
    ]),
  );
  const parts = [title, state, summary, el(`h${level + 1}`, t("month.days")), days, el(`h${level + 1}`, t("month.reconversions"))];
  if (m.reconversions.length === 0) parts.push(el("p", t("month.none")));
  else {
    parts.push(
      table(
        t("month.reconversions"),
        ["month.entry", "month.date", "month.amount", "month.fee", "month.paid-out", "month.batch", "month.status"],
        m.reconversions.map((r) => [
          String(r.entry),
          new Date(r.requested).toLocaleDateString(locale()),
          money(r.amount),
          money(r.fee),
          money(r.net),
          r.batch === null ? "—" : String(r.batch),
          t(`month.status.${r.status}`),
        ]),
      ),
    );
  }
  const log =
    m.first_entry === null
      ? t("month.log-empty", { size: m.log_size })
      : t("month.log", { first: m.first_entry, last: m.last_entry, size: m.log_size, root: m.receipts_root });
  parts.push(el("p", log, { class: "small" }));
  container.replaceChildren(...parts);
}

/** The current month, YYYY-MM, in Paris. */
export function thisMonth() {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Paris", year: "numeric", month: "2-digit" }).format(new Date());
}
