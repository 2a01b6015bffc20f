import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cursor, Timeline } from '../../main/resources/static/sdk/parley.js';

const entry = (seq, messageId = `m${seq}`) => ({ seq, messageId, body: `#${seq}` });
const seqs = (result) => result.accepted.map((e) => e.seq);

test('entries in order are taken at once', () => {
  const t = new Timeline('c', 0);
  assert.deepEqual(seqs(t.offer(entry(1))), [1]);
  assert.deepEqual(seqs(t.offer(entry(2))), [2]);
  assert.equal(t.seq, 2);
});

test('a duplicate (live and again in a resume) is dropped', () => {
  const t = new Timeline('c', 0);
  t.offer(entry(1));
  assert.deepEqual(seqs(t.offer(entry(1))), []);
  t.offer(entry(3));
  assert.deepEqual(seqs(t.offer(entry(3))), [], 'held ones too');
});

test('a jump is held and reported as a gap; filling it releases everything in order', () => {
  const t = new Timeline('c', 4);
  const jumped = t.offer(entry(8));
  assert.deepEqual(seqs(jumped), []);
  assert.deepEqual(jumped.gap, { afterSeq: 4, upToSeq: 7 });
  t.offer(entry(9));
  assert.deepEqual(t.offer(entry(6)).gap, { afterSeq: 4, upToSeq: 5 }, 'the gap is always the lowest hole');
  const filled = [5, 7].flatMap((s) => seqs(t.offer(entry(s))));
  assert.deepEqual(filled, [5, 6, 7, 8, 9]);
  assert.equal(t.gap(), null);
});

test('the same message id under another seq is shown once', () => {
  const t = new Timeline('c', 0);
  t.offer(entry(1, 'same'));
  assert.deepEqual(seqs(t.offer(entry(2, 'same'))), []);
  assert.equal(t.seq, 2, 'the position still moves on');
  assert.deepEqual(seqs(t.offer(entry(3, 'other'))), [3]);
});

test('a client with no position starts where its first entry is', () => {
  const t = new Timeline('c', null);
  assert.deepEqual(seqs(t.offer(entry(57))), [57]);
  assert.deepEqual(t.offer(entry(59)).gap, { afterSeq: 57, upToSeq: 58 });
});

test('a capped resume moves past what the client cannot have, keeping what is above', () => {
  const t = new Timeline('c', 10);
  t.offer(entry(612));
  assert.deepEqual(seqs(t.skipTo(611)), [612]);
  assert.deepEqual(seqs(t.skipTo(5)), [], 'never backwards');
});

test('the cursor text is what every transport resumes from, and only moves forward', () => {
  const cursor = Cursor.parse('a:5,b:7,junk,c:x,a:3');
  assert.equal(cursor.toString(), 'a:5,b:7');
  cursor.advance('a', 4);
  cursor.advance('b', 9);
  cursor.advance('d', 1);
  assert.equal(cursor.toString(), 'a:5,b:9,d:1');
  cursor.forget('a');
  assert.equal(Cursor.parse(cursor.toString()).toString(), 'b:9,d:1');
});
