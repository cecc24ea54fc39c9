// What the dashboard reads from reporting, for one OPD and period: the OPD's days, the
// anomalies by kind, outputs on WFA days against office days (month by month), the head's
// scorecard and the ranking of OPDs.
import { api } from "./api.js";

const DAYS_PAGE = 1000;
const ANOMALY_PAGE = 1000;
const ANOMALY_PAGES = 20;

/** YYYY-MM-DD of a Date in local time. */
export function isoDay(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The current month so far: the first of the month to today. */
export function defaultPeriod(today = new Date()) {
  return { from: isoDay(new Date(today.getFullYear(), today.getMonth(), 1)), to: isoDay(today) };
}

/** The months (YYYY-MM) a period touches, oldest first. */
export function monthsOf(from, to) {
  const months = [];
  let year = Number(from.slice(0, 4));
  let month = Number(from.slice(5, 7));
  const lastYear = Number(to.slice(0, 4));
  const lastMonth = Number(to.slice(5, 7));
  while (year < lastYear || (year === lastYear && month <= lastMonth)) {
    months.push(`${year}-${String(month).padStart(2, "0")}`);
    month += 1;
    if (month > 12) {
      month = 1;
      year += 1;
    }
    if (months.length > 24) break;
  }
  return months;
}

/** The rates of a reporting row (they come nested under "rates"). */
export function ratesOf(row) {
  return { ...(row || {}), ...((row && row.rates) || {}) };
}

/** A reporting 404 `no_data` becomes null; every other error is thrown. */
async function orNull(promise) {
  try {
    return await promise;
  } catch (error) {
    if (error && error.status === 404) return null;
    throw error;
  }
}

/** Every page of a paged reporting list (at most `pages` pages of `limit`). */
async function allPages(path, query, limit, pages) {
  const items = [];
  let offset = 0;
  let total = 0;
  for (let n = 0; n < pages; n += 1) {
    const page = await api(path, { query: { ...query, limit, offset } });
    items.push(...(page.items || []));
    total = page.total ?? items.length;
    if (page.next_offset === null || page.next_offset === undefined) break;
    offset = page.next_offset;
  }
  return { items, total };
}

/** The OPD's days in the period, oldest first. */
export async function loadDays(opd, from, to) {
  const path = `/reporting/opds/${encodeURIComponent(opd)}/days`;
  const { items } = await allPages(path, { date_from: from, date_to: to }, DAYS_PAGE, 5);
  return items.map(ratesOf);
}

/** Anomalies of the OPD in the period, counted by kind: {counts: {kind: n}, counted, total}. */
export async function loadAnomalies(opd, from, to) {
  const { items, total } = await allPages(
    "/reporting/anomalies",
    { opd_id: opd, date_from: from, date_to: to },
    ANOMALY_PAGE,
    ANOMALY_PAGES,
  );
  const counts = {};
  for (const item of items) counts[item.kind] = (counts[item.kind] || 0) + 1;
  return { counts, counted: items.length, total };
}

/** Outputs on WFA days against office days, per month of the period and over all of them. */
export async function loadProductivity(opd, months) {
  const answers = await Promise.all(
    months.map((month) => orNull(api("/reporting/productivity", { query: { month, opd_id: opd } }))),
  );
  const perMonth = [];
  const sums = { wfa_days: 0, wfa_outputs: 0, wfo_days: 0, wfo_outputs: 0 };
  const achievement = { wfa: [0, 0], wfo: [0, 0] };
  answers.forEach((answer, index) => {
    const row = (answer && answer.overall) || null;
    if (!row) return;
    perMonth.push({ month: months[index], ...row });
    for (const key of Object.keys(sums)) sums[key] += Number(row[key] || 0);
    for (const mode of ["wfa", "wfo"]) {
      const weight = Number(row[`${mode}_with_target`] || 0);
      const value = row[`${mode}_achievement`];
      if (weight > 0 && value !== null && value !== undefined) {
        achievement[mode][0] += Number(value) * weight;
        achievement[mode][1] += weight;
      }
    }
  });
  const per = (outputs, days) => (days > 0 ? outputs / days : null);
  const mean = ([sum, weight]) => (weight > 0 ? sum / weight : null);
  return {
    perMonth,
    wfa: { days: sums.wfa_days, outputs_per_day: per(sums.wfa_outputs, sums.wfa_days), achievement: mean(achievement.wfa) },
    wfo: { days: sums.wfo_days, outputs_per_day: per(sums.wfo_outputs, sums.wfo_days), achievement: mean(achievement.wfo) },
  };
}

/** The head's scorecard of `month`, or null when nothing is recorded. */
export function loadScorecard(opd, month) {
  return orNull(api(`/reporting/scorecards/${encodeURIComponent(opd)}`, { query: { month } }));
}

/** The OPDs of `month`, best scorecard first. */
export async function loadRanking(month) {
  const { items } = await allPages("/reporting/opds", { month }, 1000, 3);
  return items.map(ratesOf);
}
