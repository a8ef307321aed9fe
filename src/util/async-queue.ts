/**
 * A bounded single-consumer queue: producers push without waiting; the consumer
 * iterates. Past `capacity` queued items the queue ends with an overflow error instead
 * of growing, so one slow consumer can never hold memory or stall producers.
 */
export class QueueOverflowError extends Error {
  override readonly name = 'QueueOverflowError';
}

export class AsyncQueue<T> implements AsyncIterable<T> {
  private items: T[] = [];
  private head = 0;
  private wake: (() => void) | undefined;
  private ended = false;
  private failure: Error | undefined;
  private readonly onEnd: (() => void) | undefined;

  constructor(private readonly capacity: number, onEnd?: () => void) {
    this.onEnd = onEnd;
  }

  get size(): number {
    return this.items.length - this.head;
  }

  get isEnded(): boolean {
    return this.ended || this.failure !== undefined;
  }

  push(item: T): void {
    if (this.isEnded) return;
    if (this.size >= this.capacity) {
      this.fail(new QueueOverflowError(`consumer fell more than ${this.capacity} items behind`));
      return;
    }
    this.items.push(item);
    this.notify();
  }

  /** Ends after the consumer has taken what is queued, then throws `error`. */
  fail(error: Error): void {
    if (this.isEnded) return;
    this.failure = error;
    this.finish();
  }

  /** Ends after the consumer has taken what is queued. */
  end(): void {
    if (this.isEnded) return;
    this.ended = true;
    this.finish();
  }

  /** Ends now, dropping what is queued. */
  close(): void {
    this.items = [];
    this.head = 0;
    this.end();
  }

  async next(): Promise<IteratorResult<T>> {
    for (;;) {
      if (this.head < this.items.length) {
        const item = this.items[this.head++]!;
        if (this.head > 1024 && this.head * 2 > this.items.length) {
          this.items = this.items.slice(this.head);
          this.head = 0;
        }
        return { done: false, value: item };
      }
      if (this.failure) throw this.failure;
      if (this.ended) return { done: true, value: undefined };
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => this.next(),
      return: async () => {
        this.close();
        return { done: true, value: undefined };
      },
    };
  }

  private finish(): void {
    this.notify();
    this.onEnd?.();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
