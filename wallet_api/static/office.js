// The exchange office's tablet: an agent's key, enrolled with a one-time code, signs each
// operation (FORMATS.md §3) — euros received in cash for digital units, paper notes handed out or
// taken back, cash deposited at the bank — and the ledger's rules judge it. The office's cash
// is read with the key's bearer token. A signed operation sent without an answer (network)
// is resent as is, never re-signed, so it cannot be recorded twice. For a member at the
// counter, the agent lists their devices (label, last use), revokes one, or, for a lost phone,
// revokes them all and hands over the one-time code that enrols the new one.

import { Problem, api, serverNow } from "./api.js";
import { readingToken } from "./device.js";
import { ensureDevice, setUpForget } from "./enrolment.js";
import { setUpAccounts } from "./office-accounts.js";
import { setUpRegister } from "./member-register.js";
import { addWords, language, onLanguage, setUpLanguage, t } from "./i18n.js";
import { formatAmount, parseAmount } from "./money.js";
import { renderOfficeMemberships, setUpOfficeMemberships } from "./office-memberships.js";
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
    "devices.heading": "Appareils d’un adhérent",
    "devices.show": "Afficher ses appareils",
    "devices.holder": "Compte n° {number} — {name}",
    "devices.none": "Aucun appareil enrôlé sur ce compte.",
    "devices.unnamed": "Appareil sans nom",
    "devices.active": "actif",
    "devices.revoked": "révoqué",
    "devices.enrolled": "enrôlé le {date}",
    "devices.last-used": "dernière utilisation le {date}",
    "devices.never-used": "jamais utilisé",
    "devices.revoke": "Révoquer",
    "devices.revoke-confirm": "Confirmer : révoquer cet appareil",
    "devices.revoke-done": "Appareil {kid} révoqué : il ne peut plus rien signer.",
    "devices.lost": "Téléphone perdu : révoquer tous ses appareils et donner un nouveau code",
    "devices.lost-confirm": "Confirmer : révoquer tous les appareils de ce compte",
    "devices.lost-done": "{count} appareil(s) révoqué(s). Solde et historique conservés.",
    "devices.code-help":
      "Code d’enrôlement du nouveau téléphone, à usage unique : l’adhérent le saisit dans son porte-monnaie. Son solde et son historique sont conservés.",
    "devices.code-expires": "Valable jusqu’au {date}.",
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
    "devices.heading": "A member's devices",
    "devices.show": "Show their devices",
    "devices.holder": "Account no. {number} — {name}",
    "devices.none": "No device is enrolled on this account.",
    "devices.unnamed": "Unnamed device",
    "devices.active": "active",
    "devices.revoked": "revoked",
    "devices.enrolled": "enrolled on {date}",
    "devices.last-used": "last used on {date}",
    "devices.never-used": "never used",
    "devices.revoke": "Revoke",
    "devices.revoke-confirm": "Confirm: revoke this device",
    "devices.revoke-done": "Device {kid} revoked: it can sign nothing more.",
    "devices.lost": "Lost phone: revoke all their devices and give a new code",
    "devices.lost-confirm": "Confirm: revoke every device of this account",
    "devices.lost-done": "{count} device(s) revoked. Balance and history kept.",
    "devices.code-help":
      "The new phone's one-time enrolment code: the member types it into their wallet. Their balance and history are kept.",
    "devices.code-expires": "Valid until {date}.",
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

// A member's devices, as GET /v1/accounts/{n}/devices gives them, and what was done to them.
let member = null; // {number, name, devices}
let memberDone = null; // {key, values}
let newCode = null; // {code, expires}: the lost phone's enrolment code, shown until the next member

async function call(path, method) {
  const token = await readingToken(SLOT, device, ledger.host);
  try {
    return await api(path, { method, token });
  } catch (error) {
    if (!(error instanceof Problem) || error.code !== "unauthenticated") throw error;
    const renewed = await readingToken(SLOT, device, ledger.host, { renew: true });
    return api(path, { method, token: renewed });
  }
}

function when(iso) {
  return new Intl.DateTimeFormat(language(), {
    dateStyle: "short",
    timeStyle: "short",
    timeZone: "Europe/Paris",
  }).format(new Date(iso));
}

/** A button that acts on its second press (the first asks to confirm). */
function confirming(button, askKey, work) {
  button.addEventListener("click", () => {
    if (button.dataset.confirm !== "yes") {
      button.dataset.confirm = "yes";
      button.textContent = t(askKey);
      return;
    }
    busy(button, work);
  });
}

function renderMember() {
  $("devices").hidden = !member;
  if (!member) return;
  $("devices-holder").textContent = t("devices.holder", {
    number: member.number,
    name: member.name || "—",
  });
  const rows = member.devices.map((d) => {
    const li = document.createElement("li");
    li.className = "device";
    li.dataset.kid = d.kid;
    const label = document.createElement("strong");
    label.textContent = d.label || t("devices.unnamed");
    const facts = document.createElement("span");
    facts.textContent = [
      `${d.kid} · ${t(d.status === "active" ? "devices.active" : "devices.revoked")}`,
      t("devices.enrolled", { date: when(d.enrolled) }),
      d.last_used ? t("devices.last-used", { date: when(d.last_used) }) : t("devices.never-used"),
    ].join(" · ");
    li.append(label, " ", facts);
    if (d.status === "active") {
      const revoke = document.createElement("button");
      revoke.type = "button";
      revoke.className = "revoke";
      revoke.textContent = t("devices.revoke");
      confirming(revoke, "devices.revoke-confirm", () => revokeDevice(d.kid));
      li.append(revoke);
    }
    return li;
  });
  if (!rows.length) {
    const li = document.createElement("li");
    li.textContent = t("devices.none");
    rows.push(li);
  }
  $("device-list").replaceChildren(...rows);
  $("devices-outcome").textContent = memberDone ? t(memberDone.key, memberDone.values) : "";
  const lost = $("lost-phone");
  delete lost.dataset.confirm;
  lost.textContent = t("devices.lost");
  $("new-code").hidden = !newCode;
  if (newCode) {
    $("new-code-value").textContent = newCode.code;
    $("new-code-expires").textContent = t("devices.code-expires", { date: when(newCode.expires) });
  }
}

async function loadMember(number) {
  const payee = await lookUpPayee(read, number);
  const listed = await call(`/v1/accounts/${number}/devices`, "GET");
  member = { number, name: payee.name, devices: listed.devices };
  renderMember();
}

async function revokeDevice(kid) {
  await call(`/v1/accounts/${member.number}/devices/${kid}/revoke`, "POST");
  memberDone = { key: "devices.revoke-done", values: { kid } };
  await loadMember(member.number);
}

async function lostPhone() {
  const given = await call(`/v1/accounts/${member.number}/lost-phone`, "POST");
  memberDone = { key: "devices.lost-done", values: { count: given.revoked.length } };
  newCode = { code: given.enrolment_code, expires: given.expires };
  await loadMember(member.number);
}

/** A member picked in the register: their number in the counter's forms, their devices shown. */
function pickMember(number) {
  for (const id of ["convert-to", "exchange-to", "devices-account", "recover-account"]) {
    const input = $(id);
    if (input) input.value = number;
  }
  memberDone = null;
  newCode = null;
  busy($("devices-form").querySelector("button"), () => loadMember(number));
}

function setUpDevices() {
  document.addEventListener("sou:member", (event) => pickMember(event.detail.number));
  const form = $("devices-form");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const number = $("devices-account").value.trim();
    member = null;
    memberDone = null;
    newCode = null;
    renderMember();
    if (!ACCOUNT.test(number)) return showError("error.account");
    busy(form.querySelector("button"), () => loadMember(number));
  });
  confirming($("lost-phone"), "devices.lost-confirm", lostPhone);
}

async function main() {
  setUpLanguage();
  setUpMessages();
  setUpForget(SLOT);
  setUpDevices();
  setUpAccounts({ token: (renew) => readingToken(SLOT, device, ledger.host, { renew }) });
  onLanguage(() => {
    render();
    renderPayees();
    renderMember();
    renderOfficeMemberships();
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
      for (const id of [...Object.keys(FORMS), "devices-form"]) $(id).hidden = true;
      return showError("problem.not-authorized");
    }
    setUpRegister({
      getToken: (renew) => readingToken(SLOT, device, ledger.host, { renew }),
      currency: ledger.currency,
      canImport: false,
    });
    setUpOfficeMemberships(() => readingToken(SLOT, device, ledger.host));
    await refresh();
  } catch (error) {
    showError(error);
  }
}

main();
