/**
 * The disk's own sync latency, with no store in the way: a 16 KB write (about one
 * group commit's WAL frames) and an fdatasync (the store's WAL sync), again and again,
 * into a 64 MB ring of one file written out beforehand (as the store reuses its WAL in
 * place). Every figure that waits for an acknowledged write stands on this floor, so the
 * storage benchmark measures it in the same run, on the same filesystem as the store.
 */
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { nowMs } from './measure.js';

const WRITE_BYTES = 16 * 1024;
const RING_BYTES = 64 * 1024 * 1024;

export interface DiskReferenceOptions {
  /** Stop after this long... */
  spanMs?: number;
  /** ...or after this many syncs. */
  samples?: number;
  /** Pause between one sync's end and the next write (the watch test's pacing). */
  pauseMs?: number;
}

/** fdatasync latencies in ms, sorted ascending. */
export async function diskSyncLatencies(dir: string, options: DiskReferenceOptions): Promise<number[]> {
  const path = join(dir, 'disk-reference');
  const file = await open(path, 'w');
  const block = Buffer.alloc(WRITE_BYTES, 0x5a);
  const latencies: number[] = [];
  try {
    const chunk = Buffer.alloc(1024 * 1024);
    for (let offset = 0; offset < RING_BYTES; offset += chunk.length) await file.write(chunk, 0, chunk.length, offset);
    await file.sync();
    const end = nowMs() + (options.spanMs ?? Infinity);
    const samples = options.samples ?? Infinity;
    let offset = 0;
    while (latencies.length < samples && nowMs() < end) {
      await file.write(block, 0, WRITE_BYTES, offset);
      offset = (offset + WRITE_BYTES) % RING_BYTES;
      const t = nowMs();
      await file.datasync();
      latencies.push(nowMs() - t);
      if (options.pauseMs) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
    }
  } finally {
    await file.close();
    await rm(path, { force: true });
  }
  return latencies.sort((a, b) => a - b);
}
