// History tab: the employee's recent work days (reporting's projection) and, for a chosen day,
// the presence intervals and worked time.
import { api } from "./api.js";
import { fmtDate, fmtNumber, fmtTime, onLangChange, t, todayIso } from "./i18n.js";
import { byTestId, el, showError } from "./shell.js";
import { isoDay } from "./asn-store.js";
import { busy, labelOf } from "./asn-ui.js";

const DEFAULT_DAYS = 14;

let nip = "";
let days = null; // rows of the last read, or null before it
let presence = null; // the presence of the chosen day

function shift(iso, delta) {
  const date = new Date(`${iso}T00:00:00`);
  date.setDate(date.getDate() + delta);
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

function renderDays() {
  const body = byTestId("history-days").querySelector("tbody");
  if (days === null) {
    body.replaceChildren();
    return;
  }
  if (!days.length) {
    body.replaceChildren(el("tr", {}, el("td", { colspan: 7, class: "muted" }, t("asn.history.empty"))));
    return;
  }
  body.replaceChildren(
    ...days.map((row) => {
      const day = isoDay(row.work_date);
      const kinds = row.anomaly_kinds || [];
      return el(
        "tr",
        { testid: `history-row-${day}`, class: "clickable", tabindex: 0, onclick: () => loadPresence(day), onkeydown: (e) => e.key === "Enter" && loadPresence(day) },
        el("td", {}, fmtDate(day, { short: true })),
        el("td", {}, labelOf("asn.mode.", row.mode)),
        el("td", {}, fmtTime(row.check_in_at)),
        el("td", {}, fmtTime(row.check_out_at)),
        el("td", { class: "num" }, row.worked_minutes === null || row.worked_minutes === undefined ? "–" : t("asn.history.minutes", { n: fmtNumber(row.worked_minutes) })),
        el("td", {}, labelOf("asn.report_state.", row.report_status || "none")),
        el("td", {}, kinds.length ? kinds.map((kind) => labelOf("asn.anomaly.", kind)).join(", ") : "–"),
      );
    }),
  );
}

async function loadDays() {
  const from = byTestId("history-from").value;
  const to = byTestId("history-to").value;
  if (!from || !to) return;
  try {
    const page = await api(`/reporting/employees/${nip}/days`, { query: { date_from: from, date_to: to, limit: 400 } });
    days = [...((page && page.items) || [])].sort((a, b) => isoDay(b.work_date).localeCompare(isoDay(a.work_date)));
  } catch (error) {
    days = [];
    showError(error);
  }
  renderDays();
}

function renderPresence() {
  const node = byTestId("history-presence");
  if (!presence) {
    node.replaceChildren(el("p", { class: "muted" }, t("asn.history.presence_hint")));
    return;
  }
  const intervals = presence.intervals || [];
  const anomalies = (presence.anomalies || []).map((item) => labelOf("asn.anomaly.", item.kind || item));
  node.replaceChildren(
    el("h3", {}, t("asn.history.presence", { date: fmtDate(isoDay(presence.work_date)) })),
    el("p", {}, t("asn.history.worked_line", {
      worked: fmtNumber(presence.worked_minutes),
      target: fmtNumber(presence.target_minutes),
      signals: fmtNumber(presence.signals),
      late: fmtNumber(presence.late_synced),
    })),
    intervals.length
      ? el("ul", {}, ...intervals.map((item) => el("li", {}, t("asn.history.interval", {
          start: fmtTime(item.start), end: fmtTime(item.end), minutes: fmtNumber(item.minutes),
        }))))
      : el("p", { class: "muted" }, t("asn.history.no_intervals")),
    anomalies.length ? el("p", { class: "error" }, t("asn.presence.anomalies", { list: anomalies.join(", ") })) : null,
  );
}

async function loadPresence(day) {
  try {
    presence = await api(`/reporting/presence/${nip}`, { query: { date: day } });
  } catch (error) {
    presence = null;
    showError(error);
  }
  renderPresence();
}

export function initHistoryTab(session, { onFirstShow }) {
  nip = session.nip;
  const today = todayIso();
  byTestId("history-from").value = shift(today, -(DEFAULT_DAYS - 1));
  byTestId("history-to").value = today;
  const load = byTestId("history-load");
  load.addEventListener("click", () => busy(load, loadDays));
  onFirstShow(() => loadDays());
  onLangChange(() => {
    renderDays();
    renderPresence();
  });
  renderPresence();
}
