import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SqliteBackend } from '../../src/storage/drivers/sqlite/sqlite-backend.js';
import { runCrashDurability } from './crash-durability.test-suite.js';

test('sqlite: every acknowledged write survives SIGKILL, 20 times', { timeout: 300_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-test-crash-'));
  try {
    const path = join(dir, 'state.db');
    const result = await runCrashDurability({
      dsn: `sqlite://${path}`,
      reopen: async () => SqliteBackend.open({ path, autoCompaction: false }),
    });
    console.log(`sqlite crash test: ${result.kills} kills, ${result.acks} acknowledged writes verified`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
