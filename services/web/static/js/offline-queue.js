// Presence records made while offline, kept in localStorage per employee and sent in order
// when the connection is back. Each record keeps the body and Idempotency-Key it was made with
// (its original time and device sequence), so a record that reached the server before the
// connection dropped is answered again rather than recorded twice.
import { isFinal } from "./retry-keys.js";

const PREFIX = "wfa.queue.";

export class OfflineQueue {
  constructor(owner) {
    this.storageKey = `${PREFIX}${owner}`;
    this.listeners = new Set();
    this.flushing = null;
    window.addEventListener("storage", (event) => {
      if (event.key === this.storageKey) this.changed();
    });
  }

  /** The queued records, oldest first: [{key, kind, path, body, queued_at}]. */
  items() {
    try {
      const items = JSON.parse(localStorage.getItem(this.storageKey) || "[]");
      return Array.isArray(items) ? items : [];
    } catch {
      return [];
    }
  }

  count() {
    return this.items().length;
  }

  /** Call `listener(count)` whenever the queue changes. */
  onChange(listener) {
    this.listeners.add(listener);
  }

  changed() {
    const count = this.count();
    for (const listener of this.listeners) listener(count);
  }

  save(items) {
    if (items.length) localStorage.setItem(this.storageKey, JSON.stringify(items));
    else localStorage.removeItem(this.storageKey);
    this.changed();
  }

  add(record) {
    this.save([...this.items().filter((item) => item.key !== record.key), { ...record, queued_at: new Date().toISOString() }]);
  }

  remove(key) {
    this.save(this.items().filter((item) => item.key !== key));
  }

  /**
   * Send the queue in order with `send(record)`. A record the server answers is removed
   * (`report({record, answer})`); one it refuses with a 4xx is removed too
   * (`report({record, error})`: it would never be accepted); a network error or a 5xx keeps it
   * and every record after it (`report({record, error, kept: true})`) and stops.
   */
  flush(send, report) {
    if (this.flushing) return this.flushing;
    this.flushing = (async () => {
      try {
        for (;;) {
          const [record] = this.items();
          if (!record) return;
          try {
            const answer = await send(record);
            this.remove(record.key);
            report({ record, answer });
          } catch (error) {
            if (!isFinal(error)) {
              report({ record, error, kept: true });
              return;
            }
            this.remove(record.key);
            report({ record, error });
          }
        }
      } finally {
        this.flushing = null;
      }
    })();
    return this.flushing;
  }
}
