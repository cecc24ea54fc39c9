// Sign-in page: single sign-on through the province's provider when configured, one-click demo
// personas (development and test only) and links per role.
import { api, session, setSession } from "./api.js";
import { pick, t } from "./i18n.js";
import { byTestId, el, homeOf, initPage, showError } from "./shell.js";

/** Log in as a demo persona and go to the role's start page. */
export async function demoLogin(key) {
  const login = await api("/auth/demo-login", { method: "POST", body: { key }, auth: false });
  setSession(login);
  window.location.assign(homeOf(login.role));
}

/** Single sign-on when the gateway offers it; the demo personas only while the demo is on. */
async function renderMethods() {
  let methods = { sso: false, demo: true };
  try {
    methods = await api("/auth/methods", { auth: false });
  } catch {
    // an older gateway without /auth/methods: the demo list says for itself whether it is on
  }
  if (methods.sso) {
    const link = byTestId("sso-login");
    link.href = methods.login_url || "/auth/login";
    byTestId("sso-section").hidden = false;
  }
  if (methods.sso && !methods.demo) {
    byTestId("demo-section").hidden = true;
    return;
  }
  await renderPersonas();
}

async function renderPersonas() {
  const list = byTestId("personas");
  let personas = [];
  try {
    personas = (await api("/auth/demo-personas", { auth: false })).personas || [];
  } catch (error) {
    // 404: the demo login is off (WEB_DEMO_LOGIN); there is simply no demo account to offer
    const text = error.status === 404 ? t("index.no_personas") : error.message;
    list.replaceChildren(el("p", { class: "muted" }, text));
    return;
  }
  if (!personas.length) {
    list.replaceChildren(el("p", { class: "muted" }, t("index.no_personas")));
    return;
  }
  list.replaceChildren(
    ...personas.map((persona) =>
      el(
        "button",
        {
          type: "button",
          class: "button persona",
          testid: `persona-${persona.key}`,
          onclick: () => demoLogin(persona.key).catch(showError),
        },
        pick(persona.label_id, persona.label_en),
      ),
    ),
  );
}

function main() {
  initPage({ public: true, title: "index.heading" });
  const current = session();
  if (current) {
    const link = byTestId("continue");
    link.href = homeOf(current.role);
    link.textContent = t("index.continue", { name: current.name || current.nip });
    byTestId("continue-section").hidden = false;
  }
  renderMethods();
}

main();
