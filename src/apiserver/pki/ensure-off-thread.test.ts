import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { ensureClusterPkiOffThread } from './ensure-off-thread.js';
import { pkiFiles } from './cluster-pki.js';

it('makes a first start\'s certificates in a child process and loads them with node:crypto alone', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-test-pki-child-'));
  try {
    const pki = await ensureClusterPkiOffThread(dir, { extraSans: ['skiff.example'] });
    assert.deepEqual(pki.changes.map((c) => `${c.item} ${c.action}`).sort(), [
      'admin created',
      'ca created',
      'kubelet-client created',
      'service-account created',
      'serving created',
    ]);
    const { dir: _tls, ...paths } = pkiFiles(dir);
    for (const path of Object.values(paths)) assert.ok(existsSync(path), path);
    assert.ok(pki.servingSans.dns.includes('skiff.example'));
    // @peculiar/x509 needs the reflect-metadata polyfill, which defines Reflect.getMetadata:
    // had the library been loaded in this process, it would be there.
    assert.equal(typeof (Reflect as { getMetadata?: unknown }).getMetadata, 'undefined');
    // A later start finds everything and changes nothing.
    const again = await ensureClusterPkiOffThread(dir, { extraSans: ['skiff.example'] });
    assert.deepEqual(again.changes, []);
    assert.equal(again.caCertPem, pki.caCertPem);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
