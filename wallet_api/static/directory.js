// The public directory (/annuaire): the approved merchants, searched by activity, in a list
// and on a map. No token, no tracking; each merchant links to the wallet's pay screen.

import { api } from "./api.js";
import { addWords, onLanguage, setUpLanguage, t } from "./i18n.js";
import { degrees, makeMap } from "./map.js";
import { $, busy, setUpMessages, showError } from "./screen.js";

const TEXT = {
  fr: {
    title: "Annuaire des commerçants",
    heading: "Où payer en monnaie locale",
    activity: "Activité (ex. boulangerie)",
    search: "Chercher",
    everyone: "Tous les commerçants",
    count: "{count} commerçant(s)",
    "count.activity": "{count} commerçant(s) pour « {activity} »",
    none: "Aucun commerçant pour cette activité.",
    pay: "Payer {name}",
    "no-place": "pas encore sur la carte",
    map: "Carte des commerçants",
    privacy:
      "Cette page ne vous suit pas : aucune mesure d’audience ; seules les tuiles de la carte viennent d’OpenStreetMap, sans dire quelle page les demande.",
    wallet: "Mon porte-monnaie",
  },
  en: {
    title: "Merchant directory",
    heading: "Where to pay in local currency",
    activity: "Activity (e.g. bakery)",
    search: "Search",
    everyone: "All merchants",
    count: "{count} merchant(s)",
    "count.activity": "{count} merchant(s) for “{activity}”",
    none: "No merchant for this activity.",
    pay: "Pay {name}",
    "no-place": "not on the map yet",
    map: "Map of the merchants",
    privacy:
      "This page does not track you: no analytics; only the map's tiles come from OpenStreetMap, without saying which page asks for them.",
    wallet: "My wallet",
  },
};
addWords(TEXT);

let listing = null; // the directory's last answer
let map = null; // { L, map, layer } once Leaflet is there

function renderList() {
  if (!listing) return;
  const { merchants, activity } = listing;
  $("count").textContent = merchants.length
    ? t(activity ? "count.activity" : "count", { count: merchants.length, activity })
    : t("none");
  $("merchants").replaceChildren(
    ...merchants.map((m) => {
      const li = document.createElement("li");
      const name = document.createElement("strong");
      name.textContent = m.name;
      const what = document.createElement("span");
      what.textContent = m.activity;
      const where = document.createElement("span");
      where.textContent = m.address;
      const link = document.createElement("a");
      link.className = "button";
      link.href = `/M/${m.account}`;
      link.textContent = t("pay", { name: m.name });
      li.append(name, what, where);
      if (!degrees(m.latitude_e6, m.longitude_e6)) {
        const note = document.createElement("span");
        note.className = "small";
        note.textContent = t("no-place");
        li.append(note);
      }
      li.append(link);
      return li;
    }),
  );
  const datalist = $("activities");
  datalist.replaceChildren(
    ...listing.activities.map((a) => {
      const option = document.createElement("option");
      option.value = a;
      return option;
    }),
  );
}

function renderMarkers() {
  if (!map || !listing) return;
  const { L } = map;
  map.layer.clearLayers();
  const places = [];
  for (const m of listing.merchants) {
    const place = degrees(m.latitude_e6, m.longitude_e6);
    if (!place) continue;
    places.push(place);
    const popup = document.createElement("div");
    const name = document.createElement("strong");
    name.textContent = m.name;
    const link = document.createElement("a");
    link.href = `/M/${m.account}`;
    link.textContent = t("pay", { name: m.name });
    popup.append(name, document.createElement("br"), m.activity, document.createElement("br"), link);
    L.marker(place, { title: m.name, alt: m.name, keyboard: true }).bindPopup(popup).addTo(map.layer);
  }
  if (places.length === 1) map.map.setView(places[0], 16);
  else if (places.length > 1) map.map.fitBounds(places, { padding: [24, 24], maxZoom: 16 });
}

function render() {
  renderList();
  if (map) map.map.getContainer().setAttribute("aria-label", t("map"));
  renderMarkers();
}

async function search(activity) {
  const query = activity ? `?activity=${encodeURIComponent(activity)}` : "";
  listing = await api(`/v1/directory${query}`);
  render();
}

async function main() {
  setUpLanguage();
  setUpMessages();
  onLanguage(render);
  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    busy($("search-form").querySelector("button"), () => search($("activity").value.trim()));
  });
  $("everyone").addEventListener("click", () => {
    $("activity").value = "";
    busy($("everyone"), () => search(""));
  });
  try {
    await search("");
    const made = await makeMap($("map"), t("map"));
    map = { ...made, layer: made.L.layerGroup().addTo(made.map) };
    renderMarkers();
  } catch (error) {
    showError(error);
  }
}

main();
