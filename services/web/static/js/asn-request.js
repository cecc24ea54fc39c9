// Request tab: ask for WFA days with a location and a work plan, see the decision rule by rule
// in the current language, and follow the employee's own requests.
import { api } from "./api.js";
import { currentPosition } from "./geolocation.js";
import { fmtDate, fmtNumber, onLangChange, pick, t } from "./i18n.js";
import { runOnce } from "./retry-keys.js";
import { byTestId, el, showError, toast } from "./shell.js";
import { busy, label, labelOf, parseDecimal, sleep, whenOnline } from "./asn-ui.js";
import { cachedRequests, isoDay, onRequestsChange, refreshRequests, rememberRequest } from "./asn-store.js";

// how long the app waits for a decision, and for reporting to list a new request
const POLL_TRIES = 30;
const POLL_EVERY_MS = 2000;
const LIST_TRIES = 40;
const LIST_EVERY_MS = 2500;

let nip = "";
let shown = null; // the request whose decision is on screen
let dateCount = 1;
let planCount = 0;

// the form -------------------------------------------------------------------------------------

function addDate() {
  const index = dateCount++;
  const id = `req-date-${index}`;
  const input = el("input", { type: "date", id, testid: id, class: "req-date-input" });
  const row = el(
    "div",
    { class: "date-row" },
    input,
    el("button", {
      type: "button",
      class: "icon-button",
      "data-i18n-aria-label": "asn.request.remove_date",
      "aria-label": t("asn.request.remove_date"),
      onclick: () => row.remove(),
    }, "×"),
  );
  byTestId("req-dates").append(row);
  input.focus();
}

function addPlanRow() {
  const i = planCount++;
  const field = (name, key, attrs = {}) => [
    label(key, `plan-${name}-${i}`),
    el("input", { id: `plan-${name}-${i}`, testid: `plan-${name}-${i}`, ...attrs }),
  ];
  byTestId("plan-rows").append(
    el(
      "div",
      { class: "plan-row", testid: `plan-row-${i}` },
      el("div", { class: "field wide" }, ...field("desc", "asn.request.plan_desc", { type: "text", maxlength: 2000 })),
      el("div", { class: "field" }, ...field("target", "asn.request.plan_target", { type: "text", inputmode: "decimal" })),
      el("div", { class: "field" }, ...field("unit", "asn.request.plan_unit", {
        type: "text", maxlength: 255, "data-i18n-placeholder": "asn.request.plan_unit_hint", placeholder: t("asn.request.plan_unit_hint"),
      })),
    ),
  );
}

/** The body of POST /wfa/requests from the form, or null (a toast says what is missing). */
function collect() {
  const dates = [...document.querySelectorAll(".req-date-input")].map((input) => input.value).filter(Boolean);
  if (!dates.length) return missing("asn.request.need_date");
  const lat = parseDecimal(byTestId("req-lat").value);
  const lon = parseDecimal(byTestId("req-lon").value);
  if (lat === null || lon === null || Math.abs(lat) > 90 || Math.abs(lon) > 180) return missing("asn.request.need_location");
  const workPlan = [];
  for (const row of document.querySelectorAll(".plan-row")) {
    const [desc, target, unit] = row.querySelectorAll("input");
    const filled = [desc.value, target.value, unit.value].some((value) => value.trim());
    if (!filled && workPlan.length) continue;
    const amount = parseDecimal(target.value);
    if (!desc.value.trim() || !unit.value.trim() || amount === null || amount <= 0) return missing("asn.request.need_plan");
    workPlan.push({ description: desc.value.trim(), target: amount, unit: unit.value.trim() });
  }
  const reason = byTestId("req-reason").value.trim();
  if (reason.length < 3) return missing("asn.request.need_reason");
  const address = byTestId("req-address").value.trim();
  // the precise point stays on the restricted record; the address goes with the request
  // (to the supervisor and the reports) only when the employee ticks the box
  const share = Boolean(address) && byTestId("req-share-address").checked;
  return {
    dates: [...new Set(dates)].sort(),
    location: { lat, lon, ...(address ? { address } : {}) },
    ...(share ? { share_address: true } : {}),
    reason,
    work_plan: workPlan,
  };
}

function missing(key) {
  toast(t(key), "error");
  return null;
}

async function useGps(button) {
  await busy(button, async () => {
    try {
      const position = await currentPosition();
      byTestId("req-lat").value = String(position.lat);
      byTestId("req-lon").value = String(position.lon);
      toast(t("asn.request.gps_filled", { m: fmtNumber(position.accuracy_m ?? 0) }), "ok");
    } catch (error) {
      toast(error.message, "error");
    }
  });
}

async function submit(event) {
  event.preventDefault();
  const body = collect();
  if (!body) return;
  await busy(byTestId("req-submit"), async () => {
    toast(t("asn.request.sending"));
    try {
      const answer = await runOnce("wfa-request", body, (key) =>
        api("/wfa/requests", { method: "POST", body, idempotencyKey: key }),
      );
      rememberRequest(nip, answer.request_id, body);
      toast(t("asn.request.sent", { id: answer.request_id }), "ok");
      showDecision(answer);
      if (!answer.decision) await poll(answer.request_id);
      followList(answer.request_id);
    } catch (error) {
      showError(error);
      const refusal = error && error.status === 409 && error.body && error.body.error;
      if (refusal && refusal.code !== "idempotency_key_reused") {
        showDecision({ request_id: null, status: "refused", dates: body.dates, refusal });
      }
    }
  });
}

// the decision ---------------------------------------------------------------------------------

async function poll(requestId) {
  for (let i = 0; i < POLL_TRIES; i += 1) {
    await sleep(POLL_EVERY_MS);
    let view;
    try {
      view = await api(`/wfa/requests/${encodeURIComponent(requestId)}`);
    } catch (error) {
      if (error && error.status === 404) continue; // not read back yet
      showError(error);
      return;
    }
    if (view && (view.decision || view.status !== "submitted")) {
      showDecision(view);
      return;
    }
  }
}

function outcomeOf(view) {
  if (view.decision) return view.decision.eligible ? "asn.decision.eligible" : "asn.decision.not_eligible";
  if (view.status === "refused" || view.refusal) return "asn.decision.refused";
  return "asn.decision.deciding";
}

function ruleLine(rule) {
  const passed = Boolean(rule.passed);
  return el(
    "li",
    { class: `decision-rule ${passed ? "pass" : "fail"}`, testid: "decision-rule", dataset: { code: rule.code || "", passed: String(passed) } },
    el("span", { class: `badge ${passed ? "ok" : "bad"}` }, t(passed ? "asn.decision.pass" : "asn.decision.fail")),
    " ",
    pick(rule.message_id, rule.message_en),
    rule.legal_basis ? el("small", { class: "basis" }, t("asn.decision.basis", { basis: rule.legal_basis })) : null,
  );
}

function renderDecision() {
  const panel = byTestId("decision");
  const view = shown;
  if (!view) {
    panel.hidden = true;
    return;
  }
  panel.hidden = false;
  const outcome = outcomeOf(view);
  const outcomeNode = byTestId("decision-outcome");
  outcomeNode.textContent = t(outcome);
  outcomeNode.className = `decision-outcome ${outcome.endsWith(".eligible") ? "ok" : outcome.endsWith("deciding") ? "" : "error"}`;
  const status = view.status || "deciding";
  const statusNode = byTestId("decision-status");
  statusNode.textContent = labelOf("asn.status.", status);
  statusNode.dataset.status = status;
  statusNode.className = `badge ${status === "approved" ? "ok" : ["pending", "submitted", "deciding", "processing"].includes(status) ? "warn" : "bad"}`;
  const dates = (view.dates || []).map((day) => fmtDate(isoDay(day), { short: true })).join(", ");
  byTestId("decision-dates").textContent = dates ? t("asn.decision.dates", { dates }) : "";
  byTestId("decision-summary").textContent = view.summary ? pick(view.summary.id, view.summary.en) : "";
  const rules = view.decision && Array.isArray(view.decision.trace) ? view.decision.trace.map(ruleLine) : [];
  if (!rules.length && view.refusal) {
    rules.push(ruleLine({ passed: false, code: view.refusal.code, message_id: view.refusal.message_id, message_en: view.refusal.message_en }));
  }
  byTestId("decision-rules").replaceChildren(...rules);
  byTestId("decision-refresh").hidden = !view.request_id;
}

function showDecision(view) {
  shown = view;
  renderDecision();
}

async function openRequest(requestId) {
  try {
    showDecision(await api(`/wfa/requests/${encodeURIComponent(requestId)}`));
    byTestId("decision").scrollIntoView({ block: "start", behavior: "smooth" });
  } catch (error) {
    showError(error);
  }
}

// my requests ----------------------------------------------------------------------------------

function renderList(items) {
  const list = byTestId("my-requests");
  if (!items.length) {
    list.replaceChildren(el("li", { class: "muted" }, t("asn.my.empty")));
    return;
  }
  list.replaceChildren(
    ...items.map((item) => {
      const status = item.status || "submitted";
      const days = (item.dates || []).map((day) => fmtDate(isoDay(day), { short: true })).join(", ");
      return el(
        "li",
        { class: "request-row", testid: `my-request-${item.request_id}`, dataset: { status } },
        el("div", { class: "request-days" }, days || item.request_id),
        el("span", { class: `badge ${status === "approved" ? "ok" : status === "pending" ? "warn" : ["rejected", "not_eligible", "refused"].includes(status) ? "bad" : ""}` }, labelOf("asn.status.", status)),
        el("button", { type: "button", class: "link-button", onclick: () => openRequest(item.request_id) }, t("asn.my.open")),
      );
    }),
  );
}

async function reloadList() {
  try {
    await refreshRequests(nip);
  } catch (error) {
    showError(error);
  }
}

/** After a submission: read the list again until reporting lists the request. */
async function followList(requestId) {
  for (let i = 0; i < LIST_TRIES; i += 1) {
    try {
      const items = await refreshRequests(nip);
      if (items.some((item) => item.request_id === requestId)) return;
    } catch (error) {
      showError(error);
      return;
    }
    await sleep(LIST_EVERY_MS);
  }
}

// start ----------------------------------------------------------------------------------------

export function initRequestTab(session) {
  nip = session.nip;
  addPlanRow();
  byTestId("req-reason").value = t("asn.request.reason_default");
  byTestId("req-add-date").addEventListener("click", addDate);
  byTestId("plan-add").addEventListener("click", addPlanRow);
  const gps = byTestId("req-location-use-gps");
  gps.addEventListener("click", () => useGps(gps));
  byTestId("request-form").addEventListener("submit", submit);
  byTestId("my-requests-refresh").addEventListener("click", (event) => busy(event.currentTarget, reloadList));
  byTestId("decision-refresh").addEventListener("click", () => shown && shown.request_id && openRequest(shown.request_id));
  onRequestsChange(renderList);
  onLangChange(() => {
    renderDecision();
    renderList(cachedRequests());
  });
  whenOnline(reloadList);
}
