// The device's position from the browser's geolocation, with errors in the user's language.
import { t } from "./i18n.js";

export class GeoError extends Error {}

const REASONS = { 1: "asn.geo.denied", 2: "asn.geo.unavailable", 3: "asn.geo.timeout" };

/** {lat, lon, accuracy_m} of the device now; rejects with a GeoError (translated message). */
export function currentPosition({ timeoutMs = 20000, maxAgeMs = 15000 } = {}) {
  return new Promise((resolve, reject) => {
    if (!("geolocation" in navigator)) {
      reject(new GeoError(t("asn.geo.unsupported")));
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (position) => {
        const { latitude, longitude, accuracy } = position.coords;
        resolve({
          lat: Number(latitude.toFixed(7)),
          lon: Number(longitude.toFixed(7)),
          accuracy_m: Number.isFinite(accuracy) ? Math.min(100000, Math.max(0, Math.round(accuracy * 10) / 10)) : null,
        });
      },
      (error) => reject(new GeoError(t(REASONS[error.code] || "asn.geo.unavailable"))),
      { enableHighAccuracy: true, timeout: timeoutMs, maximumAge: maxAgeMs },
    );
  });
}
