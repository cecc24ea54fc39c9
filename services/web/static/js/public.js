// The public transparency page (no login): per-OPD aggregates of one month, with every group
// smaller than k staff suppressed. Every request goes out without a token.
import { api } from "./api.js";
import { colour, drawChart, shareAxis } from "./charts.js";
import { fmtMonth, fmtNumber, fmtPercent, onLangChange, pick, registerMessages, t } from "./i18n.js";
import { PUBLIC_MESSAGES } from "./messages/public.js";
import { byTestId, el, initPage, showError } from "./shell.js";

registerMessages(PUBLIC_MESSAGES);

const DEFAULT_K = 10;
const state = { month: "", answer: null, loading: 0 };

function currentMonth() {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}`;
}

function k() {
  return (state.answer && state.answer.k) || DEFAULT_K;
}

function hidden(row, field) {
  const cells = row.suppressed_cells || [];
  return cells.some((cell) => cell === field || (typeof cell === "string" && cell.startsWith(`${field}.`)));
}

function cell(row, field, format) {
  const value = row[field];
  if ((value === null || value === undefined) && hidden(row, field)) {
    return el("td", { class: "num muted" }, t("public.cell_suppressed"));
  }
  return el("td", { class: "num" }, format(value));
}

function anomaliesCell(row) {
  const kinds = row.anomalies_by_kind || {};
  const entries = Object.entries(kinds);
  const known = entries.filter(([, n]) => n !== null && n !== undefined);
  const anyHidden = entries.length > known.length;
  if (!entries.length && (row.anomalies === undefined || row.anomalies === null)) return el("td", { class: "num" }, "–");
  const total = entries.length ? known.reduce((sum, [, n]) => sum + Number(n), 0) : row.anomalies;
  const detail = entries
    .map(([kind, n]) => {
      const key = `anomaly.${kind}`;
      const label = t(key) === key ? kind : t(key);
      return t("public.anomaly_detail", { kind: label, count: n === null || n === undefined ? t("public.cell_suppressed") : fmtNumber(n) });
    })
    .join("; ");
  let text = fmtNumber(total);
  if (anyHidden) text = total > 0 ? t("public.at_least", { n: fmtNumber(total) }) : t("public.cell_suppressed");
  return el("td", { class: "num", title: detail || null }, text);
}

function figures(row) {
  return [
    cell(row, "headcount", (v) => fmtNumber(v)),
    cell(row, "away_share", (v) => fmtPercent(v)),
    cell(row, "compliance_rate", (v) => fmtPercent(v)),
    cell(row, "attendance_rate", (v) => fmtPercent(v)),
    cell(row, "report_rate", (v) => fmtPercent(v)),
    anomaliesCell(row),
    cell(row, "output_wfa", (v) => fmtNumber(v, 2)),
    cell(row, "output_office", (v) => fmtNumber(v, 2)),
  ];
}

function opdName(row) {
  return row.name || row.opd_name || row.opd_id;
}

function renderTable() {
  const answer = state.answer;
  byTestId("public-title").textContent = fmtMonth(state.month);
  byTestId("public-note").textContent = (answer && pick(answer.note_id, answer.note_en)) || t("public.note", { k: k() });
  const rows = byTestId("public-rows");
  const footer = byTestId("public-province");
  const opds = (answer && answer.opds) || [];
  if (!opds.length) {
    rows.replaceChildren(el("tr", {}, el("td", { colspan: "9", class: "muted" }, answer ? t("public.no_data") : t("common.loading"))));
    footer.replaceChildren();
    return;
  }
  rows.replaceChildren(
    ...opds.map((row) =>
      row.suppressed
        ? el(
            "tr",
            { testid: `public-opd-${row.opd_id}`, class: "suppressed", dataset: { opd: row.opd_id } },
            el("td", {}, opdName(row)),
            el("td", { colspan: "8", class: "suppressed-cell" }, t("public.suppressed", { k: k() })),
          )
        : el("tr", { testid: `public-opd-${row.opd_id}`, dataset: { opd: row.opd_id } }, el("td", {}, opdName(row)), ...figures(row)),
    ),
  );
  const province = answer.province;
  footer.replaceChildren(
    ...(province && Object.keys(province).length
      ? [el("tr", { testid: "public-province-row" }, el("td", {}, t("public.province")), ...figures(province))]
      : []),
  );
}

function renderChart() {
  const published = ((state.answer && state.answer.opds) || []).filter((row) => !row.suppressed);
  const drawn = drawChart(
    byTestId("chart-public"),
    "bar",
    {
      labels: published.map(opdName),
      datasets: [
        { label: t("public.away"), data: published.map((row) => row.away_share ?? null), backgroundColor: colour(0) },
        { label: t("public.compliance"), data: published.map((row) => row.compliance_rate ?? null), backgroundColor: colour(1) },
        { label: t("public.attendance"), data: published.map((row) => row.attendance_rate ?? null), backgroundColor: colour(3) },
        { label: t("public.reports"), data: published.map((row) => row.report_rate ?? null), backgroundColor: colour(4) },
      ],
    },
    {
      scales: { y: shareAxis(fmtPercent) },
      plugins: { tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${fmtPercent(item.raw)}` } } },
    },
  );
  const note = byTestId("note-public");
  note.textContent = drawn || !state.answer ? "" : t(published.length ? "public.chart_empty" : "public.no_data");
  note.hidden = !note.textContent;
}

function render() {
  renderTable();
  renderChart();
}

async function load() {
  const token = ++state.loading;
  const month = byTestId("public-month").value || currentMonth();
  state.month = month;
  state.answer = null;
  render();
  try {
    const answer = await api("/public/opds", { query: { month }, auth: false });
    if (token !== state.loading) return;
    state.answer = answer || { opds: [] };
  } catch (error) {
    if (token !== state.loading) return;
    state.answer = { opds: [] };
    showError(error);
  }
  render();
}

function main() {
  initPage({ public: true, title: "page.public" });
  const params = new URLSearchParams(window.location.search);
  const asked = params.get("month");
  const input = byTestId("public-month");
  input.value = /^\d{4}-\d{2}$/.test(asked || "") ? asked : currentMonth();
  input.max = currentMonth();
  input.addEventListener("change", () => load().catch(showError));
  onLangChange(render);
  load().catch(showError);
}

main();
