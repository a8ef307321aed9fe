/**
 * Crash durability: a writer is killed with SIGKILL at random points, over and over;
 * after each kill the store is reopened and every acknowledged write must be there,
 * and the revision must never go backwards. Shared by the SQLite and etcd runs: the
 * caller says how to crash the store and how to reopen it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Backend } from '../../src/storage/backend.js';

const WRITER = fileURLToPath(new URL('../support/crash-writer.ts', import.meta.url));

export interface CrashTarget {
  dsn: string;
  /** SQLite: where the writer's store applies group commits. */
  writerThread?: 'always' | 'never';
  /** At the kill point, before the writer dies: SIGKILL the store's own server (etcd). */
  killStore?: () => void;
  /** After the kill: bring the store's server back on the same data. */
  restartStore?: () => Promise<void>;
  /** Opens the store (again) for checking. */
  reopen: () => Promise<Backend>;
}

interface Ack {
  revision: number;
  key: string;
  value: string;
}

/** Runs the writer until at least `minAcks` acknowledgements, then a random extra delay, then SIGKILL. */
async function writeUntilKilled(target: CrashTarget, run: string, minAcks: number, extraMs: number): Promise<Ack[]> {
  const { dsn, killStore, writerThread } = target;
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dsn, run, ...(writerThread ? [writerThread] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
  const acks: Ack[] = [];
  let buffered = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let killTimer: NodeJS.Timeout | undefined;
    const giveUp = setTimeout(() => reject(new Error(`writer made no progress: ${stderr}`)), 30_000);
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const [tag, rev, key, value] = line.split(' ');
        if (tag === 'ack') acks.push({ revision: Number(rev), key: key!, value: value! });
      }
      if (acks.length >= minAcks && !killTimer) {
        killTimer = setTimeout(() => {
          clearTimeout(giveUp);
          killStore?.();
          child.kill('SIGKILL');
          resolve();
        }, extraMs);
      }
    });
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`writer exited early (${code ?? signal}): ${stderr}`));
    });
  });
  await exited;
  // Lines printed before the kill may still sit in the pipe.
  for (const line of buffered.split('\n')) {
    const [tag, rev, key, value] = line.split(' ');
    if (tag === 'ack' && value) acks.push({ revision: Number(rev), key: key!, value });
  }
  return acks;
}

export async function runCrashDurability(target: CrashTarget, kills = 20): Promise<{ kills: number; acks: number }> {
  let lastRevision = 0;
  let totalAcks = 0;
  for (let round = 0; round < kills; round++) {
    const acks = await writeUntilKilled(target, `r${round}`, 50 + Math.floor(Math.random() * 200), Math.floor(Math.random() * 150));
    await target.restartStore?.();
    assert.ok(acks.length > 0, `round ${round}: no acknowledged writes`);
    totalAcks += acks.length;
    const store = await target.reopen();
    try {
      const current = await store.currentRevision();
      const maxAck = Math.max(...acks.map((a) => a.revision));
      assert.ok(current >= maxAck, `round ${round}: revision ${current} is below acknowledged ${maxAck}`);
      assert.ok(current >= lastRevision, `round ${round}: revision went backwards ${lastRevision} → ${current}`);
      lastRevision = current;
      const decoder = new TextDecoder();
      for (const ack of acks) {
        const now = await store.get(ack.key);
        assert.ok(now.modRevision >= ack.revision, `round ${round}: ${ack.key} lost its write at ${ack.revision}`);
        const then = await store.get(ack.key, { atRevision: ack.revision });
        assert.equal(then.modRevision, ack.revision, `round ${round}: ${ack.key}@${ack.revision}`);
        assert.equal(decoder.decode(then.value).replace(/\.+$/, ''), ack.value);
      }
    } finally {
      await store.close();
    }
  }
  return { kills, acks: totalAcks };
}
