// The console's payouts, fee rules and auditors: the treasurer signs one `payout` record per
// waiting reconversion and posts them as one batch (POST /v1/payout-batches), downloads the
// batch's pain.001 file for the bank, marks it executed once sent; sets the reconversion fee
// of each kind of merchant; opens and closes the auditors' read-only windows. An auditor's
// device sees the waiting reconversions and the fee rules, and changes nothing. Past batches
// are listed newest first (GET /v1/payout-batches, a page at a time), each with its file.

import { api, serverNow } from "./api.js";
import { addWords, language, onLanguage, t } from "./i18n.js";
import { formatCents, parseAmount } from "./money.js";
import { operationRecord, signRecord } from "./records.js";
import { $, busy, showError } from "./screen.js";

const KINDS = ["business", "cae", "local_authority", "association"];
const TEXT = {
  fr: {
    "pay.heading": "Reconversions à payer",
    "pay.none": "Aucune reconversion n’attend de virement.",
    "pay.account": "Compte",
    "pay.amount": "Montant",
    "pay.fee": "Commission",
    "pay.net": "À virer",
    "pay.create": "Approuver ces {count} reconversions en un lot ({total})",
    "pay.open-number": "N° du lot à ouvrir",
    "pay.open": "Ouvrir ce lot",
    "pay.batch": "Lot n° {id} ({message}) : {count} virements, {total}, {status}.",
    "pay.approved": "approuvé, à envoyer à la banque",
    "pay.executed": "exécuté",
    "pay.download": "Télécharger le fichier de virements (pain.001)",
    "pay.downloaded": "Fichier {name} téléchargé : remettez-le à la banque.",
    "pay.execute": "Marquer le lot envoyé et exécuté",
    "pay.confirm": "La banque a-t-elle bien exécuté les {count} virements du lot n° {id} ({total}) ?",
    "pay.past": "Lots passés",
    "pay.past-none": "Aucun lot n’a encore été approuvé.",
    "pay.past-id": "Lot",
    "pay.past-message": "Référence",
    "pay.past-status": "État",
    "pay.past-count": "Virements",
    "pay.past-total": "Total",
    "pay.past-created": "Approuvé le",
    "pay.past-executed": "Envoyé le",
    "pay.past-file": "Fichier",
    "pay.past-download": "pain.001 du lot n° {id}",
    "pay.past-more": "Lots plus anciens",
    "pay.status.approved": "à envoyer",
    "pay.status.executed": "exécuté",
    "fee.heading": "Commissions de reconversion",
    "fee.kind": "Type de prestataire",
    "fee.rate": "Taux",
    "fee.minimum": "Minimum",
    "fee.membership": "Adhésion requise",
    "fee.yes": "oui",
    "fee.no": "non",
    "fee.none": "Aucune commission n’est fixée.",
    "fee.rate-input": "Taux (%, de 0 à 5, par ex. 2,5)",
    "fee.minimum-input": "Commission minimale (€)",
    "fee.membership-input": "Adhésion à jour requise pour reconvertir",
    "fee.save": "Fixer la commission",
    "fee.saved": "Commission des « {kind} » fixée à {rate}, minimum {minimum}.",
    "fee.error.rate": "Taux invalide : saisissez par exemple 2,5 (de 0 à 5 %).",
    "kind.business": "entreprises",
    "kind.cae": "CAE",
    "kind.local_authority": "collectivités",
    "kind.association": "associations",
    "aud.heading": "Accès des auditeurs",
    "aud.none": "Aucune clé d’auditeur n’est enrôlée.",
    "aud.key": "Clé {kid}{label}",
    "aud.open-until": "accès ouvert jusqu’au {date}",
    "aud.closed": "accès fermé",
    "aud.revoked": "clé révoquée",
    "aud.days": "Durée de l’accès pour la clé {kid} (jours)",
    "aud.grant": "Ouvrir l’accès de {kid}",
    "aud.close": "Fermer l’accès de {kid}",
    "aud.close-confirm": "Fermer dès maintenant l’accès de l’auditeur {kid} ?",
    "aud.error.days": "Durée invalide : de 1 à 366 jours.",
  },
  en: {
    "pay.heading": "Reconversions to pay",
    "pay.none": "No reconversion is waiting for its transfer.",
    "pay.account": "Account",
    "pay.amount": "Amount",
    "pay.fee": "Fee",
    "pay.net": "To transfer",
    "pay.create": "Approve these {count} reconversions as one batch ({total})",
    "pay.open-number": "Number of the batch to open",
    "pay.open": "Open this batch",
    "pay.batch": "Batch {id} ({message}): {count} transfers, {total}, {status}.",
    "pay.approved": "approved, to send to the bank",
    "pay.executed": "executed",
    "pay.download": "Download the transfers file (pain.001)",
    "pay.downloaded": "File {name} downloaded: hand it to the bank.",
    "pay.execute": "Mark the batch sent and executed",
    "pay.confirm": "Did the bank execute the {count} transfers of batch {id} ({total})?",
    "pay.past": "Past batches",
    "pay.past-none": "No batch has been approved yet.",
    "pay.past-id": "Batch",
    "pay.past-message": "Reference",
    "pay.past-status": "Status",
    "pay.past-count": "Transfers",
    "pay.past-total": "Total",
    "pay.past-created": "Approved on",
    "pay.past-executed": "Sent on",
    "pay.past-file": "File",
    "pay.past-download": "pain.001 of batch {id}",
    "pay.past-more": "Older batches",
    "pay.status.approved": "to send",
    "pay.status.executed": "executed",
    "fee.heading": "Reconversion fees",
    "fee.kind": "Kind of merchant",
    "fee.rate": "Rate",
    "fee.minimum": "Minimum",
    "fee.membership": "Membership required",
    "fee.yes": "yes",
    "fee.no": "no",
    "fee.none": "No fee is set.",
    "fee.rate-input": "Rate (%, 0 to 5, e.g. 2.5)",
    "fee.minimum-input": "Minimum fee (€)",
    "fee.membership-input": "Paid-up membership required to reconvert",
    "fee.save": "Set the fee",
    "fee.saved": "Fee of “{kind}” set to {rate}, minimum {minimum}.",
    "fee.error.rate": "Invalid rate: type for instance 2,5 (0 to 5 %).",
    "kind.business": "businesses",
    "kind.cae": "CAE",
    "kind.local_authority": "local authorities",
    "kind.association": "associations",
    "aud.heading": "Auditors’ access",
    "aud.none": "No auditor key is enrolled.",
    "aud.key": "Key {kid}{label}",
    "aud.open-until": "access open until {date}",
    "aud.closed": "access closed",
    "aud.revoked": "key revoked",
    "aud.days": "Length of the access for key {kid} (days)",
    "aud.grant": "Open the access of {kid}",
    "aud.close": "Close the access of {kid}",
    "aud.close-confirm": "Close the access of auditor {kid} now?",
    "aud.error.days": "Invalid length: 1 to 366 days.",
  },
};
addWords(TEXT);

const euros = (cents) => `${formatCents(cents)}\u00a0€`;
const percent = (bp) => `${Math.floor(bp / 100)},${String(bp % 100).padStart(2, "0")}\u00a0%`;

let ctx = null; // {ledger, device, token: () => Promise<string>, reload}
let waiting = [];
let rules = [];
let auditors = [];
let shown = null; // the batch on screen
let past = []; // past batches, newest first, as far as the pages loaded go
let olderThan = null; // `before` for the next page of past batches, or null

/** "2,5" → 250 basis points; null unless 0 to 5 % with at most two decimals. */
export function parseRate(text) {
  const match = /^(\d)(?:[,.](\d{1,2}))?$/.exec(String(text).trim());
  if (!match) return null;
  const bp = Number(match[1]) * 100 + Number((match[2] ?? "").padEnd(2, "0"));
  return bp <= 500 ? bp : null;
}

function cell(tag, text, scope) {
  const node = document.createElement(tag);
  node.textContent = text;
  if (scope) node.scope = scope;
  return node;
}

function table(id, heads, rows) {
  const head = document.createElement("tr");
  head.append(...heads.map((h) => cell("th", t(h), "col")));
  const thead = document.createElement("thead");
  thead.append(head);
  const body = document.createElement("tbody");
  for (const values of rows) {
    const row = document.createElement("tr");
    row.append(...values.map((v) => cell("td", v)));
    body.append(row);
  }
  $(id).replaceChildren(thead, body);
}

function renderWaiting() {
  const none = waiting.length === 0;
  $("pay-none").hidden = !none;
  $("pay-waiting").hidden = none;
  table(
    "pay-waiting",
    ["pay.account", "pay.amount", "pay.fee", "pay.net"],
    waiting.map((w) => [w.account, euros(w.amount), euros(w.fee), euros(w.net)]),
  );
  const total = waiting.reduce((sum, w) => sum + w.net, 0);
  $("pay-create").hidden = none || ctx.device.role !== "treasurer";
  $("pay-create").textContent = t("pay.create", { count: waiting.length, total: euros(total) });
}

function renderBatch() {
  $("pay-batch").hidden = shown === null;
  if (shown === null) return;
  $("pay-batch-summary").textContent = t("pay.batch", {
    id: shown.id,
    message: shown.message_id,
    count: shown.count,
    total: euros(shown.total),
    status: t(`pay.${shown.status}`),
  });
  $("pay-execute").hidden = shown.status !== "approved" || ctx.device.role !== "treasurer";
}

function when(time) {
  if (!time) return "—";
  return new Date(time).toLocaleString(language() === "en" ? "en-GB" : "fr-FR", { dateStyle: "short", timeStyle: "short" });
}

function renderPast() {
  $("pay-past-none").hidden = past.length > 0;
  $("pay-past-region").hidden = past.length === 0;
  $("pay-past-more").hidden = olderThan === null;
  const heads = ["pay.past-id", "pay.past-message", "pay.past-status", "pay.past-count", "pay.past-total", "pay.past-created", "pay.past-executed", "pay.past-file"];
  const head = document.createElement("tr");
  head.append(...heads.map((h) => cell("th", t(h), "col")));
  const thead = document.createElement("thead");
  thead.append(head);
  const body = document.createElement("tbody");
  for (const b of past) {
    const row = document.createElement("tr");
    row.append(cell("th", String(b.id), "row"));
    for (const value of [b.message_id, t(`pay.status.${b.status}`), String(b.count), euros(b.total), when(b.created), when(b.executed)]) {
      row.append(cell("td", value));
    }
    const button = document.createElement("button");
    button.type = "button";
    button.className = "quiet";
    button.textContent = t("pay.past-download", { id: b.id });
    button.addEventListener("click", () => busy(button, () => downloadBatch(b)));
    const file = document.createElement("td");
    file.append(button);
    row.append(file);
    body.append(row);
  }
  $("pay-past").replaceChildren(thead, body);
}

async function loadPast(more = false) {
  const token = await ctx.token();
  const query = more && olderThan !== null ? `?before=${olderThan}` : "";
  const page = await api(`/v1/payout-batches${query}`, { token });
  past = more ? [...past, ...page.batches] : page.batches;
  olderThan = page.next_before;
  renderPast();
}

function renderRules() {
  $("fee-none").hidden = rules.length > 0;
  $("fee-rules").hidden = rules.length === 0;
  table(
    "fee-rules",
    ["fee.kind", "fee.rate", "fee.minimum", "fee.membership"],
    rules.map((r) => [t(`kind.${r.kind}`), percent(r.rate), euros(r.minimum), t(r.membership_required ? "fee.yes" : "fee.no")]),
  );
  const select = $("fee-kind");
  const chosen = select.value;
  select.replaceChildren(...KINDS.map((kind) => new Option(t(`kind.${kind}`), kind)));
  if (chosen) select.value = chosen;
}

function auditorItem(a) {
  const li = document.createElement("li");
  const label = a.label ? ` (${a.label})` : "";
  const state =
    a.status !== "active"
      ? t("aud.revoked")
      : a.open
        ? t("aud.open-until", { date: new Date(a.expires).toLocaleString(language(), { dateStyle: "long", timeStyle: "short" }) })
        : t("aud.closed");
  const what = document.createElement("p");
  what.textContent = `${t("aud.key", { kid: a.kid, label })} : ${state}`;
  li.append(what);
  if (a.status !== "active") return li;
  const form = document.createElement("form");
  const id = `aud-days-${a.kid}`;
  const days = document.createElement("input");
  days.id = id;
  days.name = "days";
  days.inputMode = "numeric";
  days.pattern = "[1-9][0-9]{0,2}";
  days.required = true;
  days.autocomplete = "off";
  days.value = "30";
  const name = document.createElement("label");
  name.htmlFor = id;
  name.textContent = t("aud.days", { kid: a.kid });
  const open = document.createElement("button");
  open.type = "submit";
  open.textContent = t("aud.grant", { kid: a.kid });
  form.append(name, days, open);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(open, () => grantAuditor(a.kid, days.value));
  });
  li.append(form);
  if (a.open) {
    const close = document.createElement("button");
    close.type = "button";
    close.className = "quiet";
    close.textContent = t("aud.close", { kid: a.kid });
    close.addEventListener("click", () => busy(close, () => closeAuditor(a.kid)));
    li.append(close);
  }
  return li;
}

function renderAuditors() {
  $("aud-none").hidden = auditors.length > 0;
  $("aud-list").replaceChildren(...auditors.map(auditorItem));
}

function render() {
  if (!ctx) return;
  renderWaiting();
  renderBatch();
  renderPast();
  renderRules();
  renderAuditors();
}

async function load() {
  const token = await ctx.token();
  const treasurer = ctx.device.role === "treasurer";
  [waiting, rules, auditors] = await Promise.all([
    api("/v1/reconversions/waiting", { token }),
    api("/v1/fee-rules"),
    treasurer ? api("/v1/auditors", { token }) : Promise.resolve([]),
  ]);
  render();
  await loadPast();
}

/** Signs one payout per waiting reconversion (its net) and posts them as one batch. */
async function createBatch() {
  const { ledger, device } = ctx;
  const payouts = [];
  for (const w of waiting) {
    const record = operationRecord({
      type: "payout",
      host: ledger.host,
      currency: ledger.currency,
      kid: device.kid,
      now: serverNow(),
      fields: { reconversion: w.record_id, amount: w.net },
    });
    payouts.push((await signRecord("payout", record, device.privateKey)).envelope);
  }
  const token = await ctx.token();
  shown = await api("/v1/payout-batches", { method: "POST", token, body: { payouts } });
  await load();
  await ctx.reload();
}

async function openBatch() {
  const number = $("pay-number").value.trim();
  const token = await ctx.token();
  shown = await api(`/v1/payout-batches/${number}`, { token });
  renderBatch();
}

/** A batch's pain.001 file, fetched with this device's token and saved as a file. */
async function downloadBatch(batch = shown) {
  const token = await ctx.token();
  const response = await fetch(`/v1/payout-batches/${batch.id}/sepa.xml`, {
    headers: { authorization: `Bearer ${token}` },
    cache: "no-store",
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const name = `${batch.message_id}.xml`;
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([await response.text()], { type: "application/xml" }));
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
  $(batch === shown ? "pay-result" : "pay-past-result").textContent = t("pay.downloaded", { name });
}

async function markExecuted() {
  const vars = { count: shown.count, id: shown.id, total: euros(shown.total) };
  if (!window.confirm(t("pay.confirm", vars))) return;
  const token = await ctx.token();
  shown = await api(`/v1/payout-batches/${shown.id}/executed`, { method: "POST", token });
  renderBatch();
  await loadPast();
  await ctx.reload();
}

async function saveRule() {
  const rate = parseRate($("fee-rate").value);
  if (rate === null) {
    showError("fee.error.rate");
    return;
  }
  const minimum = parseAmount($("fee-minimum").value);
  if (minimum === null) {
    showError("error.amount");
    return;
  }
  const kind = $("fee-kind").value;
  const body = { rate, minimum, membership_required: $("fee-membership").checked };
  const token = await ctx.token();
  await api(`/v1/fee-rules/${kind}`, { method: "PUT", token, body });
  $("fee-result").textContent = t("fee.saved", { kind: t(`kind.${kind}`), rate: percent(rate), minimum: euros(minimum) });
  await load();
  await ctx.reload();
}

async function grantAuditor(kid, text) {
  const days = Number(text.trim());
  if (!/^[1-9][0-9]{0,2}$/.test(text.trim()) || days > 366) {
    showError("aud.error.days");
    return;
  }
  const token = await ctx.token();
  await api(`/v1/auditors/${kid}/grant`, { method: "POST", token, body: { days } });
  await load();
  await ctx.reload();
}

async function closeAuditor(kid) {
  if (!window.confirm(t("aud.close-confirm", { kid }))) return;
  const token = await ctx.token();
  await api(`/v1/auditors/${kid}/close`, { method: "POST", token });
  await load();
  await ctx.reload();
}

/** Shows the three sections for this console's device; `token()` gives a reading token,
 * `reload()` reads the console's other figures again (the acts, the reserve). */
export async function setUpPayouts({ ledger, device, token, reload }) {
  ctx = { ledger, device, token, reload };
  const treasurer = device.role === "treasurer";
  $("payouts").hidden = false;
  $("fee-form").hidden = !treasurer;
  $("auditors").hidden = !treasurer;
  $("pay-create").addEventListener("click", () => busy($("pay-create"), createBatch));
  $("pay-open").addEventListener("submit", (event) => {
    event.preventDefault();
    busy($("pay-open").querySelector("button"), openBatch);
  });
  $("pay-download").addEventListener("click", () => busy($("pay-download"), () => downloadBatch()));
  $("pay-past-more").addEventListener("click", () => busy($("pay-past-more"), () => loadPast(true)));
  $("pay-execute").addEventListener("click", () => busy($("pay-execute"), markExecuted));
  $("fee-form").addEventListener("submit", (event) => {
    event.preventDefault();
    busy($("fee-form").querySelector("button"), saveRule);
  });
  onLanguage(render);
  try {
    await load();
  } catch (error) {
    showError(error);
  }
}
