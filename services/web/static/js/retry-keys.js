// Idempotency keys per user action: one key for an action, reused when the same action is
// retried after a network failure or a 5xx, dropped once the server gave a final answer.
import { ApiError, newIdempotencyKey } from "./api.js";

const held = new Map();

/** The key for `scope` (e.g. "approve:req-1") and this exact body; a new one if it changed. */
export function keyFor(scope, body) {
  const fingerprint = JSON.stringify(body ?? null);
  const current = held.get(scope);
  if (current && current.fingerprint === fingerprint) return current.key;
  const key = newIdempotencyKey();
  held.set(scope, { key, fingerprint });
  return key;
}

/** Forget the key of `scope` (the action is done; the next one is a new action). */
export function settle(scope) {
  held.delete(scope);
}

/** Whether an error is final for the action (a 4xx other than 401/408/425/429): a retry
 * would not change the answer. */
export function isFinal(error) {
  return error instanceof ApiError && error.status >= 400 && error.status < 500 && ![401, 408, 425, 429].includes(error.status);
}

/** Run `call(key)` for the action `scope` with `body`; keep the key only for a retry. */
export async function runOnce(scope, body, call) {
  const key = keyFor(scope, body);
  try {
    const answer = await call(key);
    settle(scope);
    return answer;
  } catch (error) {
    if (isFinal(error)) settle(scope);
    throw error;
  }
}
