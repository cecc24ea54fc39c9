// This browser as the employee's work device: a device id kept in localStorage per employee,
// the next device sequence number, and its registration (POST /attendance/devices).
import { api, ApiError } from "./api.js";
import { t } from "./i18n.js";
import { runOnce } from "./retry-keys.js";

const PREFIX = "wfa.device.";

function load(nip) {
  try {
    const stored = JSON.parse(localStorage.getItem(`${PREFIX}${nip}`) || "null");
    if (stored && typeof stored.device_id === "string" && Number.isInteger(stored.next_seq)) return stored;
  } catch {
    // a damaged entry is replaced by a new device below
  }
  const fresh = { device_id: `web-${crypto.randomUUID()}`, next_seq: 1, registered: false };
  save(nip, fresh);
  return fresh;
}

function save(nip, device) {
  localStorage.setItem(`${PREFIX}${nip}`, JSON.stringify(device));
}

/** {device_id, next_seq, registered} of this browser for the employee. */
export function deviceOf(nip) {
  return load(nip);
}

/** The next device sequence number (one more for each record the device makes). */
export function takeSeq(nip) {
  const device = load(nip);
  const seq = device.next_seq;
  save(nip, { ...device, next_seq: seq + 1 });
  return seq;
}

function label() {
  const platform = (navigator.userAgentData && navigator.userAgentData.platform) || navigator.platform || "";
  return `Web ${platform}`.trim().slice(0, 120);
}

/** Register this browser as the employee's device (an audited replacement of any other). */
export async function registerDevice(nip) {
  const device = load(nip);
  const body = { device_id: device.device_id, platform: "web", label: label(), reason: t("asn.device.reason") };
  await runOnce(`device:${device.device_id}`, body, (key) =>
    api("/attendance/devices", { method: "POST", body, idempotencyKey: key }),
  );
  save(nip, { ...load(nip), registered: true });
}

/** Register on first use; a no-op once registered. */
export async function ensureRegistered(nip) {
  if (!load(nip).registered) await registerDevice(nip);
}

/** Forget the registration (the server no longer knows this device for the account). */
export function markUnregistered(nip) {
  save(nip, { ...load(nip), registered: false });
}

/** POST a presence record from this device; registers the device first when needed. */
export async function sendFromDevice(nip, record) {
  await ensureRegistered(nip);
  const call = () => api(record.path, { method: "POST", body: record.body, idempotencyKey: record.key });
  try {
    return await call();
  } catch (error) {
    if (error instanceof ApiError && error.code === "device_not_registered") {
      markUnregistered(nip);
      await registerDevice(nip);
      return call();
    }
    throw error;
  }
}
