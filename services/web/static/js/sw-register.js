// Register the app's service worker (scope /app/), which keeps the app shell for offline use.
export function registerServiceWorker() {
  if (!("serviceWorker" in navigator) || !window.isSecureContext) return;
  navigator.serviceWorker.register("/app/sw.js", { scope: "/app/" }).catch(() => {
    // the app works without it (only not offline); nothing to tell the user
  });
}
