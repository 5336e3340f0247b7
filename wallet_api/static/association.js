// The association's console: the reserve dashboard, the bank statement lines left to account
// for, the compliance panel and the latest signed reserve statement, read with this device's
// treasurer or auditor key; the treasurer matches or resolves lines and publishes.

import { api, serverNow } from "./api.js";
import { readingToken } from "./device.js";
import { ensureDevice, setUpForget } from "./enrolment.js";
import { addWords, language, onLanguage, setUpLanguage, t } from "./i18n.js";
import { formatCents, parseAmount } from "./money.js";
import { setUpRegister } from "./member-register.js";
import { setUpVolunteers } from "./console-volunteers.js";
import { setUpBankImport } from "./console-bank.js";
import { setUpPlatformImport } from "./console-import.js";
import { operationRecord, signRecord } from "./records.js";
import { $, busy, setUpMessages, show, showError } from "./screen.js";
import { setUpPayouts } from "./console-payouts.js";
import { setUpMerchants } from "./console-merchants.js";
import { setUpRegie } from "./console-regie.js";
import { renderConsoleMemberships, setUpConsoleMemberships } from "./console-memberships.js";

const SLOT = "association";
// This page's own words; the shared ones (enrolment, errors, problems) are i18n.js's.
const TEXT = {
  fr: {
    title: "Console de l’association",
    "nav.heading": "Sur cette page",
    acts: "Qui a fait quoi",
    member: "Les données d’un membre",
    "member-number": "N° de compte du membre",
    "member-export": "Télécharger ses données (JSON et page)",
    "member-erase": "Effacer ses données (compte clos)",
    "member-exported": "Données du compte n° {number} téléchargées.",
    "member-erased": "Données personnelles du compte n° {number} effacées ; le registre reste vérifiable.",
    "member-confirm": "Effacer définitivement les données personnelles du compte n° {number} ?",
    "acts.when": "Quand",
    "acts.who": "Qui",
    "acts.what": "Quoi",
    "acts.on": "Sur",
    "act.account.open": "Compte ouvert",
    "act.platform.import": "Reprise depuis une autre plateforme (comptes, soldes, historique)",
    "act.account.status": "Statut d’un compte changé",
    "act.account.consent": "Notice de confidentialité acceptée",
    "act.account.recover": "Compte récupéré au comptoir (identité vérifiée)",
    "act.account.recovery-code": "Code de secours imprimé remis",
    "act.account.recovery-used": "Téléphone enrôlé avec le code de secours (autres appareils révoqués)",
    "act.account.recovery-revoke": "Code de secours annulé",
    "act.key.code": "Code d’enrôlement émis",
    "act.key.revoke": "Appareil révoqué",
    "act.key.lost-phone": "Téléphone perdu : appareils révoqués",
    "act.fee_rule.set": "Commission fixée",
    "act.merchant.approve": "Commerçant agréé",
    "act.merchant.refuse": "Demande de commerçant refusée",
    "act.merchant.card": "Fiche d’un commerçant modifiée",
    "act.merchant.membership": "Adhésion enregistrée",
    "act.merchant.closing": "Heure de clôture changée",
    "act.payouts.approve": "Reconversions approuvées",
    "act.payouts.executed": "Virements exécutés",
    "act.auditor.grant": "Accès d’un auditeur ouvert",
    "act.auditor.close": "Accès d’un auditeur fermé",
    "act.bank.account": "Compte bancaire enregistré",
    "act.bank.import": "Relevé bancaire importé",
    "act.bank.match": "Ligne de relevé rapprochée",
    "act.bank.resolve": "Ligne de relevé justifiée",
    "act.reserve.publish": "État de la réserve publié",
    "act.reserve.cosign": "État de la réserve cosigné",
    "act.office.notes": "Billets livrés à un comptoir",
    "act.member.erase": "Données d’un membre effacées",
    "act.member.edit": "Fiche d’un membre corrigée",
    "act.member.close": "Compte d’un membre clos",
    "act.member.import": "Membres importés d’un fichier",
    "act.memo.erase": "Mémo d’un paiement effacé",
    "act.membership.fee": "Cotisation d’adhésion fixée",
    "act.membership.payment": "Cotisation d’adhésion reçue",
    "act.membership.setting": "Règle d’adhésion changée",
    "memo-entry": "N° d’écriture du mémo (voir ses données)",
    "memo-erase": "Effacer ce mémo",
    "memo-confirm": "Effacer le mémo de l’écriture n° {entry} ? Le texte ne pourra pas être rétabli.",
    "memo-erased": "Mémo de l’écriture n° {entry} effacé.",
    "actor.server": "le service",
    reserve: "Réserve",
    offices: "Comptoirs",
    stock: "Billets en stock : reçus de l’association, moins émis, plus repris (un inventaire, hors du registre). Un stock négatif signale des billets émis qu’aucune livraison n’explique.",
    banks: "Comptes bancaires de la réserve",
    history: "Historique (fin de mois)",
    compliance: "Conformité (exemption de réseau limité)",
    statement: "Dernier état de la réserve",
    "publish-date": "Date de l’état (AAAA-MM-JJ, vide = aujourd’hui)",
    publish: "Publier l’état signé de la réserve",
    circulation: "Unités en circulation",
    digital: "dont numériques",
    paper: "dont billets",
    "reserve:digital": "Réserve des unités numériques",
    "reserve:paper": "Réserve des billets",
    backing: "Euros en couverture",
    coverage: "Taux de couverture",
    payouts: "Reconversions à payer",
    fees: "Commissions acquises",
    cash: "caisse {cash} €, billets reçus {delivered} €, émis {issued} €, repris {back} €, en stock {stock} €",
    bank: "{iban} ({reserve}) : banque {bank}, registre attendu {expected} €, écart {diff}",
    "no-bank": "aucun relevé",
    volume: "Paiements numériques sur 12 mois",
    outstanding: "Unités numériques en circulation",
    level: "{amount} € sur {threshold} € ({percent}) : {level}",
    ok: "normal",
    warning: "ALERTE (80 %)",
    exceeded: "SEUIL DÉPASSÉ",
    none: "Aucun état publié.",
    summary: "État du {date} : {status}. Passif {liabilities} €, réserve {reserve} €, écart {diff} €.",
    shortfall: " INSUFFISANCE : la banque détient {shortfall} € de moins que les unités en circulation.",
    unchecked: " NON VÉRIFIÉ : un compte de réserve détient des euros qu’aucun relevé bancaire n’a encore montrés ; importez le relevé, puis publiez de nouveau.",
    month: "Mois",
    reconcile: "Lignes de relevé à rapprocher",
    "reconcile-help": "Rapprochez chaque ligne avec ce que le registre attend, même d’un autre montant (l’écart reste affiché), ou justifiez-la par une note.",
    "all-matched": "Aucune ligne ouverte.",
    line: "{date} · {amount} € · {label}",
    "top-up": " (virement du compte {member})",
    convert: "Convertir en {amount} unités pour le compte {member}",
    with: "Rapprocher avec",
    "no-match": "rien : justifier par la note",
    deposit: "dépôt",
    conversion: "conversion",
    "payout-batch": "lot de reconversions",
    transit: "{kind} de {amount} € du {date}",
    note: "Note",
    save: "Enregistrer",
    "notes-office": "Comptoir",
    "notes-amount": "Billets livrés (€, valeur faciale)",
    "notes-back": "Repris par l’association",
    "notes-save": "Enregistrer les billets",
  },
  en: {
    title: "Association console",
    "nav.heading": "On this page",
    reserve: "Reserve",
    offices: "Exchange offices",
    stock: "Notes in stock: received from the association, less issued, plus taken back (inventory, beside the ledger). A negative stock means notes issued that no delivery accounts for.",
    banks: "Reserve bank accounts",
    history: "History (month ends)",
    acts: "Who did what",
    member: "A member’s data",
    "member-number": "The member’s account number",
    "member-export": "Download their data (JSON and page)",
    "member-erase": "Erase their data (closed account)",
    "member-exported": "The data of account {number} downloaded.",
    "member-erased": "The personal data of account {number} erased; the ledger still verifies.",
    "member-confirm": "Erase the personal data of account {number} for good?",
    "acts.when": "When",
    "acts.who": "Who",
    "acts.what": "What",
    "acts.on": "On",
    "act.account.open": "Account opened",
    "act.platform.import": "Import from another platform (accounts, balances, history)",
    "act.account.status": "Account status changed",
    "act.account.consent": "Privacy notice accepted",
    "act.account.recover": "Account recovered at the office (identity checked)",
    "act.account.recovery-code": "Printed recovery code handed over",
    "act.account.recovery-used": "Phone enrolled with the recovery code (other devices revoked)",
    "act.account.recovery-revoke": "Recovery code cancelled",
    "act.key.code": "Enrolment code issued",
    "act.key.revoke": "Device revoked",
    "act.key.lost-phone": "Lost phone: devices revoked",
    "act.fee_rule.set": "Fee set",
    "act.merchant.approve": "Merchant approved",
    "act.merchant.refuse": "Merchant application refused",
    "act.merchant.card": "A merchant’s card changed",
    "act.merchant.membership": "Membership recorded",
    "act.merchant.closing": "Closing time changed",
    "act.payouts.approve": "Reconversions approved",
    "act.payouts.executed": "Transfers executed",
    "act.auditor.grant": "Auditor access opened",
    "act.auditor.close": "Auditor access closed",
    "act.bank.account": "Bank account registered",
    "act.bank.import": "Bank statement imported",
    "act.bank.match": "Statement line matched",
    "act.bank.resolve": "Statement line explained",
    "act.reserve.publish": "Reserve statement published",
    "act.reserve.cosign": "Reserve statement cosigned",
    "act.office.notes": "Notes delivered to an office",
    "act.member.erase": "A member’s data erased",
    "act.member.edit": "A member’s record corrected",
    "act.member.close": "A member’s account closed",
    "act.member.import": "Members imported from a file",
    "act.memo.erase": "A payment’s memo erased",
    "act.membership.fee": "Membership fee set",
    "act.membership.payment": "Membership fee received",
    "act.membership.setting": "Membership rule changed",
    "memo-entry": "Entry number of the memo (see their data)",
    "memo-erase": "Erase this memo",
    "memo-confirm": "Erase the memo of entry {entry}? The text cannot be brought back.",
    "memo-erased": "The memo of entry {entry} erased.",
    "actor.server": "the service",
    compliance: "Compliance (limited-network exemption)",
    statement: "Latest reserve statement",
    "publish-date": "Statement date (YYYY-MM-DD, empty = today)",
    publish: "Publish the signed reserve statement",
    circulation: "Units in circulation",
    digital: "of which digital",
    paper: "of which paper",
    "reserve:digital": "Reserve for digital units",
    "reserve:paper": "Reserve for paper notes",
    backing: "Backing euros",
    coverage: "Coverage ratio",
    payouts: "Reconversions payable",
    fees: "Fees earned",
    cash: "cash {cash} €, notes received {delivered} €, issued {issued} €, taken back {back} €, in stock {stock} €",
    bank: "{iban} ({reserve}): bank {bank}, ledger expects {expected} €, difference {diff}",
    "no-bank": "no statement",
    volume: "Digital payments over 12 months",
    outstanding: "Outstanding digital units",
    level: "{amount} € of {threshold} € ({percent}): {level}",
    ok: "normal",
    warning: "ALERT (80 %)",
    exceeded: "THRESHOLD EXCEEDED",
    none: "No statement published.",
    summary: "Statement of {date}: {status}. Liabilities {liabilities} €, reserve {reserve} €, difference {diff} €.",
    shortfall: " SHORTFALL: the bank holds {shortfall} € less than the units in circulation.",
    unchecked: " UNCHECKED: a reserve account holds euros that no bank statement has shown yet; import the statement, then publish again.",
    month: "Month",
    reconcile: "Statement lines to match",
    "reconcile-help": "Match each line with what the ledger expects, even of another amount (the difference stays shown), or explain it with a note.",
    "all-matched": "No open line.",
    line: "{date} · {amount} € · {label}",
    "top-up": " (transfer from account {member})",
    convert: "Convert into {amount} units for account {member}",
    with: "Match with",
    "no-match": "nothing: explain with the note",
    deposit: "deposit",
    conversion: "conversion",
    "payout-batch": "reconversion batch",
    transit: "{kind} of {amount} € on {date}",
    note: "Note",
    save: "Save",
    "notes-office": "Exchange office",
    "notes-amount": "Notes delivered (€, face value)",
    "notes-back": "Taken back by the association",
    "notes-save": "Record the notes",
  },
};
addWords(TEXT);
let ledger = null;
let device = null;
let figures = null;
let checks = [];
let acts = []; // the latest administrative acts, who did them (GET /v1/audit/acts)

function percent(bp) {
  return bp === null ? "—" : `${Math.floor(bp / 100)},${String(bp % 100).padStart(2, "0")} %`;
}

function item(text, className = "") {
  const li = document.createElement("li");
  li.textContent = text;
  if (className) li.className = className;
  return li;
}

function renderFigures(d) {
  const rows = [
    ["circulation", `${formatCents(d.circulation)}\u00a0€`],
    ["digital", `${formatCents(d.circulation_digital)}\u00a0€`],
    ["paper", `${formatCents(d.circulation_paper)}\u00a0€`],
    ...d.reserves.map((r) => [r.name, `${formatCents(r.balance)}\u00a0€`]),
    ["backing", `${formatCents(d.backing)}\u00a0€`],
    ["coverage", percent(d.coverage_bp)],
    ["payouts", `${formatCents(d.payouts_payable)}\u00a0€`],
    ["fees", `${formatCents(d.fees_earned)}\u00a0€`],
  ];
  $("figures").replaceChildren(
    ...rows.flatMap(([key, value]) => {
      const dt = document.createElement("dt");
      dt.textContent = t(key);
      const dd = document.createElement("dd");
      dd.textContent = value;
      dd.id = `figure-${key.replace(":", "-")}`;
      return [dt, dd];
    }),
  );
  $("offices").replaceChildren(
    ...d.offices.map((o) =>
      item(
        `${o.name} — ${t("cash", {
          cash: formatCents(o.cash),
          delivered: formatCents(o.notes_delivered),
          issued: formatCents(o.paper_issued),
          back: formatCents(o.paper_exchanged),
          stock: formatCents(o.paper_stock),
        })}`,
        o.paper_stock < 0 ? "bad" : "",
      ),
    ),
  );
  $("banks").replaceChildren(
    ...d.banks.map((b) =>
      item(
        t("bank", {
          iban: b.iban,
          reserve: b.reserve,
          bank: b.bank === null ? t("no-bank") : `${formatCents(b.bank)} € (${b.statement_date})`,
          expected: formatCents(b.expected),
          diff: b.difference === null ? "—" : `${formatCents(b.difference)}\u00a0€`,
        }),
        b.balanced ? "" : "bad",
      ),
    ),
  );
}

function lineForm(line, transit) {
  const form = document.createElement("form");
  form.className = "line";
  const id = `line-${line.statement}-${line.line}`;
  const what = document.createElement("p");
  what.textContent =
    t("line", { date: line.date, amount: formatCents(line.amount), label: line.label }) +
    (line.member ? t("top-up", { member: line.member }) : "");
  form.append(what);
  if (device.role !== "treasurer") return form;
  const choose = document.createElement("label");
  choose.htmlFor = `${id}-target`;
  choose.textContent = t("with");
  const select = document.createElement("select");
  select.id = `${id}-target`;
  select.name = "target";
  select.append(new Option(t("no-match"), ""));
  for (const move of transit.filter((candidate) => candidate.amount > 0 === line.amount > 0)) {
    const target = move.entry !== null ? `entry:${move.entry}` : `batch:${move.batch}`;
    const label = t("transit", { kind: t(move.kind), amount: formatCents(Math.abs(move.amount)), date: move.date });
    select.append(new Option(label, target));
  }
  const noteLabel = document.createElement("label");
  noteLabel.htmlFor = `${id}-note`;
  noteLabel.textContent = t("note");
  const note = document.createElement("input");
  note.id = `${id}-note`;
  note.name = "note";
  note.required = true;
  note.maxLength = 280;
  note.autocomplete = "off";
  const save = document.createElement("button");
  save.type = "submit";
  save.textContent = t("save");
  if (line.member) {
    // A member's transfer: the treasurer signs the bank conversion that credits their units.
    const convert = document.createElement("button");
    convert.type = "button";
    convert.textContent = t("convert", { amount: formatCents(line.amount), member: line.member });
    convert.addEventListener("click", () => busy(convert, () => topUp(line)));
    form.append(convert);
  }
  form.append(choose, select, noteLabel, note, save);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(save, () => account(line, select.value, note.value));
  });
  return form;
}

/** Signs the bank `conversion` of a member's top-up line with this device's key and posts
 * it: the line is converted once (a second try is refused as the line is matched). */
async function topUp(line) {
  const record = operationRecord({
    type: "conversion",
    host: ledger.host,
    currency: ledger.currency,
    kid: device.kid,
    now: serverNow(),
    fields: { method: "bank", office: null, to: String(line.member), amount: line.amount },
  });
  const { envelope } = await signRecord("conversion", record, device.privateKey);
  const token = await readingToken(SLOT, device, ledger.host);
  const path = `/v1/bank-statements/${line.statement}/lines/${line.line}/conversion`;
  await api(path, { method: "POST", token, body: envelope });
  await load();
}

function renderLines() {
  const forms = checks.flatMap((c) => c.open_lines.map((line) => lineForm(line, c.in_transit)));
  if (forms.length) {
    $("lines").replaceChildren(...forms);
  } else {
    const none = document.createElement("p");
    none.textContent = t("all-matched");
    $("lines").replaceChildren(none);
  }
}

async function account(line, target, note) {
  const token = await readingToken(SLOT, device, ledger.host);
  const path = `/v1/bank-statements/${line.statement}/lines/${line.line}`;
  if (target) {
    const [kind, number] = target.split(":");
    await api(`${path}/match`, { method: "POST", token, body: { [kind]: Number(number), note } });
  } else {
    await api(`${path}/resolve`, { method: "POST", token, body: { note } });
  }
  await load();
}

function renderOfficeChoice(offices) {
  const select = $("notes-office");
  const chosen = select.value;
  select.replaceChildren(...offices.map((o) => new Option(o.name, String(o.number))));
  if (chosen) select.value = chosen;
}

async function recordNotes() {
  const cents = parseAmount($("notes-amount").value);
  if (cents === null) {
    showError("error.amount");
    return;
  }
  const token = await readingToken(SLOT, device, ledger.host);
  const amount = $("notes-back").checked ? -cents : cents;
  const note = $("notes-note").value;
  await api(`/v1/offices/${$("notes-office").value}/note-deliveries`, {
    method: "POST",
    token,
    body: { amount, note },
  });
  $("notes-form").reset();
  await load();
}

function renderHistory(points) {
  const head = document.createElement("tr");
  for (const key of ["month", "circulation", "backing"]) {
    const th = document.createElement("th");
    th.textContent = t(key);
    head.append(th);
  }
  const rows = points.map((p) => {
    const tr_ = document.createElement("tr");
    for (const value of [p.month, `${formatCents(p.circulation)}\u00a0€`, `${formatCents(p.backing)}\u00a0€`]) {
      const td = document.createElement("td");
      td.textContent = value;
      tr_.append(td);
    }
    return tr_;
  });
  $("history").replaceChildren(head, ...rows);
  const chart = $("chart");
  const ns = "http://www.w3.org/2000/svg";
  const top = Math.max(1, ...points.map((p) => Math.max(p.circulation, p.backing)));
  const width = 320 / Math.max(1, points.length);
  chart.replaceChildren(
    ...points.flatMap((p, i) =>
      [
        [p.circulation, 0, "#1d5c4d"],
        [p.backing, width / 2, "#8fb8a8"],
      ].map(([value, shift, colour]) => {
        const bar = document.createElementNS(ns, "rect");
        const height = Math.round((value * 110) / top);
        bar.setAttribute("x", String(i * width + shift));
        bar.setAttribute("y", String(115 - height));
        bar.setAttribute("width", String(Math.max(1, width / 2 - 2)));
        bar.setAttribute("height", String(height));
        bar.setAttribute("fill", colour);
        return bar;
      }),
    ),
  );
  chart.setAttribute("aria-label", t("history"));
}

function renderActs(list) {
  const head = document.createElement("tr");
  for (const key of ["acts.when", "acts.who", "acts.what", "acts.on"]) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = t(key);
    head.append(th);
  }
  const lang = language();
  const rows = list.map((a) => {
    const row = document.createElement("tr");
    const when = new Date(a.at).toLocaleString(lang, { dateStyle: "short", timeStyle: "short" });
    const who = a.actor === "server" ? t("actor.server") : a.actor;
    const what = TEXT.fr[`act.${a.act}`] ? t(`act.${a.act}`) : a.act;
    for (const value of [when, who, what, a.subject]) {
      const td = document.createElement("td");
      td.textContent = value;
      row.append(td);
    }
    return row;
  });
  $("acts").replaceChildren(head, ...rows);
}

function renderCompliance(c) {
  const line = (key, m) =>
    item(
      `${t(key)} : ${t("level", { amount: formatCents(m.amount), threshold: formatCents(m.threshold), percent: percent(m.usage_bp), level: t(m.level) })}`,
      m.level === "ok" ? "" : "bad",
    );
  $("compliance").replaceChildren(line("volume", c.payment_volume), line("outstanding", c.outstanding));
}

async function renderStatement(s) {
  if (!s) {
    $("statement-summary").textContent = t("none");
    $("statement-note").textContent = "";
    return;
  }
  let text = t("summary", {
    date: s.date,
    status: s.status,
    liabilities: formatCents(s.liabilities),
    reserve: formatCents(s.reserve),
    diff: formatCents(s.difference),
  });
  if (s.status === "SHORTFALL") text += t("shortfall", { shortfall: formatCents(s.shortfall) });
  if (s.status === "UNCHECKED") text += t("unchecked");
  $("statement-summary").textContent = text;
  $("statement-summary").className = s.status === "OK" ? "check ok" : "check bad";
  const response = await fetch(`/v1/reserve-statements/${s.id}`, { cache: "no-store" });
  $("statement-note").textContent = await response.text();
}

function render() {
  if (!figures) return;
  renderFigures(figures);
  renderOfficeChoice(figures.offices);
  renderLines();
  renderHistory(figures.history);
  renderCompliance(figures.compliance);
  renderStatement(figures.latest_statement);
  renderActs(acts);
}

let loads = 0; // a later load's figures are never overwritten by an earlier one's

async function load() {
  const mine = ++loads;
  const token = await readingToken(SLOT, device, ledger.host);
  const read = await Promise.all([
    api("/v1/reserve/dashboard", { token }),
    api("/v1/reserve/check", { token }),
    api("/v1/audit/acts?limit=20", { token }),
  ]);
  if (mine !== loads) return;
  [figures, checks, acts] = read;
  render();
}

function download(name, type, text) {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([text], { type }));
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
}

async function exportMember() {
  const number = $("member-number").value.trim();
  const token = await readingToken(SLOT, device, ledger.host);
  const data = await api(`/v1/members/${number}/export`, { token });
  const page = await fetch(`/v1/members/${number}/export.html`, {
    headers: { authorization: `Bearer ${token}` },
    cache: "no-store",
  });
  download(`sou-${number}.json`, "application/json", JSON.stringify(data, null, 2));
  download(`sou-${number}.html`, "text/html", await page.text());
  $("member-result").textContent = t("member-exported", { number });
}

async function eraseMember() {
  const number = $("member-number").value.trim();
  if (!/^[1-9][0-9]*$/.test(number) || !window.confirm(t("member-confirm", { number }))) return;
  const token = await readingToken(SLOT, device, ledger.host);
  await api(`/v1/members/${number}/erase`, { method: "POST", token });
  $("member-result").textContent = t("member-erased", { number });
  await load();
}

async function eraseMemo() {
  const entry = $("memo-entry").value.trim();
  if (!/^(0|[1-9][0-9]*)$/.test(entry) || !window.confirm(t("memo-confirm", { entry }))) return;
  const token = await readingToken(SLOT, device, ledger.host);
  await api(`/v1/memos/${entry}/erase`, { method: "POST", token });
  $("member-result").textContent = t("memo-erased", { entry });
  await load();
}

async function publishStatement() {
  const token = await readingToken(SLOT, device, ledger.host);
  const date = $("publish-date").value.trim();
  await api("/v1/reserve-statements", { method: "POST", token, body: date ? { date } : {} });
  await load();
}

async function main() {
  setUpLanguage();
  setUpMessages();
  setUpForget(SLOT);
  onLanguage(() => {
    render();
    renderConsoleMemberships();
  });
  $("notes-form").addEventListener("submit", (event) => {
    event.preventDefault();
    busy($("notes-form").querySelector("button"), recordNotes);
  });
  $("member-form").addEventListener("submit", (event) => {
    event.preventDefault();
    busy($("member-form").querySelector("button"), exportMember);
  });
  $("member-erase").addEventListener("click", () => busy($("member-erase"), eraseMember));
  $("memo-erase").addEventListener("click", () => busy($("memo-erase"), eraseMemo));
  $("publish-form").addEventListener("submit", (event) => {
    event.preventDefault();
    busy($("publish-form").querySelector("button"), publishStatement);
  });
  try {
    ledger = await api("/v1/ledger");
    device = await ensureDevice(SLOT, "console de l’association (web)");
    show("console");
    $("publish-form").hidden = device.role !== "treasurer";
    $("notes-form").hidden = device.role !== "treasurer";
    $("member-form").hidden = device.role !== "treasurer";
    $("register").hidden = device.role !== "treasurer";
    if (device.role === "treasurer") {
      setUpRegister({
        getToken: (renew) => readingToken(SLOT, device, ledger.host, { renew }),
        currency: ledger.currency,
        canImport: true,
      });
      setUpBankImport({ getToken: () => readingToken(SLOT, device, ledger.host), reload: load });
      setUpPlatformImport({ ledger, device, token: () => readingToken(SLOT, device, ledger.host), reload: load });
      document.addEventListener("sou:member", (event) => {
        $("member-number").value = event.detail.number;
      });
      await setUpConsoleMemberships(() => readingToken(SLOT, device, ledger.host));
    }
    await load();
    if (device.role === "treasurer") {
      await setUpVolunteers({
        getToken: (renew) => readingToken(SLOT, device, ledger.host, { renew }),
        offices: figures.offices,
      });
    }
    await setUpPayouts({ ledger, device, token: () => readingToken(SLOT, device, ledger.host), reload: load });
    await setUpMerchants({ device, token: () => readingToken(SLOT, device, ledger.host), reload: load });
    await setUpRegie({ device, token: () => readingToken(SLOT, device, ledger.host) });
    // the page's own table of contents lists only what this role sees
    for (const link of document.querySelectorAll("#console-nav a")) {
      const target = document.querySelector(link.getAttribute("href"));
      link.parentElement.hidden = !target || target.closest("[hidden]") !== null;
    }
  } catch (error) {
    showError(error);
  }
}

main();
