// "Recharger par virement" in the wallet: the association's reserve account, the member's
// RF reference and the EPC QR code a banking app scans. The units arrive once the treasurer
// imports the bank statement line bearing the reference. Everything is read with the
// device's bearer token, so the QR code is fetched here and shown as inline SVG (an <img>
// could not carry the token, and the Content-Security-Policy allows no blob: images).

import { Problem } from "./api.js";
import { addWords, onLanguage, t } from "./i18n.js";
import { $, showError } from "./screen.js";

addWords({
  fr: {
    "topup.heading": "Recharger par virement",
    "topup.help":
      "Scannez ce code avec l’application de votre banque, ou recopiez ces coordonnées. Les unités arrivent sur votre compte quand l’association reçoit le virement.",
    "topup.beneficiary": "Bénéficiaire",
    "topup.reference": "Référence (à recopier telle quelle)",
    "topup.qr": "QR code de virement (EPC) à scanner avec l’application de votre banque",
  },
  en: {
    "topup.heading": "Top up by bank transfer",
    "topup.help":
      "Scan this code with your banking app, or copy these details. The units reach your account when the association receives the transfer.",
    "topup.beneficiary": "Beneficiary",
    "topup.reference": "Reference (copy it exactly)",
    "topup.qr": "Transfer QR code (EPC) to scan with your banking app",
  },
});

function render() {
  $("topup-qr").setAttribute("aria-label", t("topup.qr"));
}

async function svg(path, token) {
  const response = await fetch(path, { headers: { authorization: `Bearer ${token}` }, cache: "no-store" });
  if (!response.ok) throw new Problem(response.status, await response.json().catch(() => null));
  const doc = new DOMParser().parseFromString(await response.text(), "image/svg+xml");
  const image = doc.documentElement;
  if (image.localName !== "svg") throw new Error("the QR code is not an SVG image");
  image.setAttribute("width", "100%");
  image.removeAttribute("height");
  image.setAttribute("aria-hidden", "true");
  return document.importNode(image, true);
}

/**
 * Fills the section when it is first opened: `read(path)` reads JSON with the device's token,
 * `token()` gives that token for the image.
 */
export function setUpTopUp({ account, read, token }) {
  onLanguage(render);
  const section = $("topup");
  let loaded = false;
  section.addEventListener("toggle", async () => {
    if (!section.open || loaded) return;
    loaded = true;
    try {
      const details = await read(`/v1/accounts/${account}/topup`);
      $("topup-beneficiary").textContent = details.beneficiary;
      $("topup-iban").textContent = details.iban.replace(/(.{4})(?=.)/g, "$1 ");
      $("topup-bic").textContent = details.bic || "";
      $("topup-reference").textContent = details.reference;
      $("topup-qr").replaceChildren(await svg(`/v1/accounts/${account}/topup.svg`, await token()));
    } catch (error) {
      loaded = false;
      section.open = false;
      showError(error);
    }
  });
}
