// Supervisor: daily reports waiting for the caller's review, accepted or returned with a note.
import { api } from "./api.js";
import { fmtDate, fmtNumber, t } from "./i18n.js";
import { runOnce } from "./retry-keys.js";
import { byTestId, el, replaceKeepingTyped, showError, toast } from "./shell.js";
import { isoDay } from "./asn-store.js";
import { busy, labelOf } from "./asn-ui.js";

let items = [];
const reviewed = new Set();

function amount(value) {
  const number = Number(value);
  return fmtNumber(number, Number.isInteger(number) ? 0 : 2);
}

function outputLine(output) {
  const vars = { desc: output.description, qty: amount(output.quantity), unit: output.unit };
  return output.target
    ? t("atasan.reviews.output_target", { ...vars, target: amount(output.target) })
    : t("atasan.reviews.output", vars);
}

async function review(item, verdict, button) {
  const id = item.report_id;
  const note = byTestId(`note-${id}`).value.trim();
  if (verdict === "returned" && !note) {
    toast(t("atasan.reviews.need_note"), "error");
    return;
  }
  const body = { verdict, revision: item.revision, note: note || null };
  await busy(button, async () => {
    try {
      await runOnce(`review:${id}:${item.revision}`, body, (key) =>
        api(`/reports/daily/${encodeURIComponent(id)}/review`, { method: "POST", body, idempotencyKey: key }),
      );
      toast(t(verdict === "accepted" ? "atasan.reviews.accepted" : "atasan.reviews.returned", { id }), "ok");
      reviewed.add(`${id}:${item.revision}`);
      render();
    } catch (error) {
      showError(error);
      if (error && error.status === 409) load();
    }
  });
}

function row(item) {
  const id = item.report_id;
  const accept = el("button", { type: "button", class: "primary", testid: `accept-${id}` }, t("atasan.reviews.accept"));
  const back = el("button", { type: "button", class: "danger", testid: `return-${id}` }, t("atasan.reviews.return"));
  accept.addEventListener("click", () => review(item, "accepted", accept));
  back.addEventListener("click", () => review(item, "returned", back));
  return el(
    "li",
    { class: "item", testid: `review-${id}` },
    el("div", { class: "item-title" }, item.name ? `${item.name} · ${item.nip}` : item.nip),
    el("div", {}, t("atasan.reviews.line", {
      date: fmtDate(isoDay(item.work_date), { short: true }),
      mode: labelOf("asn.mode.", item.mode),
      revision: item.revision,
    })),
    el("ul", { class: "outputs-list" }, ...(item.outputs || []).map((output) => el("li", {}, outputLine(output)))),
    item.notes ? el("div", { class: "muted small" }, t("atasan.reviews.notes", { notes: item.notes })) : null,
    el("input", { type: "text", maxlength: 2000, testid: `note-${id}`, "aria-label": t("atasan.reviews.note"), placeholder: t("atasan.reviews.note") }),
    el("div", { class: "item-actions" }, accept, back),
  );
}

function render() {
  const list = byTestId("reviews");
  const shown = items.filter((item) => !reviewed.has(`${item.report_id}:${item.revision}`));
  if (!shown.length) {
    list.replaceChildren(el("li", { class: "muted" }, t("atasan.reviews.empty")));
    return;
  }
  // keep what the supervisor was typing across a re-render
  replaceKeepingTyped(list, "note-", shown.map(row));
}

/** Read the list again; `quiet` (the periodic refresh): no toast on failure, no re-render
 * when nothing changed (what the supervisor is typing stays put). */
export async function load({ quiet = false } = {}) {
  let next;
  try {
    const answer = await api("/reports/reviews");
    next = (answer && answer.items) || [];
  } catch (error) {
    if (quiet) return;
    next = [];
    showError(error);
  }
  const changed = JSON.stringify(next) !== JSON.stringify(items);
  items = next;
  if (changed || !quiet) render();
}

export function initReviews() {
  const refresh = byTestId("reviews-refresh");
  refresh.addEventListener("click", () => busy(refresh, load));
  return { load, render };
}
