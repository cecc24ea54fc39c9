// The frame every page shares: header (who, language, online status, log out), role guard,
// toasts, and a small element builder (no inline HTML strings: the CSP forbids inline code).
import { clearSession, session } from "./api.js";
import { applyI18n, lang, onLangChange, setLang, t } from "./i18n.js";

/** Build an element: el("td", {class: "num", dataset: {testid: "x"}}, "text", child, ...). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "testid") node.dataset.testid = value;
    else if (key.startsWith("on") && typeof value === "function") {
      node.addEventListener(key.slice(2), value);
    } else if (value === true) node.setAttribute(key, "");
    else node.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** The element with data-testid `id` (throws when the page lacks it). */
export function byTestId(id, root = document) {
  const node = root.querySelector(`[data-testid="${id}"]`);
  if (!node) throw new Error(`missing element ${id}`);
  return node;
}

let toastTimer = null;

/** Show a message in the toast area; kind: "info" | "ok" | "error". */
export function toast(message, kind = "info") {
  let node = document.querySelector('[data-testid="toast"]');
  if (!node) {
    node = el("div", { class: "toast", testid: "toast", role: "status", "aria-live": "polite" });
    document.body.append(node);
  }
  node.textContent = message;
  node.className = `toast toast-${kind} visible`;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => node.classList.remove("visible"), kind === "error" ? 12000 : 5000);
}

/** Show an API or network error in the current language. */
export function showError(error) {
  if (error && error.status) toast(error.message, "error");
  else toast(t("common.network_error"), "error");
}

function renderOnline(node) {
  const online = navigator.onLine;
  node.textContent = online ? t("common.online") : t("common.offline");
  node.className = `online-status ${online ? "is-online" : "is-offline"}`;
}

/**
 * Start a page: render the header, guard the roles (`roles` empty = public page), apply the
 * language. Returns the session (null on a public page).
 */
export function initPage({ roles = [], title = "app.title", public: isPublic = false } = {}) {
  const current = session();
  if (!isPublic && (!current || (roles.length && !roles.includes(current.role)))) {
    if (current) {
      document.body.replaceChildren(
        el("main", { class: "page" }, el("p", { class: "notice" }, t("common.forbidden_role")),
          el("a", { href: "/app/" }, t("index.pages"))),
      );
      return null;
    }
    window.location.replace("/app/");
    return null;
  }
  const header = el(
    "header",
    { class: "topbar" },
    el("a", { class: "brand", href: "/app/", "data-i18n": "app.title" }, t("app.title")),
    el("h1", { class: "page-title", "data-i18n": title }, t(title)),
    el(
      "div",
      { class: "topbar-actions" },
      el("span", { testid: "online-status", class: "online-status" }),
      current
        ? el("span", { testid: "who", class: "who" }, `${current.name || current.nip} · ${t(`role.${current.role}`)}`)
        : null,
      el(
        "button",
        { type: "button", class: "link-button", testid: "lang-toggle", onclick: () => setLang(lang() === "id" ? "en" : "id") },
        t("common.lang"),
      ),
      current
        ? el(
            "button",
            { type: "button", class: "link-button", testid: "logout", onclick: () => { clearSession(); window.location.assign("/auth/logout"); } },
            t("common.logout"),
          )
        : null,
    ),
  );
  document.body.prepend(header);
  const status = byTestId("online-status");
  renderOnline(status);
  window.addEventListener("online", () => renderOnline(status));
  window.addEventListener("offline", () => renderOnline(status));
  onLangChange(() => {
    byTestId("lang-toggle").textContent = t("common.lang");
    renderOnline(status);
    const who = document.querySelector('[data-testid="who"]');
    if (who && current) who.textContent = `${current.name || current.nip} · ${t(`role.${current.role}`)}`;
    const logout = document.querySelector('[data-testid="logout"]');
    if (logout) logout.textContent = t("common.logout");
  });
  applyI18n(document);
  return current;
}

/** The page each role starts on. */
export function homeOf(role) {
  if (role === "asn") return "/app/asn.html";
  if (role === "atasan") return "/app/atasan.html";
  return "/app/dashboard.html";
}

/**
 * Replace `list`'s children with `nodes`, keeping what the user was typing in its inputs whose
 * data-testid starts with `prefix` (a periodic refresh must not wipe a half-written reason).
 */
export function replaceKeepingTyped(list, prefix, nodes) {
  const selector = `input[data-testid^='${prefix}']`;
  const typed = new Map([...list.querySelectorAll(selector)].map((input) => [input.dataset.testid, input.value]));
  list.replaceChildren(...nodes);
  for (const [testid, value] of typed) {
    const input = list.querySelector(`[data-testid="${testid}"]`);
    if (input) input.value = value;
  }
}
