import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff, AdaptiveHeartbeat, TransportLadder } from '../../main/resources/static/sdk/parley.js';
import { FakeClock } from './fake-clock.mjs';

test('backoff waits random(0, min(cap, base·2^n)): full jitter over a doubling ceiling', () => {
  const clock = new FakeClock();
  const backoff = new Backoff({ baseMs: 100, capMs: 1000, clock: clock.api });
  clock.randoms = [0.999, 0.999, 0.999, 0.999, 0.999, 0.5, 0];
  const ceilings = [100, 200, 400, 800, 1000];
  for (const ceiling of ceilings) assert.equal(backoff.nextDelay(), Math.floor(0.999 * ceiling));
  assert.equal(backoff.nextDelay(), 500, 'capped: half of 1000');
  assert.equal(backoff.nextDelay(), 0, 'full jitter reaches down to zero');
});

test('a connection that stayed up resets the backoff; a short-lived one does not', () => {
  const clock = new FakeClock();
  const backoff = new Backoff({ baseMs: 100, capMs: 10_000, stableMs: 10_000, clock: clock.api });
  clock.randoms = Array(20).fill(0.999);
  backoff.nextDelay(); backoff.nextDelay(); backoff.nextDelay();   // three failures: next ceiling 800
  backoff.connected();
  clock.advance(2000);
  backoff.disconnected();                                          // flapping: keep backing off
  assert.equal(backoff.nextDelay(), Math.floor(0.999 * 800));
  backoff.connected();
  clock.advance(10_000);
  backoff.disconnected();                                          // was stable: start from the base
  assert.equal(backoff.nextDelay(), Math.floor(0.999 * 100));
});

test("a server's retry hint is a floor under the jittered delay", () => {
  const clock = new FakeClock();
  const backoff = new Backoff({ baseMs: 100, capMs: 1000, clock: clock.api });
  clock.randoms = [0.5, 0.5];
  assert.equal(backoff.nextDelay(7000), 7000);
  assert.equal(backoff.nextDelay(0), 100, 'no hint: the jittered delay (0.5 of 200)');
});

test('the heartbeat lengthens after answered pings and shortens after a dead connection, within bounds', () => {
  const hb = new AdaptiveHeartbeat({ initialMs: 20_000, minMs: 10_000, maxMs: 40_000, growFactor: 1.5, shrinkFactor: 0.5, growAfter: 2 });
  assert.equal(hb.intervalMs, 20_000);
  hb.succeeded();
  assert.equal(hb.intervalMs, 20_000, 'one success is not yet a streak');
  hb.succeeded();
  assert.equal(hb.intervalMs, 30_000);
  for (let i = 0; i < 10; i++) hb.succeeded();
  assert.equal(hb.intervalMs, 40_000, 'never above the maximum');
  hb.dead();
  assert.equal(hb.intervalMs, 20_000);
  hb.dead(); hb.dead();
  assert.equal(hb.intervalMs, 10_000, 'never below the minimum');
  hb.succeeded(); hb.dead(); hb.succeeded();
  assert.equal(hb.intervalMs, 10_000, 'a dead connection breaks the streak');
});

test('transports downgrade WebSocket → SSE → long polling when they cannot connect, and try to upgrade later', () => {
  const clock = new FakeClock();
  const ladder = new TransportLadder({ failuresToDowngrade: 2, upgradeAfterMs: 60_000, clock: clock.api });
  assert.equal(ladder.next(), 'websocket');
  ladder.failed();
  assert.equal(ladder.next(), 'websocket', 'one failure may be a blip');
  ladder.failed();
  assert.equal(ladder.next(), 'sse');
  ladder.failed(); ladder.failed();
  assert.equal(ladder.next(), 'longpoll');
  ladder.connected();                                  // long polling works here
  clock.advance(59_999);
  assert.equal(ladder.next(), 'longpoll');
  clock.advance(1);
  assert.equal(ladder.next(), 'websocket', 'time to try the best transport again');
  ladder.failed();
  assert.equal(ladder.next(), 'longpoll', 'a failed upgrade probe goes straight back to what worked');
  clock.advance(60_000);
  assert.equal(ladder.next(), 'websocket');
  ladder.connected();
  assert.equal(ladder.untilUpgrade(), null, 'back on the best transport: no more upgrades due');
  ladder.failed();
  assert.equal(ladder.next(), 'websocket', 'a blip on the best transport after an upgrade is not a downgrade');
});

test('a server that is down altogether makes the ladder go round, not stick on long polling', () => {
  const clock = new FakeClock();
  const ladder = new TransportLadder({ failuresToDowngrade: 2, upgradeAfterMs: 60_000, clock: clock.api });
  const tried = [];
  for (let i = 0; i < 6; i++) { tried.push(ladder.next()); ladder.failed(); }
  assert.deepEqual(tried, ['websocket', 'websocket', 'sse', 'sse', 'longpoll', 'longpoll']);
  assert.equal(ladder.next(), 'websocket');
  assert.equal(ladder.untilUpgrade(), null, 'back at the top: nothing to upgrade to');
  ladder.connected();
  assert.equal(ladder.next(), 'websocket', 'the server is back: the best transport connects');
});

test('a transport that connects keeps its place: failures must be in a row', () => {
  const ladder = new TransportLadder({ failuresToDowngrade: 2, clock: new FakeClock().api });
  ladder.failed();
  ladder.connected();
  ladder.failed();
  assert.equal(ladder.next(), 'websocket');
});
