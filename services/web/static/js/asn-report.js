// Report tab: the daily report (laporan harian) of a work day, its outputs linked to the
// targets of that day's approved WFA work plan, and its state (awaiting review, accepted,
// returned with the supervisor's note; a returned report is sent again as a new revision).
import { api } from "./api.js";
import { fmtNumber, onLangChange, t, todayIso } from "./i18n.js";
import { runOnce } from "./retry-keys.js";
import { byTestId, el, showError, toast } from "./shell.js";
import { approvedOn, cachedRequests, onRequestsChange, workPlanOf } from "./asn-store.js";
import { busy, label, labelOf, parseDecimal, whenOnline } from "./asn-ui.js";

let nip = "";
let outputCount = 0;
let plan = { requestId: null, targets: null }; // the approved WFA plan of the chosen day
let report = { state: "loading", data: null }; // the report as it stands
let loadToken = 0;

// outputs --------------------------------------------------------------------------------------

function planOptions(select) {
  const chosen = select.value;
  const options = [el("option", { value: "" }, t("asn.report.free_target"))];
  (plan.targets || []).forEach((target, index) => {
    options.push(el("option", { value: String(index) }, t("asn.report.plan_option", {
      desc: target.description, target: fmtNumber(target.target, Number.isInteger(target.target) ? 0 : 2), unit: target.unit,
    })));
  });
  select.replaceChildren(...options);
  select.value = [...select.options].some((option) => option.value === chosen) ? chosen : "";
}

function addOutput(values = {}) {
  const i = outputCount++;
  const id = (name) => `report-output-${name}-${i}`;
  const select = el("select", { id: `report-plan-target-${i}`, testid: `report-plan-target-${i}`, class: "plan-target" });
  planOptions(select);
  const desc = el("input", { type: "text", id: id("desc"), testid: id("desc"), maxlength: 2000, value: values.description ?? "" });
  const qty = el("input", { type: "text", inputmode: "decimal", id: id("qty"), testid: id("qty"), value: values.quantity ?? "" });
  const unit = el("input", { type: "text", id: id("unit"), testid: id("unit"), maxlength: 255, value: values.unit ?? "" });
  if (values.plan_target !== undefined && values.plan_target !== null) select.value = String(values.plan_target);
  select.addEventListener("change", () => {
    const target = plan.targets && plan.targets[Number(select.value)];
    if (select.value === "" || !target) return;
    unit.value = target.unit;
    if (!desc.value.trim()) desc.value = target.description;
  });
  byTestId("report-outputs").append(
    el(
      "div",
      { class: "output-row", testid: `report-output-${i}` },
      el("div", { class: "field wide" }, label("asn.report.output_plan", select.id), select),
      el("div", { class: "field wide" }, label("asn.report.output_desc", desc.id), desc),
      el("div", { class: "field" }, label("asn.report.output_qty", qty.id), qty),
      el("div", { class: "field" }, label("asn.report.output_unit", unit.id), unit),
    ),
  );
}

function resetOutputs(outputs = []) {
  byTestId("report-outputs").replaceChildren();
  outputCount = 0;
  if (!outputs.length) addOutput();
  for (const output of outputs) addOutput(output);
}

/** The body of POST /reports/daily from the form, or null (a toast says what is missing). */
function collect() {
  const outputs = [];
  for (const row of document.querySelectorAll(".output-row")) {
    const select = row.querySelector("select");
    const [desc, qty, unit] = row.querySelectorAll("input");
    const filled = [desc.value, qty.value, unit.value].some((value) => value.trim()) || select.value !== "";
    if (!filled && outputs.length) continue;
    const quantity = parseDecimal(qty.value);
    if (!desc.value.trim() || !unit.value.trim() || quantity === null || quantity < 0) {
      toast(t("asn.report.need_output"), "error");
      return null;
    }
    const output = { description: desc.value.trim(), quantity, unit: unit.value.trim() };
    if (select.value !== "") output.plan_target = Number(select.value);
    outputs.push(output);
  }
  const notes = byTestId("report-notes").value.trim();
  return { work_date: byTestId("report-date").value, outputs, ...(notes ? { notes } : {}) };
}

// state ----------------------------------------------------------------------------------------

function renderPlan() {
  const info = byTestId("report-plan-info");
  if (!plan.requestId) info.textContent = t("asn.report.no_plan");
  else if (!plan.targets) info.textContent = t("asn.report.plan_unknown", { id: plan.requestId });
  else info.textContent = t("asn.report.plan_of", { id: plan.requestId });
  for (const select of document.querySelectorAll(".output-row select")) planOptions(select);
}

function renderStatus() {
  const node = byTestId("report-status");
  const { state, data } = report;
  node.dataset.status = state;
  const lines = [];
  if (state === "loading") lines.push(t("common.loading"));
  else if (state === "none") lines.push(t("asn.report.status.none"));
  else if (state === "archived") lines.push(t("asn.report.status.archived"));
  else if (data) {
    lines.push(t("asn.report.status.line", { status: labelOf("asn.report.status.", state), revision: data.revision }));
    if (data.review && data.review.note) lines.push(t("asn.report.status.note", { note: data.review.note }));
    if (state === "returned") lines.push(t("asn.report.revise"));
    if (state === "submitted") lines.push(t("asn.report.locked_pending"));
    if (state === "accepted") lines.push(t("asn.report.locked_accepted"));
  }
  node.replaceChildren(...lines.map((line, i) => el(i === 0 ? "strong" : "p", { class: i === 0 ? `badge ${badgeOf(state)}` : "" }, line)));
  const locked = state === "submitted" || state === "accepted" || state === "archived" || state === "loading";
  byTestId("report-fields").disabled = locked;
  byTestId("report-submit").disabled = locked;
}

function badgeOf(state) {
  if (state === "accepted") return "ok";
  if (state === "returned") return "bad";
  if (state === "submitted") return "warn";
  return "";
}

function show(data) {
  report = { state: data.status || "submitted", data };
  renderStatus();
}

async function loadDay() {
  const day = byTestId("report-date").value;
  const token = ++loadToken;
  report = { state: "loading", data: null };
  renderStatus();
  if (!day) return;
  const approved = approvedOn(cachedRequests(), day);
  const targets = approved ? await workPlanOf(nip, approved.request_id) : null;
  if (token !== loadToken) return;
  plan = { requestId: approved ? approved.request_id : null, targets };
  renderPlan();
  try {
    const data = await reportOf(day);
    if (token !== loadToken) return;
    if (!data) {
      report = { state: "none", data: null };
      renderStatus();
      return;
    }
    show(data);
    resetOutputs(data.outputs || []);
    byTestId("report-notes").value = data.notes || "";
  } catch (error) {
    if (token !== loadToken) return;
    report = { state: error && error.code === "report_archived" ? "archived" : "none", data: null };
    renderStatus();
    if (!(error && error.status === 404)) showError(error);
  }
}

/**
 * The report of `day` as it stands, or null when there is none. Reporting's day row says
 * whether one was sent (so a day without a report is not asked for: that would be a 404);
 * the report itself, with the supervisor's note, comes from the daily report API.
 */
async function reportOf(day) {
  const page = await api(`/reporting/employees/${nip}/days`, { query: { date_from: day, date_to: day } });
  const row = ((page && page.items) || []).find((item) => String(item.work_date).slice(0, 10) === day);
  if (!row || !row.report_status || row.report_status === "none") return null;
  return api(`/reports/daily/${nip}/${day}`);
}

async function submit(event) {
  event.preventDefault();
  const body = collect();
  if (!body || !body.work_date) return;
  await busy(byTestId("report-submit"), async () => {
    try {
      const answer = await runOnce(`report:${body.work_date}`, body, (key) =>
        api("/reports/daily", { method: "POST", body, idempotencyKey: key }),
      );
      toast(t("asn.report.sent", { revision: answer.revision }), "ok");
      show(answer);
    } catch (error) {
      showError(error);
    }
  });
  renderStatus();
}

// start ----------------------------------------------------------------------------------------

export function initReportTab(session) {
  nip = session.nip;
  const date = byTestId("report-date");
  date.value = todayIso();
  date.max = todayIso();
  resetOutputs();
  date.addEventListener("change", () => {
    resetOutputs();
    byTestId("report-notes").value = "";
    loadDay();
  });
  byTestId("report-add-output").addEventListener("click", () => addOutput());
  byTestId("report-form").addEventListener("submit", submit);
  onRequestsChange(() => {
    const approved = approvedOn(cachedRequests(), date.value);
    if ((approved ? approved.request_id : null) !== plan.requestId) loadDay();
  });
  onLangChange(() => {
    renderPlan();
    renderStatus();
  });
  report = { state: "none", data: null };
  renderStatus();
  whenOnline(loadDay);
}
