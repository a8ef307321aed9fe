/**
 * When to compact: keep a window of history so watches can resume, the larger of a
 * time span (default 5 minutes) and a revision count (default 10,000). Pure: the
 * driver feeds it (time, revision) samples and asks for the revision to compact to.
 */

export interface RetentionWindow {
  retainMs: number;
  retainRevisions: number;
}

export const DEFAULT_RETENTION: RetentionWindow = { retainMs: 5 * 60_000, retainRevisions: 10_000 };

export interface RevisionSample {
  atMs: number;
  revision: number;
}

export class RevisionHistory {
  private samples: RevisionSample[] = [];

  constructor(private readonly window: RetentionWindow = DEFAULT_RETENTION) {}

  record(atMs: number, revision: number): void {
    this.samples.push({ atMs, revision });
    // Keep only one sample older than the window: the newest such, which bounds the target.
    const cutoff = atMs - this.window.retainMs;
    let firstOld = -1;
    for (let i = 0; i < this.samples.length && this.samples[i]!.atMs <= cutoff; i++) firstOld = i;
    if (firstOld > 0) this.samples.splice(0, firstOld);
  }

  /**
   * The revision to compact to now, or undefined when nothing may be dropped yet:
   * history newer than `retainMs` ago and the last `retainRevisions` revisions stay.
   */
  compactionTarget(nowMs: number, currentRevision: number, compactedRevision: number): number | undefined {
    const cutoff = nowMs - this.window.retainMs;
    let revisionAtCutoff: number | undefined;
    for (const sample of this.samples) {
      if (sample.atMs <= cutoff) revisionAtCutoff = sample.revision;
      else break;
    }
    if (revisionAtCutoff === undefined) return undefined;
    const target = Math.min(revisionAtCutoff, currentRevision - this.window.retainRevisions);
    return target > compactedRevision ? target : undefined;
  }
}
