// The JS signature equals the server's (vectors.json is written by Python's core.payments.devices.sign).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { encodeBatch, sign, signedRequest } from '../src/protocol.js';

const { vectors } = JSON.parse(readFileSync(new URL('./vectors.json', import.meta.url), 'utf8'));

test('there are vectors to check', () => {
  assert.ok(vectors.length >= 5);
});

for (const v of vectors) {
  test(`WebCrypto signature matches the server: ${v.name}`, async () => {
    assert.equal(await sign(v.secret, v.timestamp, v.body), v.signature);
  });

  test(`the same over raw bytes: ${v.name}`, async () => {
    assert.equal(await sign(v.secret, v.timestamp, new TextEncoder().encode(v.body)), v.signature);
  });

  test(`node:crypto agrees (a second implementation): ${v.name}`, () => {
    const mac = createHmac('sha256', v.secret).update(`${v.timestamp}.`).update(Buffer.from(v.body, 'utf8')).digest('hex');
    assert.equal(`sha256=${mac}`, v.signature);
  });

  if (v.messages) {
    test(`the encoder produces the signed bytes: ${v.name}`, () => {
      assert.equal(encodeBatch(v.messages), v.body);
    });
  }
}

test('a changed byte, timestamp or secret changes the signature', async () => {
  const v = vectors[0];
  assert.notEqual(await sign(v.secret, v.timestamp, `${v.body} `), v.signature);
  assert.notEqual(await sign(v.secret, String(Number(v.timestamp) + 1), v.body), v.signature);
  assert.notEqual(await sign(`${v.secret}x`, v.timestamp, v.body), v.signature);
});

test('signedRequest signs exactly the body it sends, with Unix-seconds timestamps', async () => {
  const v = vectors.find((x) => x.messages);
  const request = await signedRequest({
    endpoint: 'https://sacco.example/ingest/sms', deviceId: 'dev_x', secret: v.secret, messages: v.messages,
    now: Number(v.timestamp) * 1000 + 999,
  });
  assert.equal(request.headers['X-Timestamp'], v.timestamp);
  assert.equal(request.body, v.body);
  assert.equal(request.headers['X-Signature'], v.signature);
  assert.equal(request.headers['X-Device-Id'], 'dev_x');
  assert.equal(request.headers['Content-Type'], 'application/json');
});
