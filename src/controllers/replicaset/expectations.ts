/**
 * Controller expectations (upstream UIDTrackingControllerExpectations): after a sync
 * asks for N creations and some deletions, the controller waits until its informer has
 * seen them before it counts pods again, so a second sync in between cannot create or
 * delete twice. Expectations that are never met expire after five minutes.
 */
export const EXPECTATIONS_TTL_MS = 5 * 60 * 1000;

interface Expectation {
  adds: number;
  /** Keys of pods whose deletion the informer has not seen yet. */
  deletes: Set<string>;
  setAt: number;
}

export class Expectations {
  private readonly byKey = new Map<string, Expectation>();

  constructor(private readonly now: () => number) {}

  /** True when nothing is pending for the key (or it has expired, or was never set). */
  satisfied(key: string): boolean {
    const e = this.byKey.get(key);
    if (!e) return true;
    if (e.adds <= 0 && e.deletes.size === 0) return true;
    return this.now() - e.setAt > EXPECTATIONS_TTL_MS;
  }

  /**
   * Both at once, for a controller that creates and deletes in one sync (the DaemonSet;
   * upstream SetExpectations(add, del)). Deletions are tracked by pod key, so a deletion
   * seen twice (deletionTimestamp, then gone) counts once.
   */
  set(key: string, adds: number, deleteKeys: readonly string[]): void {
    this.byKey.set(key, { adds, deletes: new Set(deleteKeys), setAt: this.now() });
  }

  expectCreations(key: string, count: number): void {
    this.set(key, count, []);
  }

  expectDeletions(key: string, podKeys: string[]): void {
    this.set(key, 0, podKeys);
  }

  creationObserved(key: string, count = 1): void {
    const e = this.byKey.get(key);
    if (e) e.adds -= count;
  }

  deletionObserved(key: string, podKey: string): void {
    this.byKey.get(key)?.deletes.delete(podKey);
  }

  forget(key: string): void {
    this.byKey.delete(key);
  }
}
