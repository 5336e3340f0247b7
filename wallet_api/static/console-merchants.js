// The console's merchants: the treasurer reviews applications (approves, or refuses with a
// reason), edits a merchant's card (address, activity, IBAN, closing time, its place on the
// map: a touch on the map sets it, no geocoding service is called), lists its tills with the
// refund limit each till's key signs, revokes one, and issues a code for a new till.

import { api } from "./api.js";
import { addWords, language, onLanguage, t } from "./i18n.js";
import { formatCents, parseAmount } from "./money.js";
import { degrees, E6, makeMap } from "./map.js";
import { $, busy, showError } from "./screen.js";

const TEXT = {
  fr: {
    "mer.heading": "Commerçants",
    "mer.status": "Demandes",
    "mer.pending": "En attente",
    "mer.approved": "Agréés",
    "mer.refused": "Refusés",
    "mer.none": "Aucune demande ici.",
    "mer.applied": "demande du {date}",
    "mer.approve": "Agréer {name}",
    "mer.reason": "Motif du refus de {name}",
    "mer.refuse": "Refuser {name}",
    "mer.edit": "Fiche de {name}",
    "mer.refused-because": "Refusé : {reason}",
    "mer.approved-done": "{name} est agréé : son compte est ouvert aux paiements.",
    "mer.refused-done": "La demande de {name} est refusée.",
    "mer.reason-needed": "Donnez le motif du refus (280 caractères au plus).",
    "mer.card": "Fiche de {name} (n° {number})",
    "mer.address": "Adresse",
    "mer.activity": "Activité",
    "mer.iban": "IBAN",
    "mer.closing": "Heure de clôture de la journée",
    "mer.map-help":
      "Touchez la carte à l’adresse du commerce pour y placer son repère (aucun service de géocodage n’est appelé).",
    "mer.map": "Carte : placer {name}",
    "mer.place": "Repère : {lat}, {lon}",
    "mer.no-place": "Pas encore de repère sur la carte.",
    "mer.unplace": "Retirer de la carte",
    "mer.save": "Enregistrer la fiche",
    "mer.saved": "Fiche enregistrée : {fields}.",
    "mer.unchanged": "Rien n’a changé.",
    "mer.tills": "Caisses et plafonds de remboursement",
    "mer.tills-help":
      "Le plafond d’une caisse est signé dans sa clé : pour le changer, émettez un code de nouvelle caisse avec le nouveau plafond, puis révoquez l’ancienne.",
    "mer.till": "{label} ({kid}) : plafond {limit} € par jour, {status}",
    "mer.no-tills": "Aucune caisse enrôlée.",
    "mer.active": "active",
    "mer.revoked": "révoquée",
    "mer.revoke": "Révoquer la caisse {label}",
    "mer.revoke-confirm": "Révoquer la caisse {label} ({kid}) ? Elle ne pourra plus rien signer.",
    "mer.limit": "Plafond de remboursement par jour de la nouvelle caisse (€)",
    "mer.limit-needed": "Donnez le plafond de remboursement en euros (ex. 50 ou 0).",
    "mer.till-code": "Émettre un code de nouvelle caisse",
    "mer.till-issued": "Code de la nouvelle caisse (plafond {limit} €) : {code}",
  },
  en: {
    "mer.heading": "Merchants",
    "mer.status": "Applications",
    "mer.pending": "Pending",
    "mer.approved": "Approved",
    "mer.refused": "Refused",
    "mer.none": "No application here.",
    "mer.applied": "applied on {date}",
    "mer.approve": "Approve {name}",
    "mer.reason": "Reason for refusing {name}",
    "mer.refuse": "Refuse {name}",
    "mer.edit": "Card of {name}",
    "mer.refused-because": "Refused: {reason}",
    "mer.approved-done": "{name} is approved: its account is open to payments.",
    "mer.refused-done": "The application of {name} is refused.",
    "mer.reason-needed": "Give the reason for the refusal (at most 280 characters).",
    "mer.card": "Card of {name} (no. {number})",
    "mer.address": "Address",
    "mer.activity": "Activity",
    "mer.iban": "IBAN",
    "mer.closing": "Closing time of the business day",
    "mer.map-help":
      "Touch the map at the shop’s address to place its marker (no geocoding service is called).",
    "mer.map": "Map: place {name}",
    "mer.place": "Marker: {lat}, {lon}",
    "mer.no-place": "No marker on the map yet.",
    "mer.unplace": "Remove from the map",
    "mer.save": "Save the card",
    "mer.saved": "Card saved: {fields}.",
    "mer.unchanged": "Nothing changed.",
    "mer.tills": "Tills and refund limits",
    "mer.tills-help":
      "A till’s limit is signed into its key: to change it, issue a code for a new till with the new limit, then revoke the old one.",
    "mer.till": "{label} ({kid}): limit {limit} € a day, {status}",
    "mer.no-tills": "No till enrolled.",
    "mer.active": "active",
    "mer.revoked": "revoked",
    "mer.revoke": "Revoke the till {label}",
    "mer.revoke-confirm": "Revoke the till {label} ({kid})? It will sign nothing more.",
    "mer.limit": "Refund limit a day of the new till (€)",
    "mer.limit-needed": "Give the refund limit in euros (e.g. 50 or 0).",
    "mer.till-code": "Issue a code for a new till",
    "mer.till-issued": "Code of the new till (limit {limit} €): {code}",
  },
};
addWords(TEXT);

let ctx = null; // { token, reload }
let applications = []; // the list shown
let card = null; // the merchant whose card is open
let tills = [];
let place = null; // [lat, lon] in degrees, as the marker stands
let map = null; // { L, map, marker }

function minutesText(minutes) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

function button(label, work, className = "") {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  if (className) b.className = className;
  b.addEventListener("click", () => busy(b, work));
  return b;
}

function renderList() {
  const lang = language();
  $("mer-none").hidden = applications.length > 0;
  $("mer-list").replaceChildren(
    ...applications.map((a) => {
      const li = document.createElement("li");
      const name = document.createElement("strong");
      name.textContent = `${a.legal_name} (n° ${a.account})`;
      const what = document.createElement("span");
      const date = new Date(a.applied).toLocaleDateString(lang, { dateStyle: "short" });
      what.textContent = ` · ${a.activity} · ${a.address} · ${t("mer.applied", { date })}`;
      li.append(name, what);
      if (a.decision === "refused") {
        const why = document.createElement("p");
        why.textContent = t("mer.refused-because", { reason: a.refusal_reason });
        li.append(why);
      }
      if (a.decision === "pending") {
        const id = `mer-reason-${a.account}`;
        const label = document.createElement("label");
        label.htmlFor = id;
        label.textContent = t("mer.reason", { name: a.legal_name });
        const reason = document.createElement("input");
        reason.id = id;
        reason.maxLength = 280;
        reason.autocomplete = "off";
        li.append(
          button(t("mer.approve", { name: a.legal_name }), () => approve(a)),
          label,
          reason,
          button(t("mer.refuse", { name: a.legal_name }), () => refuse(a, reason.value), "quiet"),
        );
      }
      if (a.decision !== "refused") {
        li.append(button(t("mer.edit", { name: a.legal_name }), () => openCard(a.account), "quiet"));
      }
      return li;
    }),
  );
}

async function loadList() {
  const token = await ctx.token();
  const status = $("mer-status").value;
  applications = (await api(`/v1/merchants?status=${status}`, { token })).applications;
  renderList();
}

async function approve(a) {
  const token = await ctx.token();
  await api(`/v1/merchants/${a.account}/approve`, { method: "POST", token });
  $("mer-result").textContent = t("mer.approved-done", { name: a.legal_name });
  await Promise.all([loadList(), ctx.reload()]);
}

async function refuse(a, reason) {
  if (!reason.trim() || reason.length > 280) {
    showError("mer.reason-needed");
    return;
  }
  const token = await ctx.token();
  await api(`/v1/merchants/${a.account}/refuse`, { method: "POST", token, body: { reason } });
  $("mer-result").textContent = t("mer.refused-done", { name: a.legal_name });
  await Promise.all([loadList(), ctx.reload()]);
}

function renderPlace() {
  $("mer-place").textContent = place
    ? t("mer.place", { lat: place[0].toFixed(6), lon: place[1].toFixed(6) })
    : t("mer.no-place");
}

function setMarker(latlng) {
  place = latlng ? [latlng[0], latlng[1]] : null;
  if (map) {
    if (map.marker) map.marker.remove();
    map.marker = null;
    if (place) {
      map.marker = map.L.marker(place, { title: card.legal_name, alt: card.legal_name }).addTo(map.map);
    }
  }
  renderPlace();
}

async function showMap() {
  if (!map) {
    const made = await makeMap($("mer-map"), t("mer.map", { name: card.legal_name }));
    map = { ...made, marker: null };
    map.map.on("click", (event) => {
      $("mer-unplace").checked = false;
      setMarker([event.latlng.lat, event.latlng.lng]);
    });
  }
  $("mer-map").setAttribute("aria-label", t("mer.map", { name: card.legal_name }));
  map.map.invalidateSize();
  setMarker(degrees(card.latitude_e6, card.longitude_e6));
  if (place) map.map.setView(place, 16);
}

function renderTills() {
  if (!card) return;
  $("mer-tills").replaceChildren(
    ...(tills.length ? tills : [null]).map((till) => {
      const li = document.createElement("li");
      if (!till) {
        li.textContent = t("mer.no-tills");
        return li;
      }
      const label = till.label || till.kid;
      const text = document.createElement("span");
      text.textContent = t("mer.till", {
        label,
        kid: till.kid,
        limit: formatCents(till.refund_limit ?? 0),
        status: t(till.status === "active" ? "mer.active" : "mer.revoked"),
      });
      li.append(text);
      if (till.status === "active") {
        li.append(button(t("mer.revoke", { label }), () => revoke(till, label), "quiet"));
      }
      return li;
    }),
  );
}

async function loadTills() {
  const token = await ctx.token();
  tills = (await api(`/v1/merchants/${card.account}/tills`, { token })).tills;
  renderTills();
}

function renderCard() {
  if (!card) return;
  $("mer-card-heading").textContent = t("mer.card", { name: card.legal_name, number: card.account });
  renderPlace();
  renderTills();
}

async function openCard(number) {
  const token = await ctx.token();
  card = await api(`/v1/merchants/${number}/profile`, { token });
  $("mer-address").value = card.address;
  $("mer-activity").value = card.activity;
  $("mer-iban").value = card.iban;
  $("mer-closing").value = minutesText(card.closing_minutes);
  $("mer-unplace").checked = false;
  $("mer-till-result").textContent = "";
  $("mer-card").hidden = false;
  renderCard();
  $("mer-card-heading").focus();
  await Promise.all([showMap(), loadTills()]);
}

async function saveCard() {
  const body = {};
  const address = $("mer-address").value.trim();
  const activity = $("mer-activity").value.trim();
  const iban = $("mer-iban").value.replace(/\s+/g, "").toUpperCase();
  const [hours, minutes] = $("mer-closing").value.split(":").map((n) => Number.parseInt(n, 10));
  const closing = hours * 60 + minutes;
  if (address !== card.address) body.address = address;
  if (activity !== card.activity) body.activity = activity;
  if (iban !== card.iban) body.iban = iban;
  if (Number.isInteger(closing) && closing !== card.closing_minutes) body.closing_minutes = closing;
  if ($("mer-unplace").checked) {
    if (card.latitude_e6 != null) body.clear_position = true;
  } else if (place) {
    const lat = Math.round(place[0] * E6);
    const lon = Math.round(place[1] * E6);
    if (lat !== card.latitude_e6 || lon !== card.longitude_e6) {
      body.latitude_e6 = lat;
      body.longitude_e6 = lon;
    }
  }
  const token = await ctx.token();
  const done = await api(`/v1/merchants/${card.account}/card`, { method: "PATCH", token, body });
  card = done.merchant;
  const fields = Object.keys(done.changed);
  $("mer-result").textContent = fields.length
    ? t("mer.saved", { fields: fields.join(", ") })
    : t("mer.unchanged");
  setMarker(degrees(card.latitude_e6, card.longitude_e6));
  renderCard();
  await Promise.all([loadList(), ctx.reload()]);
}

async function revoke(till, label) {
  if (!window.confirm(t("mer.revoke-confirm", { label, kid: till.kid }))) return;
  const token = await ctx.token();
  await api(`/v1/accounts/${card.account}/devices/${till.kid}/revoke`, { method: "POST", token });
  await Promise.all([loadTills(), ctx.reload()]);
}

async function tillCode() {
  const text = $("mer-limit").value.trim();
  const limit = /^0+([,.]0*)?$/.test(text) ? 0 : parseAmount(text);
  if (limit === null || text === "") {
    showError("mer.limit-needed");
    return;
  }
  const token = await ctx.token();
  const issued = await api(`/v1/merchants/${card.account}/tills`, {
    method: "POST",
    token,
    body: { refund_limit: limit },
  });
  $("mer-till-result").textContent = t("mer.till-issued", {
    limit: formatCents(issued.refund_limit),
    code: issued.enrolment_code,
  });
  await ctx.reload();
}

function render() {
  renderList();
  renderCard();
}

/** Shows the merchants' section to the treasurer: `token()` gives a reading token, `reload()`
 * refreshes the rest of the console (its trail of acts). */
export async function setUpMerchants({ device, token, reload }) {
  if (device.role !== "treasurer") return;
  ctx = { token, reload };
  $("merchants").hidden = false;
  $("mer-status").addEventListener("change", () => busy($("mer-status"), loadList));
  $("mer-card").addEventListener("submit", (event) => {
    event.preventDefault();
    busy($("mer-card").querySelector("button[type=submit]"), saveCard);
  });
  $("mer-till-code").addEventListener("click", () => busy($("mer-till-code"), tillCode));
  onLanguage(render);
  try {
    await loadList();
  } catch (error) {
    showError(error);
  }
}
