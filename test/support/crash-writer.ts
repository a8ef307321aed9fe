/**
 * Child process for the crash-durability test: writes to the store given by the DSN in
 * argv[2] (argv[4]: where SQLite applies group commits) as fast as it can from 16 concurrent writers and prints one line per
 * acknowledged write (`ack <revision> <key> <value>`). stdout to a pipe is synchronous
 * on Linux, so a printed line means the acknowledgement really happened before the kill.
 */
import { openBackend } from '../../src/storage/open.js';

const dsn = process.argv[2];
if (!dsn) throw new Error('usage: crash-writer <dsn> [run] [always|never|auto: where SQLite applies group commits]');
const run = process.argv[3] ?? 'r';
const writerThread = process.argv[4] as 'auto' | 'always' | 'never' | undefined;
const store = await openBackend(dsn, { autoCompaction: false, ...(writerThread ? { writerThread } : {}) });
process.stdout.write(`start ${await store.currentRevision()}\n`);

await Promise.all(
  Array.from({ length: 16 }, async (_, w) => {
    for (let seq = 0; ; seq++) {
      const key = `/crash/${run}/w${w}/k${seq % 20}`;
      const value = `${run}:${w}:${seq}`;
      const bytes = new TextEncoder().encode(value.padEnd(200, '.'));
      let revision: number;
      try {
        const cur = await store.get(key);
        revision = await store.update(key, bytes, cur.modRevision);
      } catch {
        revision = await store.create(key, bytes);
      }
      process.stdout.write(`ack ${revision} ${key} ${value}\n`);
    }
  }),
);
