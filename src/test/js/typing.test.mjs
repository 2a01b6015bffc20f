import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TypingIndicator } from '../../main/resources/static/sdk/parley.js';
import { FakeClock } from './fake-clock.mjs';

// A user types in a conversation's input box; what does the server hear, and when?
function typist(options = {}) {
  const clock = new FakeClock();
  const sent = [];
  const typing = new TypingIndicator({ clock: clock.api, send: (action) => sent.push([action, clock.now() - 1_000_000]), ...options });
  return { clock, sent, typing };
}

test('the first keystroke says start at once', () => {
  const { sent, typing } = typist();
  typing.keystroke();
  assert.deepEqual(sent, [['start', 0]]);
});

test('typing on and on renews at most every 3 s, not on every keystroke', () => {
  const { clock, sent, typing } = typist();
  for (let ms = 0; ms < 10_000; ms += 200) { // a keystroke every 200 ms for 10 s
    typing.keystroke();
    clock.advance(200);
  }
  assert.deepEqual(sent.filter(([a]) => a === 'renew').map(([, at]) => at), [3000, 6000, 9000]);
  assert.equal(sent.filter(([a]) => a === 'start').length, 1);
  assert.equal(sent.filter(([a]) => a === 'stop').length, 0, 'no stop while keys keep coming');
});

test('a pause of 1 s after the last keystroke says stop (debounce)', () => {
  const { clock, sent, typing } = typist();
  typing.keystroke();
  clock.advance(900);
  typing.keystroke();      // still typing: the debounce starts over
  clock.advance(999);
  assert.deepEqual(sent.map(([a]) => a), ['start']);
  clock.advance(1);
  assert.deepEqual(sent, [['start', 0], ['stop', 1900]]);
});

test('sending the message or leaving the box says stop at once, and only once', () => {
  const { clock, sent, typing } = typist();
  typing.keystroke();
  typing.sent();
  assert.deepEqual(sent.map(([a]) => a), ['start', 'stop']);
  clock.advance(5000);     // the debounce timer was cancelled: no second stop
  typing.blur();
  assert.deepEqual(sent.map(([a]) => a), ['start', 'stop']);
  typing.keystroke();
  typing.blur();
  assert.deepEqual(sent.map(([a]) => a), ['start', 'stop', 'start', 'stop']);
});

test('the intervals are configurable', () => {
  const { clock, sent, typing } = typist({ renewMs: 1000, idleMs: 300 });
  for (let i = 0; i < 10; i++) { typing.keystroke(); clock.advance(250); }
  clock.advance(300);
  assert.deepEqual(sent.map(([a]) => a), ['start', 'renew', 'renew', 'stop']);
  assert.deepEqual(sent.map(([, at]) => at), [0, 1000, 2000, 2550]);
});
