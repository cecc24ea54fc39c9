// Service worker of the WFA ASN app (scope /app/): keeps the app shell (pages, scripts, styles,
// icon) so the app opens without a connection. Files under /app/ are fetched from the network
// first, so a new deploy is seen at once; the cached copy is used only when the network fails.
// Nothing else is ever cached: API answers carry personal data and go straight to the network.
const CACHE = "wfa-app-shell-v2";
const SHELL = [
  "/app/asn.html",
  "/app/atasan.html",
  "/app/manifest.webmanifest",
  "/app/icons/icon.svg",
  "/app/css/app.css",
  "/app/css/asn.css",
  "/app/js/api.js",
  "/app/js/i18n.js",
  "/app/js/i18n-messages.js",
  "/app/js/shell.js",
  "/app/js/asn.js",
  "/app/js/asn-request.js",
  "/app/js/asn-presence.js",
  "/app/js/asn-report.js",
  "/app/js/asn-history.js",
  "/app/js/asn-access-log.js",
  "/app/js/asn-device.js",
  "/app/js/asn-store.js",
  "/app/js/asn-ui.js",
  "/app/js/offline-queue.js",
  "/app/js/geolocation.js",
  "/app/js/retry-keys.js",
  "/app/js/sw-register.js",
  "/app/js/messages/asn.js",
  "/app/js/atasan.js",
  "/app/js/atasan-requests.js",
  "/app/js/atasan-reviews.js",
  "/app/js/messages/atasan.js",
];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) =>
      // one missing file must not keep the others out of the cache
      Promise.all(SHELL.map((path) => cache.add(new Request(path, { cache: "reload" })).catch(() => undefined))),
    ).then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((name) => name.startsWith("wfa-app-shell-") && name !== CACHE).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

/** Only the app's own static files: GET, same origin, under /app/ (never the worker itself). */
function isShellFile(request) {
  if (request.method !== "GET") return false;
  const url = new URL(request.url);
  return url.origin === self.location.origin && url.pathname.startsWith("/app/") && url.pathname !== "/app/sw.js";
}

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok && response.type === "basic") await cache.put(request, response.clone());
    return response;
  } catch (error) {
    const cached = await cache.match(request, { ignoreSearch: true });
    if (cached) return cached;
    if (request.mode === "navigate") {
      const page = await cache.match("/app/asn.html");
      if (page) return page;
    }
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  if (isShellFile(event.request)) event.respondWith(networkFirst(event.request));
});
