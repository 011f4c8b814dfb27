// The forwarding loop over a queue: batch, sign, post, and act on each answer (the Java worker mirrors it).
import {
  MAX_BATCH, UNAUTHORIZED_RETRY_MS, backoffDelay, batches, classify, signedRequest,
} from './protocol.js';

/**
 * A queue holds messages with ids: `peek(limit)` returns the oldest [{id, sender, body, received_at}],
 * `remove(ids)` forgets delivered ones, `setAside(ids, reason)` keeps refused ones out of the way for a person.
 */
export class MemoryQueue {
  constructor(items = []) {
    this.items = items.map((m, i) => ({ id: m.id ?? i + 1, ...m }));
    this.aside = [];
    this.next = this.items.length + 1;
  }

  add(message) {
    this.items.push({ id: this.next++, ...message });
  }

  async peek(limit) {
    return this.items.slice(0, limit);
  }

  async remove(ids) {
    const gone = new Set(ids);
    this.items = this.items.filter((m) => !gone.has(m.id));
  }

  async setAside(ids, reason) {
    const moved = new Set(ids);
    this.aside.push(...this.items.filter((m) => moved.has(m.id)).map((m) => ({ ...m, reason })));
    await this.remove(ids);
  }

  async size() {
    return this.items.length;
  }
}

export class Forwarder {
  constructor({ endpoint, deviceId, secret, queue, fetch = globalThis.fetch, now = Date.now, random = Math.random }) {
    Object.assign(this, { endpoint, deviceId, secret, queue, fetch, now, random });
    this.failures = 0; // consecutive retryable failures: the backoff's exponent
  }

  /**
   * Post everything queued, oldest first. Resolves with {state, delivered, setAside, retryInMs}:
   * state 'idle' (queue empty), 'retry' (try again after retryInMs) or 'unauthorized' (fix the device).
   */
  async flush() {
    let delivered = 0;
    let setAside = 0;
    let maxCount = MAX_BATCH;
    for (;;) {
      const pending = await this.queue.peek(maxCount);
      if (pending.length === 0) return { state: 'idle', delivered, setAside, retryInMs: 0 };
      const [batch] = batches(pending, { maxCount });
      const request = await signedRequest({
        endpoint: this.endpoint, deviceId: this.deviceId, secret: this.secret, messages: batch, now: this.now(),
      });
      let status;
      try {
        status = (await this.fetch(request.url, { method: 'POST', headers: request.headers, body: request.body })).status;
      } catch {
        status = 0; // no network
      }
      const ids = batch.map((m) => m.id);
      const outcome = classify(status);
      if (outcome === 'delivered') {
        await this.queue.remove(ids);
        delivered += ids.length;
        this.failures = 0; // a size that needed splitting stays split for the rest of this flush
      } else if (outcome === 'rejected') {
        await this.queue.setAside(ids, `HTTP ${status}`);
        setAside += ids.length;
      } else if (outcome === 'split' && batch.length > 1) {
        maxCount = Math.ceil(batch.length / 2);
      } else if (outcome === 'split') {
        await this.queue.setAside(ids, 'HTTP 413');
        setAside += 1;
      } else if (outcome === 'unauthorized') {
        return { state: 'unauthorized', delivered, setAside, retryInMs: UNAUTHORIZED_RETRY_MS, status };
      } else {
        const retryInMs = backoffDelay(this.failures, { random: this.random });
        this.failures += 1;
        return { state: 'retry', delivered, setAside, retryInMs, status };
      }
    }
  }
}
