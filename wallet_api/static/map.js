// The maps of the directory and the association's console: Leaflet (vendored, BSD-2-Clause,
// served by this service) over OpenStreetMap's tiles, fetched without a referrer. No other
// third party, no geocoding: a merchant's place is the point the treasurer confirmed. Without
// the tiles (offline) the map is blank but its markers still show. The zoom buttons are named
// in the page's language (Leaflet's own titles are English).

import { addWords, onLanguage, t } from "./i18n.js";

addWords({
  fr: { "map.zoom-in": "Zoom avant", "map.zoom-out": "Zoom arrière" },
  en: { "map.zoom-in": "Zoom in", "map.zoom-out": "Zoom out" },
});

const TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
const ATTRIBUTION = '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>';
export const CENTER = [43.4929, -1.4748]; // Bayonne, until a merchant has a place
export const E6 = 1_000_000; // coordinates travel as integers of microdegrees

let loading = null;

/** Leaflet, loaded once (a classic script and its stylesheet, both from this service). */
export function leaflet() {
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      const css = document.createElement("link");
      css.rel = "stylesheet";
      css.href = "/static/vendor/leaflet/leaflet.css";
      document.head.append(css);
      const script = document.createElement("script");
      script.src = "/static/vendor/leaflet/leaflet.js";
      script.onload = () => resolve(window.L);
      script.onerror = () => reject(new Error("the map's script did not load"));
      document.head.append(script);
    });
  }
  return loading;
}

/** A map in `element`, with OpenStreetMap's tiles; `label` names it for screen readers. */
export async function makeMap(element, label) {
  const L = await leaflet();
  element.setAttribute("role", "region");
  element.setAttribute("aria-label", label);
  const map = L.map(element, { center: CENTER, zoom: 13, tap: true });
  map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
  L.tileLayer(TILES, {
    maxZoom: 19,
    attribution: ATTRIBUTION,
    referrerPolicy: "no-referrer",
  }).addTo(map);
  onLanguage(() => nameZoomButtons(element));
  return { L, map };
}

/** [lat, lon] in degrees of a place given in microdegrees, or null. */
export function degrees(latE6, lonE6) {
  return latE6 == null || lonE6 == null ? null : [latE6 / E6, lonE6 / E6];
}

/** Gives the map's zoom buttons their title and accessible name in the page's language. */
function nameZoomButtons(element) {
  for (const [selector, key] of [
    [".leaflet-control-zoom-in", "map.zoom-in"],
    [".leaflet-control-zoom-out", "map.zoom-out"],
  ]) {
    const button = element.querySelector(selector);
    if (!button) continue;
    button.title = t(key);
    button.setAttribute("aria-label", t(key));
  }
}
