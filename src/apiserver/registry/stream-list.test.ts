import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { SqliteBackend } from '../../storage/drivers/sqlite/sqlite-backend.js';
import { silentLogger } from '../../util/logger.js';
import { joinJsonPieces } from '../../api/json-pieces.js';
import { Registry } from './registry.js';

const dir = mkdtempSync(join(tmpdir(), 'skiff-test-stream-list-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { k: name } });

it('a streamed list hands over pages read at one revision: writes meanwhile do not show', async () => {
  const storage = SqliteBackend.open({ path: join(dir, 'state.db'), autoCompaction: false });
  const registry = new Registry(storage, silentLogger, { serviceCidr: '10.43.0.0/16' });
  const { store } = registry.core('configmaps');
  try {
    const names = Array.from({ length: 2500 }, (_, i) => `cm-${String(i).padStart(4, '0')}`);
    for (let i = 0; i < names.length; i += 100) await Promise.all(names.slice(i, i + 100).map((n) => store.create('s', cm(n))));
    await store.create('other', cm('elsewhere'));

    const seen: string[] = [];
    const pageSizes: number[] = [];
    const versions = new Set<string>();
    await store.streamList('s', {}, async (items, resourceVersion) => {
      if (pageSizes.length === 0) {
        // Between pages: a new object, and one of a later page deleted.
        await store.create('s', cm('cm-9999'));
        await store.delete('s', 'cm-2400', {});
      }
      pageSizes.push(items.length);
      versions.add(resourceVersion);
      for (const item of items) {
        const obj = JSON.parse(joinJsonPieces(item).toString('utf8')) as { kind: string; metadata: { name: string; resourceVersion: string } };
        assert.equal(obj.kind, 'ConfigMap');
        assert.ok(Number(obj.metadata.resourceVersion) <= Number(resourceVersion));
        seen.push(obj.metadata.name);
      }
    });
    assert.deepEqual(pageSizes, [1000, 1000, 500]);
    assert.equal(versions.size, 1, 'every page from one revision');
    assert.deepEqual(seen, names, 'all of the namespace, in order, as it was when the list began');

    // An empty namespace is one empty page, at the newest revision.
    const empty: number[] = [];
    await store.streamList('none', {}, async (items, resourceVersion) => {
      empty.push(items.length);
      assert.equal(resourceVersion, String(await storage.currentRevision()));
    });
    assert.deepEqual(empty, [0]);
  } finally {
    registry.stop();
    await storage.close();
  }
});
