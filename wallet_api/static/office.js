// The exchange office's tablet: an agent's key, enrolled with a one-time code, signs each
// operation (FORMATS.md §3) — euros received in cash for digital units, paper notes handed out or
// taken back, cash deposited at the bank — and the ledger's rules judge it. The office's cash
// is read with the key's bearer token. A signed operation sent without an answer (network)
// is resent as is, never re-signed, so it cannot be recorded twice.

import { Problem, api, serverNow } from "./api.js";
import { readingToken } from "./device.js";
import { ensureDevice, setUpForget } from "./enrolment.js";
import { addWords, onLanguage, setUpLanguage, t } from "./i18n.js";
import { formatAmount, parseAmount } from "./money.js";
import { lookUpPayee } from "./payee.js";
import { operationRecord, signRecord } from "./records.js";
import { $, busy, setUpMessages, show, showError } from "./screen.js";

const SLOT = "office";
const ACCOUNT = /^[1-9][0-9]{0,9}$/;

// This page's own words; the shared ones (enrolment, errors, problems) are i18n.js's.
addWords({
  fr: {
    "office.title": "Comptoir de change",
    "office.payee": "Titulaire : {name} — vérifiez avec l’adhérent, puis validez.",
    "office.payee-unnamed": "Titulaire : compte n° {number}, sans nom enregistré — vérifiez, puis validez.",
    "office.number": "Comptoir n°",
    "office.cash": "Espèces en caisse",
    "convert.heading": "Conversion en espèces",
    "convert.submit": "Créditer le compte",
    "convert.done": "{amount} crédités au compte n° {to} (entrée {entry}).",
    "issue.heading": "Billets remis contre des euros",
    "issue.submit": "Enregistrer les billets remis",
    "issue.done": "{amount} de billets remis (entrée {entry}).",
    "exchange.heading": "Billets échangés contre des unités numériques",
    "exchange.submit": "Échanger les billets",
    "exchange.done": "{amount} de billets échangés pour le compte n° {to} (entrée {entry}).",
    "deposit.heading": "Dépôt des espèces à la banque",
    "deposit.submit": "Enregistrer le dépôt",
    "deposit.done": "{amount} déposés à la banque (entrée {entry}).",
    "form.account": "Numéro de compte de l’adhérent",
    "form.euros": "Euros reçus (ex. 20,00)",
    "form.notes": "Billets repris (ex. 20,00)",
    "form.deposit": "Montant déposé (ex. 200,00)",
    "form.reserve": "Compte de réserve",
    "reserve.digital": "Réserve des unités numériques",
    "reserve.paper": "Réserve des billets",
  },
  en: {
    "office.payee": "Holder: {name} — check with the member, then confirm.",
    "office.payee-unnamed": "Holder: account no. {number}, no name on record — check, then confirm.",
    "office.title": "Exchange office",
    "office.number": "Office no.",
    "office.cash": "Cash in the till",
    "convert.heading": "Cash conversion",
    "convert.submit": "Credit the account",
    "convert.done": "{amount} credited to account no. {to} (entry {entry}).",
    "issue.heading": "Paper notes handed out for euros",
    "issue.submit": "Record the notes handed out",
    "issue.done": "{amount} of paper notes handed out (entry {entry}).",
    "exchange.heading": "Paper notes exchanged for digital units",
    "exchange.submit": "Exchange the notes",
    "exchange.done": "{amount} of paper notes exchanged for account no. {to} (entry {entry}).",
    "deposit.heading": "Cash deposit at the bank",
    "deposit.submit": "Record the deposit",
    "deposit.done": "{amount} deposited at the bank (entry {entry}).",
    "form.account": "Member's account number",
    "form.euros": "Euros received (e.g. 20,00)",
    "form.notes": "Notes taken back (e.g. 20,00)",
    "form.deposit": "Amount deposited (e.g. 200,00)",
    "form.reserve": "Reserve account",
    "reserve.digital": "Reserve of digital units",
    "reserve.paper": "Reserve of paper notes",
  },
});

let ledger = null;
let device = null;
let office = null; // the office's figures, as GET /v1/offices/{n} gives them
let done = null; // the last operation recorded: {key, amount, to, entry}
let pending = null; // a signed operation sent without an answer: {form, inputs, envelope}

function render() {
  if (office) {
    $("office-number").textContent = office.number;
    $("cash").textContent = formatAmount(office.cash, office.currency);
  }
  $("outcome").textContent = done
    ? t(done.key, { amount: formatAmount(done.amount, "EUR"), to: done.to, entry: done.entry })
    : "";
}

async function read(path) {
  const token = await readingToken(SLOT, device, ledger.host);
  try {
    return await api(path, { token });
  } catch (error) {
    if (!(error instanceof Problem) || error.code !== "unauthenticated") throw error;
    return api(path, { token: await readingToken(SLOT, device, ledger.host, { renew: true }) });
  }
}

async function refresh() {
  office = await read(`/v1/offices/${device.account}`);
  render();
}

/** The record an agent signs: every field of the type's schema (ledger/records.py). */
function agentRecord(type, fields) {
  return operationRecord({
    type,
    host: ledger.host,
    currency: ledger.currency,
    kid: device.kid,
    now: serverNow(),
    fields: { office: String(device.account), ...fields },
  });
}

// What each form records: the record's type and fields, from the typed values.
const FORMS = {
  "convert-form": {
    type: "conversion",
    done: "convert.done",
    fields: (v) => ({ method: "cash", to: v.to, amount: v.amount }),
  },
  "issue-form": { type: "paper_issue", done: "issue.done", fields: (v) => ({ amount: v.amount }) },
  "exchange-form": {
    type: "paper_exchange",
    done: "exchange.done",
    fields: (v) => ({ to: v.to, amount: v.amount }),
  },
  "deposit-form": {
    type: "deposit",
    done: "deposit.done",
    fields: (v) => ({ reserve: v.reserve, amount: v.amount }),
  },
};

/** The form's typed values, checked; null (and the error shown) if one is wrong. */
function values(form) {
  const v = {};
  const to = form.elements.namedItem("to");
  if (to) {
    v.to = to.value.trim();
    if (!ACCOUNT.test(v.to)) {
      showError("error.account");
      return null;
    }
  }
  v.amount = parseAmount(form.elements.namedItem("amount").value);
  if (v.amount === null) {
    showError("error.amount");
    return null;
  }
  const reserve = form.elements.namedItem("reserve");
  if (reserve) v.reserve = reserve.value;
  return v;
}

// Verification of payee: the holder's name is shown for the number typed before anything is
// signed; a first press shows it, the next records (unless the number changed meanwhile).
const payees = {}; // input id -> {number, text} of the name shown

function renderPayees() {
  for (const [id, shown] of Object.entries(payees)) {
    $(`${id}-name`).textContent = shown.payee.name
      ? t("office.payee", { name: shown.payee.name })
      : t("office.payee-unnamed", { number: shown.number });
  }
}

/** True once the holder of the form's account number is on screen. */
async function payeeShown(form) {
  const to = form.elements.namedItem("to");
  if (!to) return true;
  const number = to.value.trim();
  if (payees[to.id]?.number === number) return true;
  delete payees[to.id];
  $(`${to.id}-name`).textContent = "";
  if (!ACCOUNT.test(number)) return false;
  const payee = await lookUpPayee(read, number);
  if (payee.status !== "open") throw new Problem(422, { type: "urn:sou:problem:account-not-open" });
  payees[to.id] = { number, payee };
  renderPayees();
  return false;
}

async function record(form) {
  const spec = FORMS[form.id];
  const v = values(form);
  if (v === null) return;
  if (!(await payeeShown(form))) return;
  const inputs = JSON.stringify(v);
  if (!pending || pending.form !== form.id || pending.inputs !== inputs) {
    const signed = await signRecord(spec.type, agentRecord(spec.type, spec.fields(v)), device.privateKey);
    pending = { form: form.id, inputs, envelope: signed.envelope };
  }
  let result;
  try {
    result = await api("/v1/office-operations", { method: "POST", body: pending.envelope });
  } catch (error) {
    if (!(error instanceof Problem) || error.code !== "network") pending = null;
    throw error;
  }
  pending = null;
  done = { key: spec.done, amount: result.amount, to: result.to, entry: result.entry };
  form.reset();
  for (const input of form.querySelectorAll("input[name=to]")) {
    delete payees[input.id];
    $(`${input.id}-name`).textContent = "";
  }
  await refresh();
}

async function main() {
  setUpLanguage();
  setUpMessages();
  setUpForget(SLOT);
  onLanguage(() => {
    render();
    renderPayees();
  });
  for (const id of Object.keys(FORMS)) {
    const form = $(id);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      done = null;
      render();
      busy(form.querySelector("button"), () => record(form));
    });
  }
  try {
    ledger = await api("/v1/ledger");
    device = await ensureDevice(SLOT, "comptoir (web)");
    show("office-home");
    if (device.role !== "agent") {
      for (const id of Object.keys(FORMS)) $(id).hidden = true;
      return showError("problem.not-authorized");
    }
    await refresh();
  } catch (error) {
    showError(error);
  }
}

main();
