/**
 * Deadlines of in-flight requests (upstream's request timeout filter). One timer checks
 * them all every `checkEveryMs` rather than a timer per request: setting and clearing
 * a timer per request, with the Promise.race around it, was ~2% of a small request's
 * CPU. A request may so outlive its deadline by up to `checkEveryMs`, which against a
 * deadline of a minute does not matter.
 */
interface Deadline {
  at: number;
  expire(): void;
}

export class RequestDeadlines {
  private readonly pending = new Set<Deadline>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly checkEveryMs = 1000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Settles as `work` does, or rejects with `onExpiry()` once `ms` have passed. */
  race(work: Promise<void>, ms: number, onExpiry: () => Error): Promise<void> {
    return new Promise((resolve, reject) => {
      const deadline: Deadline = { at: this.now() + ms, expire: () => reject(onExpiry()) };
      this.pending.add(deadline);
      // Stopped again once no request is in flight.
      this.timer ??= setInterval(() => this.check(), this.checkEveryMs);
      work.then(
        () => {
          this.pending.delete(deadline);
          resolve();
        },
        (err: unknown) => {
          this.pending.delete(deadline);
          reject(err);
        },
      );
    });
  }

  /** How many requests have a deadline running. */
  get size(): number {
    return this.pending.size;
  }

  private check(): void {
    const now = this.now();
    for (const deadline of this.pending) {
      if (deadline.at > now) continue;
      this.pending.delete(deadline);
      deadline.expire();
    }
    if (this.pending.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
