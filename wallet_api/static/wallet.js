// The resident's wallet: balance and history, and paying — another resident by account
// number, a merchant's printed code (/M/<account>), or a till's signed request (/R/<base32>).
// A payment is a transfer record signed here by the device key; the ledger's receipt is
// checked against the ledger key before the page says the payment went through.

import { Problem, api, serverNow } from "./api.js";
import { setUpArchive } from "./archive.js";
import { forgetDevice, loadDevice, readingToken } from "./device.js";
import { ensureDevice } from "./enrolment.js";
import { addWords, language, onLanguage, setUpLanguage, t } from "./i18n.js";
import { formatAmount, parseAmount } from "./money.js";
import { lookUpPayee } from "./payee.js";
import { parseRequest, requestIsSigned } from "./payment-requests.js";
import { memoFor, receiptIsValid, signRecord, transferRecord } from "./records.js";
import { $, busy, setUpMessages, show, showError } from "./screen.js";
import { setUpTopUp } from "./topup.js";

const SLOT = "wallet";

addWords({
  fr: {
    "enrol.recovery":
      "Téléphone perdu ? Saisissez ici le code de secours imprimé qu’on vous a remis à l’ouverture du compte : vos anciens appareils seront révoqués.",
    "recovered.notice":
      "Compte récupéré avec votre code de secours : {count} ancien(s) appareil(s) révoqué(s). Ce code ne servira plus ; demandez-en un nouveau au comptoir.",
    "forget.revoking": "Révocation de la clé de cet appareil…",
    "forget.offline":
      "Pas de connexion : la clé de cet appareil n’a pas été révoquée, et il n’est pas oublié. Réessayez une fois connecté.",
  },
  en: {
    "enrol.recovery":
      "Lost your phone? Type here the printed recovery code you were given when the account was opened: your old devices will be revoked.",
    "recovered.notice":
      "Account recovered with your recovery code: {count} old device(s) revoked. That code will not work again; ask the office for a new one.",
    "forget.revoking": "Revoking this device's key…",
    "forget.offline":
      "No connection: this device's key was not revoked, and it is not forgotten. Try again once online.",
  },
});
const ACCOUNT = /^[1-9][0-9]{0,9}$/;
let ledger = null;
let device = null;
let account = null; // the holder's own account, with its balance
let items = []; // the latest history page
let payment = null; // what the pay screen offers: {to, name, amount (null: typed), payreq, ref}
let pending = null; // a signed transfer sent without an answer: resent as is, never re-signed
let outcome = null; // the accepted payment: {record, verified}

const money = (cents) => formatAmount(cents, ledger.currency);

function progress(key) {
  $("progress").textContent = key ? t(key) : "";
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

async function downloadMyData() {
  // everything the association holds about this member (GDPR art. 15 and 20), as a page
  const token = await readingToken(SLOT, device, ledger.host);
  const response = await fetch(`/v1/members/${device.account}/export.html`, {
    headers: { authorization: `Bearer ${token}` },
    cache: "no-store",
  });
  if (!response.ok) throw new Problem(response.status, await response.json().catch(() => null));
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([await response.text()], { type: "text/html" }));
  link.download = `sou-${device.account}.html`;
  document.body.append(link);
  link.click();
  link.remove();
}

async function refresh() {
  account = await read(`/v1/accounts/${device.account}`);
  items = (await read(`/v1/accounts/${device.account}/transfers?limit=20`)).items;
  renderHome();
}

function renderHome() {
  if (!account) return;
  $("account-number").textContent = account.number;
  $("account-name").textContent = account.name || "";
  $("balance").textContent = money(account.balance);
  const when = new Intl.DateTimeFormat(language(), {
    dateStyle: "short",
    timeStyle: "short",
    timeZone: "Europe/Paris",
  });
  const rows = items.map((item) => {
    const li = document.createElement("li");
    const sign = item.direction === "in" ? "+" : "−";
    const what = historyLabel(item);
    const date = document.createElement("time");
    date.dateTime = item.accepted;
    date.textContent = when.format(new Date(item.accepted));
    const label = document.createElement("span");
    label.textContent = item.memo ? `${what} · ${item.memo}` : what;
    const amount = document.createElement("span");
    amount.className = `amount ${item.direction}`;
    amount.textContent = `${sign}${money(item.amount)}`;
    li.append(date, label, amount);
    return li;
  });
  if (!rows.length) {
    const li = document.createElement("li");
    li.textContent = t("home.empty");
    rows.push(li);
  }
  $("history").replaceChildren(...rows);
}

/** A history line as a person reads it: who was paid or paid, at which office, a refund. */
function historyLabel(item) {
  const name = item.counterpart_name || t("history.number", { number: item.counterpart });
  const office = item.office_name || t("history.number", { number: item.office });
  const incoming = item.direction === "in";
  switch (item.type) {
    case "transfer":
      if (item.ref) return t(incoming ? "history.refund-in" : "history.refund-out", { name });
      return t(incoming ? "history.received" : "history.paid", { name });
    case "conversion":
      return item.method === "bank" ? t("history.bank") : t("history.cash", { office });
    case "paper_exchange":
      return t("history.paper", { office });
    case "reconversion":
      return t("history.reconversion");
    default:
      return t(incoming ? "history.in" : "history.out", { name });
  }
}

/** A merchant's or the association's public card, or null for any other account. */
async function merchantCard(number) {
  try {
    const card = await api(`/v1/accounts/${number}`);
    return ["merchant", "association"].includes(card.kind) ? card : null;
  } catch (error) {
    if (error instanceof Problem && [401, 403].includes(error.status)) return null;
    throw error;
  }
}

function renderPay() {
  if (!payment) return;
  $("payee-name").textContent = payment.name || "";
  $("payee-number").textContent = t("pay.number", { number: payment.to });
  $("pay-ref").textContent = payment.ref ? t("pay.ref", { ref: payment.ref }) : "";
  $("pay-fixed").textContent = payment.amount === null ? "" : money(payment.amount);
  $("pay-fixed").hidden = payment.amount === null;
  $("pay-amount-field").hidden = payment.amount !== null;
  $("pay-confirm").textContent = t(pending ? "pay.retry" : "pay.confirm");
}

function openPay(offer) {
  payment = offer;
  pending = null;
  $("pay-amount").value = "";
  $("pay-memo").value = "";
  renderPay();
  show("pay");
  if (offer.amount === null) $("pay-amount").focus();
}

async function openMerchant(number) {
  if (!ACCOUNT.test(number)) return showError("error.code");
  const card = await merchantCard(number);
  if (!card) return showError("error.not-merchant");
  openPay({ to: number, name: card.name, amount: null, payreq: null, ref: "" });
}

async function openRequest(code) {
  let pr;
  try {
    pr = await parseRequest(code);
  } catch {
    return showError("error.code");
  }
  progress("pay.checking");
  let key = null;
  try {
    key = await api(`/v1/keys/${pr.kid}`);
  } catch (error) {
    if (!(error instanceof Problem) || error.status !== 404) throw error;
  }
  progress(null);
  if (!key || !(await requestIsSigned(pr, { host: ledger.host, key }))) {
    return showError("error.signature");
  }
  if (pr.expires < serverNow()) return showError("error.request-expired");
  // Said now, not after "Confirm": a request already paid (a second scan) or expired.
  let status;
  try {
    status = await api(`/v1/payment-requests/${pr.payreq}`);
  } catch (error) {
    if (error instanceof Problem && error.status === 404) return showError("error.request-unknown");
    throw error;
  }
  if (status.status === "paid") return showError("error.request-paid");
  if (status.status === "expired") return showError("error.request-expired");
  const card = await merchantCard(pr.merchant);
  if (!card) return showError("error.not-merchant");
  openPay({ to: pr.merchant, name: card.name, amount: pr.amount, payreq: pr.payreq, ref: pr.ref });
}

async function pay() {
  if (!pending) {
    const amount = payment.amount ?? parseAmount($("pay-amount").value);
    if (amount === null) return showError("error.amount");
    const memo = $("pay-memo").value.trim().normalize("NFC");
    if ([...memo].length > 140 || /\p{Cc}/u.test(memo)) {
      return showError("error.memo");
    }
    const note = await memoFor(memo);
    const record = transferRecord({
      host: ledger.host,
      currency: ledger.currency,
      from: device.account,
      to: payment.to,
      amount,
      kid: device.kid,
      now: serverNow(),
      memo: note,
      payreq: payment.payreq,
    });
    pending = { record, ...(await signRecord("transfer", record, device.privateKey, note)) };
  }
  progress("pay.sending");
  let receipt;
  try {
    receipt = await api("/v1/transfers", { method: "POST", body: pending.envelope });
  } catch (error) {
    // Kept, to be sent again as is, when the answer was lost or the service asked for a
    // retry (503): the same signed record is never posted twice. Any other refusal is final.
    const retryable = error instanceof Problem && (error.code === "network" || error.status === 503);
    if (!retryable) pending = null;
    throw error;
  } finally {
    progress(null);
    lockPayForm(pending !== null);
    renderPay();
  }
  const { record, id } = pending;
  pending = null;
  lockPayForm(false);
  const verified = await receiptIsValid(receipt, ledger.ledger_key, {
    ledger: record.ledger,
    transfer: id,
    from: record.from,
    to: record.to,
    amount: record.amount,
    currency: record.currency,
    payreq: record.payreq,
  });
  outcome = { record, name: payment.name, verified };
  renderDone();
  show("done");
  window.history.replaceState(null, "", "/");
  await refresh();
}

function lockPayForm(locked) {
  $("pay-amount").readOnly = locked;
  $("pay-memo").readOnly = locked;
}

function renderDone() {
  if (!outcome) return;
  const { record, name, verified } = outcome;
  const payee = name ? `${name} (${t("pay.number", { number: record.to })})` : t("pay.number", { number: record.to });
  $("done-summary").textContent = t("done.summary", { amount: money(record.amount), payee });
  $("receipt-check").textContent = t(verified ? "done.verified" : "done.unverified");
  $("receipt-check").className = verified ? "check ok" : "check bad";
}

/** Forgetting this device revokes its key on the server first (a second press confirms),
 * then clears it here; offline, nothing is cleared and the page says so. A key the server
 * already revoked (a lost phone, at the office) is only cleared here. */
async function forgetThisDevice() {
  const kept = device || (await loadDevice(SLOT));
  if (kept) {
    progress("forget.revoking");
    try {
      const host = ledger?.host || (await api("/v1/ledger")).host;
      const token = await readingToken(SLOT, kept, host, { renew: true });
      await api(`/v1/devices/${kept.kid}/revoke`, { method: "POST", token });
    } catch (error) {
      const gone = error instanceof Problem && ["revoked-key", "unknown-key"].includes(error.code);
      if (!gone) {
        if (!(error instanceof Problem) || error.code !== "network") throw error;
        showError("forget.offline");
        return;
      }
    } finally {
      progress(null);
    }
  }
  await forgetDevice(SLOT);
  window.location.assign(window.location.pathname);
}

function setUpForget() {
  const button = $("forget");
  button.addEventListener("click", () => {
    if (button.dataset.i18n !== "home.forget-confirm") {
      button.dataset.i18n = "home.forget-confirm";
      button.textContent = t("home.forget-confirm");
      return;
    }
    busy(button, forgetThisDevice);
  });
}

function setUpForms() {
  $("to-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const to = $("to").value.trim();
    if (!ACCOUNT.test(to)) return showError("error.account");
    busy(event.submitter || $("to-form").querySelector("button"), async () => {
      const payee = await lookUpPayee(read, to); // the name is seen before "Confirmer"
      if (payee.status !== "open") return showError("problem.account-not-open");
      openPay({ to, name: payee.name || "", amount: null, payreq: null, ref: "" });
    });
  });
  $("pay-form").addEventListener("submit", (event) => {
    event.preventDefault();
    busy($("pay-confirm"), pay);
  });
  $("my-data").addEventListener("click", () => busy($("my-data"), downloadMyData));
}

async function main() {
  setUpLanguage();
  setUpMessages();
  setUpForms();
  setUpForget();
  onLanguage(() => {
    if (ledger) {
      renderHome();
      renderPay();
      renderDone();
    }
  });
  try {
    ledger = await api("/v1/ledger");
    device = await ensureDevice(SLOT, "porte-monnaie (web)");
    showRecovered(device);
    setUpTopUp({
      account: device.account,
      read,
      token: () => readingToken(SLOT, device, ledger.host),
    });
    await refresh();
    // the previous platform's history, if any: read once, beside the home screen
    setUpArchive({ account: device.account, read, currency: ledger.currency }).catch(showError);
    const qr = /^\/([MmRr])\/([^/]+)\/?$/.exec(window.location.pathname);
    if (!qr) return show("home");
    show("home");
    const code = decodeURIComponent(qr[2]);
    await (qr[1].toUpperCase() === "M" ? openMerchant(code) : openRequest(code));
  } catch (error) {
    progress(null);
    showError(error);
  }
}

/** After a recovery code enrolled this phone: which keys it revoked, said once. */
function showRecovered(enrolled) {
  const notice = $("recovered-notice");
  const count = enrolled.revoked?.length ?? 0;
  const said = `sou.recovered.${enrolled.kid}`;
  notice.hidden = !count || localStorage.getItem(said) !== null;
  if (notice.hidden) return;
  localStorage.setItem(said, "1");
  notice.textContent = t("recovered.notice", { count });
  onLanguage(() => {
    notice.textContent = t("recovered.notice", { count });
  });
}

main();
