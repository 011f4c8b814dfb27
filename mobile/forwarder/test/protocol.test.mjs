// Sender filter, batching limits, timestamps, answer meanings and backoff of the forwarder contract.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BACKOFF_CAP_MS, MAX_BATCH, backoffDelay, batches, classify, encodeBatch, isMoneySender, isoWithOffset,
} from '../src/protocol.js';

test('only mobile-money senders are forwarded', () => {
  for (const s of ['M-Money', 'm-money', 'M Money', 'AirtelMoney', 'Airtel Money', 'AIRTELMONEY']) assert.ok(isMoneySender(s), s);
  for (const s of ['MTN', '+250788123456', 'Bank', '', null, 'M-Money2']) assert.ok(!isMoneySender(s), String(s));
  assert.ok(isMoneySender('MoMoPay', ['MoMoPay']));
});

test('batches hold at most 500 messages', () => {
  const many = Array.from({ length: 1201 }, (_, i) => ({ id: i, sender: 'M-Money', body: `sms ${i}`, received_at: '2026-10-01T10:00:00+02:00' }));
  const out = batches(many);
  assert.deepEqual(out.map((b) => b.length), [500, 500, 201]);
  assert.equal(MAX_BATCH, 500);
  assert.deepEqual(out.flat().map((m) => m.id), many.map((m) => m.id));
});

test('batches also stay under the byte limit', () => {
  const big = Array.from({ length: 10 }, (_, i) => ({ id: i, sender: 'M-Money', body: 'x'.repeat(300), received_at: '2026-10-01T10:00:00+02:00' }));
  const out = batches(big, { maxBytes: 1000 });
  assert.ok(out.length > 1);
  for (const b of out) assert.ok(new TextEncoder().encode(encodeBatch(b)).length <= 1000, `${b.length} messages`);
  assert.equal(out.flat().length, 10);
});

test('a single oversize message still goes alone (the server decides)', () => {
  const out = batches([{ id: 1, sender: 'M-Money', body: 'y'.repeat(5000), received_at: 'x' }], { maxBytes: 100 });
  assert.equal(out.length, 1);
});

test('received_at is local time with its offset', () => {
  const at = new Date(Date.UTC(2026, 9, 1, 8, 0, 5));
  assert.equal(isoWithOffset(at, 120), '2026-10-01T10:00:05+02:00');
  assert.equal(isoWithOffset(at, 0), '2026-10-01T08:00:05+00:00');
  assert.equal(isoWithOffset(at, -330), '2026-10-01T02:30:05-05:30');
});

test('answers mean what the contract says', () => {
  assert.equal(classify(200), 'delivered');
  assert.equal(classify(409), 'delivered'); // that exact signed request was already stored
  assert.equal(classify(400), 'rejected');
  assert.equal(classify(401), 'unauthorized');
  assert.equal(classify(403), 'unauthorized');
  assert.equal(classify(413), 'split');
  for (const s of [0, 408, 429, 500, 502, 503]) assert.equal(classify(s), 'retry', String(s));
});

test('backoff doubles from 30 s with jitter, capped at an hour', () => {
  assert.equal(backoffDelay(0, { random: () => 0 }), 15_000);
  assert.equal(backoffDelay(0, { random: () => 1 }), 30_000);
  assert.equal(backoffDelay(3, { random: () => 1 }), 240_000);
  assert.equal(backoffDelay(30, { random: () => 1 }), BACKOFF_CAP_MS);
  for (let a = 0; a < 12; a += 1) {
    const d = backoffDelay(a);
    assert.ok(d >= Math.min(BACKOFF_CAP_MS, 30_000 * 2 ** a) / 2 && d <= BACKOFF_CAP_MS);
  }
});
