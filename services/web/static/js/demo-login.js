// /auth/demo/<key>: sign in as that demo persona in one click (development and test only).
import { api, setSession } from "./api.js";
import { homeOf } from "./shell.js";

async function main() {
  const key = decodeURIComponent(window.location.pathname.split("/").filter(Boolean).pop() || "");
  const status = document.querySelector('[data-testid="demo-login-status"]');
  try {
    const login = await api("/auth/demo-login", { method: "POST", body: { key }, auth: false });
    setSession(login);
    window.location.replace(homeOf(login.role));
  } catch (error) {
    status.textContent = error.message;
    status.classList.add("error");
  }
}

main();
