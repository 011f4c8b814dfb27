// The forwarder's wire contract with POST /ingest/sms, in plain JS (WebCrypto: browsers, the Capacitor
// WebView and Node >= 20 alike). The Android side (Protocol.java) mirrors it; both are tested against
// test/vectors.json, which Python's core.payments.devices.sign recomputes in the pytest suite.

export const MAX_BATCH = 500; // the server refuses more messages per request (400)
export const MAX_BATCH_BYTES = 1_000_000; // the server's request limit is 2 MiB; stay well under it
export const DEFAULT_SENDERS = Object.freeze(['M-Money', 'AirtelMoney']);
export const BACKOFF_BASE_MS = 30_000;
export const BACKOFF_CAP_MS = 3_600_000;
export const UNAUTHORIZED_RETRY_MS = 3_600_000; // a 401 waits an hour (or a new configuration)

const encoder = new TextEncoder();

/** "M-Money", "m money", "MMONEY" all compare equal: letters and digits only, lower case. */
export function normaliseSender(sender) {
  return String(sender || '').toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Whether an SMS from `sender` is a mobile-money confirmation we forward (everything else stays private). */
export function isMoneySender(sender, allowed = DEFAULT_SENDERS) {
  const wanted = new Set(allowed.map(normaliseSender));
  return wanted.has(normaliseSender(sender));
}

function bytesOf(body) {
  return typeof body === 'string' ? encoder.encode(body) : body;
}

function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** X-Signature: "sha256=" + hex HMAC-SHA256(secret, timestamp + "." + raw body bytes). */
export async function sign(secret, timestamp, body) {
  const key = await globalThis.crypto.subtle.importKey(
    'raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'],
  );
  const raw = bytesOf(body);
  const message = new Uint8Array(encoder.encode(`${timestamp}.`).length + raw.length);
  message.set(encoder.encode(`${timestamp}.`), 0);
  message.set(raw, encoder.encode(`${timestamp}.`).length);
  return `sha256=${hex(await globalThis.crypto.subtle.sign('HMAC', key, message))}`;
}

/** The phone's local time with its UTC offset, e.g. 2026-10-01T10:00:05+02:00 (what the server expects). */
export function isoWithOffset(date, offsetMinutes = -date.getTimezoneOffset()) {
  const local = new Date(date.getTime() + offsetMinutes * 60_000);
  const sign = offsetMinutes >= 0 ? '+' : '-';
  const abs = Math.abs(offsetMinutes);
  const pad = (n) => String(n).padStart(2, '0');
  return `${local.toISOString().slice(0, 19)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** The request body for some messages: {"messages": [{sender, body, received_at}, ...]}. */
export function encodeBatch(messages) {
  return JSON.stringify({
    messages: messages.map((m) => ({ sender: m.sender, body: m.body, received_at: m.received_at })),
  });
}

/** Split queued messages into request-sized batches: at most MAX_BATCH messages and MAX_BATCH_BYTES bytes. */
export function batches(messages, { maxCount = MAX_BATCH, maxBytes = MAX_BATCH_BYTES } = {}) {
  const out = [];
  let current = [];
  let size = encoder.encode('{"messages":[]}').length;
  for (const message of messages) {
    const itemSize = encoder.encode(encodeBatch([message])).length - encoder.encode('{"messages":[]}').length + 1;
    if (current.length && (current.length >= maxCount || size + itemSize > maxBytes)) {
      out.push(current);
      current = [];
      size = encoder.encode('{"messages":[]}').length;
    }
    current.push(message);
    size += itemSize;
  }
  if (current.length) out.push(current);
  return out;
}

/** A ready-to-send request: the exact body bytes (as a string) and the three headers signed over them. */
export async function signedRequest({ endpoint, deviceId, secret, messages, now = Date.now() }) {
  const body = encodeBatch(messages);
  const timestamp = String(Math.floor(now / 1000));
  return {
    url: endpoint,
    method: 'POST',
    body,
    headers: {
      'Content-Type': 'application/json',
      'X-Device-Id': deviceId,
      'X-Timestamp': timestamp,
      'X-Signature': await sign(secret, timestamp, body),
    },
  };
}

/**
 * What an answer means for the batch:
 *  delivered    200 (stored; duplicates are counted, not refused) or 409 (this exact signed request was
 *               already received: the first answer was lost) -> remove from the queue;
 *  rejected     400 (the body is malformed: retrying cannot help) -> set aside, report;
 *  unauthorized 401/403 (unknown or revoked device, wrong secret, clock more than 5 minutes off) -> pause;
 *  split        413 (too large for a proxy in between) -> send the batch in halves;
 *  retry        anything else (no network, 408, 429, 5xx) -> back off and try again.
 */
export function classify(status) {
  if (status === 200 || status === 201 || status === 202 || status === 409) return 'delivered';
  if (status === 400 || status === 422) return 'rejected';
  if (status === 401 || status === 403) return 'unauthorized';
  if (status === 413) return 'split';
  return 'retry';
}

/** Exponential backoff with jitter: attempt 0 waits 15-30 s, doubling up to an hour. */
export function backoffDelay(attempt, { base = BACKOFF_BASE_MS, cap = BACKOFF_CAP_MS, random = Math.random } = {}) {
  const ceiling = Math.min(cap, base * 2 ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
