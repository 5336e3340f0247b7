// This device's key: made by WebCrypto (Ed25519, the private half non-extractable), enrolled
// with a one-time code, kept in IndexedDB; and the short-lived reading token it signs for.

import { api } from "./api.js";
import { toBase64url, toHex, utf8 } from "./encoding.js";

const DATABASE = "sou";
const STORE = "devices";

function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function store(mode) {
  const open = indexedDB.open(DATABASE, 1);
  open.onupgradeneeded = () => open.result.createObjectStore(STORE);
  const db = await done(open);
  return db.transaction(STORE, mode).objectStore(STORE);
}

/** The device kept under `slot` ("wallet" or "till"), or undefined. */
export async function loadDevice(slot) {
  return done((await store("readonly")).get(slot));
}

export async function forgetDevice(slot) {
  sessionStorage.removeItem(`sou.token.${slot}`);
  await done((await store("readwrite")).delete(slot));
}

/** Makes a key pair, enrols its public key with `code`, and keeps it under `slot`. */
export async function enrolDevice(slot, code, label) {
  const keys = await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]);
  const publicKey = toHex(await crypto.subtle.exportKey("raw", keys.publicKey));
  const enrolled = await api("/v1/devices", {
    method: "POST",
    body: { enrolment_code: code.trim(), public_key: publicKey, label },
  });
  const device = { ...enrolled, publicKey, privateKey: keys.privateKey };
  await done((await store("readwrite")).put(device, slot));
  return device;
}

/** A bearer token for reading the device's account: kept for the tab, renewed when stale. */
export async function readingToken(slot, device, host, { renew = false } = {}) {
  const name = `sou.token.${slot}`;
  const kept = JSON.parse(sessionStorage.getItem(name) || "null");
  if (!renew && kept && kept.kid === device.kid && kept.until > Date.now()) return kept.token;
  const { challenge } = await api("/v1/auth/challenge", { method: "POST", body: { kid: device.kid } });
  const message = utf8(`SOU-AUTH-V1\n${host}\n${challenge}`);
  const sig = await crypto.subtle.sign({ name: "Ed25519" }, device.privateKey, message);
  const given = await api("/v1/auth/token", {
    method: "POST",
    body: { kid: device.kid, challenge, sig: toBase64url(sig) },
  });
  const until = Date.now() + (given.expires_in - 60) * 1000;
  sessionStorage.setItem(name, JSON.stringify({ kid: device.kid, token: given.access_token, until }));
  return given.access_token;
}
