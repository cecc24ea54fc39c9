// The dashboard's four charts, drawn from what the page loaded: staff away per day (with the
// OPD policy's cap), compliance per day, anomalies by kind, and output on WFA days against
// office days. Each shows a note instead when there is nothing to draw.
import { clearChart, colour, drawChart, shareAxis } from "./charts.js";
import { fmtMonth, fmtNumber, fmtPercent, lang, pick, t } from "./i18n.js";
import { byTestId, el } from "./shell.js";

const canvas = (id) => byTestId(id);

/** "2 Des" (or "2 Dec"): a day on a chart's axis. */
function dayLabel(iso) {
  const date = new Date(`${iso}T00:00:00`);
  if (Number.isNaN(date.getTime())) return String(iso);
  return new Intl.DateTimeFormat(lang() === "en" ? "en-GB" : "id-ID", { day: "numeric", month: "short" }).format(date);
}

function note(id, text) {
  const node = byTestId(`note-${id}`);
  node.textContent = text || "";
  node.hidden = !text;
}

function renderAway(state) {
  const days = state.days || [];
  const cap = state.scorecard && typeof state.scorecard.away_cap === "number" ? state.scorecard.away_cap : null;
  const datasets = [
    {
      label: t("dash.away.series"),
      data: days.map((day) => day.share_away ?? null),
      borderColor: colour(0),
      backgroundColor: colour(0),
      spanGaps: true,
    },
  ];
  if (cap !== null && days.length) {
    datasets.push({
      label: t("dash.away.cap"),
      data: days.map(() => cap),
      borderColor: colour(2),
      borderDash: [6, 4],
      pointRadius: 0,
    });
  }
  const drawn = drawChart(
    canvas("chart-away"),
    "line",
    { labels: days.map((day) => dayLabel(day.work_date)), datasets },
    {
      scales: { y: shareAxis(fmtPercent, Math.max(1, cap || 0)) },
      plugins: { tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${fmtPercent(item.raw)}` } } },
    },
  );
  note("away", drawn || state.days === null ? "" : t("dash.no_data"));
}

function renderCompliance(state) {
  const days = state.days || [];
  const series = [
    ["dash.compliance.attendance", (day) => day.attendance_rate],
    ["dash.compliance.on_time", (day) => (day.late_rate === null || day.late_rate === undefined ? null : 1 - day.late_rate)],
    ["dash.compliance.reports", (day) => day.report_rate],
  ];
  const drawn = drawChart(
    canvas("chart-compliance"),
    "line",
    {
      labels: days.map((day) => dayLabel(day.work_date)),
      datasets: series.map(([key, value], index) => ({
        label: t(key),
        data: days.map((day) => value(day) ?? null),
        borderColor: colour(index),
        backgroundColor: colour(index),
        spanGaps: true,
      })),
    },
    {
      scales: { y: shareAxis(fmtPercent) },
      plugins: { tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${fmtPercent(item.raw)}` } } },
    },
  );
  note("compliance", drawn || state.days === null ? "" : t("dash.no_data"));
}

function anomalyLabel(kind) {
  const key = `anomaly.${kind}`;
  const text = t(key);
  return text === key ? kind : text;
}

function renderAnomalies(state) {
  const result = state.anomalies || { counts: {}, counted: 0, total: 0 };
  const kinds = Object.keys(result.counts).sort((a, b) => result.counts[b] - result.counts[a]);
  const drawn = drawChart(
    canvas("chart-anomalies"),
    "bar",
    {
      labels: kinds.map(anomalyLabel),
      datasets: [
        {
          label: t("dash.anomalies.series"),
          data: kinds.map((kind) => result.counts[kind]),
          backgroundColor: colour(2),
        },
      ],
    },
    {
      indexAxis: "y",
      scales: { x: { beginAtZero: true, ticks: { precision: 0, callback: (value) => fmtNumber(value) } } },
      plugins: { legend: { display: false } },
    },
  );
  let text = "";
  if (state.anomalies && !drawn) text = t("dash.no_data");
  else if (state.anomalies && result.total > result.counted) {
    text = t("dash.anomalies.truncated", { count: fmtNumber(result.counted) });
  }
  note("anomalies", text);
}

function renderOutput(state) {
  const result = state.productivity;
  const list = byTestId("output-verdicts");
  list.replaceChildren();
  if (!result) {
    clearChart(canvas("chart-output"));
    note("output", "");
    return;
  }
  const drawn = drawChart(
    canvas("chart-output"),
    "bar",
    {
      labels: [t("dash.output.wfa"), t("dash.output.office")],
      datasets: [
        {
          label: t("dash.output.per_day"),
          data: [result.wfa.outputs_per_day, result.wfo.outputs_per_day],
          backgroundColor: colour(0),
          yAxisID: "y",
        },
        {
          label: t("dash.output.achievement"),
          data: [result.wfa.achievement, result.wfo.achievement],
          backgroundColor: colour(1),
          yAxisID: "y1",
        },
      ],
    },
    {
      scales: {
        y: { beginAtZero: true, position: "left", ticks: { callback: (value) => fmtNumber(value, 1) } },
        y1: { ...shareAxis(fmtPercent), position: "right", grid: { drawOnChartArea: false } },
      },
      plugins: {
        tooltip: {
          callbacks: {
            label: (item) =>
              `${item.dataset.label}: ${item.dataset.yAxisID === "y1" ? fmtPercent(item.raw) : fmtNumber(item.raw, 2)}`,
          },
        },
      },
    },
  );
  note("output", drawn ? "" : t("dash.no_data"));
  for (const month of result.perMonth) {
    if (!month.message_id && !month.message_en) continue;
    list.append(
      el("li", { class: `verdict-line verdict-${month.verdict || ""}` },
        t("dash.output.month", { month: fmtMonth(month.month), message: pick(month.message_id, month.message_en) })),
    );
  }
}

/** Draw the four charts from the page's `state` (days, anomalies, productivity, scorecard). */
export function renderCharts(state) {
  renderAway(state);
  renderCompliance(state);
  renderAnomalies(state);
  renderOutput(state);
}
