// Small helpers the ASN app's tabs share: number parsing, labelled fields, busy buttons.
import { t } from "./i18n.js";
import { el } from "./shell.js";

/** "1,5" or "1.5" as 1.5; null when empty or not a number. */
export function parseDecimal(text) {
  const value = String(text ?? "").trim().replace(",", ".");
  if (!value) return null;
  const number = Number(value);
  return Number.isFinite(number) ? number : null;
}

/** A label (translated, re-translated on a language change) wrapping nothing: put it before its input. */
export function label(key, forId) {
  return el("label", { for: forId, "data-i18n": key }, t(key));
}

/** Disable `button` while `work` runs. */
export async function busy(button, work) {
  button.disabled = true;
  try {
    return await work();
  } finally {
    button.disabled = false;
  }
}

/** Wait `ms` milliseconds. */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether an error is a network failure (no answer from the server). */
export function isNetworkError(error) {
  return !(error && error.status);
}

/** The translated label of `value` under `prefix` ("asn.status." + "pending"), or the value. */
export function labelOf(prefix, value) {
  const key = `${prefix}${value}`;
  const text = t(key);
  return text === key ? String(value ?? "–") : text;
}

/** Run `work` now when online, else once the connection is back (no request is sent offline). */
export function whenOnline(work) {
  if (navigator.onLine) {
    work();
    return;
  }
  window.addEventListener("online", () => work(), { once: true });
}
