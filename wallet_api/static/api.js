// The /v1 API over fetch. A refusal becomes a Problem carrying the RFC 9457 body's type,
// title and detail; a network failure is a Problem of type "network".

const PREFIX = "urn:sou:problem:";
let clockOffset = 0; // milliseconds to add to this device's clock to get the server's

export class Problem extends Error {
  constructor(status, body) {
    super(body?.detail || body?.title || `HTTP ${status}`);
    this.status = status;
    this.code = String(body?.type || "").replace(PREFIX, "") || "http-error";
    this.title = body?.title || "";
    this.detail = body?.detail || ""; // for scripts and the console: never shown to a person
    this.fields = body && typeof body === "object" ? body : {}; // e.g. `missing` cents
  }
}

/** Unix seconds on the server's clock (as its last Date header told). */
export function serverNow() {
  return Math.floor((Date.now() + clockOffset) / 1000);
}

export async function api(path, { method = "GET", body, token } = {}) {
  const headers = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (token) headers.authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
  } catch {
    throw new Problem(0, { type: `${PREFIX}network`, detail: "" });
  }
  const date = Date.parse(response.headers.get("date") || "");
  if (!Number.isNaN(date)) clockOffset = date + 500 - Date.now();
  const text = await response.text();
  let data;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) throw new Problem(response.status, data);
  return data;
}

/** Posts a file as the raw body (a bank statement, a members' spreadsheet). */
export async function postFile(path, file, token) {
  let response;
  try {
    response = await fetch(path, {
      method: "POST",
      headers: {
        accept: "application/json",
        "content-type": "application/octet-stream",
        authorization: `Bearer ${token}`,
      },
      body: file,
      cache: "no-store",
    });
  } catch {
    throw new Problem(0, { type: `${PREFIX}network`, detail: "" });
  }
  const text = await response.text();
  let data;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) throw new Problem(response.status, data);
  return data;
}
