// The enrolment screen shared by the wallet and the till: until this device holds an
// enrolled key, it asks for the one-time code and enrols a new key with it. Opened on
// `/E/<code>` (the office tablet's QR code), the wallet enrols with that code at once, and the
// code leaves the address bar and the history either way.

import { enrolDevice, forgetDevice, loadDevice } from "./device.js";
import { t } from "./i18n.js";
import { $, busy, show, showError } from "./screen.js";

const ENROL_ADDRESS = /^\/[Ee]\/([^/]+)\/?$/;

/** The one-time code of an `/E/<code>` address, replaced by `/` so that it is not kept. */
function codeFromAddress() {
  const found = ENROL_ADDRESS.exec(window.location.pathname);
  if (!found) return null;
  window.history.replaceState(null, "", "/");
  return decodeURIComponent(found[1]);
}

/** The device kept under `slot`, enrolling one first if there is none. */
export async function ensureDevice(slot, label) {
  const given = codeFromAddress();
  if (!window.crypto?.subtle || !window.indexedDB) {
    showError("error.crypto");
    return new Promise(() => {});
  }
  const kept = await loadDevice(slot);
  $("forget").hidden = !kept;
  if (kept) return kept;
  show("enrol");
  if (given) {
    // scanned at the office: nothing to type; if the code is refused, the form stays to retry
    $("code").value = given;
    const device = await busy($("enrol-form").querySelector("button"), () =>
      enrolDevice(slot, given, label),
    );
    if (device) {
      $("forget").hidden = false;
      return device;
    }
  }
  return new Promise((resolve) => {
    const form = $("enrol-form");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      // a till is named at enrolment, so that the day's figures tell two tills of a shop apart
      const named = $("device-label")?.value.trim().normalize("NFC");
      const device = await busy(form.querySelector("button"), () =>
        enrolDevice(slot, $("code").value, named || label),
      );
      if (device) {
        $("forget").hidden = false;
        resolve(device);
      }
    });
  });
}

/** Forgetting the key needs a second press: a new enrolment code is needed afterwards. */
export function setUpForget(slot) {
  const button = $("forget");
  button.addEventListener("click", async () => {
    if (button.dataset.i18n !== "home.forget-confirm") {
      button.dataset.i18n = "home.forget-confirm";
      button.textContent = t("home.forget-confirm");
      return;
    }
    await forgetDevice(slot);
    window.location.assign(window.location.pathname);
  });
}
