// The console's volunteers: each office agent and treasurer has their own key on their own
// device. The treasurer sees them (place, label, last sign-in), revokes one, and gives a new
// volunteer a one-time code that their tablet enrols on the office page or the console.

import { Problem, api } from "./api.js";
import { addWords, language, onLanguage, t } from "./i18n.js";
import { $, busy } from "./screen.js";

addWords({
  fr: {
    "volunteers.heading": "Bénévoles et leurs appareils",
    "volunteers.role": "Rôle",
    "volunteers.agent": "Agent d’un comptoir",
    "volunteers.treasurer": "Trésorier",
    "volunteers.office": "Comptoir",
    "volunteers.give": "Donner un code d’enrôlement",
    "volunteers.code": "Code à usage unique : {code} (valable jusqu’au {date}). Le bénévole le saisit sur la page du comptoir ou de la console, sur son propre appareil.",
    "volunteers.line": "{role} · {place} · {label} · {status} · dernière connexion : {last}",
    "volunteers.never": "jamais",
    "volunteers.unnamed": "appareil sans nom",
    "volunteers.active": "actif",
    "volunteers.revoked": "révoqué",
    "volunteers.revoke": "Révoquer",
    "volunteers.revoke-confirm": "Confirmer la révocation",
  },
  en: {
    "volunteers.heading": "Volunteers and their devices",
    "volunteers.role": "Role",
    "volunteers.agent": "Agent of an office",
    "volunteers.treasurer": "Treasurer",
    "volunteers.office": "Office",
    "volunteers.give": "Give an enrolment code",
    "volunteers.code": "One-time code: {code} (valid until {date}). The volunteer types it on the office page or the console, on their own device.",
    "volunteers.line": "{role} · {place} · {label} · {status} · last sign-in: {last}",
    "volunteers.never": "never",
    "volunteers.unnamed": "unnamed device",
    "volunteers.active": "active",
    "volunteers.revoked": "revoked",
    "volunteers.revoke": "Revoke",
    "volunteers.revoke-confirm": "Confirm the revocation",
  },
});

let token = null;
let list = [];
let given = null;

async function call(path, options = {}) {
  try {
    return await api(path, { ...options, token: await token(false) });
  } catch (error) {
    if (!(error instanceof Problem) || error.code !== "unauthenticated") throw error;
    return api(path, { ...options, token: await token(true) });
  }
}

function when(iso) {
  return new Date(iso).toLocaleString(language(), { dateStyle: "short", timeStyle: "short" });
}

function render() {
  $("volunteer-code").textContent = given
    ? t("volunteers.code", { code: given.enrolment_code, date: when(given.expires) })
    : "";
  $("volunteer-list").replaceChildren(
    ...list.map((v) => {
      const li = document.createElement("li");
      li.dataset.kid = v.kid;
      li.textContent = t("volunteers.line", {
        role: t(`volunteers.${v.role}`),
        place: v.place,
        label: v.label || t("volunteers.unnamed"),
        status: t(`volunteers.${v.status}`),
        last: v.last_used ? when(v.last_used) : t("volunteers.never"),
      });
      if (v.status === "active") {
        const revoke = document.createElement("button");
        revoke.type = "button";
        revoke.className = "quiet";
        revoke.textContent = t("volunteers.revoke");
        revoke.setAttribute("aria-label", `${t("volunteers.revoke")} ${v.label || v.kid}`);
        revoke.addEventListener("click", () => {
          if (revoke.dataset.confirm !== "yes") {
            revoke.dataset.confirm = "yes";
            revoke.textContent = t("volunteers.revoke-confirm");
            revoke.setAttribute("aria-label", `${t("volunteers.revoke-confirm")} ${v.label || v.kid}`);
            return undefined;
          }
          return busy(revoke, async () => {
            await call(`/v1/accounts/${v.account}/devices/${v.kid}/revoke`, { method: "POST" });
            await load();
          });
        });
        li.append(" ", revoke);
      }
      return li;
    }),
  );
}

async function load() {
  list = await call("/v1/volunteers");
  render();
}

/** The treasurer's volunteers section; `offices` are the dashboard's exchange offices. */
export function setUpVolunteers({ getToken, offices }) {
  token = getToken;
  $("volunteers").hidden = false;
  const select = $("volunteer-office");
  select.replaceChildren(...offices.map((o) => new Option(o.name, String(o.number))));
  const role = $("volunteer-role");
  const sync = () => {
    select.disabled = role.value !== "agent";
  };
  role.addEventListener("change", sync);
  sync();
  const form = $("volunteer-form");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = role.value === "agent" ? { role: "agent", office: Number(select.value) } : { role: "treasurer" };
    busy(form.querySelector("button"), async () => {
      given = await call("/v1/volunteers", { method: "POST", body });
      await load();
    });
  });
  onLanguage(render);
  return load();
}
