/**
 * Which pods' tracking finalizers a Job's sync removed but the informer has not shown
 * gone yet (upstream uidTrackingExpectations): until then the next sync must not count
 * those pods again.
 */
export class FinalizerExpectations {
  private readonly byKey = new Map<string, Set<string>>();

  expectRemoved(key: string, uids: string[]): void {
    const set = this.byKey.get(key) ?? new Set<string>();
    for (const u of uids) set.add(u);
    this.byKey.set(key, set);
  }

  observed(key: string, uid: string): void {
    const set = this.byKey.get(key);
    if (!set) return;
    set.delete(uid);
    if (!set.size) this.byKey.delete(key);
  }

  expected(key: string): ReadonlySet<string> {
    return new Set(this.byKey.get(key) ?? []);
  }

  forget(key: string): void {
    this.byKey.delete(key);
  }
}
