// The supervisor's page (atasan langsung; heads of OPD too): approve or reject the team's WFA
// requests, accept or return daily reports, and the team's day at a glance.
import { api } from "./api.js";
import { fmtNumber, fmtTime, onLangChange, registerMessages, t, todayIso } from "./i18n.js";
import { ASN_MESSAGES } from "./messages/asn.js";
import { ATASAN_MESSAGES } from "./messages/atasan.js";
import { byTestId, el, initPage, showError } from "./shell.js";
import { busy, labelOf } from "./asn-ui.js";
import { initPending } from "./atasan-requests.js";
import { initReviews } from "./atasan-reviews.js";
import { registerServiceWorker } from "./sw-register.js";

// how often the lists are read again while the page is shown (projections catch up)
const REFRESH_EVERY_MS = 15000;

let team = null;

function renderTeam() {
  const body = byTestId("team-day").querySelector("tbody");
  const totals = byTestId("team-totals");
  if (!team) {
    body.replaceChildren();
    totals.replaceChildren();
    return;
  }
  const sum = team.totals || {};
  totals.replaceChildren(el("span", { class: "badge" }, t("atasan.team.totals", {
    headcount: fmtNumber(sum.headcount), wfa: fmtNumber(sum.wfa), office: fmtNumber(sum.office),
    absent: fmtNumber(sum.absent), checked_in: fmtNumber(sum.checked_in), anomalies: fmtNumber(sum.anomalies),
  })));
  const rows = team.items || [];
  if (!rows.length) {
    body.replaceChildren(el("tr", {}, el("td", { colspan: 8, class: "muted" }, t("atasan.team.empty"))));
    return;
  }
  body.replaceChildren(
    ...rows.map((item) => {
      const anomalies = item.anomalies || [];
      return el(
        "tr",
        { testid: `team-row-${item.nip}`, class: anomalies.length ? "has-anomaly" : "" },
        el("td", { class: "wrap" }, item.name || item.nip, el("div", { class: "muted small" }, item.work_unit_id || "")),
        el("td", {}, el("span", { class: `badge ${item.mode === "absent" ? "bad" : item.mode === "wfa" ? "warn" : "ok"}` }, labelOf("asn.mode.", item.mode || "absent"))),
        el("td", {}, t(item.approved_wfa ? "asn.yes" : "asn.no")),
        el("td", {}, fmtTime(item.check_in)),
        el("td", {}, fmtTime(item.check_out)),
        el("td", { class: "num" }, item.worked_minutes === null || item.worked_minutes === undefined ? "–" : t("asn.history.minutes", { n: fmtNumber(item.worked_minutes) })),
        el("td", {}, labelOf("asn.report_state.", item.report_status || "none")),
        el("td", { class: anomalies.length ? "wrap error" : "wrap" }, anomalies.length ? anomalies.map((kind) => labelOf("asn.anomaly.", kind)).join(", ") : "–"),
      );
    }),
  );
}

async function loadTeam({ quiet = false } = {}) {
  const day = byTestId("team-date").value;
  if (!day) return;
  try {
    const next = await api("/reporting/team", { query: { date: day } });
    if (quiet && JSON.stringify(next) === JSON.stringify(team)) return;
    team = next;
  } catch (error) {
    if (quiet) return;
    team = null;
    showError(error);
  }
  renderTeam();
}

function main() {
  registerMessages(ASN_MESSAGES);
  registerMessages(ATASAN_MESSAGES);
  const session = initPage({ roles: ["atasan", "kepala_opd"], title: "atasan.title" });
  if (!session) return;
  const pending = initPending();
  const reviews = initReviews();
  const date = byTestId("team-date");
  date.value = todayIso();
  date.addEventListener("change", () => loadTeam());
  const refresh = byTestId("team-refresh");
  refresh.addEventListener("click", () => busy(refresh, loadTeam));
  onLangChange(() => {
    pending.render();
    reviews.render();
    renderTeam();
  });
  pending.load();
  reviews.load();
  loadTeam();
  setInterval(() => {
    if (document.visibilityState !== "visible") return;
    pending.load({ quiet: true });
    reviews.load({ quiet: true });
    loadTeam({ quiet: true });
  }, REFRESH_EVERY_MS);
  registerServiceWorker();
}

main();
