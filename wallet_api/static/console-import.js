// The console's import from another platform (Cyclos 4 or a generic CSV): the treasurer picks
// the old platform's files, the service answers the plan (accounts to open, opening balances,
// reconciliation) without writing; the treasurer's device signs every opening balance (a
// `conversion` of method `import`) and posts them with the files: imported whole or refused.

import { api, serverNow } from "./api.js";
import { archiveList } from "./archive.js";
import { addWords, onLanguage, t } from "./i18n.js";
import { formatCents } from "./money.js";
import { operationRecord, signRecord } from "./records.js";
import { $, busy, showError } from "./screen.js";

addWords({
  fr: {
    "imp.heading": "Reprise depuis une autre plateforme",
    "imp.help": "Les fichiers exportés de Cyclos 4 (utilisateurs, comptes, transferts) ou le CSV générique (comptes avec leur solde, historique facultatif). Rien n’est écrit avant votre signature ; tout est importé ou rien.",
    "imp.source": "Format",
    "imp.cyclos": "Cyclos 4",
    "imp.generic": "CSV générique",
    "imp.users": "Utilisateurs (Cyclos seulement)",
    "imp.accounts": "Comptes et soldes",
    "imp.history": "Transferts (historique, facultatif)",
    "imp.preview": "Prévisualiser la reprise",
    "imp.no-file": "Choisissez d’abord le fichier des comptes (et, pour Cyclos, celui des utilisateurs).",
    "imp.plan": "{accounts} compte(s) à ouvrir à partir du n° {first}, {records} solde(s) d’ouverture à signer, {transfers} transfert(s) à archiver.",
    "imp.kind": "Genre",
    "imp.before": "Dans l’export",
    "imp.after": "Après la reprise",
    "imp.resident": "Particuliers",
    "imp.merchant": "Professionnels",
    "imp.debit": "Compte de débit de l’ancienne plateforme : {amount}",
    "imp.total": "Total repris : {amount} ; écart : {difference}",
    "imp.sign": "Signer et importer les {records} solde(s) d’ouverture",
    "imp.done": "Reprise n° {id} faite : {accounts} compte(s) ouverts, {records} solde(s) d’ouverture, {transfers} ligne(s) d’historique archivées ; écart : {difference}.",
    "imp.caption": "Rapprochement par genre de compte",
  },
  en: {
    "imp.heading": "Coming from another platform",
    "imp.help": "The files exported from Cyclos 4 (users, accounts, transfers) or the generic CSV (accounts with their balances, optional history). Nothing is written before you sign; everything is imported, or nothing.",
    "imp.source": "Format",
    "imp.cyclos": "Cyclos 4",
    "imp.generic": "Generic CSV",
    "imp.users": "Users (Cyclos only)",
    "imp.accounts": "Accounts and balances",
    "imp.history": "Transfers (history, optional)",
    "imp.preview": "Preview the import",
    "imp.no-file": "Choose the accounts’ file first (and, for Cyclos, the users’ file).",
    "imp.plan": "{accounts} account(s) to open from number {first}, {records} opening balance(s) to sign, {transfers} transfer(s) to archive.",
    "imp.kind": "Kind",
    "imp.before": "In the export",
    "imp.after": "After the import",
    "imp.resident": "Residents",
    "imp.merchant": "Professionals",
    "imp.debit": "The old platform’s debit account: {amount}",
    "imp.total": "Total brought: {amount}; difference: {difference}",
    "imp.sign": "Sign and import the {records} opening balance(s)",
    "imp.done": "Import {id} done: {accounts} account(s) opened, {records} opening balance(s), {transfers} history line(s) archived; difference: {difference}.",
    "imp.caption": "Reconciliation by account kind",
  },
});

let ctx = null;
let plan = null; // the last preview's answer
let body = null; // the files it was made of
let done = null;

async function base64(file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
}

async function readFiles() {
  const source = $("imp-source").value;
  const users = $("imp-users").files[0];
  const accounts = $("imp-accounts").files[0];
  const history = $("imp-history").files[0];
  if (!accounts || (source === "cyclos" && !users)) return null;
  const files = { accounts: await base64(accounts) };
  if (source === "cyclos") files.users = await base64(users);
  if (history) files[source === "cyclos" ? "transfers" : "history"] = await base64(history);
  return { source, files };
}

function euros(cents) {
  return `${formatCents(cents)} €`;
}

function reconciliationTable(r) {
  const table = document.createElement("table");
  const caption = document.createElement("caption");
  caption.textContent = t("imp.caption");
  const head = document.createElement("tr");
  for (const key of ["imp.kind", "imp.before", "imp.after"]) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = t(key);
    head.append(th);
  }
  table.append(caption, head);
  for (const kind of ["resident", "merchant"]) {
    const tr = document.createElement("tr");
    const th = document.createElement("th");
    th.scope = "row";
    th.textContent = t(`imp.${kind}`);
    tr.append(th);
    for (const side of ["before", "after"]) {
      const td = document.createElement("td");
      td.textContent = `${r[side][kind].accounts} · ${euros(r[side][kind].balance)}`;
      tr.append(td);
    }
    table.append(tr);
  }
  return table;
}

function render() {
  const out = $("imp-plan");
  out.replaceChildren();
  $("imp-sign").hidden = !plan;
  if (plan) {
    const r = plan.reconciliation;
    const summary = document.createElement("p");
    summary.textContent = t("imp.plan", {
      accounts: plan.accounts.length,
      first: plan.accounts[0]?.number ?? "—",
      records: plan.records.length,
      transfers: plan.transfers,
    });
    out.append(summary, reconciliationTable(r));
    if (r.debit_account !== null) {
      const debit = document.createElement("p");
      debit.textContent = t("imp.debit", { amount: euros(r.debit_account) });
      out.append(debit);
    }
    const total = document.createElement("p");
    total.textContent = t("imp.total", { amount: euros(r.total), difference: euros(r.difference) });
    out.append(total);
    $("imp-sign").textContent = t("imp.sign", { records: plan.records.length });
  }
  $("imp-outcome").textContent = done
    ? t("imp.done", {
        id: done.id,
        accounts: done.accounts.length,
        records: done.records,
        transfers: done.transfers,
        difference: euros(done.reconciliation.difference),
      })
    : "";
}

async function preview() {
  plan = null;
  done = null;
  render();
  body = await readFiles();
  if (!body) return showError("imp.no-file");
  plan = await api("/v1/platform-imports/preview", { method: "POST", token: await ctx.token(), body });
  render();
}

/** Signs one `conversion` (method `import`) per opening balance of the plan, posts them. */
async function signAndImport() {
  const { ledger, device } = ctx;
  const records = [];
  for (const fields of plan.records) {
    const record = operationRecord({
      type: "conversion",
      host: ledger.host,
      currency: ledger.currency,
      kid: device.kid,
      now: serverNow(),
      fields,
    });
    records.push((await signRecord("conversion", record, device.privateKey)).envelope);
  }
  done = await api("/v1/platform-imports", { method: "POST", token: await ctx.token(), body: { ...body, records } });
  plan = null;
  $("imp-form").reset();
  render();
  await ctx.reload();
}

/** One member's archived history, by account number (or the member picked in the register). */
function setUpMemberArchive() {
  const archive = archiveList({
    list: $("imp-archive-lines"),
    count: $("imp-archive-count"),
    older: $("imp-archive-older"),
    read: async (path) => api(path, { token: await ctx.token() }),
    currency: ctx.ledger.currency,
  });
  const form = $("imp-archive-form");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(form.querySelector("button"), async () => {
      $("imp-archive").hidden = false;
      try {
        await archive.load($("imp-archive-number").value.trim());
      } catch (error) {
        archive.clear();
        $("imp-archive").hidden = true;
        throw error;
      }
    });
  });
  document.addEventListener("sou:member", (event) => {
    $("imp-archive-number").value = event.detail.number;
  });
}

/** The treasurer's section: `token()` gives its bearer token, `reload()` the console's. */
export function setUpPlatformImport({ ledger, device, token, reload }) {
  ctx = { ledger, device, token, reload };
  $("platform-import").hidden = false;
  $("imp-form").addEventListener("submit", (event) => {
    event.preventDefault();
    busy($("imp-form").querySelector("button[type=submit]"), preview);
  });
  $("imp-sign").addEventListener("click", () => busy($("imp-sign"), signAndImport));
  setUpMemberArchive();
  onLanguage(render);
  render();
}
