// A fake clock for the SDK's state machines: time moves only when a test says so, and timers fire
// in due order as it passes. `random` is scripted so jitter is checkable.
export class FakeClock {
  constructor(start = 1_000_000) {
    this.time = start;
    this.timers = new Map();
    this.nextId = 1;
    this.randoms = [];
  }

  now() { return this.time; }

  setTimeout(fn, ms) {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(id) { this.timers.delete(id); }

  random() { return this.randoms.length ? this.randoms.shift() : 0.5; }

  /** Moves time forward by `ms`, firing every timer that comes due, in order. */
  advance(ms) {
    const end = this.time + ms;
    for (;;) {
      let next = null;
      for (const [id, t] of this.timers) if (t.at <= end && (!next || t.at < next[1].at)) next = [id, t];
      if (!next) break;
      this.timers.delete(next[0]);
      this.time = next[1].at;
      next[1].fn();
    }
    this.time = end;
  }

  /** Bound functions, to pass as the SDK's `clock` option. */
  get api() {
    return { now: () => this.now(), setTimeout: (f, ms) => this.setTimeout(f, ms), clearTimeout: (id) => this.clearTimeout(id), random: () => this.random() };
  }
}
