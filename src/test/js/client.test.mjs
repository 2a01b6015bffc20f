import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ParleyClient } from '../../main/resources/static/sdk/parley.js';
import { FakeClock } from './fake-clock.mjs';

// A scripted WebSocket: the test decides when it opens, what the server says and when it drops.
class FakeSocket {
  static all = [];
  constructor(url) {
    this.url = new URL(url);
    this.sent = [];
    this.readyState = 0;
    FakeSocket.all.push(this);
  }
  send(text) { this.sent.push(JSON.parse(text)); }
  close(code) { this.readyState = 3; this.closedWith = code; }
  // server side
  accept(sessionId = 's1') { this.readyState = 1; this.onopen?.(); this.say({ type: 'welcome', sessionId }); }
  say(frame) { this.onmessage?.({ data: JSON.stringify(frame) }); }
  drop(code = 1006) { this.readyState = 3; this.onclose?.({ code }); }
  static last() { return FakeSocket.all.at(-1); }
}

const flush = () => new Promise((r) => setImmediate(r));

async function client(options = {}) {
  FakeSocket.all = [];
  const clock = new FakeClock();
  const c = new ParleyClient({
    baseUrl: 'http://parley.test', token: 'T', clock: clock.api, WebSocketImpl: FakeSocket, transports: ['websocket'],
    backoff: { baseMs: 1000, capMs: 8000 }, ...options,
  });
  const entries = [];
  c.on('entry', (e) => entries.push(`${e.conversationId}:${e.seq}`));
  c.connect();
  await flush();
  return { c, clock, entries };
}

const msg = (conversationId, seq) => ({ type: 'message', conversationId, seq, messageId: `m${conversationId}${seq}`, kind: 'message', body: 'x' });

test('entries reach the app once and in order, and a jump is fetched', async () => {
  const { entries } = await client();
  const ws = FakeSocket.last();
  ws.accept();
  ws.say(msg('a', 1));
  ws.say(msg('a', 1));
  ws.say(msg('a', 4));
  assert.deepEqual(entries, ['a:1']);
  assert.deepEqual(ws.sent.at(-1), { type: 'fetch', conversationId: 'a', afterSeq: 1, limit: 200, ref: 'fill:a' });
  ws.say({ type: 'range', conversationId: 'a', afterSeq: 1, messages: [msg('a', 2), msg('a', 3)], hasMore: false });
  assert.deepEqual(entries, ['a:1', 'a:2', 'a:3', 'a:4']);
});

test('after a drop the client reconnects with backoff, resumes from its cursor and resends what was not acked', async () => {
  const { c, clock, entries } = await client();
  const first = FakeSocket.last();
  first.accept();
  first.say(msg('a', 1));
  first.say(msg('b', 7));
  const sending = c.send('a', 'hello', 'cm-1');
  assert.equal(first.sent.at(-1).clientMessageId, 'cm-1');
  first.drop();
  assert.equal(c.state, 'reconnecting');
  clock.randoms = [];
  clock.advance(499);                  // full jitter with base 1000: random 0.5 → 500 ms
  assert.equal(FakeSocket.all.length, 1);
  clock.advance(1);
  await flush();
  const second = FakeSocket.last();
  assert.equal(second.url.searchParams.get('resume'), 'a:1,b:7');
  assert.equal(second.url.searchParams.get('access_token'), 'T');
  second.accept('s2');
  assert.deepEqual(second.sent.find((f) => f.type === 'send'), { type: 'send', conversationId: 'a', clientMessageId: 'cm-1', body: 'hello' });
  second.say({ type: 'ack', clientMessageId: 'cm-1', conversationId: 'a', seq: 2 });
  assert.equal((await sending).seq, 2);
  second.say(msg('a', 1));             // resumed overlap: dropped
  second.say(msg('a', 2));
  assert.deepEqual(entries, ['a:1', 'b:7', 'a:2']);
});

test('a refused send rejects with its code; a rate limit keeps it pending for the retry', async () => {
  const { c } = await client();
  const ws = FakeSocket.last();
  ws.accept();
  const refused = c.send('a', 'x', 'cm-2');
  ws.say({ type: 'error', code: 'not_a_member', message: 'no', ref: 'cm-2' });
  await assert.rejects(refused, { code: 'not_a_member' });
  c.send('a', 'y', 'cm-3');
  ws.say({ type: 'error', code: 'rate_limited', message: 'slow down', ref: 'cm-3' });
  assert.ok(c.pending.has('cm-3'));
});

test('a rate-limited send is resent, unchanged, after the retry hint', async () => {
  const { c, clock } = await client();
  const ws = FakeSocket.last();
  ws.accept();
  c.send('a', 'z', 'cm-4');
  const sent = ws.sent.filter((f) => f.clientMessageId === 'cm-4').length;
  ws.say({ type: 'error', code: 'rate_limited', message: 'slow down', ref: 'cm-4', retryAfterMs: 1500 });
  clock.advance(1499);
  assert.equal(ws.sent.filter((f) => f.clientMessageId === 'cm-4').length, sent);
  clock.advance(1);
  const resent = ws.sent.filter((f) => f.clientMessageId === 'cm-4');
  assert.equal(resent.length, sent + 1);
  assert.deepEqual(resent.at(-1), resent[0]);
});

test('a reauthenticate frame is answered with a fresh token on the live connection', async () => {
  let calls = 0;
  const { c } = await client({ token: (fresh) => (fresh ? `fresh-${++calls}` : 'T') });
  const ws = FakeSocket.last();
  ws.accept();
  ws.say({ type: 'reauthenticate', expiresAt: '2026-12-03T10:00:00Z' });
  await flush();
  assert.deepEqual(ws.sent.at(-1), { type: 'auth', token: 'fresh-1' });
  assert.equal(c.transport.name, 'websocket');
});

test('an unanswered ping means a dead connection: the heartbeat shortens and the client reconnects', async () => {
  const { c, clock } = await client({ heartbeat: { initialMs: 20_000, minMs: 5000, maxMs: 60_000 }, pongTimeoutMs: 5000 });
  const ws = FakeSocket.last();
  ws.accept();
  clock.advance(20_000);
  assert.deepEqual(ws.sent.at(-1), { type: 'ping', ref: 'hb' });
  clock.advance(5000);
  assert.equal(c.heartbeat.intervalMs, 10_000);
  assert.equal(c.state, 'reconnecting');
  assert.equal(ws.readyState, 3);
});

test("a draining node's reconnect hint is honoured", async () => {
  const { c, clock } = await client();
  const ws = FakeSocket.last();
  ws.accept();
  ws.say({ type: 'reconnect', afterMs: 7000 });
  ws.drop(1012);
  clock.advance(6999);
  await flush();
  assert.equal(FakeSocket.all.length, 1);
  clock.advance(1);
  await flush();
  assert.equal(FakeSocket.all.length, 2);
  assert.equal(c.state, 'connecting');
});

test('a WebSocket that never opens makes the client fall back to SSE', async () => {
  const sources = [];
  class FakeEventSource {
    constructor(url) { this.url = new URL(url); this.listeners = {}; sources.push(this); }
    addEventListener(type, fn) { this.listeners[type] = fn; }
    close() { this.closed = true; }
  }
  const { c, clock } = await client({ transports: ['websocket', 'sse', 'longpoll'], EventSourceImpl: FakeEventSource, ladder: { failuresToDowngrade: 2 } });
  FakeSocket.last().drop();
  clock.advance(8000);
  await flush();
  FakeSocket.last().drop();
  clock.advance(8000);
  await flush();
  assert.equal(sources.length, 1);
  assert.equal(sources[0].url.pathname, '/sse');
  sources[0].onopen();
  sources[0].listeners.welcome({ data: JSON.stringify({ type: 'welcome', sessionId: 'sse-1' }) });
  assert.equal(c.state, 'open');
  assert.equal(c.transport.name, 'sse');
});
