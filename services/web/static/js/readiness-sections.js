// The sections of the readiness study, each built from its part of GET /web/readiness/{opd}:
// the proposed form, the reasons, the positions, infrastructure, history and the what-if.
import { fmtDate, fmtMonth, fmtNumber, fmtPercent, lang, pick, t } from "./i18n.js";
import { el } from "./shell.js";

const present = (value) => value !== null && value !== undefined && value !== "";

function table(head, rows, attrs = {}) {
  return el(
    "div",
    { class: "table-scroll" },
    el(
      "table",
      attrs,
      el("thead", {}, el("tr", {}, ...head.map(([key, numeric]) => el("th", { class: numeric ? "num" : null }, t(key))))),
      el("tbody", {}, ...rows),
    ),
  );
}

function facts(pairs) {
  return el(
    "dl",
    { class: "form-facts" },
    ...pairs.filter(([, value]) => present(value)).flatMap(([key, value]) => [el("dt", {}, t(key)), el("dd", {}, value)]),
  );
}

/** How a reason's value and threshold read: shares (a threshold below 1) as percentages,
 * the OPD policy's switch as yes/no, scores and counts as numbers. */
export function measure(value, reason = {}) {
  if (!present(value)) return t("study.no_data");
  if (typeof value === "boolean" || reason.code === "policy") return value ? t("study.yes") : t("study.no");
  if (typeof value !== "number") return String(value);
  const threshold = reason.threshold;
  if (typeof threshold === "number" && threshold > 0 && threshold < 1) return fmtPercent(value);
  return fmtNumber(value, Number.isInteger(value) ? 0 : 2);
}

function unitName(unit) {
  if (typeof unit === "string") return unit;
  if (!unit) return "";
  return pick(unit.name_id || unit.name, unit.name_en) || unit.work_unit_id || "";
}

export function formSection(form) {
  if (!form) return [];
  const units = form.units || [];
  const conditions = (lang() === "en" ? form.conditions_en : form.conditions_id) || form.conditions_id || [];
  return [
    facts([
      ["study.form.weekly_cap", present(form.weekly_cap_days) ? t("study.form.days", { n: fmtNumber(form.weekly_cap_days) }) : null],
      ["study.form.max_away", present(form.max_away_share) ? fmtPercent(form.max_away_share, 0) : null],
      ["study.form.units", units.length ? units.map(unitName).filter(Boolean).join(", ") : t("study.form.units_all")],
    ]),
    conditions.length
      ? el("div", {}, el("h4", {}, t("study.form.conditions")), el("ul", { class: "conditions", testid: "study-conditions" }, ...conditions.map((c) => el("li", {}, c))))
      : null,
  ];
}

function reasonBadge(reason) {
  if (reason.met) return el("span", { class: "badge ok" }, t("study.reason.met"));
  if (reason.blocking === false) return el("span", { class: "badge warn" }, t("study.reason.caveat"));
  return el("span", { class: "badge bad" }, t("study.reason.unmet"));
}

export function reasonRows(reasons) {
  return (reasons || []).map((reason) =>
    el(
      "tr",
      { testid: "study-reason", class: reason.met ? "reason-met" : reason.blocking === false ? "reason-caveat" : "reason-unmet", dataset: { code: reason.code || "", met: reason.met ? "1" : "0" } },
      el("td", {}, pick(reason.message_id, reason.message_en) || reason.code || ""),
      el("td", {}, reasonBadge(reason)),
      el("td", { class: "num" }, measure(reason.value, reason)),
      el("td", { class: "num" }, measure(reason.threshold, reason)),
    ),
  );
}

export function positionsSection(positions) {
  const p = positions || {};
  const parts = [];
  if (present(p.total)) {
    parts.push(
      el("p", { class: "summary-line", testid: "study-positions-summary" },
        t("study.positions.summary", { eligible: fmtNumber(p.eligible), total: fmtNumber(p.total), share: fmtPercent(p.eligible_share) })),
    );
  }
  const categories = p.by_category || [];
  if (categories.length) {
    parts.push(
      table(
        [["study.positions.category"], ["study.positions.count", true], ["study.positions.eligible"], ["study.positions.reason"]],
        categories.map((row) =>
          el(
            "tr",
            { testid: "study-position-category" },
            el("td", {}, row.category),
            el("td", { class: "num" }, fmtNumber(row.count)),
            el("td", {}, el("span", { class: `badge ${row.eligible ? "ok" : "bad"}` }, t(row.eligible ? "study.yes" : "study.no"))),
            el("td", {}, pick(row.reason_id, row.reason_en)),
          ),
        ),
      ),
    );
  }
  const units = p.by_unit || [];
  if (units.length) {
    parts.push(
      table(
        [["study.positions.unit"], ["study.positions.headcount", true], ["study.positions.eligible", true]],
        units.map((row) =>
          el("tr", {}, el("td", {}, row.work_unit_id || ""), el("td", { class: "num" }, fmtNumber(row.headcount)), el("td", { class: "num" }, fmtNumber(row.eligible))),
        ),
      ),
    );
  }
  return parts.length ? parts : [el("p", { class: "muted" }, t("study.no_data"))];
}

function scoreCell(score) {
  if (!present(score)) return el("td", { class: "num" }, t("study.no_data"));
  const width = Math.max(0, Math.min(100, Number(score)));
  const bar = el("span", { class: "score-bar" });
  bar.style.width = `${width}%`;
  return el("td", { class: "num" }, el("span", { class: "score-track" }, bar), fmtNumber(score));
}

function yesNo(flag) {
  return el("span", { class: `badge ${flag ? "ok" : "bad"}` }, t(flag ? "study.yes" : "study.no"));
}

export function infrastructureSection(infrastructure) {
  const info = infrastructure || {};
  const assessments = info.assessments || [];
  const units = info.units || [];
  const thresholds = info.thresholds || {};
  const parts = [];
  if (present(thresholds.infrastructure_score) || present(thresholds.connectivity_score)) {
    parts.push(
      el("p", { class: "summary-line", testid: "study-thresholds" },
        t("study.infra.thresholds", {
          infrastructure: fmtNumber(thresholds.infrastructure_score),
          connectivity: fmtNumber(thresholds.connectivity_score),
        })),
    );
  }
  if (units.length) {
    parts.push(
      table(
        [["study.infra.unit"], ["study.positions.headcount", true], ["study.positions.eligible", true], ["study.infra.infrastructure", true], ["study.infra.connectivity", true], ["study.infra.qualifies"]],
        units.map((unit) =>
          el(
            "tr",
            { testid: "study-unit", dataset: { unit: unit.work_unit_id || "" } },
            el("td", {}, unit.work_unit_id || "", unit.source === "opd" ? el("span", { class: "muted" }, ` (${t("study.infra.from_opd")})`) : null),
            el("td", { class: "num" }, fmtNumber(unit.headcount)),
            el("td", { class: "num" }, fmtNumber(unit.eligible)),
            scoreCell(unit.infrastructure_score),
            scoreCell(unit.connectivity_score),
            el("td", {}, yesNo(unit.qualifies)),
          ),
        ),
      ),
    );
  }
  if (assessments.length) {
    parts.push(
      el("h4", {}, t("study.infra.assessments")),
      table(
        [["study.infra.unit"], ["study.infra.infrastructure", true], ["study.infra.connectivity", true], ["study.infra.assessed_on"], ["study.infra.note"]],
        assessments.map((row) =>
          el(
            "tr",
            { testid: "study-assessment" },
            el("td", {}, row.work_unit_id || t("study.infra.whole_opd")),
            scoreCell(row.infrastructure_score),
            scoreCell(row.connectivity_score),
            el("td", {}, row.assessed_on ? fmtDate(row.assessed_on, { short: true }) : t("study.no_data")),
            el("td", {}, row.note || ""),
          ),
        ),
      ),
    );
  } else {
    parts.push(el("p", { class: "notice" }, t("study.infra.none")));
  }
  return parts;
}

const HISTORY_COLUMNS = [
  ["study.history.headcount", "headcount", "count"],
  ["study.history.attendance", "attendance_rate", "share"],
  ["study.history.reports", "report_rate", "share"],
  ["study.history.accepted", "acceptance_rate", "share"],
  ["study.history.away", "share_away", "share"],
  ["study.history.achievement_wfa", "achievement_wfa", "share"],
  ["study.history.achievement_office", "achievement_wfo", "share"],
  ["study.history.wfa_days", "wfa_days", "count"],
  ["study.history.office_days", "wfo_days", "count"],
];

export function historySection(history) {
  const rows = (history || []).map((row) => ({ ...(row || {}), ...((row && row.rates) || {}) }));
  if (!rows.length) return [el("p", { class: "muted" }, t("study.history.none"))];
  const columns = HISTORY_COLUMNS.filter(([, name]) => rows.some((row) => name in row));
  return [
    table(
      [["study.history.month"], ...columns.map(([key]) => [key, true])],
      rows.map((row) =>
        el(
          "tr",
          { testid: "study-history-row", class: row.has_data === false ? "muted" : null },
          el("td", {}, row.month ? fmtMonth(String(row.month).slice(0, 7)) : ""),
          ...(row.has_data === false
            ? [el("td", { colspan: String(columns.length), class: "muted" }, t("study.history.no_month"))]
            : columns.map(([, name, kind]) =>
                el("td", { class: "num" }, kind === "share" ? fmtPercent(row[name]) : fmtNumber(row[name])),
              )),
        ),
      ),
    ),
  ];
}

export function productivitySection(productivity) {
  const p = productivity || {};
  const wfa = p.wfa || {};
  const wfo = p.wfo || {};
  const first = (...values) => values.find(present);
  const parts = [];
  const message = pick(p.message_id, p.message_en);
  if (message) parts.push(el("p", { class: `summary-line verdict-${p.verdict || ""}` }, message));
  const count = (value) => (present(value) ? fmtNumber(value) : null);
  const share = (value) => (present(value) ? fmtPercent(value) : null);
  const perDay = (value) => (present(value) ? fmtNumber(value, 2) : null);
  const pairs = [
    ["study.history.wfa_days", count(first(wfa.days, p.wfa_days))],
    ["study.history.office_days", count(first(wfo.days, p.wfo_days))],
    ["study.history.achievement_wfa", share(first(wfa.achievement, p.achievement_wfa))],
    ["study.history.achievement_office", share(first(wfo.achievement, p.achievement_wfo))],
    ["study.productivity.ratio", share(p.achievement_ratio)],
    ["study.productivity.threshold", present(p.threshold) ? fmtPercent(p.threshold, 0) : null],
    ["study.history.output_wfa", perDay(first(wfa.outputs_per_day, p.outputs_per_day_wfa))],
    ["study.history.output_office", perDay(first(wfo.outputs_per_day, p.outputs_per_day_wfo))],
  ];
  if (pairs.some(([, value]) => present(value))) parts.push(facts(pairs));
  return parts.length ? parts : [el("p", { class: "muted" }, t("study.no_data"))];
}

const WHAT_IF_FIELDS = [
  ["study.what_if.requests", "requests"],
  ["study.what_if.eligible_now", "eligible_now"],
  ["study.what_if.eligible_under", "eligible_under"],
  ["study.what_if.changed", "changed"],
  ["study.what_if.newly_eligible", "newly_eligible"],
  ["study.what_if.newly_ineligible", "newly_ineligible"],
  ["study.what_if.skipped", "skipped"],
];

export function whatIfSection(whatIf) {
  const w = whatIf || {};
  if (!Object.keys(w).length) return [el("p", { class: "muted" }, t("study.what_if.none"))];
  const parts = [];
  const summary = pick(w.summary_id, w.summary_en);
  if (summary) parts.push(el("p", { class: "summary-line", testid: "study-what-if-summary" }, summary));
  const period =
    w.period_from && w.period_to ? `${fmtDate(w.period_from, { short: true })} – ${fmtDate(w.period_to, { short: true })}` : null;
  parts.push(
    facts([
      ["study.what_if.period", period],
      ...WHAT_IF_FIELDS.map(([key, name]) => [key, present(w[name]) ? fmtNumber(w[name]) : null]),
    ]),
  );
  const note = pick(w.note_id, w.note_en);
  if (note) parts.push(el("p", { class: "muted" }, note));
  return parts;
}
