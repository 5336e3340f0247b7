// The office tablet's member screens: opening a resident's account (name, contact, consent to
// the privacy notice) and recovering one whose every device was lost, once the volunteer has
// seen an identity document (its kind is recorded, never its number). Both end with a
// short-lived one-time code shown as a large QR code of the wallet's `/E/<code>` address, which
// the member's phone scans to enrol; the code in text and its expiry are shown beside it, and
// the lost phone's new code (office.js's devices section) is shown the same way. The account's
// printed recovery code (docs/SECURITY.md) is shown once, to print, at the opening and whenever
// the agent issues a new one from the devices panel, where it can also be cancelled.

import { Problem, api } from "./api.js";
import { addWords, language, onLanguage, t } from "./i18n.js";
import { lookUpPayee } from "./payee.js";
import { $, busy, printAlone, showError } from "./screen.js";

const ACCOUNT = /^[1-9][0-9]{0,9}$/;

addWords({
  fr: {
    "open.heading": "Ouvrir un compte d’adhérent",
    "open.name": "Nom et prénom",
    "open.contact": "Courriel ou téléphone (facultatif)",
    "open.consent": "L’adhérent a reçu la notice de confidentialité et l’accepte",
    "open.submit": "Ouvrir le compte",
    "open.no-consent": "Cochez l’accord de l’adhérent à la notice de confidentialité : aucun compte n’est ouvert sans lui.",
    "open.done": "Compte n° {number} ouvert pour {name}.",
    "recover.heading": "Récupérer un compte (tous les appareils perdus)",
    "recover.account": "Numéro du compte à récupérer",
    "recover.document": "Pièce d’identité vue",
    "recover.identity-card": "Carte d’identité",
    "recover.passport": "Passeport",
    "recover.residence-permit": "Titre de séjour",
    "recover.other": "Autre pièce",
    "recover.note": "Remarque (facultatif, jamais le numéro de la pièce)",
    "recover.submit": "Identité vérifiée : révoquer ses appareils et donner un nouveau code",
    "recover.holder": "Titulaire : {name} — comparez avec la pièce d’identité, puis validez.",
    "recover.holder-unnamed": "Titulaire : compte n° {number}, sans nom enregistré — vérifiez, puis validez.",
    "recover.done": "Compte n° {number} : {count} appareil(s) révoqué(s). Solde et historique conservés.",
    "qr.label": "Image QR à scanner avec le téléphone de l’adhérent pour y ouvrir son porte-monnaie",
    "qr.help": "L’adhérent scanne ce QR code avec son téléphone ; sinon, il saisit ce code dans son porte-monnaie :",
    "qr.expires": "Valable une seule fois, jusqu’à {time}.",
    "recovery.heading": "Code de secours du compte n° {number}",
    "recovery.help":
      "À imprimer et à remettre à l’adhérent, qui le garde avec ses papiers. S’il perd son téléphone, il ouvre le porte-monnaie sur un autre téléphone et y saisit ce code : ses anciens appareils sont révoqués, son solde et son historique conservés. Il ne sert qu’une fois.",
    "recovery.print": "Imprimer le code de secours",
    "recovery.new": "Imprimer un nouveau code de secours (remplace l’ancien)",
    "recovery.revoke": "Annuler son code de secours (papier perdu)",
    "recovery.issued": "Code de secours remis le {date}.",
    "recovery.none": "Aucun code de secours valable.",
    "recovery.revoked": "Code de secours annulé : il ne sert plus à rien.",
  },
  en: {
    "open.heading": "Open a member's account",
    "open.name": "Full name",
    "open.contact": "Email or phone (optional)",
    "open.consent": "The member was given the privacy notice and accepts it",
    "open.submit": "Open the account",
    "open.no-consent": "Tick the member's consent to the privacy notice: no account is opened without it.",
    "open.done": "Account no. {number} opened for {name}.",
    "recover.heading": "Recover an account (every device lost)",
    "recover.account": "Number of the account to recover",
    "recover.document": "Identity document seen",
    "recover.identity-card": "Identity card",
    "recover.passport": "Passport",
    "recover.residence-permit": "Residence permit",
    "recover.other": "Other document",
    "recover.note": "Note (optional, never the document's number)",
    "recover.submit": "Identity checked: revoke their devices and give a new code",
    "recover.holder": "Holder: {name} — compare with the identity document, then confirm.",
    "recover.holder-unnamed": "Holder: account no. {number}, no name on record — check, then confirm.",
    "recover.done": "Account no. {number}: {count} device(s) revoked. Balance and history kept.",
    "qr.label": "QR image for the member to scan with their phone to open their wallet there",
    "qr.help": "The member scans this QR code with their phone; otherwise they type this code into their wallet:",
    "qr.expires": "Valid once, until {time}.",
    "recovery.heading": "Recovery code of account no. {number}",
    "recovery.help":
      "Print it and hand it to the member, who keeps it with their papers. If they lose their phone, they open the wallet on another phone and type this code there: their old devices are revoked, their balance and history kept. It works once.",
    "recovery.print": "Print the recovery code",
    "recovery.new": "Print a new recovery code (replaces the old one)",
    "recovery.revoke": "Cancel their recovery code (paper lost)",
    "recovery.issued": "Recovery code handed over on {date}.",
    "recovery.none": "No valid recovery code.",
    "recovery.revoked": "Recovery code cancelled: it no longer works.",
  },
});

let tokenOf = null; // (renew) => the agent's bearer token
let opened = null; // {number, name}
const shown = {}; // container id -> {code, expires, image}: the codes on screen
let recovered = null; // {number, count}
let holder = null; // {number, payee}: the recovered account's holder, shown before confirming
const recoveries = {}; // container id -> {number, code}: a printed recovery code on screen
let recoveryStatus = null; // {number, issued | null, revoked}: the devices panel's account

async function token() {
  return tokenOf(false);
}

/** The API with the agent's token, renewed once if the service no longer takes it. */
async function call(path, method, body) {
  try {
    return await api(path, { method, body, token: await token() });
  } catch (error) {
    if (!(error instanceof Problem) || error.code !== "unauthenticated") throw error;
    return api(path, { method, body, token: await tokenOf(true) });
  }
}

function until(iso) {
  return new Intl.DateTimeFormat(language(), { timeStyle: "short", timeZone: "Europe/Paris" }).format(
    new Date(iso),
  );
}

/** The QR code of `code`'s enrolment address, as the service draws it (an inline SVG). */
async function qrImage(code) {
  const response = await fetch(`/v1/enrolment-codes/${encodeURIComponent(code)}/qr.svg`, {
    headers: { authorization: `Bearer ${await token()}` },
    cache: "no-store",
  });
  if (!response.ok) throw new Problem(response.status, await response.json().catch(() => null));
  const doc = new DOMParser().parseFromString(await response.text(), "image/svg+xml");
  const image = doc.documentElement;
  if (image.localName !== "svg") throw new Error("the QR code is not an SVG image");
  image.setAttribute("width", "100%");
  image.removeAttribute("height");
  image.setAttribute("aria-hidden", "true");
  return document.importNode(image, true);
}

/** The enrolment block: the QR code large, the code in text and its expiry. */
function renderEnrolment(id) {
  const given = shown[id];
  const box = $(id);
  if (!given) return box.replaceChildren();
  const qr = document.createElement("div");
  qr.className = "qr enrolment-qr";
  qr.setAttribute("role", "img");
  qr.setAttribute("aria-label", t("qr.label"));
  qr.append(given.image);
  const help = document.createElement("p");
  help.textContent = t("qr.help");
  const code = document.createElement("p");
  code.className = "big enrolment-code";
  code.textContent = given.code;
  const expires = document.createElement("p");
  expires.className = "enrolment-expires";
  expires.textContent = t("qr.expires", { time: until(given.expires) });
  box.replaceChildren(qr, help, code, expires);
}

async function showEnrolment(id, code, expires) {
  shown[id] = { code, expires, image: await qrImage(code) };
  renderEnrolment(id);
}

/** The recovery code's sheet: what it is for, the code large, and a button that prints it. */
function renderRecovery(id) {
  const given = recoveries[id];
  const box = $(id);
  if (!given) return box.replaceChildren();
  const sheet = document.createElement("section");
  sheet.className = "recovery-sheet";
  const heading = document.createElement("h4");
  heading.textContent = t("recovery.heading", { number: given.number });
  const help = document.createElement("p");
  help.textContent = t("recovery.help");
  const code = document.createElement("p");
  code.className = "big recovery-code";
  code.textContent = given.code;
  sheet.append(heading, help, code);
  const print = document.createElement("button");
  print.type = "button";
  print.className = "secondary";
  print.textContent = t("recovery.print");
  print.addEventListener("click", () => printAlone(sheet));
  box.replaceChildren(sheet, print);
}

function dateOf(iso) {
  return new Intl.DateTimeFormat(language(), { dateStyle: "long", timeZone: "Europe/Paris" }).format(
    new Date(iso),
  );
}

function render() {
  for (const id of ["opened-recovery", "devices-recovery"]) renderRecovery(id);
  $("recovery-status").textContent = !recoveryStatus
    ? ""
    : recoveryStatus.revoked
      ? t("recovery.revoked")
      : recoveryStatus.issued
        ? t("recovery.issued", { date: dateOf(recoveryStatus.issued) })
        : t("recovery.none");
  $("opened").hidden = !opened;
  $("opened-outcome").textContent = opened ? t("open.done", opened) : "";
  $("recovered").hidden = !recovered;
  $("recovered-outcome").textContent = recovered ? t("recover.done", recovered) : "";
  $("recover-account-name").textContent = holder
    ? holder.payee.name
      ? t("recover.holder", { name: holder.payee.name })
      : t("recover.holder-unnamed", { number: holder.number })
    : "";
  for (const id of Object.keys(shown)) renderEnrolment(id);
  const lost = $("new-code-qr");
  lost.setAttribute("aria-label", t("qr.label"));
}

async function openAccount(form) {
  const name = $("open-name").value.trim();
  if (!$("open-consent").checked) return showError("open.no-consent");
  const body = { kind: "resident", name, consent: true };
  const contact = $("open-contact").value.trim();
  if (contact) body.contact = contact;
  const done = await call("/v1/accounts", "POST", body);
  opened = { number: done.number, name };
  recoveries["opened-recovery"] = { number: done.number, code: done.recovery_code };
  form.reset();
  await showEnrolment("opened-enrolment", done.enrolment.code, done.enrolment.expires_at);
  render();
  $("opened").focus();
}

async function recover(form) {
  const number = $("recover-account").value.trim();
  if (!ACCOUNT.test(number)) return showError("error.account");
  if (holder?.number !== number) {
    // the holder's name first: the volunteer compares it with the document before confirming
    holder = { number, payee: await lookUpPayee((path) => call(path, "GET"), number) };
    return render();
  }
  const body = { identity_check: $("recover-document").value };
  const note = $("recover-note").value.trim();
  if (note) body.note = note;
  const done = await call(`/v1/accounts/${number}/recover`, "POST", body);
  recovered = { number, count: done.revoked.length };
  holder = null;
  form.reset();
  await showEnrolment("recovered-enrolment", done.enrolment.code, done.enrolment.expires_at);
  render();
  $("recovered").focus();
}

/** The lost phone's new code (office.js writes it in #new-code-value): its QR code beside it. */
function watchLostPhone() {
  const value = $("new-code-value");
  const image = $("new-code-qr");
  new MutationObserver(async () => {
    const code = value.textContent.trim();
    image.hidden = true;
    image.replaceChildren();
    if (!code) return;
    try {
      image.append(await qrImage(code));
      image.hidden = value.textContent.trim() !== code;
    } catch (error) {
      showError(error);
    }
  }).observe(value, { childList: true, characterData: true, subtree: true });
}

/** The devices panel's account (office.js shows its devices): its recovery code's state. */
async function loadRecoveryStatus() {
  const number = $("devices-account").value.trim();
  delete recoveries["devices-recovery"];
  recoveryStatus = null;
  render();
  if (!ACCOUNT.test(number)) return;
  const status = await call(`/v1/accounts/${number}/recovery-code`, "GET");
  recoveryStatus = { number, issued: status.issued, revoked: false };
  render();
}

async function newRecoveryCode() {
  const number = recoveryStatus?.number;
  if (!number) return;
  const done = await call(`/v1/accounts/${number}/recovery-code`, "POST");
  recoveries["devices-recovery"] = { number, code: done.recovery_code };
  recoveryStatus = { number, issued: done.issued, revoked: false };
  render();
}

async function revokeRecoveryCode() {
  const number = recoveryStatus?.number;
  if (!number) return;
  await call(`/v1/accounts/${number}/recovery-code/revoke`, "POST");
  delete recoveries["devices-recovery"];
  recoveryStatus = { number, issued: null, revoked: true };
  render();
}

/** The screens' set-up: `token(renew)` gives the agent's bearer token (a new one if `renew`). */
export function setUpAccounts({ token: agentToken }) {
  tokenOf = agentToken;
  for (const [id, work] of [
    ["open-form", openAccount],
    ["recover-form", recover],
  ]) {
    const form = $(id);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (id === "open-form") {
        opened = null;
        delete recoveries["opened-recovery"];
      } else recovered = null;
      delete shown[id === "open-form" ? "opened-enrolment" : "recovered-enrolment"];
      render();
      busy(form.querySelector("button"), () => work(form));
    });
  }
  $("recover-account").addEventListener("input", () => {
    holder = null;
    render();
  });
  watchLostPhone();
  $("devices-form").addEventListener("submit", () => loadRecoveryStatus().catch(showError));
  // a member picked in the register fills the devices panel (office.js) and loads it
  document.addEventListener("sou:member", () =>
    setTimeout(() => loadRecoveryStatus().catch(showError)),
  );
  for (const [id, work] of [
    ["recovery-new", newRecoveryCode],
    ["recovery-revoke", revokeRecoveryCode],
  ]) {
    const button = $(id);
    button.addEventListener("click", () => busy(button, work));
  }
  onLanguage(render);
}
