/**
 * What this controller last wrote for each Service, so that a sync never works from a
 * cache that has not seen those writes yet (it would create the same slices twice):
 * created and updated slices must show at least the resourceVersion the write returned,
 * deleted ones must be gone. Expectations expire, so a write someone else undid at once
 * cannot hold a Service back for ever. The API server's resourceVersions are store
 * revisions, which only grow.
 */
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';

export const EXPECTATION_TTL_MS = 30_000;

interface Expectation {
  name: string;
  /** Seen at this resourceVersion or later; undefined: expected to be gone. */
  resourceVersion?: number;
  uid?: string;
  at: number;
}

export class SliceTracker {
  private readonly byService = new Map<string, Expectation[]>();

  constructor(private readonly now: () => number = Date.now) {}

  wrote(service: string, slice: EndpointSlice): void {
    this.add(service, { name: slice.metadata?.name ?? '', resourceVersion: Number(slice.metadata?.resourceVersion ?? 0), at: this.now() });
  }

  deleted(service: string, slice: EndpointSlice): void {
    this.add(service, { name: slice.metadata?.name ?? '', ...(slice.metadata?.uid ? { uid: slice.metadata.uid } : {}), at: this.now() });
  }

  /** Whether the cache (`get` by slice name) lacks a write of ours; satisfied expectations are dropped. */
  stale(service: string, get: (name: string) => EndpointSlice | undefined): boolean {
    const pending = (this.byService.get(service) ?? []).filter((e) => {
      if (this.now() - e.at > EXPECTATION_TTL_MS) return false;
      const cached = get(e.name);
      if (e.resourceVersion === undefined) return cached !== undefined && (!e.uid || cached.metadata?.uid === e.uid);
      return !cached || Number(cached.metadata?.resourceVersion ?? 0) < e.resourceVersion;
    });
    if (pending.length) this.byService.set(service, pending);
    else this.byService.delete(service);
    return pending.length > 0;
  }

  forget(service: string): void {
    this.byService.delete(service);
  }

  private add(service: string, e: Expectation): void {
    this.byService.set(service, [...(this.byService.get(service) ?? []).filter((x) => x.name !== e.name), e]);
  }
}
