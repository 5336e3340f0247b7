// French first, English available: the one place that picks the language (the choice kept on
// the device, French unless it is English), looks words up, fills their {placeholders} and
// writes them into the page. Static text is marked up with data-i18n (text),
// data-i18n-placeholder and data-i18n-alt; <body data-title> names the page's title.
// The words below are the wallet's and the till's (and the enrolment's, shared by every page);
// a page with words of its own adds them with addWords(), and its words win on that page.
// What a refusal says to a person is in problems.js, looked up here too (problemText).

import { formatAmount } from "./money.js";
import { PROBLEMS } from "./problems.js";

const STRINGS = {
  fr: {
    "lang.other": "English",
    "wallet.title": "Porte-monnaie",
    "till.title": "Caisse",
    "enrol.heading": "Enrôler cet appareil",
    "enrol.help": "Saisissez le code d’enrôlement à usage unique reçu au comptoir.",
    "enrol.code": "Code d’enrôlement",
    "enrol.submit": "Enrôler",
    "enrol.till-name": "Nom de cette caisse (ex. Caisse 1, comptoir)",
    "enrol.working": "Création de la clé et enrôlement…",
    "home.account": "Compte n°",
    "home.balance": "Solde",
    "home.pay": "Payer un résident",
    "home.to": "Numéro de compte du bénéficiaire",
    "home.next": "Continuer",
    "home.history": "Historique",
    "home.my-data": "Télécharger mes données",
    "home.empty": "Aucune opération pour l’instant.",
    "home.forget": "Oublier cet appareil",
    "foot.source": "Code source de ce service (AGPL-3.0)",
    "foot.transparency": "Transparence de la monnaie : circulation et couverture",
    "foot.directory": "Où payer : l’annuaire des commerçants",
    "home.forget-confirm": "Confirmer : oublier la clé de cet appareil (un nouveau code sera nécessaire)",
    "pay.heading": "Payer",
    "pay.amount": "Montant (ex. 12,50)",
    "pay.memo": "Message (facultatif)",
    "pay.confirm": "Confirmer le paiement",
    "pay.cancel": "Annuler",
    "pay.number": "n° {number}",
    "pay.ref": "Référence : {ref}",
    "pay.checking": "Vérification de la demande de paiement…",
    "pay.sending": "Paiement en cours…",
    "pay.retry": "Réessayer le même paiement",
    "done.heading": "Paiement accepté",
    "done.summary": "{amount} payés à {payee}.",
    "done.verified": "Reçu vérifié",
    "done.unverified": "Reçu NON vérifié : la signature du registre ne correspond pas.",
    "done.back": "Retour au porte-monnaie",
    "history.received": "Reçu de {name}",
    "history.paid": "Payé à {name}",
    "history.refund-in": "Remboursement de {name}",
    "history.refund-out": "Remboursement à {name}",
    "history.cash": "Recharge en espèces — {office}",
    "history.bank": "Recharge par virement",
    "history.paper": "Billets échangés — {office}",
    "history.reconversion": "Reconversion en euros",
    "history.in": "Crédit de {name}",
    "history.out": "Débit vers {name}",
    "history.number": "n° {number}",
    "till.request": "Nouvelle demande de paiement",
    "till.amount": "Montant à encaisser (ex. 12,50)",
    "till.ref": "Référence de la vente (facultatif, 12 caractères)",
    "till.submit": "Afficher le QR code",
    "till.qr": "QR code à scanner par le client",
    "till.link": "Lien de paiement",
    "till.open": "En attente du paiement…",
    "till.paid": "Payé",
    "till.expired": "Demande expirée",
    "till.new": "Nouvelle demande",
    "day.open": "Journée : recettes et clôture",
    "day.heading": "Journée",
    "day.date": "Date de la journée",
    "day.summary": "Totaux de la journée",
    "day.count": "Paiements reçus",
    "day.credits": "Reçu",
    "day.refunds": "Remboursements",
    "day.net": "Net",
    "day.declared": "Total compté",
    "day.difference": "Écart (compté − net)",
    "day.tills": "Par caisse",
    "day.till": "Caisse",
    "day.payments": "Paiements",
    "day.hours": "Par heure",
    "day.hour": "Heure",
    "day.hour-span": "{from} h – {to} h",
    "day.none": "Aucun paiement.",
    "day.sticker": "QR code imprimé",
    "day.key": "Clé {kid}",
    "day.open-status": "Ouverte",
    "day.closed": "Clôturée (entrée n° {entry})",
    "day.refresh": "Actualiser",
    "day.back": "Retour à la caisse",
    "close.heading": "Clôture",
    "close.declared": "Total compté (facultatif, ex. 123,45)",
    "close.submit": "Clôturer la journée",
    "close.confirm-heading": "Vérifiez avant de signer",
    "close.none": "Non déclaré",
    "close.sign": "Signer et clôturer",
    "close.cancel": "Annuler",
    "close.done": "Journée du {date} clôturée : entrée n° {entry} du registre.",
    "export.heading": "Téléchargements pour la comptabilité",
    "export.csv": "Relevé de la journée (CSV)",
    "export.pdf": "Relevé de la journée (PDF)",
    "export.first": "Premier jour de la période",
    "export.last": "Dernier jour de la période",
    "export.period": "Recettes de la période (CSV)",
    "error.amount": "Montant invalide : saisissez par exemple 12,50 (entre 0,01 et 21 474 836,47).",
    "error.account": "Numéro de compte invalide.",
    "error.ref": "La référence fait au plus 12 caractères simples (lettres sans accent, chiffres).",
    "error.memo": "Le message fait au plus 140 caractères.",
    "error.code": "Ce lien de paiement est illisible.",
    "error.not-merchant": "Ce code n’est pas celui d’un commerçant.",
    "error.signature": "Demande de paiement refusée : sa signature ne vient pas de la caisse de ce commerçant.",
    "error.request-expired": "Cette demande de paiement a expiré : demandez-en une nouvelle.",
    "error.request-paid": "Cette demande de paiement est déjà payée : rien à faire. Pour un nouvel achat, demandez un nouveau QR code à la caisse.",
    "error.request-unknown": "Cette demande de paiement est inconnue du registre : demandez-en une nouvelle à la caisse.",
    "error.not-till": "Cet appareil n’est pas une caisse : il faut un code de commerçant ou de caissier.",
    "error.crypto": "Ce navigateur ne sait pas signer (Ed25519) : mettez-le à jour.",
    "error.declared": "Total compté invalide : saisissez par exemple 123,45, ou laissez vide.",
    "error.day-record": "Le registre a proposé un relevé qui n’est pas celui de cette journée : rien n’a été signé.",
    "error.period": "Choisissez une période dont le premier jour précède le dernier.",
  },
  en: {
    "lang.other": "Français",
    "wallet.title": "Wallet",
    "till.title": "Till",
    "enrol.heading": "Enrol this device",
    "enrol.help": "Type the one-time enrolment code you were given at the office.",
    "enrol.code": "Enrolment code",
    "enrol.submit": "Enrol",
    "enrol.till-name": "Name of this till (e.g. Till 1, counter)",
    "enrol.working": "Making the key and enrolling…",
    "home.account": "Account no.",
    "home.balance": "Balance",
    "home.pay": "Pay a resident",
    "home.to": "Payee's account number",
    "home.next": "Continue",
    "home.history": "History",
    "home.my-data": "Download my data",
    "home.empty": "No transactions yet.",
    "home.forget": "Forget this device",
    "foot.source": "Source code of this service (AGPL-3.0)",
    "foot.transparency": "The currency’s transparency: circulation and backing",
    "foot.directory": "Where to pay: the merchant directory",
    "home.forget-confirm": "Confirm: forget this device's key (a new code will be needed)",
    "pay.heading": "Pay",
    "pay.amount": "Amount (e.g. 12,50)",
    "pay.memo": "Message (optional)",
    "pay.confirm": "Confirm payment",
    "pay.cancel": "Cancel",
    "pay.number": "no. {number}",
    "pay.ref": "Reference: {ref}",
    "pay.checking": "Checking the payment request…",
    "pay.sending": "Paying…",
    "pay.retry": "Retry the same payment",
    "done.heading": "Payment accepted",
    "done.summary": "{amount} paid to {payee}.",
    "done.verified": "Receipt verified",
    "done.unverified": "Receipt NOT verified: the ledger's signature does not match.",
    "done.back": "Back to the wallet",
    "history.received": "Received from {name}",
    "history.paid": "Paid to {name}",
    "history.refund-in": "Refund from {name}",
    "history.refund-out": "Refund to {name}",
    "history.cash": "Cash top-up — {office}",
    "history.bank": "Top-up by bank transfer",
    "history.paper": "Notes exchanged — {office}",
    "history.reconversion": "Reconversion to euros",
    "history.in": "Credit from {name}",
    "history.out": "Debit to {name}",
    "history.number": "no. {number}",
    "till.request": "New payment request",
    "till.amount": "Amount to collect (e.g. 12,50)",
    "till.ref": "Sale reference (optional, 12 characters)",
    "till.submit": "Show the QR code",
    "till.qr": "QR code for the customer to scan",
    "till.link": "Payment link",
    "till.open": "Waiting for payment…",
    "till.paid": "Paid",
    "till.expired": "Request expired",
    "till.new": "New request",
    "day.open": "Business day: takings and closing",
    "day.heading": "Business day",
    "day.date": "Date of the business day",
    "day.summary": "The day's totals",
    "day.count": "Payments received",
    "day.credits": "Received",
    "day.refunds": "Refunds",
    "day.net": "Net",
    "day.declared": "Counted total",
    "day.difference": "Difference (counted − net)",
    "day.tills": "Per till",
    "day.till": "Till",
    "day.payments": "Payments",
    "day.hours": "Per hour",
    "day.hour": "Hour",
    "day.hour-span": "{from}:00–{to}:00",
    "day.none": "No payments.",
    "day.sticker": "Printed QR code",
    "day.key": "Key {kid}",
    "day.open-status": "Open",
    "day.closed": "Closed (entry no. {entry})",
    "day.refresh": "Refresh",
    "day.back": "Back to the till",
    "close.heading": "Closing",
    "close.declared": "Counted total (optional, e.g. 123,45)",
    "close.submit": "Close the day",
    "close.confirm-heading": "Check before signing",
    "close.none": "Not declared",
    "close.sign": "Sign and close",
    "close.cancel": "Cancel",
    "close.done": "{date} closed: entry no. {entry} of the ledger.",
    "export.heading": "Downloads for the accountant",
    "export.csv": "Day statement (CSV)",
    "export.pdf": "Day statement (PDF)",
    "export.first": "First day of the period",
    "export.last": "Last day of the period",
    "export.period": "Takings of the period (CSV)",
    "error.amount": "Invalid amount: type for instance 12,50 (from 0,01 to 21 474 836,47).",
    "error.account": "Invalid account number.",
    "error.ref": "The reference is at most 12 plain characters (unaccented letters, digits).",
    "error.memo": "The message is at most 140 characters.",
    "error.code": "This payment link cannot be read.",
    "error.not-merchant": "This code is not a merchant's.",
    "error.signature": "Payment request refused: its signature is not from this merchant's till.",
    "error.request-expired": "This payment request has expired: ask for a new one.",
    "error.request-paid": "This payment request is already paid: nothing to do. For a new purchase, ask the till for a new QR code.",
    "error.request-unknown": "The ledger does not know this payment request: ask the till for a new one.",
    "error.not-till": "This device is not a till: it needs a merchant's or cashier's code.",
    "error.crypto": "This browser cannot sign (Ed25519): please update it.",
    "error.declared": "Invalid counted total: type for instance 123,45, or leave it blank.",
    "error.day-record": "The ledger offered a statement that is not this day's: nothing was signed.",
    "error.period": "Choose a period whose first day comes before its last.",
  },
};

const LANGUAGES = ["fr", "en"];
for (const each of LANGUAGES) Object.assign(STRINGS[each], PROBLEMS[each]);

const KEY = "sou.lang";
let lang = localStorage.getItem(KEY) === "en" ? "en" : "fr";
const listeners = [];

/** Adds a page's own words ({fr: {...}, en: {...}}); they replace shared words of the same key. */
export function addWords(words) {
  for (const each of LANGUAGES) Object.assign(STRINGS[each], words[each]);
}

/** The language the page is shown in: "fr" or "en". */
export function language() {
  return lang;
}

export function t(key, vars = {}) {
  const text = STRINGS[lang][key] ?? STRINGS.fr[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ""));
}

export function has(key) {
  return key in STRINGS.fr;
}

/** The words a person reads for a refusal: its type's sentence in their language, with the
 * problem's figures written as they write them; the server's English detail stays out. */
export function problemText(error) {
  const key = `problem.${error.code}`;
  const fields = error.fields || {};
  const vars = { account: fields.account ?? "", entry: fields.entry ?? "" };
  if (Number.isInteger(fields.missing)) vars.missing = formatAmount(fields.missing, fields.currency || "");
  return t(has(key) ? key : "problem.other", vars);
}

/** Calls `render` now and whenever the language changes. */
export function onLanguage(render) {
  listeners.push(render);
  render();
}

function apply() {
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll("[data-i18n-placeholder]")) {
    el.placeholder = t(el.dataset.i18nPlaceholder);
  }
  for (const el of document.querySelectorAll("[data-i18n-alt]")) el.alt = t(el.dataset.i18nAlt);
  const toggle = document.getElementById("lang");
  toggle.textContent = t("lang.other");
  toggle.lang = lang === "fr" ? "en" : "fr";
  document.title = `Sou · ${t(document.body.dataset.title)}`;
  for (const render of listeners) render();
}

/** Writes the page in its language, and switches language with the #lang button. */
export function setUpLanguage() {
  document.getElementById("lang").addEventListener("click", () => {
    lang = lang === "fr" ? "en" : "fr";
    localStorage.setItem(KEY, lang);
    apply();
  });
  apply();
}
