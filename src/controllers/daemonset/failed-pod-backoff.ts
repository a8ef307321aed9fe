/**
 * Backoff for replacing failed daemon pods, per DaemonSet generation and node (upstream
 * failedPodsBackoff, a flowcontrol.Backoff of 1 s doubling to 15 min): the first failure
 * is replaced at once, each further one on the same node waits twice as long, and an
 * entry idle for twice the maximum starts over.
 */
export const FAILED_POD_BACKOFF_INITIAL_MS = 1_000;
export const FAILED_POD_BACKOFF_MAX_MS = 15 * 60_000;

interface Entry {
  delayMs: number;
  lastUpdateMs: number;
}

export class FailedPodBackoff {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly now: () => number,
    private readonly initialMs = FAILED_POD_BACKOFF_INITIAL_MS,
    private readonly maxMs = FAILED_POD_BACKOFF_MAX_MS,
  ) {}

  /**
   * Undefined when a failed pod under `key` may be deleted now (and the backoff grows);
   * otherwise the milliseconds left to wait.
   */
  attempt(key: string): number | undefined {
    const now = this.now();
    const e = this.entries.get(key);
    if (e && now - e.lastUpdateMs < e.delayMs) return e.delayMs - (now - e.lastUpdateMs);
    if (!e || now - e.lastUpdateMs > 2 * this.maxMs) this.entries.set(key, { delayMs: this.initialMs, lastUpdateMs: now });
    else this.entries.set(key, { delayMs: Math.min(e.delayMs * 2, this.maxMs), lastUpdateMs: now });
    return undefined;
  }

  /** Drops entries idle for long enough that they would start over anyway. */
  gc(): void {
    const now = this.now();
    for (const [key, e] of this.entries) if (now - e.lastUpdateMs > 2 * this.maxMs) this.entries.delete(key);
  }
}

/** Keyed like upstream: the DaemonSet's uid and observed generation, and the node. */
export function failedPodBackoffKey(uid: string, observedGeneration: number | undefined, nodeName: string): string {
  return `${uid}/${observedGeneration ?? 0}/${nodeName}`;
}
