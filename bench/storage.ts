/**
 * `npm run bench -- storage`: the storage contract's speed, for the SQLite driver, the
 * etcd driver, and raw etcd puts through the etcd3 client (no Skiff code) as the
 * reference, all against the same machine in the same run. Every write is durable on
 * acknowledge in all three (SQLite fsyncs each group commit; etcd fsyncs its WAL).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import type { Backend } from '../src/storage/backend.js';
import { SqliteBackend } from '../src/storage/drivers/sqlite/sqlite-backend.js';
import { EtcdBackend } from '../src/storage/drivers/etcd/etcd-backend.js';
import { startEtcd } from '../test/support/etcd-server.js';
import { diskSyncLatencies } from './lib/disk-reference.js';
import { log, nowMs, percentile, round, throughput } from './lib/measure.js';

const PHASE_MS = Number(process.env['BENCH_PHASE_MS'] ?? 3000);
const SQLITE_COMPACT_ROWS = Number(process.env['BENCH_COMPACT_ROWS'] ?? 1_000_000);
const ETCD_COMPACT_ROWS = Number(process.env['BENCH_ETCD_COMPACT_ROWS'] ?? 100_000);
const WATCHERS = 1000;
/**
 * Writes whose deliveries are measured. p99 of deliveries is a tail over writes (each
 * write reaches all watchers at about the same time): over 200 writes it was the second
 * slowest write, so 500.
 */
const WATCHED_WRITES = 500;
/** Writes delivered before measuring: the first deliveries compile the fan-out path (JIT), once per process. */
const WATCH_WARMUP_WRITES = 20;
const LIST_KEYS = 10_000;
/** Unmeasured lists before the five measured ones (see measure()). */
const LIST_WARMUP = 2;
const VALUE = new Uint8Array(512).fill(120);

/** What the benchmark needs from each subject; Skiff drivers and raw etcd each provide it. */
interface Subject {
  name: string;
  create(key: string): Promise<void>;
  update(key: string): Promise<void>;
  get(key: string): Promise<void>;
  list(prefix: string): Promise<number>;
  watch(prefix: string, onKey: (key: string) => void): Promise<() => void>;
  /** Writes `rows` superseded history rows, then compacts them while writers run. */
  compact?(upTo: number): Promise<void>;
  currentRevision?(): Promise<number>;
  /** Whether group commits go to a writer thread now (the SQLite driver's own). */
  threaded?(): boolean;
  close(): Promise<void>;
}

function backendSubject(name: string, store: Backend): Subject {
  const revs = new Map<string, number>();
  return {
    name,
    async create(key) {
      revs.set(key, await store.create(key, VALUE));
    },
    async update(key) {
      const rev = revs.get(key) ?? (await store.get(key)).modRevision;
      revs.set(key, await store.update(key, VALUE, rev));
    },
    async get(key) {
      await store.get(key);
    },
    async list(prefix) {
      return (await store.list(prefix)).items.length;
    },
    async watch(prefix, onKey) {
      const stream = store.watch(prefix, await store.currentRevision());
      void (async () => {
        try {
          for await (const batch of stream) for (const e of batch) onKey(e.key);
        } catch {
          /* closed */
        }
      })();
      return () => stream.close();
    },
    compact: (upTo) => store.compact(upTo),
    currentRevision: () => store.currentRevision(),
    ...(store instanceof SqliteBackend ? { threaded: () => store.writesThreaded } : {}),
    close: () => store.close(),
  };
}

function rawEtcdSubject(endpoint: string): Subject {
  const client = new Etcd3({ hosts: endpoint });
  const value = Buffer.from(VALUE);
  return {
    name: 'raw etcd (etcd3 client)',
    create: async (key) => void (await client.put(key).value(value)),
    update: async (key) => void (await client.put(key).value(value)),
    get: async (key) => void (await client.get(key).buffer()),
    list: async (prefix) => (await client.getAll().prefix(prefix).keys()).length,
    async watch(prefix, onKey) {
      const watcher = await client.watch().prefix(prefix).create();
      watcher.on('put', (kv) => onKey(kv.key.toString()));
      return () => void watcher.cancel();
    },
    async close() {
      client.close();
    },
  };
}

interface Figures {
  create_1: number;
  create_64: number;
  update_1: number;
  update_64: number;
  get_64: number;
  list_10k_ms: number;
  watch_p50_ms: number;
  watch_p99_ms: number;
  compact_rows?: number;
  compact_ms?: number;
  compact_max_write_stall_ms?: number;
  compact_p99_write_ms?: number;
  compact_writes_per_s?: number;
  baseline_max_write_ms?: number;
  /** The same writers for as long as the compaction took, without it: the disk's own tail over an equal span. */
  equal_baseline_max_write_ms?: number;
  equal_baseline_p99_write_ms?: number;
  /** The longest GC pause of this (the store's) process during the compaction. */
  compact_longest_gc_ms?: number;
}

async function measure(subject: Subject, run: string, compactRows: number | undefined): Promise<Figures> {
  const p = `/bench/${run}/`;
  const key = (group: string, i: number) => `${p}${group}/${String(i).padStart(8, '0')}`;
  log(`\n## ${subject.name}`);
  const create_1 = await throughput(1, PHASE_MS, (i) => subject.create(key('c1', i)));
  const create_64 = await throughput(64, PHASE_MS, (i) => subject.create(key('c64', i)));
  log(`creates/s: 1 writer ${round(create_1, 0)}, 64 writers ${round(create_64, 0)}`);
  // updates go to 64 existing keys; with 64 writers each writer has its own key
  for (let i = 0; i < 64; i++) await subject.create(key('u', i));
  const update_1 = await throughput(1, PHASE_MS, (i) => subject.update(key('u', i % 64)));
  const update_64 = await throughput(64, PHASE_MS, (_, worker) => subject.update(key('u', worker)));
  log(`updates/s: 1 writer ${round(update_1, 0)}, 64 writers ${round(update_64, 0)}`);
  const get_64 = await throughput(64, PHASE_MS, (i) => subject.get(key('u', i % 64)));
  log(`gets/s (64 readers): ${round(get_64, 0)}`);

  for (let i = 0; i < LIST_KEYS; i += 500) {
    await Promise.all(Array.from({ length: 500 }, (_, j) => subject.create(key('list', i + j))));
  }
  const listTimes: number[] = [];
  // Like the API server benchmark's LIST: the first lists of a process compile the list
  // path and grow the heap (30-60 ms here against 15-30 ms once warm), so two go unmeasured.
  for (let i = -LIST_WARMUP; i < 5; i++) {
    const t = nowMs();
    const n = await subject.list(`${p}list/`);
    if (i >= 0) listTimes.push(nowMs() - t);
    if (n !== LIST_KEYS) throw new Error(`${subject.name}: listed ${n} keys, expected ${LIST_KEYS}`);
  }
  const list_10k_ms = percentile(listTimes.sort((a, b) => a - b), 50);
  log(`list of ${LIST_KEYS} keys: ${round(list_10k_ms)} ms (median of 5 after ${LIST_WARMUP} warm-up lists)`);

  // Watch: 1,000 watchers on one prefix, writes spaced out so this measures latency.
  const sent = new Map<string, number>();
  const latencies: number[] = [];
  let received = 0;
  const stops: (() => void)[] = [];
  for (let w = 0; w < WATCHERS; w++) {
    stops.push(
      await subject.watch(`${p}watch/`, (k) => {
        const t0 = sent.get(k);
        if (t0 !== undefined) latencies.push(nowMs() - t0);
        received++;
      }),
    );
  }
  await new Promise((r) => setTimeout(r, 200));
  for (let i = -WATCH_WARMUP_WRITES; i < WATCHED_WRITES; i++) {
    const k = key('watch', i);
    if (i >= 0) sent.set(k, nowMs());
    await subject.create(k);
    await new Promise((r) => setTimeout(r, 2));
  }
  const deadline = nowMs() + 30_000;
  const expected = WATCHERS * (WATCH_WARMUP_WRITES + WATCHED_WRITES);
  while (received < expected && nowMs() < deadline) await new Promise((r) => setTimeout(r, 20));
  stops.forEach((s) => s());
  if (received < expected) log(`WARNING: only ${received} of ${expected} watch events arrived`);
  latencies.sort((a, b) => a - b);
  const watch_p50_ms = percentile(latencies, 50);
  const watch_p99_ms = percentile(latencies, 99);
  log(`watch (${WATCHERS} watchers, ${WATCHED_WRITES} writes after ${WATCH_WARMUP_WRITES} unmeasured): p50 ${round(watch_p50_ms)} ms, p99 ${round(watch_p99_ms)} ms`);

  const figures: Figures = { create_1, create_64, update_1, update_64, get_64, list_10k_ms, watch_p50_ms, watch_p99_ms };
  if (compactRows && subject.compact && subject.currentRevision) {
    Object.assign(figures, await compactionStall(subject, p, compactRows));
  }
  return figures;
}

/** Builds `rows` superseded history rows, then compacts them while 8 writers keep writing. */
async function compactionStall(subject: Subject, p: string, rows: number): Promise<Partial<Figures>> {
  const keys = 10_000;
  const t0 = nowMs();
  for (let i = 0; i < keys; i++) if (i % 1000 === 0) await Promise.all(Array.from({ length: 1000 }, (_, j) => subject.create(`${p}hist/${i + j}`)));
  let written = keys;
  let lastReport = nowMs();
  while (written < rows) {
    await Promise.all(Array.from({ length: 64 }, (_, j) => subject.update(`${p}hist/${(written + j) % keys}`)));
    written += 64;
    if (nowMs() - lastReport > 5000) {
      log(`  history: ${written} of ${rows} rows written`);
      lastReport = nowMs();
    }
  }
  log(`  wrote ${rows} history rows in ${round((nowMs() - t0) / 1000, 1)} s`);
  const target = await subject.currentRevision!();
  for (let i = 0; i < 8; i++) await subject.create(`${p}stall/${i}`);

  /**
   * Write latencies, sorted: the longest is the stall, the 99th percentile shows how
   * often; and when the longest started (ms, on nowMs's clock).
   */
  const writers = async (until: () => boolean): Promise<{ latencies: number[]; longestStart: number }> => {
    const latencies: number[] = [];
    let longestStart = 0;
    let longest = -1;
    await Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        while (!until()) {
          const t = nowMs();
          await subject.update(`${p}stall/${w}`);
          const took = nowMs() - t;
          latencies.push(took);
          if (took > longest) [longest, longestStart] = [took, t];
        }
      }),
    );
    return { latencies: latencies.sort((a, b) => a - b), longestStart };
  };
  const baselineEnd = nowMs() + 2000;
  const { latencies: baseline } = await writers(() => nowMs() > baselineEnd);
  let compacting = true;
  // So that a long stall names its cause: GC pauses of this process (the store's own),
  // and whether writes went through the writer thread, are recorded alongside.
  const pauses: [start: number, ms: number][] = [];
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) pauses.push([e.startTime, e.duration]);
  });
  gc.observe({ entryTypes: ['gc'] });
  const threadedAtStart = subject.threaded?.();
  const tc = nowMs();
  const [{ latencies: during, longestStart }] = await Promise.all([
    writers(() => !compacting),
    subject.compact!(target).then(() => (compacting = false)),
  ]);
  const compact_ms = nowMs() - tc;
  gc.disconnect();
  const compact_max_write_stall_ms = during[during.length - 1] ?? 0;
  const compact_p99_write_ms = percentile(during, 99);
  const compact_writes_per_s = during.length / (compact_ms / 1000);
  const baseline_max_write_ms = baseline[baseline.length - 1] ?? 0;
  log(
    `compaction of ${rows} rows: ${round(compact_ms, 0)} ms; writes during it: ${round(compact_writes_per_s, 0)}/s, p99 ${round(compact_p99_write_ms)} ms, longest ${round(compact_max_write_stall_ms)} ms (without compaction, 2 s: p99 ${round(percentile(baseline, 99))} ms, longest ${round(baseline_max_write_ms)} ms)`,
  );
  const longestEnd = longestStart + compact_max_write_stall_ms;
  const overlapping = pauses.filter(([start, ms]) => start < longestEnd && start + ms > longestStart).reduce((sum, [, ms]) => sum + ms, 0);
  const compact_longest_gc_ms = pauses.reduce((max, [, ms]) => Math.max(max, ms), 0);
  log(
    `  the longest write started ${round((longestStart - tc) / 1000, 1)} s into the compaction; GC pauses in this process during it: ${pauses.length}, longest ${round(compact_longest_gc_ms)} ms, ${round(overlapping)} ms of them within the longest write` +
      (threadedAtStart === undefined ? '' : `; group commits on the writer thread: ${threadedAtStart ? 'yes' : 'no'} at the start, ${subject.threaded!() ? 'yes' : 'no'} at the end`),
  );
  // The longest of ~100,000 writes sits further out on the disk's fsync tail than the
  // longest of 2 s of them: the same writers again for as long as the compaction took,
  // without it, tell the disk's share of the stall from compaction's.
  const equalEnd = nowMs() + compact_ms;
  const { latencies: equal } = await writers(() => nowMs() > equalEnd);
  const equal_baseline_max_write_ms = equal[equal.length - 1] ?? 0;
  const equal_baseline_p99_write_ms = percentile(equal, 99);
  log(`  the same writers for ${round(compact_ms / 1000, 1)} s without compaction: p99 ${round(equal_baseline_p99_write_ms)} ms, longest ${round(equal_baseline_max_write_ms)} ms`);
  return { compact_rows: rows, compact_ms, compact_max_write_stall_ms, compact_p99_write_ms, compact_writes_per_s, baseline_max_write_ms, equal_baseline_max_write_ms, equal_baseline_p99_write_ms, compact_longest_gc_ms };
}

/**
 * The floor under the latency targets, measured on the store's filesystem with no store:
 * single fsyncs paced as the watch test paces its writes, and back to back for as long
 * as the compaction took (an acknowledged write waits for at least one fsync, and for
 * the one in flight when it arrives).
 */
async function diskReference(dir: string, spanMs: number): Promise<Record<string, number>> {
  log('\n## the disk alone (16 KB write + fdatasync, as the store syncs its WAL; no store)');
  const paced = await diskSyncLatencies(dir, { samples: WATCHED_WRITES, pauseMs: 2 });
  const figures: Record<string, number> = { paced_p50_ms: percentile(paced, 50), paced_p99_ms: percentile(paced, 99) };
  log(`paced as the watch test (${WATCHED_WRITES}, 2 ms apart): p50 ${round(figures['paced_p50_ms']!)} ms, p99 ${round(figures['paced_p99_ms']!)} ms`);
  if (spanMs > 0) {
    const span = await diskSyncLatencies(dir, { spanMs });
    const spanFigures = { span_p99_ms: percentile(span, 99), span_max_ms: span[span.length - 1] ?? 0, span_over_20ms: span.filter((ms) => ms > 20).length };
    log(
      `back to back for ${round(spanMs / 1000, 1)} s (as long as the compaction): ${span.length} fsyncs, ` +
        `p99 ${round(spanFigures.span_p99_ms)} ms, longest ${round(spanFigures.span_max_ms)} ms, ${spanFigures.span_over_20ms} over 20 ms`,
    );
    Object.assign(figures, spanFigures);
  }
  return figures;
}

export async function run(): Promise<void> {
  log('# storage benchmark (fsync on acknowledge everywhere)');
  const dir = mkdtempSync(join(tmpdir(), 'skiff-bench-storage-'));
  const etcd = await startEtcd({ name: 'bench' });
  const results: Record<string, Figures> = {};
  let disk: Record<string, number> = {};
  try {
    const run = Date.now().toString(36);
    const sqlite = SqliteBackend.open({ path: join(dir, 'state.db'), autoCompaction: false });
    results['sqlite'] = await measure(backendSubject('skiff sqlite driver', sqlite), `s${run}`, SQLITE_COMPACT_ROWS);
    await sqlite.close();
    disk = await diskReference(dir, results['sqlite'].compact_ms ?? 0);
    const raw = rawEtcdSubject(etcd.endpoint);
    results['raw_etcd'] = await measure(raw, `r${run}`, undefined);
    await raw.close();
    const etcdDriver = await EtcdBackend.open({ endpoints: [etcd.endpoint] });
    results['etcd'] = await measure(backendSubject('skiff etcd driver', etcdDriver), `e${run}`, ETCD_COMPACT_ROWS);
    await etcdDriver.close();
  } finally {
    await etcd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const s = results['sqlite']!;
  const r = results['raw_etcd']!;
  const e = results['etcd']!;
  const ratio = (a: number, b: number) => round(a / b, 2);
  log('\n## ratios (same run, same machine)');
  log(`sqlite creates (64 writers) vs raw etcd puts: ${ratio(s.create_64, r.create_64)}x   (target ≥ 3x)`);
  log(`sqlite updates (64 writers) vs raw etcd puts: ${ratio(s.update_64, r.update_64)}x`);
  log(`etcd driver creates (64 writers) vs raw etcd puts: ${ratio(e.create_64, r.create_64)}x`);
  log(
    `targets: watch p99 ≤ 5 ms (sqlite ${round(s.watch_p99_ms)}; the disk's own fsync p99 paced alike: ${round(disk['paced_p99_ms'] ?? NaN)}), ` +
      `list 10k ≤ 50 ms (sqlite ${round(s.list_10k_ms)}), compaction stall ≤ 20 ms (sqlite ${round(s.compact_max_write_stall_ms ?? NaN)}; ` +
      `the same writers as long without compaction: ${round(s.equal_baseline_max_write_ms ?? NaN)}; the disk's own longest fsync as long: ${round(disk['span_max_ms'] ?? NaN)})`,
  );
  const flat: Record<string, number | string> = { bench: 'storage' };
  for (const [subject, figures] of Object.entries(results)) {
    for (const [k, v] of Object.entries(figures)) flat[`${subject}_${k}`] = round(v as number);
  }
  for (const [k, v] of Object.entries(disk)) flat[`disk_fsync_${k}`] = round(v);
  flat['ratio_sqlite_vs_raw_etcd_create_64'] = ratio(s.create_64, r.create_64);
  flat['ratio_sqlite_vs_raw_etcd_update_64'] = ratio(s.update_64, r.update_64);
  flat['ratio_etcd_driver_vs_raw_etcd_create_64'] = ratio(e.create_64, r.create_64);
  log(JSON.stringify(flat));
}
