// The ASN's mobile web app: request WFA days, check in and out, the daily report, history and
// who read the employee's data.
// Supervisors and heads of OPD are ASN too and use it for their own presence.
import { registerMessages } from "./i18n.js";
import { ASN_MESSAGES } from "./messages/asn.js";
import { initPage } from "./shell.js";
import { initRequestTab } from "./asn-request.js";
import { initPresenceTab } from "./asn-presence.js";
import { initReportTab } from "./asn-report.js";
import { initHistoryTab } from "./asn-history.js";
import { initAccessLog } from "./asn-access-log.js";
import { registerServiceWorker } from "./sw-register.js";

const TABS = ["request", "presence", "report", "history"];
const firstShow = new Map();

function showTab(name) {
  const tab = TABS.includes(name) ? name : TABS[0];
  for (const button of document.querySelectorAll("[data-tab]")) {
    const selected = button.dataset.tab === tab;
    button.setAttribute("aria-selected", String(selected));
    button.tabIndex = selected ? 0 : -1;
  }
  for (const panel of document.querySelectorAll("[data-tab-panel]")) panel.hidden = panel.dataset.tabPanel !== tab;
  if (window.location.hash !== `#${tab}`) history.replaceState(null, "", `#${tab}`);
  const pending = firstShow.get(tab) || [];
  firstShow.delete(tab);
  for (const run of pending) run();
}

function main() {
  registerMessages(ASN_MESSAGES);
  const session = initPage({ roles: ["asn", "atasan", "kepala_opd"], title: "asn.title" });
  if (!session) return;
  for (const button of document.querySelectorAll("[data-tab]")) {
    button.addEventListener("click", () => showTab(button.dataset.tab));
  }
  window.addEventListener("hashchange", () => showTab(window.location.hash.slice(1)));
  const onFirstShow = (tab) => (run) => firstShow.set(tab, [...(firstShow.get(tab) || []), run]);
  initRequestTab(session);
  initPresenceTab(session);
  initReportTab(session);
  initHistoryTab(session, { onFirstShow: onFirstShow("history") });
  initAccessLog({ onFirstShow: onFirstShow("history") });
  showTab(window.location.hash.slice(1));
  registerServiceWorker();
}

main();
