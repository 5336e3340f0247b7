// What both pages share on screen: one section shown at a time, one message area for
// errors (read out by screen readers), and buttons that cannot be pressed twice.

import { Problem } from "./api.js";
import { onLanguage, problemText, t } from "./i18n.js";

let current = null; // the message shown, kept so that it follows a change of language

export function $(id) {
  return document.getElementById(id);
}

export function show(sectionId) {
  for (const section of document.querySelectorAll("main > section")) {
    section.hidden = section.id !== sectionId;
  }
  const heading = $(sectionId)?.querySelector("h2");
  heading?.focus();
}

function render() {
  const box = $("message");
  box.replaceChildren();
  box.hidden = current === null;
  if (current === null) return;
  const strong = document.createElement("strong");
  strong.textContent = current.title();
  box.append(strong);
  if (current.detail) {
    const detail = document.createElement("span");
    detail.className = "detail";
    detail.textContent = current.detail;
    box.append(" ", detail);
  }
}

/** Shows an error: a Problem from the API (its type's sentence), or a message key. */
export function showError(error) {
  if (error instanceof Problem) {
    current = { title: () => problemText(error), detail: "" };
  } else if (typeof error === "string") {
    current = { title: () => t(error), detail: "" };
  } else {
    console.error(error);
    current = { title: () => String(error?.message || error), detail: "" };
  }
  render();
}

export function clearError() {
  current = null;
  render();
}

/** Runs `work` with `button` disabled, showing any error it throws. */
export async function busy(button, work) {
  button.disabled = true;
  clearError();
  try {
    return await work();
  } catch (error) {
    showError(error);
    return undefined;
  } finally {
    button.disabled = false;
  }
}

export function setUpMessages() {
  onLanguage(render);
}

/** Prints `container` alone (sou.css hides the rest of the page while printing). */
export function printAlone(container) {
  container.classList.add("printable");
  document.body.classList.add("printing");
  const done = () => {
    document.body.classList.remove("printing");
    container.classList.remove("printable");
    window.removeEventListener("afterprint", done);
  };
  window.addEventListener("afterprint", done);
  window.print();
}
