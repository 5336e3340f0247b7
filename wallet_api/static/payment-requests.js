// Payment requests (FORMATS.md §6), as merchants/payment_requests.py makes them. Big-endian:
// ver (0x01) ‖ merchant u32 ‖ amount u32 ‖ expires u32 ‖ nonce 8 ‖ kid 4 ‖ n u8 ‖ ref n ‖ sig 64;
// the till signs "SOU-PR1\n" ‖ lower-case host ‖ "\n" ‖ the request without its signature.

import { concat, fromBase32, fromHex, sha256, toBase32, toHex, utf8 } from "./encoding.js";
import { verifySignature } from "./records.js";

const HEADER = 26; // 1 + 4 + 4 + 4 + 8 + 4 + 1
const SIG = 64;
const MAX_REF = 12;
const PRINTABLE = /^[\x20-\x7e]*$/;
export const MAX_AHEAD = 600; // seconds: a request lives at most 10 minutes

function signingMessage(host, unsigned) {
  return concat(utf8(`SOU-PR1\n${host.toLowerCase()}\n`), unsigned);
}

function unsignedBytes({ merchant, amount, expires, nonce, kid, ref }) {
  if (ref.length > MAX_REF || !PRINTABLE.test(ref)) throw new Error("bad reference");
  const out = new Uint8Array(HEADER + ref.length);
  const view = new DataView(out.buffer);
  view.setUint8(0, 1);
  view.setUint32(1, merchant);
  view.setUint32(5, amount);
  view.setUint32(9, expires);
  out.set(nonce, 13);
  out.set(fromHex(kid), 21);
  view.setUint8(25, ref.length);
  out.set(utf8(ref), HEADER);
  return out;
}

/** A till's signed request: its bytes, base32 text (for the URL) and payreq (hex SHA-256). */
export async function signRequest({
  host,
  merchant,
  amount,
  expires,
  kid,
  ref = "",
  privateKey,
  nonce = crypto.getRandomValues(new Uint8Array(8)),
}) {
  const unsigned = unsignedBytes({ merchant: Number(merchant), amount, expires, nonce, kid, ref });
  const sig = new Uint8Array(
    await crypto.subtle.sign({ name: "Ed25519" }, privateKey, signingMessage(host, unsigned)),
  );
  const bytes = concat(unsigned, sig);
  return { bytes, base32: toBase32(bytes), payreq: toHex(await sha256(bytes)) };
}

/** Decodes a request from its base32 text; throws on anything but the exact format. */
export async function parseRequest(base32) {
  const bytes = fromBase32(base32);
  if (bytes.length < HEADER || bytes[0] !== 1) throw new Error("not a payment request");
  const view = new DataView(bytes.buffer);
  const n = bytes[25];
  if (n > MAX_REF || bytes.length !== HEADER + n + SIG) throw new Error("bad length");
  const ref = String.fromCharCode(...bytes.subarray(HEADER, HEADER + n));
  const amount = view.getUint32(5);
  if (!PRINTABLE.test(ref) || amount < 1 || amount > 2 ** 31 - 1) throw new Error("bad field");
  return {
    merchant: String(view.getUint32(1)),
    amount,
    expires: view.getUint32(9),
    kid: toHex(bytes.subarray(21, 25)),
    ref,
    unsigned: bytes.subarray(0, HEADER + n),
    sig: bytes.subarray(HEADER + n),
    payreq: toHex(await sha256(bytes)),
  };
}

/** True if `key` ({kid, account, role, status, public_key}) is a till of the merchant and signed it. */
export async function requestIsSigned(pr, { host, key }) {
  const kid = toHex((await sha256(fromHex(key.public_key))).subarray(0, 4));
  return (
    kid === pr.kid &&
    key.kid === pr.kid &&
    key.status === "active" &&
    ["merchant", "cashier"].includes(key.role) &&
    key.account === pr.merchant &&
    (await verifySignature(key.public_key, signingMessage(host, pr.unsigned), pr.sig))
  );
}
