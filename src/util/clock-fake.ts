/**
 * A clock that moves only when told to, for tests: `advance(ms)` fires every timer that
 * falls due, in due order, letting promise callbacks run between them so async code
 * reacting to one timer can schedule the next within the same advance.
 */
import { sleepOn, type Clock, type Timer } from './clock.js';

interface Pending {
  at: number;
  seq: number;
  fn: () => void;
}

export class FakeClock implements Clock {
  private current: number;
  private seq = 0;
  private timers: Pending[] = [];

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimer(ms: number, fn: () => void): Timer {
    const pending: Pending = { at: this.current + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(pending);
    return { cancel: () => void (this.timers = this.timers.filter((t) => t !== pending)) };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }

  /** Timers waiting to fire. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  /** The time the next timer fires, if any. */
  nextTimerAt(): number | undefined {
    return this.timers.reduce<number | undefined>((min, t) => (min === undefined || t.at < min ? t.at : min), undefined);
  }

  /** Moves time forward by `ms`, firing due timers in order and settling promises after each. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    await settle();
    for (;;) {
      const due = this.timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.current = Math.max(this.current, due.at);
      due.fn();
      await settle();
    }
    this.current = target;
    await settle();
  }

  /** Lets pending promise callbacks run without moving time. */
  settle(): Promise<void> {
    return settle();
  }
}

/** Runs queued microtasks and one macrotask turn, enough for chains of awaits to finish. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
