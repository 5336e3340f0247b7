// The history kept from the previous platform (an import from Cyclos 4 or a generic CSV): the
// old platform's records of an account, read-only, newest first, a page at a time. They are
// shown for reference and are no entries of this ledger. The wallet shows its own account's
// (nothing at all when there is none); the treasurer's console, any member's.

import { addWords, language, onLanguage, t } from "./i18n.js";
import { formatAmount } from "./money.js";
import { busy } from "./screen.js";

addWords({
  fr: {
    "archive.heading": "Historique de l’ancienne plateforme",
    "archive.note":
      "Ces lignes sont les relevés de l’ancienne plateforme, conservés pour mémoire. Ce ne sont pas des opérations de ce registre : elles ne changent pas le solde.",
    "archive.count": "{shown} ligne(s) affichée(s) sur {total}.",
    "archive.none": "Aucun historique de l’ancienne plateforme pour le compte n° {number}.",
    "archive.older": "Plus ancien",
    "archive.member": "Historique d’un adhérent sur l’ancienne plateforme",
    "archive.number": "N° de compte de l’adhérent",
    "archive.show": "Afficher son historique",
  },
  en: {
    "archive.heading": "History from the previous platform",
    "archive.note":
      "These lines are the previous platform’s records, kept for reference. They are not entries of this ledger: they do not change the balance.",
    "archive.count": "{shown} of {total} line(s) shown.",
    "archive.none": "No history from the previous platform for account no. {number}.",
    "archive.older": "Older",
    "archive.member": "A member’s history on the previous platform",
    "archive.number": "Member’s account number",
    "archive.show": "Show their history",
  },
});

const PAGE = 20;
const ARCHIVED = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/;

/** "2023-01-02T09:05:00", as the old platform dated it (its local time), as written here. */
function archivedDate(text, format) {
  const m = ARCHIVED.exec(text);
  if (!m) return text;
  const [year, month, day, hour, minute, second] = m.slice(1).map((part) => Number(part || 0));
  return format.format(new Date(Date.UTC(year, month - 1, day, hour, minute, second)));
}

function line(item, currency, format) {
  const li = document.createElement("li");
  const date = document.createElement("time");
  date.dateTime = item.date;
  date.textContent = archivedDate(item.date, format);
  const label = document.createElement("span");
  label.textContent = item.description ? `${item.counterparty} · ${item.description}` : item.counterparty;
  const amount = document.createElement("span");
  const incoming = item.amount >= 0;
  amount.className = `amount ${incoming ? "in" : "out"}`;
  amount.textContent = `${incoming ? "+" : "−"}${formatAmount(Math.abs(item.amount), currency)}`;
  li.append(date, label, amount);
  return li;
}

/**
 * An archive's list, drawn in `list` (a <ul>), with `count` (how many shown) and the `older`
 * button that reads the next page; `read(path)` reads JSON with the device's token.
 * `load(account)` reads the first page and answers how many lines the account has in all.
 */
export function archiveList({ list, count, older, read, currency }) {
  let state = null; // {account, total, lines}

  function render() {
    const format = new Intl.DateTimeFormat(language(), {
      dateStyle: "short",
      timeStyle: "short",
      timeZone: "UTC",
    });
    list.replaceChildren(...(state?.lines ?? []).map((item) => line(item, currency, format)));
    older.hidden = !state || state.lines.length >= state.total;
    if (!state) count.textContent = "";
    else if (!state.total) count.textContent = t("archive.none", { number: state.account });
    else count.textContent = t("archive.count", { shown: state.lines.length, total: state.total });
  }

  async function more() {
    const { account, lines } = state;
    const page = await read(`/v1/platform-imports/archive/${account}?limit=${PAGE}&offset=${lines.length}`);
    if (state?.account !== account) return; // another account was asked for meanwhile
    state.total = page.total;
    state.lines = lines.concat(page.lines);
    render();
  }

  older.addEventListener("click", () => busy(older, more));
  onLanguage(render);
  return {
    async load(account) {
      state = { account: String(account), total: 0, lines: [] };
      render();
      await more();
      return state.total;
    },
    clear() {
      state = null;
      render();
    },
  };
}

/** The wallet's section (a <details>, hidden): shown only when the account has an archive. */
export async function setUpArchive({ account, read, currency }) {
  const section = document.getElementById("archive");
  const archive = archiveList({
    list: document.getElementById("archive-lines"),
    count: document.getElementById("archive-count"),
    older: document.getElementById("archive-older"),
    read,
    currency,
  });
  section.hidden = !(await archive.load(account));
}
