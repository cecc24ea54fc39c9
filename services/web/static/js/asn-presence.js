// Presence tab: check in and out with the browser's geolocation from this registered device,
// show which geofence or WFA location applies and whether it was met; records made offline
// (or whose sending failed) wait in the offline queue and are sent in order when back online.
import { api, newIdempotencyKey } from "./api.js";
import { currentPosition } from "./geolocation.js";
import { fmtDate, fmtTime, onLangChange, t, todayIso } from "./i18n.js";
import { OfflineQueue } from "./offline-queue.js";
import { byTestId, el, showError, toast } from "./shell.js";
import { deviceOf, registerDevice, sendFromDevice, takeSeq } from "./asn-device.js";
import { approvedOn, cachedRequests, locationOf, onRequestsChange } from "./asn-store.js";
import { busy, isNetworkError, labelOf, whenOnline } from "./asn-ui.js";
import { isFinal } from "./retry-keys.js";

const PATHS = { check_in: "/attendance/check-ins", check_out: "/attendance/check-outs" };

let nip = "";
let queue = null;
let fences = []; // the OPD's geofences in force
let reference = null; // () => text of the reference before any answer
let result = null; // () => [nodes] of the last result

// the reference --------------------------------------------------------------------------------

function placeText(location) {
  if (!location) return null;
  if (location.address) return location.address;
  if (location.lat !== undefined && location.lon !== undefined) {
    return `${Number(location.lat).toFixed(5)}, ${Number(location.lon).toFixed(5)}`;
  }
  // a request read back from the platform: only the coarse cell (about 1 km)
  return location.cell ? t("asn.presence.place_cell", { cell: location.cell }) : null;
}

async function loadReference() {
  const today = todayIso();
  const approved = approvedOn(cachedRequests(), today);
  if (approved) {
    const place = placeText(await locationOf(nip, approved.request_id));
    reference = () =>
      place
        ? t("asn.presence.ref_wfa", { place, id: approved.request_id })
        : t("asn.presence.ref_wfa_unknown", { id: approved.request_id });
  } else {
    reference = () => {
      if (!fences.length) return t("asn.presence.ref_office_roster");
      const names = fences.map((fence) => `${fence.name || fence.geofence_id} (${fence.work_unit_id || t("asn.presence.whole_opd")})`);
      return t("asn.presence.ref_office", { names: names.join("; ") });
    };
  }
  renderReference();
}

async function loadFences() {
  try {
    const answer = await api("/attendance/geofences");
    fences = (answer && answer.items) || [];
  } catch (error) {
    fences = [];
    showError(error);
  }
}

function renderReference() {
  const node = byTestId("presence-reference");
  node.textContent = reference ? reference() : t("asn.presence.ref_loading");
}

/** The reference an answer names: which geofence, or which approved WFA location. */
function answeredReference(assessment) {
  if (assessment.reference === "wfa_location") return t("asn.presence.ref_wfa_location", { id: assessment.reference_id || "–" });
  if (assessment.reference === "office_geofence") {
    const fence = fences.find((item) => item.geofence_id === assessment.reference_id);
    const name = fence ? fence.name || fence.geofence_id : assessment.reference_id;
    return name ? t("asn.presence.ref_geofence", { name }) : t("asn.presence.ref_office_roster");
  }
  return t("asn.presence.ref_none");
}

// the result -----------------------------------------------------------------------------------

function kindLabel(kind) {
  return t(`asn.presence.kind.${kind}`);
}

function showResult(render, state) {
  result = render;
  const node = byTestId("presence-result");
  node.replaceChildren(...render());
  node.dataset.state = state;
}

function showAnswer(record, answer) {
  const assessment = (answer && answer.assessment) || {};
  reference = () => answeredReference(assessment);
  renderReference();
  const met = assessment.inside === true ? "met" : assessment.inside === false ? "not_met" : "unmeasured";
  showResult(() => {
    const nodes = [
      el("p", {},
        el("span", { class: `badge ${met === "met" ? "ok" : met === "not_met" ? "bad" : "warn"}`, testid: "presence-met" }, t(`asn.presence.${met}`)),
        " ",
        labelOf(`asn.presence.where.${met}.`, assessment.reference || "none"),
      ),
      el("p", {}, t("asn.presence.distance", { band: labelOf("asn.band.", assessment.distance_band || "unknown") })),
      el("p", {}, t("asn.presence.recorded", {
        kind: kindLabel(record.kind),
        time: fmtTime(record.body.at),
        mode: labelOf("asn.mode.", assessment.derived_mode || "office"),
      })),
    ];
    if (assessment.late_synced) nodes.push(el("p", { class: "muted" }, t("asn.presence.late_synced")));
    const anomalies = assessment.anomalies || [];
    if (anomalies.length) {
      nodes.push(el("p", { class: "error" }, t("asn.presence.anomalies", { list: anomalies.map((kind) => labelOf("asn.anomaly.", kind)).join(", ") })));
    }
    return nodes;
  }, met);
}

function showQueued(record) {
  showResult(() => [el("p", { class: "notice" }, t("asn.presence.queued", { kind: kindLabel(record.kind), time: fmtTime(record.body.at) }))], "queued");
}

// recording ------------------------------------------------------------------------------------

async function record(kind) {
  showResult(() => [el("p", { class: "muted" }, t("asn.presence.locating"))], "locating");
  let position;
  try {
    position = await currentPosition();
  } catch (error) {
    showResult(() => [el("p", { class: "error" }, error.message)], "error");
    toast(error.message, "error");
    return;
  }
  const device = deviceOf(nip);
  const entry = {
    key: newIdempotencyKey(),
    kind,
    path: PATHS[kind],
    body: {
      device_id: device.device_id,
      device_seq: takeSeq(nip),
      at: new Date().toISOString(),
      location: { lat: position.lat, lon: position.lon },
      ...(position.accuracy_m === null ? {} : { accuracy_m: position.accuracy_m }),
      recorded_offline: !navigator.onLine,
    },
  };
  if (!navigator.onLine || queue.count() > 0) {
    // offline, or older records still wait: keep the order
    queue.add(entry);
    showQueued(entry);
    if (navigator.onLine) await sync();
    return;
  }
  showResult(() => [el("p", { class: "muted" }, t("asn.presence.sending"))], "sending");
  try {
    showAnswer(entry, await sendFromDevice(nip, entry));
    renderDevice();
  } catch (error) {
    if (isNetworkError(error) || !isFinal(error)) {
      queue.add(entry);
      showQueued(entry);
      return;
    }
    showResult(() => [el("p", { class: "error" }, error.message)], "error");
    showError(error);
  }
}

/** Send the offline queue in order; say what became of each record. */
async function sync() {
  if (!queue.count()) return;
  await queue.flush(
    (entry) => sendFromDevice(nip, entry),
    ({ record: entry, answer, error, kept }) => {
      const vars = { kind: kindLabel(entry.kind), time: fmtTime(entry.body.at) };
      if (answer) {
        showAnswer(entry, answer);
        logLine(t("asn.queue.sent", vars), "ok");
      } else if (kept) {
        logLine(t("asn.queue.kept"), "muted");
      } else {
        const why = error.message;
        logLine(t("asn.queue.dropped", { ...vars, why }), "error");
        toast(t("asn.queue.dropped", { ...vars, why }), "error");
      }
    },
  );
  renderDevice();
}

function logLine(text, kind) {
  const log = byTestId("queue-log");
  log.prepend(el("li", { class: kind }, `${fmtTime(new Date())} · ${text}`));
  while (log.children.length > 8) log.lastElementChild.remove();
}

function renderQueue(count) {
  const node = byTestId("offline-queue");
  node.textContent = String(count);
  node.dataset.count = String(count);
  byTestId("sync-now").disabled = count === 0;
}

function renderDevice() {
  const device = deviceOf(nip);
  byTestId("device-info").textContent = `${t("asn.device.info", { id: device.device_id })} · ${t(device.registered ? "asn.device.registered" : "asn.device.unregistered")}`;
}

async function register(button) {
  await busy(button, async () => {
    try {
      await registerDevice(nip);
      toast(t("asn.device.done"), "ok");
    } catch (error) {
      showError(error);
    }
    renderDevice();
  });
}

// start ----------------------------------------------------------------------------------------

export function initPresenceTab(session) {
  nip = session.nip;
  queue = new OfflineQueue(nip);
  byTestId("presence-date").textContent = fmtDate(todayIso());
  queue.onChange(renderQueue);
  renderQueue(queue.count());
  renderDevice();
  renderReference();
  const checkIn = byTestId("check-in");
  const checkOut = byTestId("check-out");
  const both = async (kind) => {
    checkIn.disabled = true;
    checkOut.disabled = true;
    try {
      await record(kind);
    } finally {
      checkIn.disabled = false;
      checkOut.disabled = false;
    }
  };
  checkIn.addEventListener("click", () => both("check_in"));
  checkOut.addEventListener("click", () => both("check_out"));
  const syncButton = byTestId("sync-now");
  syncButton.addEventListener("click", () => busy(syncButton, sync).then(() => renderQueue(queue.count())));
  const registerButton = byTestId("device-register");
  registerButton.addEventListener("click", () => register(registerButton));
  window.addEventListener("online", () => sync());
  onRequestsChange(() => {
    if (!result) loadReference();
  });
  onLangChange(() => {
    byTestId("presence-date").textContent = fmtDate(todayIso());
    renderReference();
    if (result) byTestId("presence-result").replaceChildren(...result());
    renderDevice();
  });
  loadReference().catch(showError); // from what is known offline; again once the fences are read
  whenOnline(() => loadFences().then(loadReference).catch(showError));
  if (navigator.onLine && queue.count()) sync();
}
