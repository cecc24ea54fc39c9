// "Who looked at my data": the employee's access log (audit's record of every read of their
// personal data by someone else), newest first.
import { api } from "./api.js";
import { fmtDate, fmtNumber, fmtTime, onLangChange, t } from "./i18n.js";
import { byTestId, el, showError } from "./shell.js";
import { busy, labelOf } from "./asn-ui.js";

const LIMIT = 100;
const EXPORT_SUFFIX = "_export";

let entries = null; // the items of the last read, or null before it
let more = false; // whether older entries exist beyond the ones shown

/** Who read: the person's name from the roster with their NIP, or the application's id. */
function readerOf(item) {
  if (item.reader_app) return t("asn.access.reader_app", { app: item.reader_app });
  if (item.reader_name) return t("asn.access.reader_named", { name: item.reader_name, nip: item.reader_nip || "–" });
  return t("asn.access.reader", { nip: item.reader_nip || "–" });
}

/** What was read: the kind's label; "<kind>_export" is the kind's label marked as an export. */
function kindLabel(kind) {
  if (!kind) return "–";
  const key = `asn.access.kind.${kind}`;
  if (t(key) !== key) return t(key);
  if (kind.endsWith(EXPORT_SUFFIX)) {
    return `${labelOf("asn.access.kind.", kind.slice(0, -EXPORT_SUFFIX.length))} ${t("asn.access.export")}`;
  }
  return kind;
}

function when(at) {
  return at ? `${fmtDate(at, { short: true })} ${fmtTime(at)}` : "–";
}

function period(item) {
  const first = item.period_from;
  const last = item.period_to;
  if (!first && !last) return t("asn.access.no_period");
  if (first && last && first !== last) {
    return `${fmtDate(first, { short: true })} – ${fmtDate(last, { short: true })}`;
  }
  return fmtDate(first || last, { short: true });
}

function row(item) {
  return el(
    "li",
    { class: "access-row", testid: `access-${item.access_id}` },
    el("div", { class: "access-head" },
      el("span", { class: "access-when", testid: "access-when" }, when(item.at)),
      el("span", { class: "badge", testid: "access-role" }, labelOf("role.", item.reader_role || "–")),
      el("span", { class: "muted small", testid: "access-reader" }, readerOf(item)),
    ),
    el("div", { class: "access-kind", testid: "access-kind" },
      kindLabel(item.data_kind),
      item.records !== null && item.records !== undefined ? el("span", { class: "muted small" }, ` · ${t("asn.access.records", { n: fmtNumber(item.records) })}`) : null,
    ),
    el("div", { class: "small", testid: "access-purpose" },
      t("asn.access.purpose", { purpose: item.purpose || t("asn.access.no_purpose") })),
    el("div", { class: "small muted", testid: "access-period" }, t("asn.access.period", { period: period(item) })),
  );
}

function render() {
  const list = byTestId("access-log");
  if (entries === null) {
    list.replaceChildren();
  } else if (!entries.length) {
    list.replaceChildren(el("li", { class: "muted", testid: "access-empty" }, t("asn.access.empty")));
  } else {
    list.replaceChildren(...entries.map(row));
  }
  const note = byTestId("access-log-more");
  note.hidden = !more;
  note.textContent = more ? t("asn.access.more", { n: fmtNumber(LIMIT) }) : "";
}

async function load() {
  try {
    const page = await api("/audit/access-log", { query: { limit: LIMIT } });
    const items = (page && page.items) || [];
    entries = [...items].sort((a, b) => String(b.at || "").localeCompare(String(a.at || "")));
    more = Boolean(page && page.next);
  } catch (error) {
    showError(error);
  }
  render();
}

export function initAccessLog({ onFirstShow }) {
  const refresh = byTestId("access-log-refresh");
  refresh.addEventListener("click", () => busy(refresh, load));
  onFirstShow(() => load());
  onLangChange(render);
}
