/**
 * The storage contract as executable tests, run against every driver. Tests share one
 * store per driver (an etcd cluster cannot be wiped between tests), so each uses a
 * key prefix of its own and reasons only about revisions it observed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Backend, KeyValue, WatchEvent, WatchStream } from './backend.js';
import { StorageError, type StorageErrorCode } from './errors.js';

export interface ContractOpenOptions {
  maxBufferedEvents?: number;
}

export type OpenBackend = (options?: ContractOpenOptions) => Promise<Backend>;

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));

let prefixCounter = 0;
function uniquePrefix(label: string): string {
  return `/contract/${label}-${process.pid}-${Date.now().toString(36)}-${prefixCounter++}/`;
}

async function rejectsWith(promise: Promise<unknown> | (() => unknown), code: StorageErrorCode): Promise<StorageError> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (err) {
    assert.ok(err instanceof StorageError, `expected StorageError ${code}, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected ${code}, but the call succeeded`);
}

/** Collects watch events until one with revision >= `until` has arrived. */
async function collect(stream: WatchStream, until: number, timeoutMs = 20_000): Promise<WatchEvent[]> {
  const events: WatchEvent[] = [];
  const timer = setTimeout(() => stream.close(), timeoutMs);
  try {
    for await (const batch of stream) {
      events.push(...batch);
      if (events.length > 0 && events[events.length - 1]!.revision >= until) break;
    }
  } finally {
    clearTimeout(timer);
    stream.close();
  }
  return events;
}

async function listAll(store: Backend, prefix: string, pageSize: number, atRevision?: number): Promise<{ items: KeyValue[]; revision: number }> {
  const items: KeyValue[] = [];
  let startAfterKey: string | undefined;
  let revision = atRevision;
  for (;;) {
    const page = await store.list(prefix, { limit: pageSize, startAfterKey, atRevision: revision });
    revision = page.revision;
    items.push(...page.items);
    if (!page.more) return { items, revision };
    startAfterKey = page.items[page.items.length - 1]!.key;
  }
}

export function runBackendContract(driver: string, open: OpenBackend): void {
  describe(`storage contract: ${driver}`, () => {
    let store: Backend;
    before(async () => {
      store = await open();
    });
    after(async () => {
      await store.close();
    });

    it('create assigns increasing revisions and refuses a live key', async () => {
      const p = uniquePrefix('create');
      const r1 = await store.create(`${p}a`, enc('1'));
      const r2 = await store.create(`${p}b`, enc('2'));
      assert.ok(r2 > r1);
      assert.ok((await store.currentRevision()) >= r2);
      await rejectsWith(store.create(`${p}a`, enc('again')), 'KeyExists');
      const kv = await store.get(`${p}a`);
      assert.deepEqual([dec(kv.value), kv.createRevision, kv.modRevision], ['1', r1, r1]);
    });

    it('get of a missing key is KeyNotFound', async () => {
      await rejectsWith(store.get(`${uniquePrefix('get')}nope`), 'KeyNotFound');
    });

    it('update is compare-and-swap on modRevision', async () => {
      const p = uniquePrefix('update');
      const r1 = await store.create(`${p}k`, enc('v1'));
      const r2 = await store.update(`${p}k`, enc('v2'), r1);
      assert.ok(r2 > r1);
      const err = await rejectsWith(store.update(`${p}k`, enc('stale'), r1), 'Conflict');
      assert.equal(err.details.currentModRevision, r2);
      const kv = await store.get(`${p}k`);
      assert.deepEqual([dec(kv.value), kv.createRevision, kv.modRevision], ['v2', r1, r2]);
      await rejectsWith(store.update(`${p}missing`, enc('x'), r1), 'KeyNotFound');
    });

    it('delete returns the previous value; a re-created key starts a new incarnation', async () => {
      const p = uniquePrefix('delete');
      const r1 = await store.create(`${p}k`, enc('v1'));
      const r2 = await store.update(`${p}k`, enc('v2'), r1);
      await rejectsWith(store.delete(`${p}k`, r1), 'Conflict');
      const del = await store.delete(`${p}k`, r2);
      assert.ok(del.revision > r2);
      assert.deepEqual([dec(del.prev.value), del.prev.modRevision, del.prev.createRevision], ['v2', r2, r1]);
      await rejectsWith(store.get(`${p}k`), 'KeyNotFound');
      await rejectsWith(store.delete(`${p}k`), 'KeyNotFound');
      await rejectsWith(store.update(`${p}k`, enc('x'), r2), 'KeyNotFound');
      const r4 = await store.create(`${p}k`, enc('v3'));
      const kv = await store.get(`${p}k`);
      assert.deepEqual([kv.createRevision, kv.modRevision, dec(kv.value)], [r4, r4, 'v3']);
      const unconditional = await store.delete(`${p}k`);
      assert.equal(dec(unconditional.prev.value), 'v3');
    });

    it('values are opaque bytes', async () => {
      const p = uniquePrefix('bytes');
      const value = new Uint8Array(256).map((_, i) => i);
      await store.create(`${p}bin`, value);
      assert.deepEqual(new Uint8Array((await store.get(`${p}bin`)).value), value);
      await store.create(`${p}empty`, new Uint8Array(0));
      assert.equal((await store.get(`${p}empty`)).value.byteLength, 0);
      // Lists return each value's exact bytes too, with a page limit and without.
      const invalidUtf8 = Uint8Array.from([0xc3, 0x28, 0, 0xf0, 0x80, 0xff]);
      await store.create(`${p}odd`, invalidUtf8);
      const expected = [value, new Uint8Array(0), invalidUtf8];
      const all = await store.list(p);
      assert.deepEqual(all.items.map((kv) => kv.key), [`${p}bin`, `${p}empty`, `${p}odd`]);
      all.items.forEach((kv, i) => assert.deepEqual(new Uint8Array(kv.value), expected[i]));
      const page = await store.list(p, { limit: 2 });
      assert.equal(page.more, true);
      page.items.forEach((kv, i) => assert.deepEqual(new Uint8Array(kv.value), expected[i]));
      const rest = await store.list(p, { limit: 2, startAfterKey: page.items[1]!.key });
      assert.deepEqual(new Uint8Array(rest.items[0]!.value), invalidUtf8);
    });

    it('refuses oversized values and malformed keys, changing nothing', async () => {
      const p = uniquePrefix('limits');
      const before = await store.currentRevision();
      await rejectsWith(() => store.create(`${p}big`, new Uint8Array(1.5 * 1024 * 1024 + 1)), 'TooLarge');
      await rejectsWith(() => store.create('', enc('x')), 'InvalidKey');
      await rejectsWith(() => store.create(`${p}has space`, enc('x')), 'InvalidKey');
      await rejectsWith(() => store.create(`${p}\u00e9`, enc('x')), 'InvalidKey');
      await rejectsWith(store.get(`${p}big`), 'KeyNotFound');
      assert.equal(await store.currentRevision(), before);
      // exactly at the limit is fine
      await store.create(`${p}max`, new Uint8Array(1.5 * 1024 * 1024));
    });

    it('list returns keys of the prefix in order, with limit, more and startAfterKey', async () => {
      const p = uniquePrefix('list');
      const keys = ['c', 'a', 'b/x', 'b', 'd'].map((k) => `${p}${k}`);
      for (const k of keys) await store.create(k, enc(k));
      // a sibling whose name extends the prefix's last segment must not match
      await store.create(`${p.slice(0, -1)}x/zz`, enc('other'));
      const all = await store.list(p);
      assert.deepEqual(all.items.map((i) => i.key), [...keys].sort());
      assert.equal(all.more, false);
      assert.ok(all.revision >= Math.max(...all.items.map((i) => i.modRevision)));
      const page1 = await store.list(p, { limit: 2 });
      assert.deepEqual(page1.items.map((i) => i.key.slice(p.length)), ['a', 'b']);
      assert.equal(page1.more, true);
      const page2 = await store.list(p, { limit: 2, startAfterKey: page1.items[1]!.key, atRevision: page1.revision });
      assert.deepEqual(page2.items.map((i) => i.key.slice(p.length)), ['b/x', 'c']);
      assert.equal(page2.more, true);
      const page3 = await store.list(p, { limit: 2, startAfterKey: page2.items[1]!.key, atRevision: page1.revision });
      assert.deepEqual(page3.items.map((i) => i.key.slice(p.length)), ['d']);
      assert.equal(page3.more, false);
      assert.equal(await store.count(p), 5);
      assert.equal((await store.list(`${p}zzz/`)).items.length, 0);
    });

    it('get and list at a past revision return exactly the state then', async () => {
      const p = uniquePrefix('history');
      const r1 = await store.create(`${p}a`, enc('a1'));
      await store.create(`${p}b`, enc('b1'));
      const snapshot = await store.currentRevision();
      await store.update(`${p}a`, enc('a2'), r1);
      await store.delete(`${p}b`);
      await store.create(`${p}c`, enc('c1'));
      const then = await store.list(p, { atRevision: snapshot });
      assert.equal(then.revision, snapshot);
      assert.deepEqual(then.items.map((i) => [i.key.slice(p.length), dec(i.value)]), [['a', 'a1'], ['b', 'b1']]);
      assert.equal(dec((await store.get(`${p}a`, { atRevision: snapshot })).value), 'a1');
      assert.equal(dec((await store.get(`${p}b`, { atRevision: snapshot })).value), 'b1');
      await rejectsWith(store.get(`${p}c`, { atRevision: snapshot }), 'KeyNotFound');
      await rejectsWith(store.get(`${p}a`, { atRevision: r1 - 1 }), 'KeyNotFound');
      const now = await store.list(p);
      assert.deepEqual(now.items.map((i) => [i.key.slice(p.length), dec(i.value)]), [['a', 'a2'], ['c', 'c1']]);
      const future = (await store.currentRevision()) + 1000;
      await rejectsWith(store.get(`${p}a`, { atRevision: future }), 'FutureRevision');
      await rejectsWith(store.list(p, { atRevision: future }), 'FutureRevision');
    });

    it('concurrent writers on one key: exactly one wins each round', async () => {
      const key = `${uniquePrefix('race')}k`;
      let rev = await store.create(key, enc('0'));
      for (let round = 0; round < 20; round++) {
        const attempts = await Promise.allSettled(
          Array.from({ length: 8 }, (_, w) => store.update(key, enc(`${round}:${w}`), rev)),
        );
        const won = attempts.filter((a): a is PromiseFulfilledResult<number> => a.status === 'fulfilled');
        assert.equal(won.length, 1, `round ${round}: ${won.length} winners`);
        for (const a of attempts) {
          if (a.status === 'rejected') assert.equal((a.reason as StorageError).code, 'Conflict');
        }
        rev = won[0]!.value;
        assert.equal((await store.get(key)).modRevision, rev);
      }
    });

    it('watch delivers every change once, in order, without gaps, with previous values', async () => {
      const p = uniquePrefix('watch');
      const start = await store.currentRevision();
      const stream = store.watch(p, start);
      // Writes from several concurrent writers, including other prefixes that must not appear.
      const acked = new Map<number, string>();
      await Promise.all(
        Array.from({ length: 5 }, async (_, w) => {
          for (let i = 0; i < 40; i++) {
            const key = `${p}w${w}-${i % 7}`;
            try {
              acked.set(await store.create(key, enc(`${w}.${i}`)), key);
            } catch {
              const cur = await store.get(key);
              if (i % 3 === 0) acked.set((await store.delete(key, cur.modRevision)).revision, key);
              else acked.set(await store.update(key, enc(`${w}.${i}`), cur.modRevision), key);
            }
            await store.create(`${p.slice(0, -1)}-other/${w}-${i}`, enc('noise'));
          }
        }),
      );
      const last = Math.max(...acked.keys());
      const events = await collect(stream, last);
      const revisions = events.map((e) => e.revision);
      assert.deepEqual(revisions, [...acked.keys()].sort((a, b) => a - b), 'exactly the acknowledged writes, in order');
      for (const e of events) assert.equal(e.key, acked.get(e.revision));
      // previous values: every update and delete names the value it replaced
      const lastValue = new Map<string, string>();
      for (const e of events) {
        if (e.type === 'PUT') {
          assert.equal(dec(e.prevValue), lastValue.get(e.key), `prevValue of ${e.key}@${e.revision}`);
          lastValue.set(e.key, dec(e.value)!);
        } else {
          assert.equal(dec(e.prevValue), lastValue.get(e.key));
          lastValue.delete(e.key);
        }
      }
    });

    it('watch resumes from any retained revision with exactly the later changes', async () => {
      const p = uniquePrefix('resume');
      const start = await store.currentRevision();
      const revisions: number[] = [];
      let rev = await store.create(`${p}k`, enc('0'));
      revisions.push(rev);
      for (let i = 1; i < 30; i++) revisions.push((rev = await store.update(`${p}k`, enc(String(i)), rev)));
      const last = revisions[revisions.length - 1]!;
      for (const from of [start, revisions[0]!, revisions[10]!, revisions[28]!]) {
        const events = await collect(store.watch(p, from), last);
        assert.deepEqual(events.map((e) => e.revision), revisions.filter((r) => r > from), `from ${from}`);
      }
      // from the newest revision: nothing old, then the next live change
      const stream = store.watch(p, last);
      const next = await store.update(`${p}k`, enc('live'), last);
      const events = await collect(stream, next);
      assert.deepEqual(events.map((e) => [e.revision, dec((e as { value?: Uint8Array }).value)]), [[next, 'live']]);
    });

    it('watch of the empty prefix sees every key', async () => {
      const p = uniquePrefix('all');
      const from = await store.currentRevision();
      const stream = store.watch('', from);
      const r = await store.create(`${p}k`, enc('v'));
      const events = await collect(stream, r);
      assert.ok(events.some((e) => e.key === `${p}k` && e.revision === r));
    });

    it('continues through 10,000 keys at one revision while writes happen', async () => {
      const p = uniquePrefix('paging');
      const N = 10_000;
      const expected = new Map<string, string>();
      for (let i = 0; i < N; i += 500) {
        await Promise.all(
          Array.from({ length: 500 }, (_, j) => {
            const key = `${p}${String(i + j).padStart(6, '0')}`;
            expected.set(key, `v${i + j}`);
            return store.create(key, enc(`v${i + j}`));
          }),
        );
      }
      const first = await store.list(p, { limit: 500 });
      let stop = false;
      const writer = (async () => {
        let n = 0;
        while (!stop) {
          const key = `${p}${String(n % N).padStart(6, '0')}`;
          const cur = await store.get(key).catch(() => undefined);
          if (cur && n % 5 === 0) await store.delete(key, cur.modRevision).catch(() => undefined);
          else if (cur) await store.update(key, enc('changed'), cur.modRevision).catch(() => undefined);
          await store.create(`${p}new-${n}`, enc('new')).catch(() => undefined);
          n += 37;
        }
      })();
      try {
        // The first page was read before the writer started; the rest at its revision.
        const { items: later } = await listAll(store, p, 500, first.revision);
        const rest = [...first.items, ...later.filter((i) => i.key > first.items[first.items.length - 1]!.key)];
        assert.equal(rest.length, N);
        for (const item of rest) assert.equal(dec(item.value), expected.get(item.key), item.key);
      } finally {
        stop = true;
        await writer;
      }
      assert.ok((await store.list(p)).items.some((i) => dec(i.value) !== expected.get(i.key)), 'the writer did change things');
    });

    it('a slow consumer is cut off with WatchOverflow while writers and other watchers go on', async () => {
      const small = await open({ maxBufferedEvents: 100 });
      try {
        const p = uniquePrefix('slow');
        const from = await small.currentRevision();
        const slow = small.watch(p, from);
        const fast = small.watch(p, from);
        const fastSeen: WatchEvent[] = [];
        const fastDone = (async () => {
          for await (const batch of fast) {
            fastSeen.push(...batch);
            if (fastSeen.length >= 300) break;
          }
        })();
        // Should it fail, it fails the test where awaited below, not as an unhandled rejection meanwhile.
        fastDone.catch(() => undefined);
        let last = await small.create(`${p}0`, enc('x'));
        // The slow one takes the first write, then reads nothing more. Having received an
        // event, its watch is registered (a driver may register it asynchronously, and
        // writes before registration are history, pulled on demand rather than pushed):
        // every later write is live, and counts against its bound.
        const got: WatchEvent[] = [...((await slow[Symbol.asyncIterator]().next()).value as WatchEvent[])];
        const taken = got.length;
        for (let i = 1; i < 300; i++) last = await small.create(`${p}${i}`, enc('x'));
        // the fast watcher, reading as it goes, sees all 300 writes
        const timer = setTimeout(() => fast.close(), 15_000);
        await fastDone;
        clearTimeout(timer);
        assert.equal(fastSeen.length, 300);
        assert.equal(fastSeen[299]!.revision, last);
        // the slow one gets what was buffered (contiguous), then the overflow error
        // (closed after 15 s should it never come, so that the test fails instead of hanging)
        const slowTimer = setTimeout(() => slow.close(), 15_000);
        const err = await rejectsWith(
          (async () => {
            for await (const batch of slow) got.push(...batch);
          })(),
          'WatchOverflow',
        );
        clearTimeout(slowTimer);
        assert.ok(err.message.length > 0);
        assert.ok(got.length - taken <= 100, 'no more than the bound was buffered');
        got.forEach((e, i) => i > 0 && assert.equal(e.revision > got[i - 1]!.revision, true));
        // and can resume from the last revision it saw
        const resumeFrom = got.length ? got[got.length - 1]!.revision : from;
        const resumed = await collect(small.watch(p, resumeFrom), last);
        assert.equal(got.length + resumed.length, 300);
      } finally {
        await small.close();
      }
    });

    it('compaction: older revisions are gone, newer history and current state remain', async () => {
      const p = uniquePrefix('compact');
      const r1 = await store.create(`${p}k`, enc('v1'));
      const r2 = await store.update(`${p}k`, enc('v2'), r1);
      const r3 = await store.update(`${p}k`, enc('v3'), r2);
      const rGone = await store.create(`${p}gone`, enc('x'));
      const rDel = (await store.delete(`${p}gone`)).revision;
      const r4 = await store.update(`${p}k`, enc('v4'), r3);
      await rejectsWith(store.compact((await store.currentRevision()) + 100), 'FutureRevision');
      await store.compact(r3);
      assert.equal(await store.compactRevision(), r3);
      await rejectsWith(store.get(`${p}k`, { atRevision: r2 }), 'Compacted');
      await rejectsWith(store.list(p, { atRevision: r1 }), 'Compacted');
      const old = store.watch(p, r1);
      await rejectsWith(collect(old, Number.MAX_SAFE_INTEGER, 5_000), 'Compacted');
      // at and after the compacted revision everything is intact
      assert.equal(dec((await store.get(`${p}k`, { atRevision: r3 })).value), 'v3');
      const events = await collect(store.watch(p, r3), r4);
      assert.deepEqual(events.map((e) => [e.type, e.revision, dec(e.prevValue)]), [
        ['PUT', rGone, undefined],
        ['DELETE', rDel, 'x'],
        ['PUT', r4, 'v3'],
      ]);
      assert.equal(dec((await store.get(`${p}k`)).value), 'v4');
      // compacting to an older revision again is harmless
      await store.compact(r2);
      assert.equal(await store.compactRevision(), r3);
      assert.ok((await store.dbSize()) > 0);
    });
  });
}
