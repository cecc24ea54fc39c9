// The OPD head's and BKD's dashboard: staff away, compliance, anomalies by kind and output on
// WFA days against office days over a chosen period, the head's scorecard, the ranking of
// OPDs (BKD, auditors, ops), the exports and the link to the readiness study.
import { download } from "./api.js";
import { renderCharts } from "./dashboard-charts.js";
import {
  defaultPeriod,
  loadAnomalies,
  loadDays,
  loadProductivity,
  loadRanking,
  loadScorecard,
  monthsOf,
} from "./dashboard-data.js";
import {
  fmtDate,
  fmtMonth,
  fmtNumber,
  fmtPercent,
  onLangChange,
  pick,
  registerMessages,
  t,
} from "./i18n.js";
import { DASHBOARD_MESSAGES } from "./messages/dashboard.js";
import { byTestId, el, initPage, showError, toast } from "./shell.js";

registerMessages(DASHBOARD_MESSAGES);

const ROLES = ["kepala_opd", "admin_bkd", "auditor", "ops"];
const PROVINCE_ROLES = ["admin_bkd", "auditor", "ops"];

const state = {
  user: null,
  opd: "",
  from: "",
  to: "",
  days: null,
  anomalies: null,
  productivity: null,
  scorecard: undefined,
  scorecardMonth: null,
  ranking: null,
  rankingMonth: null,
  widen: false,
  loading: 0,
};

function scorecardMonth() {
  return state.scorecardMonth || (state.to || "").slice(0, 7);
}

function rankingMonth() {
  return state.rankingMonth || (state.to || "").slice(0, 7);
}

// scorecard and ranking -------------------------------------------------------------------

function componentValue(component) {
  if (component.value === null || component.value === undefined) return "–";
  if (component.unit === "per_100_staff_days") return t("dash.per_100", { value: fmtNumber(component.value, 2) });
  return fmtPercent(component.value);
}

function renderScorecard() {
  byTestId("scorecard-title").textContent = t("dash.scorecard.title", { month: fmtMonth(scorecardMonth()) });
  const card = state.scorecard;
  const rows = byTestId("scorecard-rows");
  const total = byTestId("scorecard-total");
  const grade = byTestId("scorecard-grade");
  const head = byTestId("scorecard-head");
  const flagged = byTestId("scorecard-flagged");
  if (!card) {
    total.textContent = "–";
    grade.textContent = "–";
    head.textContent = card === null ? t("dash.no_data") : "";
    flagged.textContent = "";
    rows.replaceChildren();
    return;
  }
  total.textContent = card.score === null || card.score === undefined ? "–" : fmtNumber(card.score, 1);
  grade.textContent = card.grade ? `${card.grade} · ${pick(card.grade_id, card.grade_en)}` : "–";
  head.textContent = card.head && card.head.name ? t("dash.scorecard.head", { name: card.head.name }) : "";
  const count = (card.flagged_subordinates || []).length;
  flagged.textContent = count ? t("dash.scorecard.flagged", { count: fmtNumber(count) }) : "";
  rows.replaceChildren(
    ...(card.components || []).map((component) =>
      el(
        "tr",
        { testid: "scorecard-component", dataset: { code: component.code || "" } },
        el("td", {}, pick(component.label_id, component.label_en)),
        el("td", { class: "num" }, componentValue(component)),
        el("td", { class: "num" }, component.score === null || component.score === undefined ? "–" : fmtPercent(component.score, 0)),
        el("td", { class: "num" }, fmtNumber(component.weight)),
      ),
    ),
  );
}

function refresh() {
  reload().catch(showError);
}

function selectOpd(opd) {
  state.opd = opd;
  byTestId("opd-select").value = opd;
  refresh();
}

function renderRanking() {
  const card = byTestId("ranking-card");
  if (!PROVINCE_ROLES.includes(state.user.role)) {
    card.hidden = true;
    return;
  }
  card.hidden = false;
  byTestId("ranking-title").textContent = t("dash.ranking.title", { month: fmtMonth(rankingMonth()) });
  const items = state.ranking || [];
  const rows = byTestId("ranking-rows");
  if (!items.length) {
    rows.replaceChildren(el("tr", {}, el("td", { colspan: "7", class: "muted" }, state.ranking ? t("dash.no_opd") : t("common.loading"))));
    return;
  }
  rows.replaceChildren(
    ...items.map((item) =>
      el(
        "tr",
        { testid: "ranking-row", class: item.opd_id === state.opd ? "selected" : "", dataset: { opd: item.opd_id } },
        el("td", { class: "num" }, item.rank === null || item.rank === undefined ? "–" : fmtNumber(item.rank)),
        el("td", {}, el("button", { type: "button", class: "link-button", onclick: () => selectOpd(item.opd_id) }, item.opd_id)),
        el("td", { class: "num" }, item.score === null || item.score === undefined ? "–" : fmtNumber(item.score, 1)),
        el("td", {}, item.grade ? `${item.grade} · ${pick(item.grade_id, item.grade_en)}` : "–"),
        el("td", { class: "num" }, fmtPercent(item.share_away)),
        el("td", { class: "num" }, fmtPercent(item.attendance_rate)),
        el("td", { class: "num" }, fmtPercent(item.report_rate)),
      ),
    ),
  );
}

function renderOpdSelect() {
  const select = byTestId("opd-select");
  const ids = (state.ranking || []).map((item) => item.opd_id);
  if (state.opd && !ids.includes(state.opd)) ids.unshift(state.opd);
  select.replaceChildren(...ids.map((id) => el("option", { value: id }, id)));
  select.value = state.opd;
}

// links ------------------------------------------------------------------------------------

function exportQuery(format) {
  return { date_from: state.from, date_to: state.to, format };
}

function daysPath() {
  return `/reporting/opds/${encodeURIComponent(state.opd)}/days`;
}

function renderLinks() {
  for (const format of ["csv", "xlsx"]) {
    const link = byTestId(`export-${format}`);
    const query = new URLSearchParams(exportQuery(format));
    link.href = state.opd ? `${daysPath()}?${query}` : "#";
    link.download = `rekap-harian-${state.opd}-${state.from}-${state.to}.${format}`;
  }
  byTestId("readiness-link").href = `/app/readiness.html?opd=${encodeURIComponent(state.opd)}`;
  byTestId("dash-scope").textContent = state.opd
    ? t("dash.scope", { opd: state.opd, from: fmtDate(state.from, { short: true }), to: fmtDate(state.to, { short: true }) })
    : "";
}

function onExport(event, format) {
  event.preventDefault();
  if (!state.opd) return;
  download(daysPath(), exportQuery(format), `rekap-harian-${state.opd}-${state.from}-${state.to}.${format}`).catch(showError);
}

function renderAll() {
  renderCharts(state);
  renderScorecard();
  renderRanking();
  renderLinks();
}

// loading ----------------------------------------------------------------------------------

/** The OPDs' months recorded in `month` (the ranking's rows), read once per load. */
async function monthRows(month, cache) {
  if (!cache.has(month)) cache.set(month, await loadRanking(month));
  return cache.get(month);
}

/** The latest month of `months` whose rows pass `test` (null when none does). */
async function latestMonth(months, cache, test) {
  for (const month of [...months].reverse()) {
    if (test(await monthRows(month, cache))) return month;
  }
  return null;
}

/** The first day of the month before the one `iso` falls in. */
function previousMonthStart(iso) {
  const date = new Date(`${iso.slice(0, 7)}-01T00:00:00`);
  date.setMonth(date.getMonth() - 1);
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, "0")}-01`;
}

/**
 * Which months the ranking and the scorecard show: the latest of the period with anything
 * recorded (a month without records is never asked for, so no request fails). On the first
 * load of the default period, a month with nothing recorded yet widens the period back to the
 * start of the previous month.
 */
async function locate(cache) {
  const any = (rows) => rows.length > 0;
  let months = monthsOf(state.from, state.to);
  let found = await latestMonth(months, cache, any);
  if (!found && state.widen) {
    state.from = previousMonthStart(state.from);
    byTestId("period-from").value = state.from;
    months = monthsOf(state.from, state.to);
    found = await latestMonth(months, cache, any);
  }
  state.widen = false;
  state.rankingMonth = found;
  state.ranking = found ? cache.get(found) : [];
  if (PROVINCE_ROLES.includes(state.user.role)) {
    if (!state.opd && state.ranking.length) {
      const own = state.ranking.find((item) => item.opd_id === state.user.opd_id);
      state.opd = (own || state.ranking[0]).opd_id;
    }
    renderOpdSelect();
  }
  const mine = (rows) => rows.some((row) => row.opd_id === state.opd);
  state.scorecardMonth = state.opd && found ? await latestMonth(months, cache, mine) : null;
}

async function reload() {
  const token = ++state.loading;
  const current = () => token === state.loading;
  const from = byTestId("period-from").value;
  const to = byTestId("period-to").value;
  if (!from || !to || from > to) {
    toast(t("dash.invalid_period"), "error");
    return;
  }
  state.from = from;
  state.to = to;
  try {
    await locate(new Map());
  } catch (error) {
    if (current()) showError(error);
  }
  if (!current()) return;
  const url = new URL(window.location.href);
  url.searchParams.set("from", state.from);
  url.searchParams.set("to", state.to);
  if (state.opd) url.searchParams.set("opd", state.opd);
  window.history.replaceState(null, "", url);
  Object.assign(state, { days: null, anomalies: null, productivity: null, scorecard: undefined });
  renderAll();
  if (!state.opd) {
    byTestId("dash-scope").textContent = t("dash.no_opd");
    return;
  }
  const { opd } = state;
  const tasks = [
    loadDays(opd, state.from, state.to).then((days) => { state.days = days; }),
    loadAnomalies(opd, state.from, state.to).then((result) => { state.anomalies = result; }),
    loadProductivity(opd, monthsOf(state.from, state.to)).then((result) => { state.productivity = result; }),
    state.scorecardMonth
      ? loadScorecard(opd, state.scorecardMonth).then((card) => { state.scorecard = card; })
      : Promise.resolve().then(() => { state.scorecard = null; }),
  ];
  const results = await Promise.allSettled(tasks);
  if (!current()) return;
  const failed = results.find((result) => result.status === "rejected");
  if (failed) showError(failed.reason);
  if (state.days === null) state.days = [];
  renderAll();
}

function main() {
  const user = initPage({ roles: ROLES, title: "page.dashboard" });
  if (!user) return;
  state.user = user;
  const params = new URLSearchParams(window.location.search);
  const period = defaultPeriod();
  const valid = (text) => /^\d{4}-\d{2}-\d{2}$/.test(text || "");
  byTestId("period-from").value = valid(params.get("from")) ? params.get("from") : period.from;
  state.widen = !valid(params.get("from"));
  byTestId("period-to").value = valid(params.get("to")) ? params.get("to") : period.to;
  const province = PROVINCE_ROLES.includes(user.role);
  state.opd = province ? params.get("opd") || "" : user.opd_id || "";
  byTestId("opd-field").hidden = !province;
  renderOpdSelect();
  byTestId("period-form").addEventListener("submit", (event) => {
    event.preventDefault();
    refresh();
  });
  byTestId("opd-select").addEventListener("change", (event) => selectOpd(event.target.value));
  byTestId("export-csv").addEventListener("click", (event) => onExport(event, "csv"));
  byTestId("export-xlsx").addEventListener("click", (event) => onExport(event, "xlsx"));
  onLangChange(renderAll);
  refresh();
}

main();
