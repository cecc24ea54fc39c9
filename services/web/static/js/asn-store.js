// What the ASN app knows about the employee's own requests: the list from reporting's
// projection (eventually consistent), and the work plan and location of the requests made on
// this device (the request read-back does not repeat them), kept in localStorage.
import { api } from "./api.js";

const PREFIX = "wfa.asn.requests.";
const KEEP = 40;

/** A stored day ("2026-12-07" or a date-time) as YYYY-MM-DD. */
export function isoDay(value) {
  return String(value ?? "").slice(0, 10);
}

/** A stored UTC instant ("2026-12-07 01:30:00.000" or ISO) as a Date. */
export function utcInstant(value) {
  if (!value) return null;
  const text = String(value);
  if (/[zZ]|[+-]\d\d:?\d\d$/.test(text)) return new Date(text);
  return new Date(`${text.replace(" ", "T")}Z`);
}

/** The employee's requests, newest first (reporting's projection). */
export async function myRequests(nip) {
  const page = await api("/reports/requests", { query: { nip, limit: 100 } });
  return (page && page.items) || [];
}

/** The approved request that covers `day`, if any. */
export function approvedOn(items, day) {
  return items.find((item) => item.status === "approved" && (item.dates || []).map(isoDay).includes(day)) || null;
}

function localAll(nip) {
  try {
    const stored = JSON.parse(localStorage.getItem(`${PREFIX}${nip}`) || "{}");
    return stored && typeof stored === "object" ? stored : {};
  } catch {
    return {};
  }
}

/** Keep what the employee asked for in request `id` (work plan, location, dates). */
export function rememberRequest(nip, id, { work_plan, location, dates }) {
  const all = localAll(nip);
  all[id] = { work_plan, location, dates, saved_at: Date.now() };
  const newest = Object.entries(all)
    .sort((a, b) => (b[1].saved_at || 0) - (a[1].saved_at || 0))
    .slice(0, KEEP);
  localStorage.setItem(`${PREFIX}${nip}`, JSON.stringify(Object.fromEntries(newest)));
}

/** What this device kept of request `id` ({work_plan, location, dates}), or null. */
export function remembered(nip, id) {
  return localAll(nip)[id] || null;
}

/** The work plan of request `id`: from its read-back when it carries one, else this device's copy. */
export async function workPlanOf(nip, id) {
  let view = null;
  try {
    view = await api(`/wfa/requests/${encodeURIComponent(id)}`);
  } catch {
    view = null;
  }
  if (view && Array.isArray(view.work_plan) && view.work_plan.length) return view.work_plan;
  const kept = remembered(nip, id);
  return kept && Array.isArray(kept.work_plan) ? kept.work_plan : null;
}

/** The declared location of request `id`: this device's copy (the precise point it sent), else
 * the read-back's place (a coarse cell, and the address when the employee shared it). */
export async function locationOf(nip, id) {
  const kept = remembered(nip, id);
  if (kept && kept.location) return kept.location;
  try {
    const view = await api(`/wfa/requests/${encodeURIComponent(id)}`);
    return (view && (view.place || view.location)) || null;
  } catch {
    return null;
  }
}

// the list every tab shares, refreshed on demand -------------------------------------------

let cached = [];
const listeners = new Set();

/** The last list of the employee's requests read from reporting. */
export function cachedRequests() {
  return cached;
}

/** Call `listener(items)` whenever the list is read again. */
export function onRequestsChange(listener) {
  listeners.add(listener);
}

/** Read the list again and tell every listener. */
export async function refreshRequests(nip) {
  cached = await myRequests(nip);
  for (const listener of listeners) listener(cached);
  return cached;
}
