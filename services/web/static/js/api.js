// The platform's APIs, reached on this origin through the web gateway, with the caller's
// bearer token. Errors carry the server's bilingual message in the current language.
import { lang } from "./i18n.js";

const TOKEN_KEY = "wfa.token";
const SESSION_KEY = "wfa.session";

export class ApiError extends Error {
  constructor(status, code, message, body) {
    super(message);
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

/** The logged-in caller: {token, role, nip, opd_id, name, expires_at}, or null. */
export function session() {
  const token = localStorage.getItem(TOKEN_KEY);
  const raw = localStorage.getItem(SESSION_KEY);
  if (!token || !raw) return null;
  try {
    const info = JSON.parse(raw);
    if (info.expires_at && info.expires_at * 1000 < Date.now()) {
      clearSession();
      return null;
    }
    return { ...info, token };
  } catch {
    clearSession();
    return null;
  }
}

export function setSession(login) {
  localStorage.setItem(TOKEN_KEY, login.token);
  const { token, ...info } = login;
  localStorage.setItem(SESSION_KEY, JSON.stringify(info));
}

export function clearSession() {
  localStorage.removeItem(TOKEN_KEY);
  localStorage.removeItem(SESSION_KEY);
}

/** A fresh key for a write the client may retry (the server then publishes it once). */
export function newIdempotencyKey() {
  return crypto.randomUUID();
}

function errorOf(status, body) {
  const error = (body && body.error) || {};
  const message =
    (lang() === "en" ? error.message_en : error.message_id) ||
    error.message_id ||
    (lang() === "en" ? `Request failed (HTTP ${status})` : `Permintaan gagal (HTTP ${status})`);
  return new ApiError(status, error.code || `http_${status}`, message, body);
}

/**
 * Call an API path ("/wfa/requests", ...). Options: method, body (JSON-encoded), query (object),
 * idempotencyKey, raw (return the Response), auth (default true).
 */
export async function api(path, options = {}) {
  const { method = "GET", body, query, idempotencyKey, raw = false, auth = true } = options;
  const url = new URL(path, window.location.origin);
  for (const [key, value] of Object.entries(query || {})) {
    if (value === undefined || value === null || value === "") continue;
    for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(key, item);
  }
  const headers = { Accept: "application/json", "Accept-Language": lang() };
  const current = session();
  if (auth && current) headers.Authorization = `Bearer ${current.token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
  const response = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "omit",
  });
  if (raw) return response;
  const text = await response.text();
  let parsed = null;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = { text };
    }
  }
  if (response.status === 401 && auth) {
    clearSession();
    window.location.assign("/app/");
    throw errorOf(401, parsed);
  }
  if (!response.ok) throw errorOf(response.status, parsed);
  return parsed;
}

/** Download an export (CSV/XLSX) with the bearer token, as a file the browser saves. */
export async function download(path, query, filename) {
  const response = await api(path, { query, raw: true });
  if (!response.ok) {
    let parsed = null;
    try {
      parsed = await response.json();
    } catch {
      parsed = null;
    }
    throw errorOf(response.status, parsed);
  }
  const blob = await response.blob();
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}
