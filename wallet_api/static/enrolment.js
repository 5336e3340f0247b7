// The enrolment screen shared by the wallet and the till: until this device holds an
// enrolled key, it asks for the one-time code and enrols a new key with it.

import { enrolDevice, forgetDevice, loadDevice } from "./device.js";
import { t } from "./i18n.js";
import { $, busy, show, showError } from "./screen.js";

/** The device kept under `slot`, enrolling one first if there is none. */
export async function ensureDevice(slot, label) {
  if (!window.crypto?.subtle || !window.indexedDB) {
    showError("error.crypto");
    return new Promise(() => {});
  }
  const kept = await loadDevice(slot);
  $("forget").hidden = !kept;
  if (kept) return kept;
  show("enrol");
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
