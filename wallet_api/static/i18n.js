// French first, English available: one small dictionary, the choice kept on the device.
// Static text is marked up with data-i18n (text), data-i18n-placeholder and data-i18n-alt.

const STRINGS = {
  fr: {
    "lang.other": "English",
    "wallet.title": "Porte-monnaie",
    "till.title": "Caisse",
    "enrol.heading": "Enrôler cet appareil",
    "enrol.help": "Saisissez le code d’enrôlement à usage unique reçu au comptoir.",
    "enrol.code": "Code d’enrôlement",
    "enrol.submit": "Enrôler",
    "enrol.working": "Création de la clé et enrôlement…",
    "home.account": "Compte n°",
    "home.balance": "Solde",
    "home.pay": "Payer un résident",
    "home.to": "Numéro de compte du bénéficiaire",
    "home.next": "Continuer",
    "home.history": "Historique",
    "home.empty": "Aucune opération pour l’instant.",
    "home.forget": "Oublier cet appareil",
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
    "history.in": "Reçu de n° {number}",
    "history.out": "Payé à n° {number}",
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
    "error.amount": "Montant invalide : saisissez par exemple 12,50 (entre 0,01 et 21 474 836,47).",
    "error.account": "Numéro de compte invalide.",
    "error.ref": "La référence fait au plus 12 caractères simples (lettres sans accent, chiffres).",
    "error.memo": "Le message fait au plus 140 caractères.",
    "error.code": "Ce lien de paiement est illisible.",
    "error.not-merchant": "Ce code n’est pas celui d’un commerçant.",
    "error.signature": "Demande de paiement refusée : sa signature ne vient pas de la caisse de ce commerçant.",
    "error.request-expired": "Cette demande de paiement a expiré : demandez-en une nouvelle.",
    "error.not-till": "Cet appareil n’est pas une caisse : il faut un code de commerçant ou de caissier.",
    "error.crypto": "Ce navigateur ne sait pas signer (Ed25519) : mettez-le à jour.",
    "problem.network": "Réseau indisponible : réessayez.",
    "problem.insufficient-funds": "Solde insuffisant",
    "problem.enrolment": "Code d’enrôlement inconnu, déjà utilisé ou expiré",
    "problem.revoked-key": "Cet appareil a été révoqué",
    "problem.unknown-key": "Cet appareil n’est pas enrôlé",
    "problem.unknown-account": "Compte inconnu",
    "problem.account-not-open": "Compte gelé ou fermé",
    "problem.expired": "Paiement expiré : vérifiez l’heure de l’appareil",
    "problem.payment-request": "Demande de paiement refusée",
    "problem.duplicate-conflict": "Paiement en double refusé",
    "problem.rate-limited": "Trop de tentatives : patientez une minute",
    "problem.not-authorized": "Opération non autorisée",
    "problem.invalid-signature": "Signature refusée",
    "problem.unauthenticated": "Connexion refusée",
  },
  en: {
    "lang.other": "Français",
    "wallet.title": "Wallet",
    "till.title": "Till",
    "enrol.heading": "Enrol this device",
    "enrol.help": "Type the one-time enrolment code you were given at the office.",
    "enrol.code": "Enrolment code",
    "enrol.submit": "Enrol",
    "enrol.working": "Making the key and enrolling…",
    "home.account": "Account no.",
    "home.balance": "Balance",
    "home.pay": "Pay a resident",
    "home.to": "Payee's account number",
    "home.next": "Continue",
    "home.history": "History",
    "home.empty": "No transactions yet.",
    "home.forget": "Forget this device",
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
    "history.in": "Received from no. {number}",
    "history.out": "Paid to no. {number}",
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
    "error.amount": "Invalid amount: type for instance 12,50 (from 0,01 to 21 474 836,47).",
    "error.account": "Invalid account number.",
    "error.ref": "The reference is at most 12 plain characters (unaccented letters, digits).",
    "error.memo": "The message is at most 140 characters.",
    "error.code": "This payment link cannot be read.",
    "error.not-merchant": "This code is not a merchant's.",
    "error.signature": "Payment request refused: its signature is not from this merchant's till.",
    "error.request-expired": "This payment request has expired: ask for a new one.",
    "error.not-till": "This device is not a till: it needs a merchant's or cashier's code.",
    "error.crypto": "This browser cannot sign (Ed25519): please update it.",
    "problem.network": "Network unavailable: try again.",
    "problem.insufficient-funds": "Insufficient balance",
    "problem.enrolment": "Enrolment code unknown, used or expired",
    "problem.revoked-key": "This device was revoked",
    "problem.unknown-key": "This device is not enrolled",
    "problem.unknown-account": "Unknown account",
    "problem.account-not-open": "Account frozen or closed",
    "problem.expired": "Payment expired: check the device's clock",
    "problem.payment-request": "Payment request refused",
    "problem.duplicate-conflict": "Duplicate payment refused",
    "problem.rate-limited": "Too many attempts: wait a minute",
    "problem.not-authorized": "Not allowed",
    "problem.invalid-signature": "Signature refused",
    "problem.unauthenticated": "Sign-in refused",
  },
};

const KEY = "sou.lang";
let lang = localStorage.getItem(KEY) === "en" ? "en" : "fr";
const listeners = [];

export function t(key, vars = {}) {
  const text = STRINGS[lang][key] ?? STRINGS.fr[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ""));
}

export function has(key) {
  return key in STRINGS.fr;
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

export function setUpLanguage() {
  document.getElementById("lang").addEventListener("click", () => {
    lang = lang === "fr" ? "en" : "fr";
    localStorage.setItem(KEY, lang);
    apply();
  });
  apply();
}
