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
  const errors = [];
  c.on('error', (e) => errors.push(`${e.code}:${e.handled}`));
  const refused = c.send('a', 'x', 'cm-2');
  ws.say({ type: 'error', code: 'not_a_member', message: 'no', ref: 'cm-2' });
  await assert.rejects(refused, { code: 'not_a_member' });
  ws.say({ type: 'error', code: 'not_a_member', message: 'typing in a conversation we left' });
  assert.deepEqual(errors, ['not_a_member:true', 'not_a_member:false'], 'the app shows only errors no promise answered');
  c.send('a', 'y', 'cm-3');
  ws.say({ type: 'error', code: 'rate_limited', message: 'slow down', ref: 'cm-3' });
  assert.ok(c.pending.has('cm-3'));
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

test('presence subscriptions and idleness are sent again on every new connection', async () => {
  const { c, clock } = await client();
  c.watchPresence(['u1', 'u2']);         // before the first welcome: remembered, not lost
  c.setAway(true);
  const first = FakeSocket.last();
  first.accept();
  assert.deepEqual(first.sent.filter((f) => f.type.startsWith('presence')),
    [{ type: 'presence.subscribe', userIds: ['u1', 'u2'] }, { type: 'presence.set', status: 'away' }]);
  c.watchPresence(['u3']);
  first.drop();
  clock.advance(8000);
  await flush();
  const second = FakeSocket.last();
  assert.notEqual(second, first);
  second.accept('s2');
  assert.deepEqual(second.sent.filter((f) => f.type.startsWith('presence')),
    [{ type: 'presence.subscribe', userIds: ['u3'] }, { type: 'presence.set', status: 'away' }]);
});

test('a send the server could not take now is sent again after a backoff, on the same connection', async () => {
  const { c, clock } = await client();
  const ws = FakeSocket.last();
  ws.accept();
  const sending = c.send('a', 'hi', 'cm-9');
  ws.say({ type: 'error', code: 'unavailable', message: 'try again', ref: 'cm-9' });
  assert.equal(ws.sent.filter((f) => f.clientMessageId === 'cm-9').length, 1);
  clock.advance(499);                  // jitter 0.5 of base 1000
  assert.equal(ws.sent.filter((f) => f.clientMessageId === 'cm-9').length, 1);
  clock.advance(1);
  assert.equal(ws.sent.filter((f) => f.clientMessageId === 'cm-9').length, 2);
  ws.say({ type: 'ack', clientMessageId: 'cm-9', conversationId: 'a', seq: 1 });
  assert.equal((await sending).seq, 1);
  assert.equal(c.state, 'open');
});

test('history the app loaded itself moves the position: a later jump is fetched and a reconnect resumes from there', async () => {
  const { c, clock, entries } = await client();
  const first = FakeSocket.last();
  first.accept();
  c.caughtUp('a', 50);                 // the page showed the latest REST page, up to seq 50
  first.say(msg('a', 50));             // already shown: dropped
  first.say(msg('a', 51));
  first.say(msg('a', 54));
  assert.deepEqual(entries, ['a:51']);
  assert.deepEqual(first.sent.at(-1), { type: 'fetch', conversationId: 'a', afterSeq: 51, limit: 200, ref: 'fill:a' });
  first.drop();                        // the range never comes
  clock.advance(8000);
  await flush();
  const second = FakeSocket.last();
  assert.equal(second.url.searchParams.get('resume'), 'a:51');
  second.accept('s2');
  second.say(msg('a', 56));            // a new gap on the new connection is fetched again
  assert.deepEqual(second.sent.at(-1), { type: 'fetch', conversationId: 'a', afterSeq: 51, limit: 200, ref: 'fill:a' });
  second.say({ type: 'range', conversationId: 'a', afterSeq: 51, messages: [msg('a', 52), msg('a', 53), msg('a', 55)], hasMore: false });
  assert.deepEqual(entries, ['a:51', 'a:52', 'a:53', 'a:54', 'a:55', 'a:56']);
});

test('a hole the server has nothing for is skipped rather than fetched for ever', async () => {
  const { c, entries } = await client();
  const ws = FakeSocket.last();
  ws.accept();
  c.caughtUp('a', 3);
  ws.say(msg('a', 6));
  ws.say({ type: 'range', conversationId: 'a', afterSeq: 3, messages: [], hasMore: false });
  assert.deepEqual(entries, ['a:6']);
  assert.equal(ws.sent.filter((f) => f.type === 'fetch').length, 1);
  assert.equal(c.cursor.toString(), 'a:6');
});

test('a refused gap fetch does not block later ones', async () => {
  const { c } = await client();
  const ws = FakeSocket.last();
  ws.accept();
  c.caughtUp('a', 1);
  ws.say(msg('a', 3));
  ws.say({ type: 'error', code: 'unavailable', message: 'later', ref: 'fill:a' });
  ws.say(msg('a', 4));
  assert.equal(ws.sent.filter((f) => f.type === 'fetch').length, 2);
});

test('on a lower transport the client tries the best one again after upgradeAfterMs, and comes back if it fails', async () => {
  const sources = [];
  class FakeEventSource {
    constructor(url) { this.url = new URL(url); this.listeners = {}; sources.push(this); }
    addEventListener(type, fn) { this.listeners[type] = fn; }
    close() { this.closed = true; }
    open(sessionId) { this.onopen(); this.listeners.welcome({ data: JSON.stringify({ type: 'welcome', sessionId }) }); }
  }
  const states = [];
  const { c, clock } = await client({
    transports: ['websocket', 'sse'], EventSourceImpl: FakeEventSource, ladder: { failuresToDowngrade: 1, upgradeAfterMs: 60_000 },
    heartbeat: { initialMs: 600_000, maxMs: 600_000 },
  });
  c.on('state', (s) => states.push(`${s.state}:${s.transport}`));
  FakeSocket.last().drop();
  clock.advance(8000);
  await flush();
  sources[0].open('sse-1');
  assert.equal(c.transport.name, 'sse');
  clock.advance(59_999);
  assert.equal(FakeSocket.all.length, 1);
  clock.advance(1);
  await flush();
  assert.equal(FakeSocket.all.length, 2, 'an upgrade attempt over WebSocket');
  assert.ok(sources[0].closed, 'the SSE stream was left for it');
  FakeSocket.last().drop();            // still blocked
  clock.advance(8000);
  await flush();
  assert.equal(sources.length, 2, 'straight back to SSE');
  sources[1].open('sse-2');
  assert.equal(c.state, 'open');
  // While reconnecting, `transport` names the one the next attempt will use.
  assert.deepEqual(states, ['reconnecting:sse', 'connecting:sse', 'open:sse', 'connecting:websocket',
    'reconnecting:sse', 'connecting:sse', 'open:sse']);
});

test('typing goes over the live connection; after a reconnect the next keystroke says start again', async () => {
  const { c, clock } = await client({ typing: { renewMs: 3000, idleMs: 1000 } });
  const typing = c.typing('a');
  typing.keystroke();                  // not connected yet: nothing to send, nothing assumed
  const first = FakeSocket.last();
  first.accept();
  typing.keystroke();
  assert.deepEqual(first.sent.filter((f) => f.type.startsWith('typing')), [{ type: 'typing.start', conversationId: 'a' }]);
  first.drop();
  clock.advance(500);                  // reconnect after 500 ms (the idle stop was not due yet)
  await flush();
  const second = FakeSocket.last();
  second.accept('s2');
  typing.keystroke();                  // the new session has heard no start: a renew would mean nothing
  assert.deepEqual(second.sent.filter((f) => f.type.startsWith('typing')), [{ type: 'typing.start', conversationId: 'a' }]);
  clock.advance(1000);
  assert.deepEqual(second.sent.filter((f) => f.type.startsWith('typing')).map((f) => f.type), ['typing.start', 'typing.stop']);
});

// A scripted long-poll server: each request waits until the test answers it.
function fakeHttp() {
  const requests = [];
  const fetchImpl = (url, init = {}) => new Promise((resolve) => {
    requests.push({ url: new URL(url), init, answer: (status, body, headers = {}) => resolve({
      ok: status < 300, status, json: async () => body, headers: { get: (name) => headers[name] ?? null } }) });
  });
  const next = async (path) => {
    for (let i = 0; i < 50; i++) {
      const found = requests.find((r) => !r.taken && r.url.pathname === path);
      if (found) { found.taken = true; return found; }
      await flush();
    }
    throw new Error(`no request to ${path}; saw ${requests.map((r) => r.url.pathname)}`);
  };
  return { fetchImpl, requests, next };
}

test('over long polling: the created session is the welcome, events arrive in order, commands are POSTed, a lost session reconnects', async () => {
  const http = fakeHttp();
  const { c, clock, entries } = await client({ transports: ['longpoll'], fetchImpl: http.fetchImpl, cursor: 'a:4' });
  const sending = c.send('a', 'over polling', 'cm-lp');
  const created = await http.next('/api/sessions');
  assert.equal(created.init.method, 'POST');
  assert.equal(created.url.searchParams.get('resume'), 'a:4');
  assert.equal(created.init.headers.Authorization, 'Bearer T');
  created.answer(201, { sessionId: 'lp-1', cursor: '0' });
  const post = await http.next('/api/sessions/lp-1/frames');       // the pending send, on welcome
  assert.equal(c.state, 'open');
  assert.equal(c.transport.name, 'longpoll');
  assert.deepEqual(JSON.parse(post.init.body), { type: 'send', conversationId: 'a', clientMessageId: 'cm-lp', body: 'over polling' });
  post.answer(202, {});
  const poll = await http.next('/api/sessions/lp-1/events');
  assert.equal(poll.url.searchParams.get('cursor'), '0');
  poll.answer(200, { cursor: '3', events: [{ type: 'welcome', sessionId: 'lp-1' }, { type: 'ack', clientMessageId: 'cm-lp', conversationId: 'a', seq: 5 },
    msg('a', 5), msg('a', 5)] });
  assert.equal((await sending).seq, 5);
  assert.deepEqual(entries, ['a:5']);
  const second = await http.next('/api/sessions/lp-1/events');
  assert.equal(second.url.searchParams.get('cursor'), '3', 'each poll carries the cursor of the last');
  c.markRead('a', 5);
  const receipt = await http.next('/api/sessions/lp-1/frames');
  receipt.answer(404, {});                                          // the node restarted: the session is gone
  await flush();
  assert.equal(c.state, 'reconnecting');
  clock.advance(8000);
  const again = await http.next('/api/sessions');
  assert.equal(again.url.searchParams.get('resume'), 'a:5', 'resumes from what it took in');
});

test('over long polling: a full queue is posted again after Retry-After, a closed session reconnects, logout ends the session', async () => {
  const http = fakeHttp();
  const { c, clock } = await client({ transports: ['longpoll'], fetchImpl: http.fetchImpl });
  (await http.next('/api/sessions')).answer(201, { sessionId: 'lp-1', cursor: '0' });
  await flush();
  c.send('a', 'busy', 'cm-429');
  const first = await http.next('/api/sessions/lp-1/frames');
  first.answer(429, {}, { 'Retry-After': '2' });
  await flush();
  clock.advance(1999);
  await flush();
  assert.equal(http.requests.filter((r) => r.url.pathname.endsWith('/frames')).length, 1);
  clock.advance(1);
  const again = await http.next('/api/sessions/lp-1/frames');
  assert.equal(JSON.parse(again.init.body).clientMessageId, 'cm-429', 'the same frame, after Retry-After');
  again.answer(202, {});
  (await http.next('/api/sessions/lp-1/events')).answer(200, { sessionId: 'lp-1', cursor: '1~1', events: [], closed: { code: 4008, reason: 'overflow' } });
  await flush();
  assert.equal(c.state, 'reconnecting', 'a session the server closed is left');
  clock.advance(8000);
  (await http.next('/api/sessions')).answer(201, { sessionId: 'lp-2', cursor: '0' });
  await flush();
  assert.equal(c.state, 'open');
  c.close();
  const ended = await http.next('/api/sessions/lp-2');
  assert.equal(ended.init.method, 'DELETE', 'a deliberate end: offline at once');
  assert.equal(ended.init.headers.Authorization, 'Bearer T');
});
