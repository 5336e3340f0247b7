// The office tablet's membership section: for the member whose account number is typed, their
// status this year; a fee recorded as paid in euros (cash or card: nothing in the ledger) or in
// the currency (the entry of the transfer they already made to the association); and the
// receipt, opened in a new window to print. The server judges every rule.

import { api } from "./api.js";
import { addWords, t } from "./i18n.js";
import { formatCents } from "./money.js";
import { $, busy, showError } from "./screen.js";

const ACCOUNT = /^[1-9][0-9]{0,9}$/;

addWords({
  fr: {
    "membership.heading": "Adhésion d’un membre",
    "membership.account": "Numéro de compte du membre",
    "membership.show": "Voir son adhésion",
    "membership.category": "Catégorie",
    "membership.resident": "Résident",
    "membership.merchant": "Commerçant",
    "membership.reduced": "Tarif réduit",
    "membership.method": "Payée",
    "membership.euros": "en euros (espèces ou carte)",
    "membership.currency": "en monnaie locale (virement déjà fait)",
    "membership.entry": "N° d’écriture du virement (facultatif : sinon, le dernier paiement de la cotisation fait depuis le porte-monnaie)",
    "membership.record": "Enregistrer la cotisation de l’année",
    "membership.receipt": "Ouvrir le reçu pour l’imprimer",
    "membership.up-to-date": "Compte n° {account} : adhésion à jour pour {year}.",
    "membership.lapsed": "Compte n° {account} : adhésion non renouvelée pour {year} (dernière année payée : {last}).",
    "membership.never": "Compte n° {account} : jamais adhérent.",
    "membership.done": "Cotisation de {amount} € enregistrée : reçu n° {receipt}.",
    "membership.error-entry": "Un n° d’écriture est un nombre entier, ou laissez-le vide.",
  },
  en: {
    "membership.heading": "A member’s membership",
    "membership.account": "The member’s account number",
    "membership.show": "Show their membership",
    "membership.category": "Category",
    "membership.resident": "Resident",
    "membership.merchant": "Merchant",
    "membership.reduced": "Reduced rate",
    "membership.method": "Paid",
    "membership.euros": "in euros (cash or card)",
    "membership.currency": "in the local currency (transfer already made)",
    "membership.entry": "Entry number of the transfer (optional: otherwise the fee the member last paid from the wallet)",
    "membership.record": "Record this year’s fee",
    "membership.receipt": "Open the receipt to print it",
    "membership.up-to-date": "Account no. {account}: membership up to date for {year}.",
    "membership.lapsed": "Account no. {account}: membership not renewed for {year} (last year paid: {last}).",
    "membership.never": "Account no. {account}: never a member.",
    "membership.done": "Fee of {amount} € recorded: receipt no. {receipt}.",
    "membership.error-entry": "An entry number is a whole number, or leave it empty.",
  },
});

let token = null; // () => a bearer token of this tablet's agent key
let standing = null; // GET /v1/memberships/members/{n}
let done = null; // the payment just recorded

function account() {
  const number = $("membership-account").value.trim();
  if (!ACCOUNT.test(number)) {
    showError("error.account");
    return null;
  }
  return number;
}

export function renderOfficeMemberships() {
  $("membership-status").textContent = standing
    ? t(`membership.${standing.status}`, {
        account: standing.account,
        year: standing.year,
        last: standing.last_paid ?? "—",
      })
    : "";
  $("membership-outcome").textContent = done
    ? t("membership.done", { amount: formatCents(done.amount), receipt: done.receipt })
    : "";
  $("membership-receipt").hidden = !done;
}

async function show(number) {
  standing = await api(`/v1/memberships/members/${number}`, { token: await token() });
  renderOfficeMemberships();
}

async function record() {
  const number = account();
  if (number === null) return;
  const method = $("membership-method").value;
  const body = {
    account: Number(number),
    year: new Date().getFullYear(),
    category: $("membership-category").value,
    method,
  };
  if (method === "currency") {
    // without a number, the service finds the fee the member just paid from the wallet
    const entry = $("membership-entry").value.trim();
    if (entry && !/^(0|[1-9][0-9]*)$/.test(entry)) return showError("membership.error-entry");
    if (entry) body.entry = Number(entry);
  }
  done = await api("/v1/memberships/payments", { method: "POST", token: await token(), body });
  await show(number);
}

async function openReceipt() {
  const win = window.open("", "_blank"); // opened at the touch, before the page is fetched
  const response = await fetch(done.receipt_url, {
    headers: { authorization: `Bearer ${await token()}` },
    cache: "no-store",
  });
  const url = URL.createObjectURL(new Blob([await response.text()], { type: "text/html" }));
  if (win) win.location.href = url;
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export function setUpOfficeMemberships(getToken) {
  token = getToken;
  $("office-memberships").hidden = false;
  const form = $("membership-form");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    done = null;
    busy($("membership-record"), record);
  });
  $("membership-show").addEventListener("click", () => {
    const number = account();
    if (number !== null) busy($("membership-show"), () => show(number));
  });
  $("membership-receipt").addEventListener("click", () => busy($("membership-receipt"), openReceipt));
}
