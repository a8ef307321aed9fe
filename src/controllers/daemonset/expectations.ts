/**
 * Expectations for a controller that creates and deletes in the same sync (upstream
 * ControllerExpectations.SetExpectations(add, del)): the DaemonSet controller creates pods
 * on some nodes while deleting others, so both counts are set together — the ReplicaSet
 * controller's Expectations keeps only one kind at a time. Deletions are tracked by pod
 * key, so a deletion seen twice (deletionTimestamp, then gone) counts once. Expectations
 * never met expire after five minutes, as upstream.
 */
import { EXPECTATIONS_TTL_MS } from '../replicaset/expectations.js';

interface Expectation {
  adds: number;
  deletes: Set<string>;
  setAt: number;
}

export class CreateDeleteExpectations {
  private readonly byKey = new Map<string, Expectation>();

  constructor(private readonly now: () => number) {}

  satisfied(key: string): boolean {
    const e = this.byKey.get(key);
    if (!e || (e.adds <= 0 && e.deletes.size === 0)) return true;
    return this.now() - e.setAt > EXPECTATIONS_TTL_MS;
  }

  set(key: string, adds: number, deleteKeys: readonly string[]): void {
    this.byKey.set(key, { adds, deletes: new Set(deleteKeys), setAt: this.now() });
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
