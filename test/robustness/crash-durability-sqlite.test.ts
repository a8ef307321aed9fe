import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SqliteBackend } from '../../src/storage/drivers/sqlite/sqlite-backend.js';
import { runCrashDurability } from './crash-durability.test-suite.js';

// Group commits on the store's own connection, then in its writer thread (as under load).
for (const writerThread of ['never', 'always'] as const) {
  test(`sqlite (group commits: ${writerThread === 'always' ? 'writer thread' : 'main thread'}): every acknowledged write survives SIGKILL, 20 times`, { timeout: 300_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-test-crash-'));
    try {
      const path = join(dir, 'state.db');
      const result = await runCrashDurability({
        dsn: `sqlite://${path}`,
        writerThread,
        reopen: async () => SqliteBackend.open({ path, autoCompaction: false }),
      });
      console.log(`sqlite crash test (${writerThread}): ${result.kills} kills, ${result.acks} acknowledged writes verified`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
