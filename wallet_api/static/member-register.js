// The members' register, on the office tablet and the association's console: find a member
// by name, contact or number (case and accents aside), correct their name or contact, close
// an empty account, and (the treasurer) bring members in from a spreadsheet, previewed line
// by line and imported whole or not at all. A member picked here is announced to the page
// (`sou:member` event), which fills its own forms with the number.

import { Problem, api, postFile as sendFile } from "./api.js";
import { addWords, onLanguage, t } from "./i18n.js";
import { formatCents } from "./money.js";
import { $, busy, showError } from "./screen.js";

addWords({
  fr: {
    "register.heading": "Trouver un adhérent",
    "register.query": "Nom, courriel, téléphone ou n° de compte",
    "register.kind": "Type",
    "register.status": "Statut",
    "register.any": "Tous",
    "register.resident": "Résident",
    "register.merchant": "Commerçant",
    "register.open": "Ouvert",
    "register.frozen": "Gelé",
    "register.closed": "Clos",
    "register.search": "Chercher",
    "register.found": "{total} adhérent(s) trouvé(s)",
    "register.more": "Afficher les suivants",
    "register.line": "n° {number} · {kind} · {status} · solde {balance}",
    "register.contact-none": "pas de contact",
    "register.unnamed": "(nom effacé)",
    "register.pick": "Choisir",
    "register.edit": "Corriger",
    "register.name": "Nom et prénom",
    "register.contact": "Courriel ou téléphone (vide = aucun)",
    "register.save": "Enregistrer la correction",
    "register.saved": "Fiche n° {number} corrigée.",
    "register.close": "Clore le compte",
    "register.close-confirm": "Confirmer : clore le compte n° {number} et révoquer ses appareils",
    "register.closed-done": "Compte n° {number} clos ; {count} appareil(s) révoqué(s).",
    "register.not-empty": "Le compte contient encore {balance} : l’adhérent les donne à l’association depuis son téléphone (ou un commerçant les reconvertit) avant de clore.",
    "import.no-file": "Choisissez d’abord un fichier.",
    "import.heading": "Importer des adhérents (tableur)",
    "import.help": "Un fichier CSV ou XLSX avec une ligne d’en-tête : Nom (ou Prénom et Nom), Courriel ou Téléphone, Consentement (oui). Rien n’est écrit avant la confirmation.",
    "import.file": "Fichier (CSV ou XLSX)",
    "import.preview": "Aperçu",
    "import.summary": "{lines} ligne(s), {errors} en erreur.",
    "import.ignored": "Colonnes ignorées : {columns}.",
    "import.confirm": "Importer {count} adhérent(s)",
    "import.fix": "Corrigez les lignes en erreur dans le fichier, puis prévisualisez de nouveau.",
    "import.done": "{count} compte(s) ouvert(s) : n° {first} à {last}.",
    "import.line": "Ligne",
    "import.name": "Nom",
    "import.contact": "Contact",
    "import.verdict": "Vérification",
    "import.ok": "correcte",
    "import.name-missing": "nom manquant",
    "import.name-invalid": "nom invalide",
    "import.contact-invalid": "contact invalide",
    "import.consent-missing": "consentement manquant",
    "import.duplicate-in-file": "en double dans le fichier",
    "import.already-member": "déjà adhérent",
  },
  en: {
    "register.heading": "Find a member",
    "register.query": "Name, email, phone or account number",
    "register.kind": "Kind",
    "register.status": "Status",
    "register.any": "All",
    "register.resident": "Resident",
    "register.merchant": "Merchant",
    "register.open": "Open",
    "register.frozen": "Frozen",
    "register.closed": "Closed",
    "register.search": "Search",
    "register.found": "{total} member(s) found",
    "register.more": "Show the next ones",
    "register.line": "no. {number} · {kind} · {status} · balance {balance}",
    "register.contact-none": "no contact",
    "register.unnamed": "(name erased)",
    "register.pick": "Choose",
    "register.edit": "Correct",
    "register.name": "Full name",
    "register.contact": "Email or phone (empty = none)",
    "register.save": "Save the correction",
    "register.saved": "Record no. {number} corrected.",
    "register.close": "Close the account",
    "register.close-confirm": "Confirm: close account no. {number} and revoke its devices",
    "register.closed-done": "Account no. {number} closed; {count} device(s) revoked.",
    "register.not-empty": "The account still holds {balance}: the member gives them to the association from their phone (or a merchant reconverts them) before closing.",
    "import.no-file": "Choose a file first.",
    "import.heading": "Import members (spreadsheet)",
    "import.help": "A CSV or XLSX file with a header row: Name (or First name and Name), Email or Phone, Consent (yes). Nothing is written before you confirm.",
    "import.file": "File (CSV or XLSX)",
    "import.preview": "Preview",
    "import.summary": "{lines} line(s), {errors} in error.",
    "import.ignored": "Columns ignored: {columns}.",
    "import.confirm": "Import {count} member(s)",
    "import.fix": "Correct the lines in error in the file, then preview again.",
    "import.done": "{count} account(s) opened: no. {first} to {last}.",
    "import.line": "Line",
    "import.name": "Name",
    "import.contact": "Contact",
    "import.verdict": "Check",
    "import.ok": "correct",
    "import.name-missing": "name missing",
    "import.name-invalid": "invalid name",
    "import.contact-invalid": "invalid contact",
    "import.consent-missing": "consent missing",
    "import.duplicate-in-file": "twice in the file",
    "import.already-member": "already a member",
  },
});

const PAGE = 20;
let token = null; // (renew) => a bearer token of this device
let unit = "";
let found = null; // {total, members, query}
let editing = null; // the number whose correction form is open
let outcome = null; // {key, values}
let preview = null; // the last preview, with the file it judged

async function call(path, options = {}) {
  try {
    return await api(path, { ...options, token: await token(false) });
  } catch (error) {
    if (!(error instanceof Problem) || error.code !== "unauthenticated") throw error;
    return api(path, { ...options, token: await token(true) });
  }
}

async function postFile(path, file) {
  return sendFile(path, file, await token(false));
}

function element(tag, text, className = "") {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function editForm(m) {
  const form = element("form", undefined, "edit");
  const id = `register-${m.number}`;
  const nameLabel = element("label", t("register.name"));
  nameLabel.htmlFor = `${id}-name`;
  const name = element("input");
  Object.assign(name, { id: `${id}-name`, name: "name", required: true, maxLength: 140 });
  name.autocomplete = "off";
  name.value = m.name || "";
  const contactLabel = element("label", t("register.contact"));
  contactLabel.htmlFor = `${id}-contact`;
  const contact = element("input");
  Object.assign(contact, { id: `${id}-contact`, name: "contact", maxLength: 254 });
  contact.autocomplete = "off";
  contact.value = m.contact || "";
  const save = element("button", t("register.save"));
  save.type = "submit";
  form.append(nameLabel, name, contactLabel, contact, save);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(save, async () => {
      const body = { name: name.value, contact: contact.value };
      await call(`/v1/members/${m.number}`, { method: "PATCH", body });
      editing = null;
      outcome = { key: "register.saved", values: { number: m.number } };
      await search(found.query, found.members.length);
    });
  });
  return form;
}

function memberItem(m) {
  const li = element("li", undefined, "member");
  li.dataset.number = m.number;
  const who = element("strong", m.name || t("register.unnamed"));
  const facts = element(
    "span",
    `${t("register.line", {
      number: m.number,
      kind: t(`register.${m.kind}`),
      status: t(`register.${m.status}`),
      balance: `${formatCents(m.balance)}\u00a0${unit}`,
    })} · ${m.contact || t("register.contact-none")}`,
  );
  li.append(who, " ", facts);
  const pick = element("button", t("register.pick"), "quiet");
  pick.type = "button";
  pick.addEventListener("click", () =>
    document.dispatchEvent(new CustomEvent("sou:member", { detail: { number: m.number } })),
  );
  const edit = element("button", t("register.edit"), "quiet");
  edit.type = "button";
  edit.addEventListener("click", () => {
    editing = editing === m.number ? null : m.number;
    render();
  });
  li.append(pick, edit);
  if (m.status !== "closed") {
    const close = element("button", t("register.close"), "quiet");
    close.type = "button";
    close.addEventListener("click", () => {
      if (m.balance !== 0) {
        outcome = { key: "register.not-empty", values: { balance: `${formatCents(m.balance)}\u00a0${unit}` } };
        return render();
      }
      if (close.dataset.confirm !== "yes") {
        close.dataset.confirm = "yes";
        close.textContent = t("register.close-confirm", { number: m.number });
        return undefined;
      }
      return busy(close, async () => {
        const done = await call(`/v1/members/${m.number}/close`, { method: "POST" });
        outcome = { key: "register.closed-done", values: { number: m.number, count: done.devices_revoked } };
        await search(found.query, found.members.length);
      });
    });
    li.append(close);
  }
  if (editing === m.number && m.status !== "closed") li.append(editForm(m));
  return li;
}

function renderPreview() {
  const box = $("import-preview");
  box.hidden = !preview;
  if (!preview) return;
  const { result } = preview;
  const parts = [element("p", t("import.summary", { lines: result.lines.length, errors: result.errors }))];
  if (result.ignored_columns.length) {
    parts.push(element("p", t("import.ignored", { columns: result.ignored_columns.join(", ") })));
  }
  const table = element("table", undefined, "figures");
  const head = element("tr");
  for (const key of ["import.line", "import.name", "import.contact", "import.verdict"]) {
    const th = element("th", t(key));
    th.scope = "col";
    head.append(th);
  }
  table.append(head);
  for (const line of result.lines) {
    const row = element("tr", undefined, line.errors.length ? "bad" : "");
    const verdict = line.errors.length ? line.errors.map((e) => t(`import.${e}`)).join(", ") : t("import.ok");
    for (const value of [line.line, line.name, line.contact || "", verdict]) row.append(element("td", String(value)));
    table.append(row);
  }
  const wrap = element("div", undefined, "table");
  wrap.tabIndex = 0;
  wrap.setAttribute("role", "region");
  wrap.setAttribute("aria-label", t("import.preview"));
  wrap.append(table);
  parts.push(wrap);
  if (result.errors === 0 && result.lines.length) {
    const confirm = element("button", t("import.confirm", { count: result.lines.length }));
    confirm.type = "button";
    confirm.id = "import-confirm";
    confirm.addEventListener("click", () =>
      busy(confirm, async () => {
        const done = await postFile("/v1/members/import", preview.file);
        const numbers = done.accounts;
        outcome = { key: "import.done", values: { count: numbers.length, first: numbers[0], last: numbers.at(-1) } };
        preview = null;
        $("import-form").reset();
        render();
      }),
    );
    parts.push(confirm);
  } else {
    parts.push(element("p", t("import.fix")));
  }
  box.replaceChildren(...parts);
}

function render() {
  $("register-outcome").textContent = outcome ? t(outcome.key, outcome.values) : "";
  const list = $("register-list");
  if (!found) {
    list.replaceChildren();
    $("register-total").textContent = "";
    $("register-more").hidden = true;
  } else {
    $("register-total").textContent = t("register.found", { total: found.total });
    list.replaceChildren(...found.members.map(memberItem));
    $("register-more").hidden = found.members.length >= found.total;
  }
  renderPreview();
}

async function search(query, count = PAGE) {
  const page = await call(`/v1/members?${query}&limit=${Math.min(200, Math.max(PAGE, count))}`);
  found = { ...page, query };
  render();
}

async function more() {
  const page = await call(`/v1/members?${found.query}&limit=${PAGE}&offset=${found.members.length}`);
  found = { total: page.total, members: [...found.members, ...page.members], query: found.query };
  render();
}

/** Wires the register's forms; `getToken(renew)` gives this device's bearer token. */
export function setUpRegister({ getToken, currency, canImport }) {
  token = getToken;
  unit = currency;
  const form = $("register-form");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const query = new URLSearchParams();
    const q = $("register-query").value.trim();
    if (q) query.set("q", q);
    for (const key of ["kind", "status"]) {
      const value = $(`register-${key}`).value;
      if (value) query.set(key, value);
    }
    outcome = null;
    editing = null;
    busy(form.querySelector("button"), () => search(query.toString()));
  });
  $("register-more").addEventListener("click", () => busy($("register-more"), more));
  const importing = $("import-form");
  importing.hidden = !canImport;
  importing.addEventListener("submit", (event) => {
    event.preventDefault();
    const file = $("import-file").files[0];
    if (!file) return showError("import.no-file");
    outcome = null;
    return busy(importing.querySelector("button"), async () => {
      preview = { file, result: await postFile("/v1/members/import/preview", file) };
      render();
    });
  });
  onLanguage(render);
}
