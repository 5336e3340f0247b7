// Signed records (FORMATS.md §4), as ledger/records.py makes them: the signed bytes are
// "SOU-<TYPE>-V1\n" + the RFC 8785 canonical JSON of a flat record, the id is their SHA-256,
// and the envelope is {alg, record, sig} with a base64url signature.

import { concat, fromBase64url, fromHex, sha256, toBase64url, toHex, utf8 } from "./encoding.js";

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const WINDOW = 300; // seconds between `created` and `expires`

/**
 * RFC 8785 for records holding only strings, safe integers and null: keys sorted by UTF-16
 * code units (the default sort), values as JSON.stringify writes them.
 */
export function canonicalJson(record) {
  const fields = Object.keys(record).sort().map((key) => {
    const value = record[key];
    const ok =
      value === null ||
      typeof value === "string" ||
      (Number.isInteger(value) && Math.abs(value) <= MAX_SAFE);
    if (!ok) throw new Error(`field ${key}: only strings, integers and null are signed`);
    return `${JSON.stringify(key)}:${JSON.stringify(value)}`;
  });
  return `{${fields.join(",")}}`;
}

export function signedBytes(type, record) {
  return concat(utf8(`SOU-${type.toUpperCase().replace(/_/g, "-")}-V1\n`), utf8(canonicalJson(record)));
}

export function rfc3339(unixSeconds) {
  return new Date(unixSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function newNonce() {
  return toBase64url(crypto.getRandomValues(new Uint8Array(16)));
}

/**
 * A memo kept beside the log (FORMATS.md §4, ledger/memos.py): the record signs its commitment,
 * the hex SHA-256 of "SOU-MEMO-V1\n" ‖ a random 16-byte salt ‖ the text, and the envelope
 * carries the text and the salt, which the service can erase. Null for no text.
 */
export async function memoFor(text, salt = crypto.getRandomValues(new Uint8Array(16))) {
  if (!text) return null;
  const commitment = toHex(await sha256(concat(utf8("SOU-MEMO-V1\n"), salt, utf8(text))));
  return { text, salt: toBase64url(salt), commitment };
}

/** The transfer record a payer's device signs: every field of the schema, in no special order;
 * `memo` is what memoFor gave, or null. */
export function transferRecord({ host, currency, from, to, amount, kid, now, memo = null, payreq = null, nonce = newNonce() }) {
  return {
    v: 1,
    type: "transfer",
    ledger: host.toLowerCase(),
    currency,
    from: String(from),
    to: String(to),
    amount,
    nonce,
    kid,
    created: rfc3339(now),
    expires: rfc3339(now + WINDOW),
    memo: memo ? memo.commitment : "",
    payreq,
    ref: null,
  };
}

/** Any other record a device signs (an office's operation, the treasurer's bank conversion):
 * the fields every signed operation has, then the type's own `fields`. */
export function operationRecord({ type, host, currency, kid, now, fields }) {
  return {
    v: 1,
    type,
    ledger: host.toLowerCase(),
    currency,
    nonce: newNonce(),
    kid,
    created: rfc3339(now),
    expires: rfc3339(now + WINDOW),
    memo: "",
    ...fields,
  };
}

/** Signs a record with a device's private key: its envelope (with the memo the record commits
 * to, if any) and its id (hex SHA-256). */
export async function signRecord(type, record, privateKey, memo = null) {
  const bytes = signedBytes(type, record);
  const sig = await crypto.subtle.sign({ name: "Ed25519" }, privateKey, bytes);
  const envelope = { alg: "Ed25519", record, sig: toBase64url(sig) };
  if (memo) envelope.memo = { text: memo.text, salt: memo.salt };
  return { envelope, id: toHex(await sha256(bytes)) };
}

export async function publicKeyFromHex(hex) {
  return crypto.subtle.importKey("raw", fromHex(hex), { name: "Ed25519" }, false, ["verify"]);
}

export async function verifySignature(publicKeyHex, bytes, sig) {
  try {
    return await crypto.subtle.verify({ name: "Ed25519" }, await publicKeyFromHex(publicKeyHex), sig, bytes);
  } catch {
    return false;
  }
}

/**
 * True if `receipt` is a receipt signed by the ledger key whose fields include `expected`
 * (the transfer's id, accounts, amount, payment request…).
 */
export async function receiptIsValid(receipt, ledgerKey, expected) {
  if (!receipt || receipt.alg !== "Ed25519" || typeof receipt.sig !== "string") return false;
  const r = receipt.record;
  if (!r || r.type !== "receipt") return false;
  if (!Object.entries(expected).every(([field, value]) => r[field] === value)) return false;
  try {
    return await verifySignature(ledgerKey, signedBytes("receipt", r), fromBase64url(receipt.sig));
  } catch {
    return false;
  }
}
