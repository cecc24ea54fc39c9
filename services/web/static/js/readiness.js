// The WFA readiness study of one OPD (printable): the verdict and its reasons, the proposed
// form, positions eligible under the task mapping, infrastructure and connectivity, the
// compliance and output history, and eligibility's what-if.
import { api } from "./api.js";
import { fmtDate, fmtNumber, onLangChange, pick, registerMessages, t } from "./i18n.js";
import { READINESS_MESSAGES } from "./messages/readiness.js";
import {
  formSection,
  historySection,
  infrastructureSection,
  positionsSection,
  productivitySection,
  reasonRows,
  whatIfSection,
} from "./readiness-sections.js";
import { byTestId, initPage, showError } from "./shell.js";

registerMessages(READINESS_MESSAGES);

const ROLES = ["admin_bkd", "auditor", "ops", "kepala_opd"];
const DEFAULT_MONTHS = 3;
const state = { opd: "", months: DEFAULT_MONTHS, study: null };

function fill(id, nodes) {
  byTestId(id).replaceChildren(...nodes.filter(Boolean));
}

function render() {
  const study = state.study;
  byTestId("study-title").textContent = t("study.heading", { opd: state.opd });
  const root = byTestId("study");
  const headline = byTestId("study-headline");
  if (!study) {
    headline.textContent = state.opd ? t("common.loading") : t("study.ask_opd");
    headline.className = "verdict";
    return;
  }
  const verdict = study.verdict === "layak" ? "layak" : "belum";
  root.dataset.verdict = verdict;
  headline.textContent = pick(study.headline_id, study.headline_en) || t(`study.verdict.${verdict}`);
  headline.className = `verdict ${verdict}`;
  byTestId("study-meta").textContent = t("study.generated", {
    date: fmtDate(study.generated_at || new Date()),
    months: fmtNumber(state.months),
  });
  byTestId("study-form").hidden = !study.form;
  fill("study-form-body", formSection(study.form));
  fill("study-reason-rows", reasonRows(study.reasons));
  fill("study-positions-body", positionsSection(study.positions));
  fill("study-infrastructure-body", infrastructureSection(study.infrastructure));
  fill("study-history-body", historySection(study.history));
  fill("study-productivity", productivitySection(study.productivity));
  fill("study-what-if-body", whatIfSection(study.what_if));
  document.title = `${t("study.heading", { opd: state.opd })} · ${t("app.title")}`;
}

async function load() {
  render();
  if (!state.opd) return;
  try {
    state.study = await api(`/web/readiness/${encodeURIComponent(state.opd)}`, { query: { months: state.months } });
  } catch (error) {
    byTestId("study-headline").textContent = error && error.message ? error.message : t("common.error");
    showError(error);
    return;
  }
  render();
}

function main() {
  const user = initPage({ roles: ROLES, title: "page.readiness" });
  if (!user) return;
  const params = new URLSearchParams(window.location.search);
  const months = Number(params.get("months"));
  state.months = Number.isInteger(months) && months >= 1 && months <= 12 ? months : DEFAULT_MONTHS;
  state.opd = (params.get("opd") || (user.role === "kepala_opd" ? user.opd_id : "") || "").trim();
  const form = byTestId("study-opd-form");
  form.hidden = Boolean(state.opd) || user.role === "kepala_opd";
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const opd = byTestId("study-opd").value.trim();
    if (!opd) return;
    const url = new URL(window.location.href);
    url.searchParams.set("opd", opd);
    window.location.assign(url);
  });
  byTestId("study-back").href = `/app/dashboard.html${state.opd ? `?opd=${encodeURIComponent(state.opd)}` : ""}`;
  byTestId("study-print").addEventListener("click", () => window.print());
  onLangChange(render);
  load().catch(showError);
}

main();
