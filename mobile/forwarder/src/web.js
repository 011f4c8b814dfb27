// The web side of the plugin: no SMS access in a browser, so only configure / forward / flush by hand.
import { WebPlugin } from '@capacitor/core';
import { Forwarder, MemoryQueue } from './forwarder.js';
import { DEFAULT_SENDERS, isMoneySender } from './protocol.js';

const KEY = 'ibimina.forwarder';

export class SmsForwarderWeb extends WebPlugin {
  constructor() {
    super();
    const saved = JSON.parse(localStorage.getItem(KEY) || '{}');
    this.config = saved.config || null;
    this.queue = new MemoryQueue(saved.queue || []);
    this.lastError = undefined;
    this.lastDeliveredAt = undefined;
  }

  save() {
    // The secret stays in memory only on the web: a browser profile is not a safe place for it.
    const config = this.config ? { ...this.config, secret: undefined } : null;
    localStorage.setItem(KEY, JSON.stringify({ config, queue: this.queue.items }));
  }

  async configure(options) {
    if (!/^https:\/\//.test(options.endpoint) && !/^http:\/\/(localhost|127\.0\.0\.1)/.test(options.endpoint)) {
      throw new Error('endpoint must be https');
    }
    this.config = { ...options, senders: options.senders || [...DEFAULT_SENDERS] };
    this.save();
    return this.flush();
  }

  async forward({ messages }) {
    const senders = this.config ? this.config.senders : DEFAULT_SENDERS;
    for (const m of messages) if (isMoneySender(m.sender, senders)) this.queue.add(m);
    this.save();
    return this.flush();
  }

  async flush() {
    if (this.config && this.config.secret && this.queue.items.length) {
      const result = await new Forwarder({ ...this.config, queue: this.queue }).flush();
      if (result.delivered) this.lastDeliveredAt = new Date().toISOString();
      this.lastError = result.state === 'idle' ? undefined : `HTTP ${result.status}`;
      this.save();
    }
    return this.getStatus();
  }

  async getStatus() {
    const configured = Boolean(this.config && this.config.secret);
    let state = 'idle';
    if (!configured) state = 'unconfigured';
    else if (this.lastError === 'HTTP 401' || this.lastError === 'HTTP 403') state = 'unauthorized';
    else if (this.queue.items.length) state = this.lastError ? 'retrying' : 'queued';
    return {
      state, configured, deviceId: this.config?.deviceId, endpoint: this.config?.endpoint,
      senders: this.config?.senders || [...DEFAULT_SENDERS], queued: this.queue.items.length,
      setAside: this.queue.aside.length, lastDeliveredAt: this.lastDeliveredAt, lastError: this.lastError,
    };
  }

  async reset() {
    this.config = null;
    this.queue = new MemoryQueue();
    localStorage.removeItem(KEY);
    return this.getStatus();
  }

  async checkPermissions() {
    return { sms: 'denied' };
  }

  async requestPermissions() {
    return { sms: 'denied' };
  }
}
