/** Small measuring helpers shared by the benchmarks. */

export const nowMs = (): number => performance.now();

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/**
 * Runs `op` from `concurrency` closed-loop workers for `durationMs` (or until `maxOps`)
 * and returns operations per second. `op` gets a unique sequence number and its worker's index.
 */
export async function throughput(concurrency: number, durationMs: number, op: (seq: number, worker: number) => Promise<unknown>, maxOps = Infinity): Promise<number> {
  let seq = 0;
  let done = 0;
  const start = nowMs();
  const deadline = start + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (nowMs() < deadline && seq < maxOps) {
        await op(seq++, worker);
        done++;
      }
    }),
  );
  return done / ((nowMs() - start) / 1000);
}

export function log(line: string): void {
  process.stdout.write(`${line}\n`);
}
