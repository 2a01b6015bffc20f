// Parley JavaScript SDK: a plain ES module, served by Parley at /sdk/parley.js (no build step).
//
//   import { ParleyClient } from '/sdk/parley.js';
//
// The client-side half of Parley's design lives here: the typing state machine, reconnect with
// backoff and full jitter, an adaptive heartbeat, transport downgrade (WebSocket, then SSE, then
// long polling) with later upgrade attempts, and a per-conversation timeline that orders by seq,
// drops duplicates by message id and asks for gaps. Each part is a small class that takes its
// timers from a clock, so the state machines are unit-tested with fake time (src/test/js).
// See docs/sdk.md.

/** The real clock; tests pass a fake one with the same four functions. */
export const systemClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id),
  random: () => Math.random(),
};

// ---------------------------------------------------------------- typing

/**
 * Turns keystrokes into typing frames. The first keystroke sends `start` at once; while typing goes
 * on, a `renew` at most every `renewMs`; `stop` `idleMs` after the last keystroke (debounce), and at
 * once on send or blur. The server expires typing by itself after about twice the renew interval,
 * so a client that vanishes never leaves "typing…" stuck.
 */
export class TypingIndicator {
  /**
   * @param send (action) => boolean|void, action is 'start' | 'renew' | 'stop'; returning false says
   *   it could not be sent (no connection), so the next keystroke tries `start` again
   * @param session () => the current connection's id: a new connection has heard no `start` yet
   */
  constructor({ send, renewMs = 3000, idleMs = 1000, clock = systemClock, session = () => null }) {
    this.send = send;
    this.renewMs = renewMs;
    this.idleMs = idleMs;
    this.clock = clock;
    this.session = session;
    this.typing = false;
    this.startedIn = null;
    this.lastSentAt = 0;
    this.idleTimer = null;
  }

  keystroke() {
    const now = this.clock.now();
    if (this.typing && this.session() !== this.startedIn) this.typing = false;  // reconnected meanwhile
    if (!this.typing) {
      this.typing = this.send('start') !== false;
      this.startedIn = this.session();
      this.lastSentAt = now;
    } else if (now - this.lastSentAt >= this.renewMs) {
      this.lastSentAt = now;
      this.send('renew');
    }
    this.clock.clearTimeout(this.idleTimer);
    this.idleTimer = this.clock.setTimeout(() => this.stop(), this.idleMs);
  }

  /** The message was sent (the server ends typing on a send too; saying it keeps other clients quick). */
  sent() { this.stop(); }

  /** The input lost focus. */
  blur() { this.stop(); }

  stop() {
    this.clock.clearTimeout(this.idleTimer);
    this.idleTimer = null;
    if (!this.typing) return;
    this.typing = false;
    this.send('stop');
  }
}

// ---------------------------------------------------------------- reconnect

/**
 * Exponential backoff with full jitter: wait = random(0, min(cap, base · 2^n)), n the number of
 * failed attempts in a row. A connection that stays up for `stableMs` resets n. A server's retry
 * hint (a load-shedding 503 or a drain `reconnect` frame) is honoured as a floor.
 */
export class Backoff {
  constructor({ baseMs = 500, capMs = 30000, stableMs = 10000, clock = systemClock } = {}) {
    Object.assign(this, { baseMs, capMs, stableMs, clock });
    this.failures = 0;
    this.connectedAt = null;
  }

  /** The delay before the next attempt. */
  nextDelay(retryHintMs = 0) {
    const ceiling = Math.min(this.capMs, this.baseMs * 2 ** this.failures);
    this.failures++;
    const jittered = Math.floor(this.clock.random() * ceiling);
    return Math.max(jittered, retryHintMs || 0);
  }

  connected() { this.connectedAt = this.clock.now(); }

  /** The connection ended: if it had been stable, start again from the base. */
  disconnected() {
    if (this.connectedAt != null && this.clock.now() - this.connectedAt >= this.stableMs) this.failures = 0;
    this.connectedAt = null;
  }
}

// ---------------------------------------------------------------- heartbeat

/**
 * How often to ping. Starts at `initialMs`; after `growAfter` heartbeats answered in a row the
 * interval grows by `growFactor` (up to `maxMs`): a healthy network needs fewer pings, which saves
 * battery and server work. A connection found dead shrinks it by `shrinkFactor` (down to `minMs`),
 * because NATs and proxies on this network drop idle connections sooner than we assumed.
 */
export class AdaptiveHeartbeat {
  constructor({ initialMs = 25000, minMs = 10000, maxMs = 120000, growFactor = 1.25, shrinkFactor = 0.5,
    growAfter = 3 } = {}) {
    Object.assign(this, { minMs, maxMs, growFactor, shrinkFactor, growAfter });
    this.intervalMs = Math.min(maxMs, Math.max(minMs, initialMs));
    this.streak = 0;
  }

  succeeded() {
    if (++this.streak >= this.growAfter) {
      this.streak = 0;
      this.intervalMs = Math.min(this.maxMs, Math.round(this.intervalMs * this.growFactor));
    }
  }

  dead() {
    this.streak = 0;
    this.intervalMs = Math.max(this.minMs, Math.round(this.intervalMs * this.shrinkFactor));
  }
}

// ---------------------------------------------------------------- transports

export const TRANSPORTS = ['websocket', 'sse', 'longpoll'];

/**
 * Which transport to try. One that cannot connect `failuresToDowngrade` times in a row is left for
 * the next one down. When the last one fails as often, the ladder starts again from the best: a
 * server that is down altogether (a restart) makes every transport fail, and must not leave the
 * client stuck on long polling once it is back. After `upgradeAfterMs` on a lower transport the
 * ladder tries the best one again (the proxy that blocked WebSockets may have been a hotel's): that
 * is a probe, and one failed attempt sends it straight back to the transport that worked. A
 * transport that connected resets its failure count.
 */
export class TransportLadder {
  constructor({ order = TRANSPORTS, failuresToDowngrade = 2, upgradeAfterMs = 5 * 60000, clock = systemClock } = {}) {
    Object.assign(this, { order, failuresToDowngrade, upgradeAfterMs, clock });
    this.index = 0;
    this.failures = 0;
    this.downgradedAt = null;
    this.workingIndex = null;    // the transport that last connected
    this.probing = false;        // the current attempt is an upgrade probe
  }

  get current() { return this.order[this.index]; }

  /** True when the client sits on a lower transport long enough to try the best one again. */
  upgradeDue() {
    return this.index > 0 && this.downgradedAt != null && this.clock.now() - this.downgradedAt >= this.upgradeAfterMs;
  }

  /** Milliseconds until an upgrade is due (null on the best transport). */
  untilUpgrade() {
    if (this.index === 0 || this.downgradedAt == null) return null;
    return Math.max(0, this.downgradedAt + this.upgradeAfterMs - this.clock.now());
  }

  /** The transport for the next attempt (an upgrade probe, when it is time for one). */
  next() {
    if (this.upgradeDue()) {
      this.workingIndex = this.index;
      this.index = 0;
      this.failures = 0;
      this.probing = true;
    }
    return this.current;
  }

  connected() {
    this.failures = 0;
    this.probing = false;
    this.workingIndex = this.index;
    if (this.index === 0) this.downgradedAt = null;
  }

  /** An attempt on the current transport could not connect (not: a connection that lived and ended). */
  failed() {
    if (this.probing && this.workingIndex != null && this.workingIndex > 0) {
      this.probing = false;
      this.index = this.workingIndex;
      this.failures = 0;
      this.downgradedAt = this.clock.now();
      return;
    }
    this.probing = false;
    if (++this.failures < this.failuresToDowngrade) return;
    this.failures = 0;
    this.index = (this.index + 1) % this.order.length;
    this.downgradedAt = this.index === 0 ? null : this.clock.now();
  }
}

// ---------------------------------------------------------------- cursor and timeline

/**
 * The resume cursor: each conversation's highest seq taken in, in order. Its text form
 * `conversationId:seq,conversationId:seq` is what every transport accepts to resume
 * (WebSocket `resume=`, SSE `Last-Event-ID`, long-poll `cursor=`), so switching transport loses nothing.
 */
export class Cursor {
  constructor(positions = new Map()) { this.positions = new Map(positions); }

  static parse(text) {
    const positions = new Map();
    for (const part of (text || '').split(',')) {
      const [conversationId, seq] = part.split(':');
      const n = Number(seq);
      if (conversationId && Number.isSafeInteger(n) && n >= 0) positions.set(conversationId, Math.max(n, positions.get(conversationId) || 0));
    }
    return new Cursor(positions);
  }

  get(conversationId) { return this.positions.get(conversationId) || 0; }

  /** Moves a conversation forward; never back. */
  advance(conversationId, seq) {
    if (seq > this.get(conversationId)) this.positions.set(conversationId, seq);
  }

  forget(conversationId) { this.positions.delete(conversationId); }

  toString() { return [...this.positions].map(([c, s]) => `${c}:${s}`).join(','); }
}

/**
 * One conversation's entries as this client should see them: in seq order, each once. An entry
 * whose seq is already taken is dropped (a duplicate, e.g. live and in a resume); one that leaves a
 * hole is held and the hole is reported so the client can `fetch` it; once the hole is filled, the
 * held entries are released in order. Message ids are unique too: a message seen under its id is
 * never shown twice.
 */
export class Timeline {
  /** @param afterSeq where the client left off; null when it has nothing yet (the first entry sets the start) */
  constructor(conversationId, afterSeq = null) {
    this.conversationId = conversationId;
    this.seq = afterSeq;         // highest seq taken in order
    this.held = new Map();       // seq -> entry above a hole
    this.seenIds = new Set();
  }

  /** Offers one entry. Returns `{ accepted: [entries now in order], gap: null | {afterSeq, upToSeq} }`. */
  offer(entry) {
    if (this.seq === null) this.seq = entry.seq - 1;
    if (entry.seq <= this.seq || this.held.has(entry.seq)) return { accepted: [], gap: this.gap() };
    this.held.set(entry.seq, entry);
    return this.release();
  }

  /** The server said the client cannot have what lies at or below `seq` (a capped resume): move past it. */
  skipTo(seq) {
    if (this.seq !== null && seq <= this.seq) return { accepted: [], gap: this.gap() };
    this.seq = seq;
    for (const s of [...this.held.keys()]) if (s <= seq) this.held.delete(s);
    return this.release();
  }

  release() {
    const accepted = [];
    for (let next = this.held.get(this.seq + 1); next; next = this.held.get(this.seq + 1)) {
      this.held.delete(next.seq);
      this.seq = next.seq;
      if (next.messageId && this.seenIds.has(next.messageId)) continue;
      if (next.messageId) this.seenIds.add(next.messageId);
      accepted.push(next);
    }
    return { accepted, gap: this.gap() };
  }

  /** The hole below the lowest held entry, if any. */
  gap() {
    if (this.held.size === 0) return null;
    return { afterSeq: this.seq, upToSeq: Math.min(...this.held.keys()) - 1 };
  }
}

// ---------------------------------------------------------------- the client

/** Server frame types an SSE stream names its events by (EventSource needs one listener per name). */
const EVENT_TYPES = ['welcome', 'ack', 'message', 'resumed', 'range', 'error', 'pong', 'conversation.added',
  'conversation.removed', 'presence.state', 'presence', 'typing', 'receipt.updated', 'unread.updated',
  'reauthenticate', 'reconnect'];

const uuid = () => (globalThis.crypto?.randomUUID ? crypto.randomUUID()
  : 'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, (c) => {
    const r = Math.random() * 16 | 0;
    return (c === 'x' ? r : (r & 0x3) | 0x8).toString(16);
  }));

/**
 * A Parley session that survives networks: it connects over the best transport that works, resumes
 * from its cursor after every reconnect, resends unacknowledged sends with their original client
 * message id (the server answers a retry with the original ack, so nothing is doubled), and hands
 * the application each conversation's entries once, in seq order.
 *
 * Events (`client.on(name, fn)`): `entry` (a message/edit/delete entry, in order), `ack`, `typing`,
 * `presence`, `presence.state`, `receipt.updated`, `unread.updated`, `conversation.added`,
 * `conversation.removed`, `skipped` ({conversationId, skippedTo}: page history below it),
 * `error` (an error frame), `state` ({state, transport, retryInMs}), `frame` (every frame).
 */
export class ParleyClient {
  constructor({
    baseUrl = globalThis.location?.origin, token, transports = TRANSPORTS, cursor = '', clock = systemClock,
    backoff = {}, heartbeat = {}, typing = {}, ladder = {}, pongTimeoutMs = 10000,
    WebSocketImpl = globalThis.WebSocket, EventSourceImpl = globalThis.EventSource, fetchImpl = globalThis.fetch?.bind(globalThis),
  }) {
    this.baseUrl = baseUrl.replace(/\/$/, '');
    this.tokenSource = typeof token === 'function' ? token : () => token;
    this.clock = clock;
    this.cursor = Cursor.parse(cursor);
    this.timelines = new Map();
    this.pending = new Map();          // clientMessageId -> {frame, resolve, reject}
    this.listeners = new Map();
    this.backoff = new Backoff({ clock, ...backoff });
    this.heartbeat = new AdaptiveHeartbeat(heartbeat);
    this.ladder = new TransportLadder({ order: transports, clock, ...ladder });
    this.typingOptions = typing;
    this.pongTimeoutMs = pongTimeoutMs;
    this.impl = { WebSocket: WebSocketImpl, EventSource: EventSourceImpl, fetch: fetchImpl };
    this.state = 'idle';
    this.transport = null;             // the live transport: {name, send(frame), close()}
    this.sessionId = null;
    this.retryHintMs = 0;
    this.timers = {};
    this.watched = null;               // the last watchPresence ids: sent again on every new connection
    this.away = false;                 // the last setAway: likewise
    this.filling = new Set();          // conversations whose gap a `fetch` is filling
    this.retryBackoff = new Backoff({ clock, ...backoff });  // resending frames refused with `unavailable`
  }

  on(name, fn) {
    if (!this.listeners.has(name)) this.listeners.set(name, new Set());
    this.listeners.get(name).add(fn);
    return () => this.listeners.get(name).delete(fn);
  }

  emit(name, value) {
    for (const fn of this.listeners.get(name) || []) {
      try { fn(value); } catch (e) { console.error('Parley listener failed', e); }
    }
  }

  setState(state, extra = {}) {
    this.state = state;
    this.emit('state', { state, transport: this.transport?.name ?? this.ladder.current, ...extra });
  }

  connect() {
    if (this.state !== 'idle' && this.state !== 'closed') return;
    this.closedByUser = false;
    this.open();
  }

  /** Ends the session for good (logout): a normal close, so the server marks the device offline at once. */
  close() {
    this.closedByUser = true;
    Object.values(this.timers).forEach((t) => this.clock.clearTimeout(t));
    this.transport?.close(1000);
    this.transport = null;
    this.setState('closed');
  }

  async open() {
    const name = this.ladder.next();
    this.setState('connecting', { transport: name });
    let token;
    try { token = await this.tokenSource(); } catch (e) { return this.lost(false, e); }
    const opened = { value: false };
    const handlers = {
      opened: () => { opened.value = true; },
      frame: (frame) => this.onFrame(frame),
      closed: (code) => { if (this.transport?.handlers === handlers) this.lost(opened.value, code); },
    };
    try {
      this.transport = { websocket: openWebSocket, sse: openSse, longpoll: openLongPoll }[name](this, token, handlers);
      this.transport.handlers = handlers;
    } catch (e) {
      this.lost(false, e);
    }
  }

  /** The transport ended; `wasOpen` tells a connection that lived from an attempt that failed. */
  lost(wasOpen, reason) {
    this.clock.clearTimeout(this.timers.ping);
    this.clock.clearTimeout(this.timers.pong);
    this.clock.clearTimeout(this.timers.upgrade);
    this.transport = null;
    if (this.closedByUser) return;
    if (wasOpen) this.backoff.disconnected(); else this.ladder.failed();
    const delay = this.backoff.nextDelay(this.retryHintMs);
    this.retryHintMs = 0;
    this.setState('reconnecting', { retryInMs: delay, reason });
    this.timers.reconnect = this.clock.setTimeout(() => this.open(), delay);
  }

  onFrame(frame) {
    this.emit('frame', frame);
    switch (frame.type) {
      case 'welcome':
        this.sessionId = frame.sessionId;
        this.ladder.connected();
        this.backoff.connected();
        this.filling.clear();            // a fetch on the old connection may never be answered
        this.setState('open');
        for (const { frame: f } of this.pending.values()) this.transport?.send(f);  // same ids: the server dedupes
        // A new connection is a new session on the server: it knows no subscription and no idleness yet.
        if (this.watched) this.transport?.send({ type: 'presence.subscribe', userIds: this.watched });
        if (this.away) this.transport?.send({ type: 'presence.set', status: 'away' });
        this.schedulePing();
        this.scheduleUpgrade();
        return;
      case 'message': return this.takeEntries(frame.conversationId, [frame]);
      case 'range': return this.takeEntries(frame.conversationId, frame.messages || [], true);
      case 'resumed':
        if (!frame.recovered && frame.skippedTo != null) {
          const { accepted } = this.timeline(frame.conversationId).skipTo(frame.skippedTo);
          this.cursor.advance(frame.conversationId, frame.skippedTo);
          this.emit('skipped', { conversationId: frame.conversationId, skippedTo: frame.skippedTo });
          accepted.forEach((e) => this.emitEntry(e));
        }
        return;
      case 'ack': {
        const waiting = this.pending.get(frame.clientMessageId);
        this.pending.delete(frame.clientMessageId);
        waiting?.resolve(frame);
        this.emit('ack', frame);
        return;
      }
      case 'error': {
        const waiting = frame.ref && this.pending.get(frame.ref);
        if (waiting && (frame.code === 'rate_limited' || frame.code === 'unavailable')) {
          this.retryLater(frame);
        } else if (waiting) {
          this.pending.delete(frame.ref);
          waiting.reject(Object.assign(new Error(frame.message), { code: frame.code, frame }));
        }
        const fill = typeof frame.ref === 'string' && frame.ref.startsWith('fill:');
        if (fill) this.filling.delete(frame.ref.slice(5));
        // `handled`: a promise was settled by it (or the frame will be retried, or it was our own gap fetch).
        this.emit('error', { ...frame, handled: Boolean(waiting) || fill });
        return;
      }
      case 'pong':
        this.clock.clearTimeout(this.timers.pong);
        this.heartbeat.succeeded();
        this.schedulePing();
        return;
      case 'reconnect':  // the node is draining: come back later, elsewhere
        this.retryHintMs = frame.afterMs ?? frame.delayMs ?? frame.retryAfterMs ?? 0;
        return;
      case 'reauthenticate':
        Promise.resolve(this.tokenSource(true)).then((token) => this.transport?.send({ type: 'auth', token }))
          .catch(() => {});
        return;
      case 'conversation.removed':
        this.timelines.delete(frame.conversationId);
        this.cursor.forget(frame.conversationId);
        this.emit(frame.type, frame);
        return;
      default:
        this.emit(frame.type, frame);
    }
  }

  timeline(conversationId) {
    let t = this.timelines.get(conversationId);
    if (!t) {
      const known = this.cursor.positions.has(conversationId) ? this.cursor.get(conversationId) : null;
      t = new Timeline(conversationId, known);
      this.timelines.set(conversationId, t);
    }
    return t;
  }

  takeEntries(conversationId, entries, fromRange = false) {
    const t = this.timeline(conversationId);
    const before = t.seq;
    let gap = t.gap();
    for (const e of entries) {
      const result = t.offer({ ...e, conversationId });
      result.accepted.forEach((a) => this.emitEntry(a));
      gap = result.gap;
    }
    if (fromRange && this.filling.has(conversationId)) {
      this.filling.delete(conversationId);
      if (gap && t.seq === before) {
        // The server has nothing for the hole (the entries are out of this member's reach): move past it.
        const { accepted } = t.skipTo(gap.upToSeq);
        this.cursor.advance(conversationId, gap.upToSeq);
        accepted.forEach((a) => this.emitEntry(a));
        gap = t.gap();
      }
    }
    if (gap) this.fill(conversationId, gap);
  }

  fill(conversationId, gap) {
    if (this.filling.has(conversationId) || this.state !== 'open' || !this.transport) return;
    this.filling.add(conversationId);
    this.transport.send({ type: 'fetch', conversationId, afterSeq: gap.afterSeq, limit: 200, ref: `fill:${conversationId}` });
  }

  emitEntry(e) {
    this.cursor.advance(e.conversationId, e.seq);
    this.emit('entry', e);
  }

  /**
   * The application has everything up to `seq` from elsewhere (a REST history page): the timeline
   * and the cursor move there (never back), so a later live entry above `seq + 1` is seen as a gap
   * and a reconnect resumes from there. Held entries above it are released as `entry` events.
   */
  caughtUp(conversationId, seq) {
    if (!(seq > 0)) return;
    const { accepted, gap } = this.timeline(conversationId).skipTo(seq);
    this.cursor.advance(conversationId, seq);
    accepted.forEach((a) => this.emitEntry(a));
    if (gap) this.fill(conversationId, gap);
  }

  /** A send, edit or delete the server could not take now (`unavailable`, `rate_limited`): again after a backoff. */
  retryLater(frame) {
    const delay = this.retryBackoff.nextDelay(frame.retryAfterMs ?? 0);
    const id = frame.ref;
    this.clock.clearTimeout(this.timers[`retry:${id}`]);
    this.timers[`retry:${id}`] = this.clock.setTimeout(() => {
      delete this.timers[`retry:${id}`];
      const waiting = this.pending.get(id);
      if (waiting && this.state === 'open') this.transport?.send(waiting.frame);
    }, delay);
  }

  /** On a lower transport: when an upgrade is due, leave it and try the best one (see TransportLadder). */
  scheduleUpgrade() {
    this.clock.clearTimeout(this.timers.upgrade);
    const wait = this.ladder.untilUpgrade();
    if (wait == null) return;
    this.timers.upgrade = this.clock.setTimeout(() => {
      if (this.state !== 'open' || this.closedByUser) return;
      const old = this.transport;
      this.transport = null;             // its end is not a loss
      this.clock.clearTimeout(this.timers.ping);
      this.clock.clearTimeout(this.timers.pong);
      old?.close(4000);
      this.open();
    }, wait);
  }

  schedulePing() {
    if (this.transport?.name === 'longpoll') return;  // every poll is a heartbeat
    this.clock.clearTimeout(this.timers.ping);
    this.timers.ping = this.clock.setTimeout(() => {
      this.transport?.send({ type: 'ping', ref: 'hb' });
      this.timers.pong = this.clock.setTimeout(() => {   // no answer: the connection is dead
        this.heartbeat.dead();
        this.transport?.close(4000);
        this.lost(true, 'heartbeat timeout');
      }, this.pongTimeoutMs);
    }, this.heartbeat.intervalMs);
  }

  /** Sends a message; resolves with its ack. Retried over reconnects with the same client message id. */
  send(conversationId, body, clientMessageId = uuid()) {
    return this.submit({ type: 'send', conversationId, clientMessageId, body });
  }

  edit(conversationId, seq, expectedVersion, body) {
    return this.submit({ type: 'edit', conversationId, clientMessageId: uuid(), seq, expectedVersion, body });
  }

  delete(conversationId, seq) {
    return this.submit({ type: 'delete', conversationId, clientMessageId: uuid(), seq });
  }

  submit(frame) {
    return new Promise((resolve, reject) => {
      this.pending.set(frame.clientMessageId, { frame, resolve, reject });
      if (this.state === 'open') this.transport?.send(frame);
    });
  }

  /** Returns false when there is no open connection (the app should mark again once `state` is `open`). */
  markRead(conversationId, seq) {
    if (this.state !== 'open' || !this.transport) return false;
    this.transport.send({ type: 'receipt.read', conversationId, seq });
    return true;
  }

  markDelivered(conversationId, seq) {
    if (this.state !== 'open' || !this.transport) return false;
    this.transport.send({ type: 'receipt.delivered', conversationId, seq });
    return true;
  }

  /** A typing indicator for one conversation's input box: call keystroke(), sent() and blur(). */
  typing(conversationId) {
    return new TypingIndicator({
      clock: this.clock, ...this.typingOptions, session: () => this.sessionId,
      send: (action) => {
        if (this.state !== 'open' || !this.transport) return false;
        this.transport.send({ type: `typing.${action}`, conversationId });
        return true;
      },
    });
  }

  /** Replaces the presence subscription; remembered and sent again after every reconnect. */
  watchPresence(userIds) {
    this.watched = [...userIds];
    if (this.state === 'open') this.transport?.send({ type: 'presence.subscribe', userIds: this.watched });
  }

  /** This device is idle (or active again); remembered across reconnects. */
  setAway(away) {
    this.away = !!away;
    if (this.state === 'open') this.transport?.send({ type: 'presence.set', status: away ? 'away' : 'online' });
  }

  url(path, params) {
    const query = new URLSearchParams(Object.entries(params).filter(([, v]) => v != null && v !== ''));
    return `${this.baseUrl}${path}?${query}`;
  }
}

function openWebSocket(client, token, handlers) {
  const url = client.url('/ws', { access_token: token, resume: client.cursor.toString() }).replace(/^http/, 'ws');
  const ws = new client.impl.WebSocket(url);
  ws.onopen = () => handlers.opened();
  ws.onmessage = (event) => {
    let frame;
    try { frame = JSON.parse(event.data); } catch { return; }
    handlers.frame(frame);
  };
  ws.onclose = (event) => handlers.closed(event.code);
  return {
    name: 'websocket',
    send: (frame) => ws.readyState === 1 && ws.send(JSON.stringify(frame)),
    close: (code = 1000) => { ws.onclose = null; ws.close(code === 1000 ? 1000 : 4000); },
  };
}

// Commands travel by POST on the SSE and long-poll transports; their outcome arrives as events.
// A 404 means the session is gone (its node restarted, or it expired): end this transport, so the
// client reconnects and resumes from its cursor; unacknowledged sends go again on the new session.
// A 429 (too many frames of this session in flight) is posted again after its Retry-After.
function postFrame(client, token, frame, transport) {
  const sessionId = client.sessionId;
  if (!sessionId) return;
  client.impl.fetch(`${client.baseUrl}/api/sessions/${sessionId}/frames`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` }, body: JSON.stringify(frame),
  }).then((response) => {
    if (response.status === 404 || response.status === 410) transport.fail(`session gone (${response.status})`);
    else if (response.status === 429) {
      const seconds = Number(response.headers?.get?.('Retry-After'));
      client.clock.setTimeout(() => {
        if (client.transport === transport && client.sessionId === sessionId) postFrame(client, token, frame, transport);
      }, Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 1000);
    }
  }).catch(() => {});
}

// The deliberate end of an SSE or long-poll session (logout): the server marks the device offline at once.
function endSession(client, token) {
  if (!client.sessionId) return;
  client.impl.fetch(`${client.baseUrl}/api/sessions/${client.sessionId}`, {
    method: 'DELETE', headers: { Authorization: `Bearer ${token}` }, keepalive: true,
  }).catch(() => {});
}

function openSse(client, token, handlers) {
  const source = new client.impl.EventSource(client.url('/sse', { access_token: token, resume: client.cursor.toString() }));
  source.onopen = () => handlers.opened();
  for (const type of EVENT_TYPES) {
    source.addEventListener(type, (event) => {
      let frame;
      try { frame = JSON.parse(event.data); } catch { return; }
      handlers.frame(frame);
    });
  }
  // The server ends a stream with a `close` event ({code, reason}), as a WebSocket close would.
  source.addEventListener('close', (event) => {
    let code = 'sse closed';
    try { code = JSON.parse(event.data).code ?? code; } catch { /* keep the default */ }
    source.onerror = null;
    source.close();
    handlers.closed(code);
  });
  // We reconnect ourselves (with our backoff and cursor) rather than let EventSource retry blindly.
  source.onerror = () => { source.close(); handlers.closed('sse error'); };
  const transport = {
    name: 'sse',
    send: (frame) => postFrame(client, token, frame, transport),
    close: (code) => {
      source.onerror = null;
      source.close();
      if (code === 1000) endSession(client, token);
    },
    fail: (reason) => { transport.close(); handlers.closed(reason); },
  };
  return transport;
}

function openLongPoll(client, token, handlers) {
  let stopped = false;
  const headers = { Authorization: `Bearer ${token}` };
  const transport = {
    name: 'longpoll',
    send: (frame) => postFrame(client, token, frame, transport),
    close: (code) => {
      if (code === 1000 && !stopped) endSession(client, token);
      stopped = true;
    },
    fail: (reason) => { if (!stopped) { stopped = true; handlers.closed(reason); } },
  };
  (async () => {
    const created = await client.impl.fetch(client.url('/api/sessions', { resume: client.cursor.toString() }), { method: 'POST', headers });
    if (!created.ok) throw new Error(`long-poll session refused: ${created.status}`);
    let { sessionId, cursor } = await created.json();
    if (stopped) return;
    client.sessionId = sessionId;
    handlers.opened();
    // The session exists once it is created: that is this transport's welcome (one the server
    // also puts among the first events is passed over, so the client is welcomed once).
    handlers.frame({ type: 'welcome', sessionId });
    while (!stopped) {
      const response = await client.impl.fetch(client.url(`/api/sessions/${sessionId}/events`, { cursor }), { headers });
      if (!response.ok) throw new Error(`poll failed: ${response.status}`);
      const batch = await response.json();
      if (stopped) return;
      if (batch.sessionId && batch.sessionId !== sessionId) {    // the server had to start a new session: welcome again
        client.sessionId = sessionId = batch.sessionId;
        handlers.frame({ type: 'welcome', sessionId });
      }
      cursor = batch.cursor ?? cursor;
      for (const frame of batch.events || []) {
        if (stopped) return;
        if (frame.type === 'welcome' && (!frame.sessionId || frame.sessionId === sessionId)) continue;
        handlers.frame(frame);
      }
      if (batch.closed) return transport.fail(batch.closed.code ?? 'closed');  // the server ended the session
    }
    return undefined;
  })().catch((e) => transport.fail(String(e)));
  return transport;
}
