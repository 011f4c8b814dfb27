// The forwarding loop against a fake server: batches, removal on 200/409, set-aside on 400, pause on 401.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Forwarder, MemoryQueue } from '../src/forwarder.js';
import { sign } from '../src/protocol.js';

const SECRET = 'device-secret';

function sms(n) {
  return { sender: 'M-Money', body: `Payment ${n}`, received_at: '2026-10-01T10:00:00+02:00' };
}

function server(answers) {
  const calls = [];
  const fetch = async (url, init) => {
    calls.push({ url, ...init, messages: JSON.parse(init.body).messages });
    const next = answers.length ? answers.shift() : 200;
    if (next === 'offline') throw new TypeError('fetch failed');
    return { status: next };
  };
  return { fetch, calls };
}

function forwarder(queue, fetch) {
  return new Forwarder({
    endpoint: 'https://sacco.example/ingest/sms', deviceId: 'dev_1', secret: SECRET, queue, fetch,
    now: () => 1_790_000_000_000, random: () => 1,
  });
}

test('everything queued is delivered in batches of 500, each correctly signed', async () => {
  const queue = new MemoryQueue(Array.from({ length: 1100 }, (_, i) => sms(i)));
  const { fetch, calls } = server([]);
  const result = await forwarder(queue, fetch).flush();
  assert.deepEqual(result, { state: 'idle', delivered: 1100, setAside: 0, retryInMs: 0 });
  assert.deepEqual(calls.map((c) => c.messages.length), [500, 500, 100]);
  for (const call of calls) {
    assert.equal(call.headers['X-Timestamp'], '1790000000');
    assert.equal(call.headers['X-Signature'], await sign(SECRET, '1790000000', call.body));
  }
  assert.equal(await queue.size(), 0);
});

test('a lost answer (409 replay) counts as delivered', async () => {
  const queue = new MemoryQueue([sms(1)]);
  const { fetch } = server([409]);
  assert.equal((await forwarder(queue, fetch).flush()).delivered, 1);
});

test('a 400 sets the batch aside and goes on with the rest', async () => {
  const queue = new MemoryQueue(Array.from({ length: 600 }, (_, i) => sms(i)));
  const { fetch } = server([400, 200]);
  const result = await forwarder(queue, fetch).flush();
  assert.equal(result.setAside, 500);
  assert.equal(result.delivered, 100);
  assert.equal(queue.aside.length, 500);
  assert.equal(queue.aside[0].reason, 'HTTP 400');
});

test('a 401 pauses with everything still queued', async () => {
  const queue = new MemoryQueue([sms(1), sms(2)]);
  const { fetch } = server([401]);
  const result = await forwarder(queue, fetch).flush();
  assert.equal(result.state, 'unauthorized');
  assert.equal(await queue.size(), 2);
});

test('no network or a 5xx backs off, longer each time, and keeps the queue', async () => {
  const queue = new MemoryQueue([sms(1)]);
  const { fetch } = server(['offline', 503, 500]);
  const f = forwarder(queue, fetch);
  const delays = [];
  for (let i = 0; i < 3; i += 1) {
    const r = await f.flush();
    assert.equal(r.state, 'retry');
    delays.push(r.retryInMs);
  }
  assert.deepEqual(delays, [30_000, 60_000, 120_000]);
  assert.equal(await queue.size(), 1);
  assert.equal((await f.flush()).state, 'idle');
  assert.equal(f.failures, 0);
});

test('a 413 halves the batch until it fits', async () => {
  const queue = new MemoryQueue(Array.from({ length: 8 }, (_, i) => sms(i)));
  const { fetch, calls } = server([413, 413]);
  const result = await forwarder(queue, fetch).flush();
  assert.equal(result.delivered, 8);
  assert.deepEqual(calls.map((c) => c.messages.length), [8, 4, 2, 2, 2, 2]);
});
