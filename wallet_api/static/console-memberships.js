// The console's membership section (the treasurer): the year's fees, the members listed by
// status, the rule that refuses conversions to lapsed members, and whom to remind to renew.

import { api } from "./api.js";
import { addWords, t } from "./i18n.js";
import { formatCents, parseAmount } from "./money.js";
import { $, busy, showError } from "./screen.js";

const CATEGORIES = ["resident", "merchant", "reduced"];

addWords({
  fr: {
    "memberships.heading": "Adhésions",
    "memberships.year": "Année",
    "memberships.resident": "Cotisation résident (€)",
    "memberships.merchant": "Cotisation commerçant (€)",
    "memberships.reduced": "Cotisation tarif réduit (€)",
    "memberships.save-fees": "Enregistrer les cotisations de l’année",
    "memberships.fees": "Cotisations {year} : résident {resident} €, commerçant {merchant} €, tarif réduit {reduced} €.",
    "memberships.refuse": "Refuser les conversions aux résidents dont l’adhésion n’est pas renouvelée",
    "memberships.status": "Membres",
    "memberships.up-to-date": "à jour",
    "memberships.lapsed": "non renouvelés",
    "memberships.never": "jamais adhérents",
    "memberships.list": "Afficher",
    "memberships.reminders": "Relances (non renouvelés, et ceux de cette année à 30 jours de sa fin)",
    "memberships.remind": "Afficher les relances",
    "memberships.member": "Compte n° {account} — {name} — dernière année payée : {last}",
    "memberships.none": "Personne.",
  },
  en: {
    "memberships.heading": "Memberships",
    "memberships.year": "Year",
    "memberships.resident": "Resident fee (€)",
    "memberships.merchant": "Merchant fee (€)",
    "memberships.reduced": "Reduced-rate fee (€)",
    "memberships.save-fees": "Save the year’s fees",
    "memberships.fees": "Fees {year}: resident {resident} €, merchant {merchant} €, reduced rate {reduced} €.",
    "memberships.refuse": "Refuse conversions to residents whose membership is not renewed",
    "memberships.status": "Members",
    "memberships.up-to-date": "up to date",
    "memberships.lapsed": "not renewed",
    "memberships.never": "never members",
    "memberships.list": "Show",
    "memberships.reminders": "Reminders (not renewed, and this year’s within 30 days of its end)",
    "memberships.remind": "Show the reminders",
    "memberships.member": "Account no. {account} — {name} — last year paid: {last}",
    "memberships.none": "Nobody.",
  },
});

let token = null;
let fees = null; // {year, resident, merchant, reduced}
let listed = null;
let reminded = null;

function items(members) {
  if (!members.length) {
    const li = document.createElement("li");
    li.textContent = t("memberships.none");
    return [li];
  }
  return members.map((m) => {
    const li = document.createElement("li");
    li.textContent = t("memberships.member", {
      account: m.account,
      name: m.name || "—",
      last: m.last_paid ?? "—",
    });
    return li;
  });
}

export function renderConsoleMemberships() {
  $("memberships-fees").textContent = fees
    ? t("memberships.fees", {
        year: fees.year,
        ...Object.fromEntries(CATEGORIES.map((c) => [c, fees[c] === undefined ? "—" : formatCents(fees[c])])),
      })
    : "";
  $("memberships-list").replaceChildren(...(listed ? items(listed) : []));
  $("memberships-reminders").replaceChildren(...(reminded ? items(reminded) : []));
}

function show(year, found) {
  fees = { year, ...Object.fromEntries(found.map((f) => [f.category, f.amount])) };
  renderConsoleMemberships();
}

async function saveFees() {
  const year = Number($("memberships-year").value);
  const body = { year };
  for (const c of CATEGORIES) {
    const text = $(`memberships-${c}`).value.trim();
    if (!text) continue;
    const cents = parseAmount(text);
    if (cents === null) return showError("error.amount");
    body[c] = cents;
  }
  show(year, await api("/v1/memberships/fees", { method: "PUT", token: await token(), body }));
}

async function list() {
  const status = $("memberships-filter").value;
  listed = await api(`/v1/memberships/members?status=${status}`, { token: await token() });
  renderConsoleMemberships();
}

async function remind() {
  reminded = await api("/v1/memberships/reminders?days=30", { token: await token() });
  renderConsoleMemberships();
}

async function setRefuse() {
  const box = $("memberships-refuse");
  const body = { refuse_conversions_to_lapsed: box.checked };
  const made = await api("/v1/memberships/settings", { method: "PUT", token: await token(), body });
  box.checked = made.refuse_conversions_to_lapsed;
}

export async function setUpConsoleMemberships(getToken) {
  token = getToken;
  $("console-memberships").hidden = false;
  const year = new Date().getFullYear();
  $("memberships-year").value = String(year);
  $("memberships-fee-form").addEventListener("submit", (event) => {
    event.preventDefault();
    busy($("memberships-save"), saveFees);
  });
  $("memberships-list-form").addEventListener("submit", (event) => {
    event.preventDefault();
    busy($("memberships-show"), list);
  });
  $("memberships-remind").addEventListener("click", () => busy($("memberships-remind"), remind));
  $("memberships-refuse").addEventListener("change", () => busy($("memberships-refuse"), setRefuse));
  const [settings, current] = await Promise.all([
    api("/v1/memberships/settings", { token: await token() }),
    api(`/v1/memberships/fees?year=${year}`, { token: await token() }),
  ]);
  $("memberships-refuse").checked = settings.refuse_conversions_to_lapsed;
  show(year, current);
}
