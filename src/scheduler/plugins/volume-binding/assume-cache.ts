/**
 * The scheduler's view of PersistentVolumes or claims (upstream AssumeCache): what the
 * informer has, overlaid with versions the scheduler has *assumed* (a volume it chose
 * for a claim, a claim it chose a node for) before the API confirms them, so the next
 * pod does not choose the same volume. An assumed version is dropped when the informer
 * shows a newer resourceVersion of the object (or no longer has it), or when the
 * reservation is undone.
 */
import type { ObjectLike } from '../../../client/index.js';

interface Assumed<T> {
  obj: T;
  /** The resourceVersion the assumption was made on; a newer one from the informer supersedes it. */
  version: number;
}

const versionOf = (obj: ObjectLike | undefined): number => Number(obj?.metadata?.resourceVersion ?? 0) || 0;

export class AssumeCache<T extends ObjectLike> {
  private readonly assumed = new Map<string, Assumed<T>>();

  /** `get` reads the informer's object by key; `list` lists them all. */
  constructor(
    private readonly get: (key: string) => T | undefined,
    private readonly list: () => readonly T[],
    private readonly keyOf: (obj: T) => string,
  ) {}

  /** The assumed version if still current, else the informer's. */
  lookup(key: string): T | undefined {
    const informer = this.get(key);
    const a = this.assumed.get(key);
    if (!a) return informer;
    // Only existing objects are assumed: gone from the informer means deleted.
    if (!informer || versionOf(informer) > a.version) {
      this.assumed.delete(key);
      return informer;
    }
    return a.obj;
  }

  /** Every object, with current assumptions in place of the informer's versions. */
  all(): T[] {
    const items = this.list();
    if (this.assumed.size === 0) return [...items];
    return items.map((obj) => this.lookup(this.keyOf(obj)) ?? obj);
  }

  assume(obj: T): void {
    this.assumed.set(this.keyOf(obj), { obj, version: versionOf(obj) });
  }

  /** Forget the assumption: the informer's version counts again. */
  restore(key: string): void {
    this.assumed.delete(key);
  }

  get size(): number {
    return this.assumed.size;
  }
}
