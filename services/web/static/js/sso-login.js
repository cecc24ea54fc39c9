// /auth/callback: the gateway checked the provider's answer and put the session in this page
// (a JSON data block); keep it as the demo login does and go on to the start page.
import { setSession } from "./api.js";

function main() {
  const status = document.querySelector('[data-testid="sso-login-status"]');
  try {
    const login = JSON.parse(document.getElementById("wfa-sso-session").textContent);
    const { home, ...session } = login;
    setSession(session);
    // replace: the callback's URL (its one-time code) leaves the history
    window.location.replace(home || "/app/");
  } catch (error) {
    status.textContent = `Gagal masuk / Sign-in failed: ${error.message}`;
    status.classList.add("error");
  }
}

main();
