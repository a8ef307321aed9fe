import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadKubeconfig, parseKubeconfig } from './kubeconfig.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

const doc = `
apiVersion: v1
kind: Config
clusters:
  - name: one
    cluster: { server: "https://127.0.0.1:6443", certificate-authority-data: ${b64('CA1')} }
  - name: two
    cluster: { server: "https://10.0.0.2:6443/prefix", certificate-authority: ca.pem, tls-server-name: api.local }
users:
  - name: admin
    user: { client-certificate-data: ${b64('CERT')}, client-key-data: ${b64('KEY')} }
  - name: robot
    user: { token: s3cret }
  - name: filer
    user: { tokenFile: token.txt }
contexts:
  - name: a
    context: { cluster: one, user: admin }
  - name: b
    context: { cluster: two, user: robot }
  - name: c
    context: { cluster: two, user: filer }
current-context: a
`;

describe('kubeconfig', () => {
  it('uses the current context: server, inline CA, client certificate and key', () => {
    const c = parseKubeconfig(doc);
    assert.equal(c.server, 'https://127.0.0.1:6443');
    assert.equal(c.ca?.toString(), 'CA1');
    assert.equal(c.cert?.toString(), 'CERT');
    assert.equal(c.key?.toString(), 'KEY');
    assert.equal(c.token, undefined);
  });

  it('resolves files relative to the kubeconfig, tokens and a named context', () => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-test-kubeconfig-'));
    try {
      writeFileSync(join(dir, 'config'), doc);
      writeFileSync(join(dir, 'ca.pem'), 'CA2');
      writeFileSync(join(dir, 'token.txt'), 'from-file\n');
      const b = loadKubeconfig(join(dir, 'config'), 'b');
      assert.equal(b.server, 'https://10.0.0.2:6443/prefix');
      assert.equal(b.ca?.toString(), 'CA2');
      assert.equal(b.tlsServerName, 'api.local');
      assert.equal(b.token, 's3cret');
      assert.equal(b.cert, undefined);
      assert.equal(loadKubeconfig(join(dir, 'config'), 'c').token, 'from-file');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says what is missing', () => {
    assert.throws(() => parseKubeconfig(doc, { context: 'zzz' }), /no context named "zzz"/);
    assert.throws(() => parseKubeconfig('clusters: []'), /no current-context/);
    assert.throws(() => parseKubeconfig('- a'), /not a YAML mapping/);
  });
});
