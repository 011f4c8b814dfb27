// The SmsForwarder Capacitor plugin: native on Android, a manual-forwarding fallback on the web.
import { registerPlugin } from '@capacitor/core';

export const SmsForwarder = registerPlugin('SmsForwarder', {
  web: () => import('./web.js').then((m) => new m.SmsForwarderWeb()),
});

export * from './protocol.js';
export { Forwarder, MemoryQueue } from './forwarder.js';
