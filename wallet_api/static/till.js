// The merchant's till: type an amount, sign a payment request (FORMATS.md §6) with this device's
// merchant or cashier key, register it, show its QR code, and watch it turn paid (SSE).
// The business day (takings, closing, statements) is day.js's view of the same page.

import { api, serverNow } from "./api.js";
import { paymentArrived, setUpDay } from "./day.js";
import { ensureDevice, setUpForget } from "./enrolment.js";
import { onLanguage, setUpLanguage, t } from "./i18n.js";
import { formatAmount, parseAmount } from "./money.js";
import { signRequest } from "./payment-requests.js";
import { receiptIsValid } from "./records.js";
import { $, busy, setUpMessages, show, showError } from "./screen.js";

const SLOT = "till";
const LIFETIME = 300; // seconds a request may be paid
const REF = /^[\x20-\x7e]{0,12}$/;
let ledger = null;
let device = null;
let request = null; // the request on screen: {payreq, base32, amount, ref, status, verified}
let events = null;
let card = null; // the merchant's public card

function renderMerchant() {
  if (!card) return;
  $("merchant-name").textContent = card.name || "";
  $("merchant-number").textContent = t("pay.number", { number: card.number });
}

function renderRequest() {
  if (!request) return;
  $("request-amount").textContent = formatAmount(request.amount, ledger.currency);
  $("request-ref").textContent = request.ref ? t("pay.ref", { ref: request.ref }) : "";
  $("request-status").textContent = t(`till.${request.status}`);
  $("request-status").className = `status ${request.status}`;
  $("qr").hidden = request.status !== "open"; // a paid or expired code must not be scanned again
  $("request-link").hidden = request.status !== "open";
  const checked = request.status === "paid";
  $("till-receipt").textContent = checked ? t(request.verified ? "done.verified" : "done.unverified") : "";
  $("till-receipt").className = checked && request.verified ? "check ok" : "check bad";
}

async function onStatus(event) {
  const status = JSON.parse(event.data);
  if (!request || status.payreq !== request.payreq) return;
  if (status.status === "paid") {
    request.verified = await receiptIsValid(status.receipt, ledger.ledger_key, {
      ledger: ledger.host,
      to: String(device.account),
      amount: request.amount,
      payreq: request.payreq,
    });
  }
  request.status = status.status;
  if (status.status !== "open") stopWatching();
  renderRequest();
  if (status.status === "paid") paymentArrived();
}

function stopWatching() {
  events?.close();
  events = null;
}

async function createRequest() {
  const amount = parseAmount($("amount").value);
  if (amount === null) return showError("error.amount");
  const ref = $("ref").value.trim();
  if (!REF.test(ref)) return showError("error.ref");
  const pr = await signRequest({
    host: ledger.host,
    merchant: device.account,
    amount,
    expires: serverNow() + LIFETIME,
    kid: device.kid,
    ref,
    privateKey: device.privateKey,
  });
  const registered = await api("/v1/payment-requests", { method: "POST", body: { pr: pr.base32 } });
  if (registered.payreq !== pr.payreq) throw new Error("the ledger registered another request");
  request = { ...pr, amount, ref, status: registered.status, verified: false };
  $("qr").src = `/v1/payment-requests/${pr.payreq}/qr.svg`;
  $("request-link").href = `/R/${pr.base32}`;
  renderRequest();
  show("request");
  stopWatching();
  events = new EventSource(`/v1/payment-requests/${pr.payreq}/events`);
  events.addEventListener("status", onStatus);
}

async function main() {
  setUpLanguage();
  setUpMessages();
  setUpForget(SLOT);
  onLanguage(() => {
    renderMerchant();
    renderRequest();
  });
  $("request-form").addEventListener("submit", (event) => {
    event.preventDefault();
    busy($("request-form").querySelector("button"), createRequest);
  });
  $("new-request").addEventListener("click", () => {
    stopWatching();
    request = null;
    $("amount").value = "";
    $("ref").value = "";
    show("till-home");
    $("amount").focus();
  });
  try {
    ledger = await api("/v1/ledger");
    device = await ensureDevice(SLOT, "caisse (web)");
    show("till-home");
    if (!["merchant", "cashier"].includes(device.role)) {
      $("request-form").hidden = true;
      return showError("error.not-till");
    }
    setUpDay({ ledger, device, slot: SLOT, back: () => show("till-home") });
    card = await api(`/v1/accounts/${device.account}`);
    renderMerchant();
  } catch (error) {
    showError(error);
  }
}

main();
