// The console's bank statement import: the treasurer picks the file the bank gave (camt.053,
// CFONB 120 or French CSV) and the service matches its lines with the ledger; what is left
// open appears below, to match or explain.

import { postFile } from "./api.js";
import { addWords, onLanguage, t } from "./i18n.js";
import { $, busy, showError } from "./screen.js";

addWords({
  fr: {
    "bank-import.heading": "Importer un relevé bancaire",
    "bank-import.file": "Relevé de la banque (camt.053, CFONB 120 ou CSV)",
    "bank-import.submit": "Importer le relevé",
    "bank-import.no-file": "Choisissez d’abord le fichier du relevé.",
    "bank-import.done": "Relevé n° {id} ({iban}) importé : {lines} ligne(s), {matched} rapprochée(s), {open} à rapprocher.",
  },
  en: {
    "bank-import.heading": "Import a bank statement",
    "bank-import.file": "The bank’s statement (camt.053, CFONB 120 or CSV)",
    "bank-import.submit": "Import the statement",
    "bank-import.no-file": "Choose the statement’s file first.",
    "bank-import.done": "Statement {id} ({iban}) imported: {lines} line(s), {matched} matched, {open} to match.",
  },
});

let done = null;

function render() {
  $("bank-import-outcome").textContent = done ? t("bank-import.done", done) : "";
}

/** `getToken()` gives the treasurer's bearer token; `reload()` refreshes the console. */
export function setUpBankImport({ getToken, reload }) {
  const form = $("bank-import-form");
  form.hidden = false;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const file = $("bank-import-file").files[0];
    if (!file) return showError("bank-import.no-file");
    return busy(form.querySelector("button"), async () => {
      done = await postFile("/v1/bank-statements", file, await getToken());
      form.reset();
      render();
      await reload();
    });
  });
  onLanguage(render);
}
