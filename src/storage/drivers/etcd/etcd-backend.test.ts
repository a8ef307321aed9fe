import assert from 'node:assert/strict';
import { connect, createServer, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { runBackendContract } from '../../contract.test-suite.js';
import type { WatchEvent, WatchStream } from '../../backend.js';
import { StorageError, type StorageErrorCode } from '../../errors.js';
import { requireEtcd, startEtcd, type EtcdServer } from '../../../../test/support/etcd-server.js';
import type { Logger } from '../../../util/logger.js';
import { EtcdBackend } from './etcd-backend.js';

const enc = (s: string) => new TextEncoder().encode(s);

async function expectCode(fn: () => unknown, code: StorageErrorCode): Promise<StorageError> {
  try {
    await fn();
  } catch (err) {
    assert.ok(err instanceof StorageError, String(err));
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected ${code}`);
}

/** Reads batches until `until` is reached; the error the stream ends with is returned. */
async function drain(stream: WatchStream, until = Number.MAX_SAFE_INTEGER): Promise<{ events: WatchEvent[]; error?: unknown }> {
  const events: WatchEvent[] = [];
  const timer = setTimeout(() => stream.close(), 20_000);
  try {
    for await (const batch of stream) {
      events.push(...batch);
      if (events[events.length - 1]!.revision >= until) break;
    }
    return { events };
  } catch (error) {
    return { events, error };
  } finally {
    clearTimeout(timer);
    stream.close();
  }
}

/**
 * A loopback TCP relay in front of etcd whose connections the test can cut, and which
 * can refuse new ones for a while: a network partition without touching etcd.
 */
async function startRelay(target: string): Promise<{ endpoint: string; cut(): void; restore(): void; close(): Promise<void> }> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  let refusing = false;
  const server = createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = connect(Number(port), hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  const cut = () => {
    refusing = true;
    for (const s of sockets) s.destroy();
  };
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    cut,
    restore: () => (refusing = false),
    close: async () => {
      cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

if (requireEtcd()) {
  let etcd: EtcdServer;
  before(async () => {
    etcd = await startEtcd({ name: 'contract' });
  });
  after(async () => {
    await etcd?.stop();
  });

  runBackendContract('etcd', async (options) => EtcdBackend.open({ endpoints: [etcd.endpoint], ...options }));

  // ---- what only the etcd driver has to get right ----

  describe('etcd driver', () => {
    let prefixCounter = 0;
    const unique = (label: string) => `/etcd-driver/${label}-${process.pid}-${prefixCounter++}/`;

    it('fails to open with Unavailable naming the endpoints when no cluster answers', async () => {
      // A port that was free a moment ago: nothing listens there.
      const dead = await startEtcd({ name: 'dead' });
      const endpoint = dead.endpoint;
      await dead.stop();
      const err = await expectCode(() => EtcdBackend.open({ endpoints: [endpoint], dialTimeoutMs: 2_000 }), 'Unavailable');
      assert.match(err.message, new RegExp(endpoint.replace(/[.:/]/g, '\\$&')));
      await expectCode(() => EtcdBackend.open({ endpoints: [] }), 'Unavailable');
    });

    it('finds a compaction made by another client, and refuses reads and watches below it', async () => {
      const mine = await EtcdBackend.open({ endpoints: [etcd.endpoint] });
      const other = await EtcdBackend.open({ endpoints: [etcd.endpoint] });
      try {
        const p = unique('foreign-compact');
        const r1 = await mine.create(`${p}k`, enc('1'));
        let rev = r1;
        for (let i = 2; i <= 20; i++) rev = await mine.update(`${p}k`, enc(String(i)), rev);
        const target = rev - 5;
        await other.compact(target);
        assert.equal(await mine.compactRevision(), target);
        const err = await expectCode(() => mine.get(`${p}k`, { atRevision: target - 1 }), 'Compacted');
        assert.equal(err.details.compactRevision, target);
        // watch: exactly SQLite's rule, fromRevision below the compaction revision fails
        const refused = await drain(mine.watch(p, target - 1));
        assert.ok(refused.error instanceof StorageError && refused.error.code === 'Compacted', String(refused.error));
        assert.equal(refused.error.details.compactRevision, target);
        const fine = await drain(mine.watch(p, target), rev);
        assert.deepEqual(fine.events.map((e) => e.revision), [1, 2, 3, 4, 5].map((d) => target + d));
      } finally {
        await mine.close();
        await other.close();
      }
    });

    it('close fails open watches with Closed and refuses later calls', async () => {
      const store = await EtcdBackend.open({ endpoints: [etcd.endpoint] });
      const stream = store.watch(unique('close'), await store.currentRevision());
      const pending = drain(stream);
      await store.close();
      const { error } = await pending;
      assert.ok(error instanceof StorageError && error.code === 'Closed', String(error));
      await expectCode(() => store.get('/x'), 'Closed');
      await expectCode(() => store.create('/x', enc('v')), 'Closed');
      const late = await drain(store.watch('/x', 0));
      assert.ok(late.error instanceof StorageError && late.error.code === 'Closed');
      await store.close();
    });

    it('the empty prefix spans the whole keyspace for list, count and paging', async () => {
      const store = await EtcdBackend.open({ endpoints: [etcd.endpoint] });
      try {
        const p = unique('all');
        await store.create(`${p}a`, enc('a'));
        await store.create(`${p}b`, enc('b'));
        const total = await store.count('');
        assert.ok(total >= 2);
        const everything = await store.list('');
        assert.equal(everything.items.length, total);
        const page = await store.list('', { limit: 1, startAfterKey: `${p}a` });
        assert.deepEqual(page.items.map((i) => i.key), [`${p}b`]);
        const beyond = await store.list(p, { startAfterKey: `${p}zzz` });
        assert.deepEqual([beyond.items.length, beyond.more], [0, false]);
      } finally {
        await store.close();
      }
    });

    it('replays a long history through a small buffer without overflow, pulled at the consumer pace', async () => {
      const store = await EtcdBackend.open({ endpoints: [etcd.endpoint], maxBufferedEvents: 50 });
      try {
        const p = unique('long-history');
        const from = await store.currentRevision();
        const written: number[] = [];
        for (let i = 0; i < 3000; i += 100) {
          written.push(...(await Promise.all(Array.from({ length: 100 }, (_, j) => store.create(`${p}${i + j}`, enc('x'))))));
        }
        written.sort((a, b) => a - b);
        const seen: number[] = [];
        const stream = store.watch(p, from);
        for await (const batch of stream) {
          seen.push(...batch.map((e) => e.revision));
          // Slower than etcd's 100 ms catch-up cadence, so history piles up beyond the
          // buffer bound and the stream must be held back rather than overflow.
          await new Promise((resolve) => setTimeout(resolve, 250));
          if (seen.length >= written.length) break;
        }
        assert.deepEqual(seen, written);
      } finally {
        await store.close();
      }
    });

    it('a watch resumes after its connection is cut, with no event lost or repeated', async () => {
      const relay = await startRelay(etcd.endpoint);
      const warnings: string[] = [];
      const logger: Logger = {
        debug: () => undefined,
        info: () => undefined,
        warn: (_fields, message) => void warnings.push(message),
        error: () => undefined,
        child: () => logger,
      };
      const watching = await EtcdBackend.open({ endpoints: [relay.endpoint], logger });
      const writer = await EtcdBackend.open({ endpoints: [etcd.endpoint] });
      try {
        const p = unique('cut');
        const from = await writer.currentRevision();
        const stream = watching.watch(p, from);
        const seen: WatchEvent[] = [];
        let arrived: () => void = () => undefined;
        const reader = (async () => {
          for await (const batch of stream) {
            seen.push(...batch);
            arrived();
          }
        })();
        const waitFor = async (revision: number) => {
          while (!seen.some((e) => e.revision >= revision)) {
            await new Promise<void>((resolve) => {
              arrived = resolve;
              setTimeout(resolve, 100);
            });
          }
        };
        const written: number[] = [];
        const write = async (n: number) => {
          for (let i = 0; i < n; i++) written.push(await writer.create(`${p}${written.length}`, enc(String(written.length))));
        };
        await write(10);
        await waitFor(written[written.length - 1]!);
        relay.cut();
        await write(10);
        await new Promise((resolve) => setTimeout(resolve, 300));
        relay.restore();
        await write(10);
        await waitFor(written[written.length - 1]!);
        stream.close();
        await reader;
        assert.deepEqual(seen.map((e) => e.revision), written);
        assert.deepEqual(seen.map((e) => e.type), written.map(() => 'PUT'));
        assert.ok(warnings.some((m) => m.includes('resuming')), 'the stream really was lost and resumed');
      } finally {
        await watching.close();
        await writer.close();
        await relay.close();
      }
    });

    it('a watch whose cluster goes away ends with Unavailable after its resume window', async () => {
      const lonely = await startEtcd({ name: 'lonely' });
      const store = await EtcdBackend.open({ endpoints: [lonely.endpoint], watchResumeWindowMs: 1_500 });
      try {
        const p = unique('gone');
        const from = await store.currentRevision();
        const stream = store.watch(p, from);
        const r = await store.create(`${p}k`, enc('v'));
        const it = stream[Symbol.asyncIterator]();
        const first = await it.next();
        assert.equal((first.value as WatchEvent[])[0]!.revision, r);
        lonely.kill();
        await assert.rejects(it.next(), (err: unknown) => err instanceof StorageError && err.code === 'Unavailable');
        await expectCode(() => store.currentRevision(), 'Unavailable');
      } finally {
        await store.close();
        await lonely.stop();
      }
    });
  });
}
