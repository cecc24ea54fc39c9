// Language and number/date formats: Bahasa Indonesia by default, English by a toggle.
import { MESSAGES } from "./i18n-messages.js";

const LANG_KEY = "wfa.lang";
const listeners = new Set();

/** Add a page's own messages: {id: {...}, en: {...}} (each page keeps its own module). */
export function registerMessages(extra) {
  for (const code of ["id", "en"]) Object.assign(MESSAGES[code], extra[code] || {});
}

export function lang() {
  const stored = localStorage.getItem(LANG_KEY);
  return stored === "en" ? "en" : "id";
}

function locale() {
  return lang() === "en" ? "en-GB" : "id-ID";
}

export function setLang(next) {
  localStorage.setItem(LANG_KEY, next === "en" ? "en" : "id");
  document.documentElement.lang = lang();
  applyI18n(document);
  for (const listener of listeners) listener(lang());
}

/** Call `listener(lang)` after every language change (to re-render dynamic text). */
export function onLangChange(listener) {
  listeners.add(listener);
}

/** The message `key` in the current language, with {name} placeholders filled from `vars`. */
export function t(key, vars = {}) {
  const table = MESSAGES[lang()] || MESSAGES.id;
  const template = table[key] ?? MESSAGES.id[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

/** Pick the right half of a bilingual pair returned by the APIs. */
export function pick(messageId, messageEn) {
  return lang() === "en" ? messageEn || messageId || "" : messageId || messageEn || "";
}

/** Fill every element with data-i18n (text) or data-i18n-placeholder / -title / -aria-label. */
export function applyI18n(root) {
  document.documentElement.lang = lang();
  for (const node of root.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const attr of ["placeholder", "title", "aria-label"]) {
    const data = `i18n${attr.replace(/(^|-)(\w)/g, (_, __, c) => c.toUpperCase())}`;
    for (const node of root.querySelectorAll(`[data-i18n-${attr}]`)) {
      node.setAttribute(attr, t(node.dataset[data]));
    }
  }
}

export function fmtNumber(value, digits = 0) {
  if (value === null || value === undefined || Number.isNaN(Number(value))) return "–";
  return new Intl.NumberFormat(locale(), {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(Number(value));
}

/** A share 0..1 as a percentage ("45,5%" in Indonesian). */
export function fmtPercent(share, digits = 1) {
  if (share === null || share === undefined || Number.isNaN(Number(share))) return "–";
  return new Intl.NumberFormat(locale(), {
    style: "percent",
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(Number(share));
}

function asDate(value) {
  if (value instanceof Date) return value;
  if (/^\d{4}-\d{2}-\d{2}$/.test(String(value))) return new Date(`${value}T00:00:00`);
  return new Date(value);
}

/** "Senin, 7 Desember 2026" (or "Monday, 7 December 2026"); short: "7 Des 2026". */
export function fmtDate(value, { short = false } = {}) {
  if (!value) return "–";
  const date = asDate(value);
  if (Number.isNaN(date.getTime())) return String(value);
  const options = short
    ? { day: "numeric", month: "short", year: "numeric" }
    : { weekday: "long", day: "numeric", month: "long", year: "numeric" };
  return new Intl.DateTimeFormat(locale(), options).format(date);
}

/** "07.30" in Indonesian (the local time of the device), "07:30" in English. */
export function fmtTime(value) {
  if (!value) return "–";
  const date = asDate(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return new Intl.DateTimeFormat(locale(), { hour: "2-digit", minute: "2-digit" }).format(date);
}

/** "Desember 2026" for "2026-12". */
export function fmtMonth(month) {
  if (!month) return "–";
  const date = new Date(`${month}-01T00:00:00`);
  return new Intl.DateTimeFormat(locale(), { month: "long", year: "numeric" }).format(date);
}

/** Today in the device's time zone as YYYY-MM-DD. */
export function todayIso() {
  const now = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}
