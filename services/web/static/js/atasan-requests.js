// Supervisor: the team's WFA requests awaiting approval, approved or rejected with a reason.
import { api } from "./api.js";
import { fmtDate, fmtTime, pick, t } from "./i18n.js";
import { runOnce } from "./retry-keys.js";
import { byTestId, el, replaceKeepingTyped, showError, toast } from "./shell.js";
import { isoDay, utcInstant } from "./asn-store.js";
import { busy } from "./asn-ui.js";

const PENDING = "pending";

let items = [];
const decided = new Set(); // decided here; reporting may still list them for a moment
const details = new Map(); // request id -> its read-back, once opened

function when(value) {
  const moment = utcInstant(value);
  return moment ? `${fmtDate(moment, { short: true })} ${fmtTime(moment)}` : "–";
}

async function act(item, action, button) {
  const id = item.request_id;
  const reason = byTestId(`reason-${id}`).value.trim();
  if (action === "reject" && reason.length < 3) {
    toast(t("atasan.pending.need_reason"), "error");
    return;
  }
  const body = { reason };
  await busy(button, async () => {
    try {
      const answer = await runOnce(`${action}:${id}`, body, (key) =>
        api(`/wfa/requests/${encodeURIComponent(id)}/${action}`, { method: "POST", body, idempotencyKey: key }),
      );
      const processing = answer && (answer.status === "processing" || answer.status === "deciding");
      toast(t(processing ? "atasan.pending.processing" : `atasan.pending.${action === "approve" ? "approved" : "rejected"}`, { id }), "ok");
      decided.add(id);
      render();
    } catch (error) {
      showError(error);
      if (error && error.status === 409) load();
    }
  });
}

async function toggleDetails(item) {
  const id = item.request_id;
  if (details.has(id)) details.delete(id);
  else {
    try {
      details.set(id, await api(`/wfa/requests/${encodeURIComponent(id)}`));
    } catch (error) {
      showError(error);
      return;
    }
  }
  render();
}

function detailNodes(view) {
  const trace = (view.decision && view.decision.trace) || [];
  return el(
    "ol",
    { class: "rules", testid: `details-${view.request_id}` },
    ...trace.map((rule) =>
      el("li", { class: "decision-rule" },
        el("span", { class: `badge ${rule.passed ? "ok" : "bad"}` }, t(rule.passed ? "asn.decision.pass" : "asn.decision.fail")),
        " ",
        pick(rule.message_id, rule.message_en)),
    ),
  );
}

function row(item) {
  const id = item.request_id;
  const days = (item.dates || []).map((day) => fmtDate(isoDay(day), { short: true })).join(", ");
  const approve = el("button", { type: "button", class: "primary", testid: `approve-${id}` }, t("atasan.pending.approve"));
  const reject = el("button", { type: "button", class: "danger", testid: `reject-${id}` }, t("atasan.pending.reject"));
  approve.addEventListener("click", () => act(item, "approve", approve));
  reject.addEventListener("click", () => act(item, "reject", reject));
  const reason = el("input", {
    type: "text", maxlength: 2000, testid: `reason-${id}`, "aria-label": t("atasan.pending.reason"), placeholder: t("atasan.pending.reason"),
  });
  const view = details.get(id);
  return el(
    "li",
    { class: "item", testid: `pending-${id}` },
    el("div", { class: "item-title" }, item.name ? `${item.name} · ${item.nip}` : item.nip),
    el("div", {}, t("atasan.pending.days", { days })),
    el("div", { class: "muted small" }, `${t("atasan.pending.requested", { when: when(item.requested_at) })} · ${id}`),
    el("button", { type: "button", class: "link-button", onclick: () => toggleDetails(item) }, t("atasan.pending.details")),
    view ? detailNodes(view) : null,
    reason,
    el("div", { class: "item-actions" }, approve, reject),
  );
}

function render() {
  const list = byTestId("pending-requests");
  const shown = items.filter((item) => item.status === PENDING && !decided.has(item.request_id));
  if (!shown.length) {
    list.replaceChildren(el("li", { class: "muted" }, t("atasan.pending.empty")));
    return;
  }
  // keep what the supervisor was typing across a re-render
  replaceKeepingTyped(list, "reason-", shown.map(row));
}

/** Read the list again; `quiet` (the periodic refresh): no toast on failure, no re-render
 * when nothing changed (what the supervisor is typing stays put). */
export async function load({ quiet = false } = {}) {
  let next;
  try {
    const page = await api("/reports/requests", { query: { status: PENDING, limit: 500 } });
    next = (page && page.items) || [];
  } catch (error) {
    if (quiet) return;
    next = [];
    showError(error);
  }
  const changed = JSON.stringify(next) !== JSON.stringify(items);
  items = next;
  if (changed || !quiet) render();
}

export function initPending() {
  const refresh = byTestId("pending-refresh");
  refresh.addEventListener("click", () => busy(refresh, load));
  return { load, render };
}
