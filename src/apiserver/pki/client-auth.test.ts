import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { connect, createServer, type ConnectionOptions } from 'node:tls';
import { ensureClusterPki, type ClusterPki } from './cluster-pki.js';
import { verifyClientCertificate, type ClientIdentity } from './client-auth.js';
import { generateEcdsaKeyPair, importSigningKey } from './keys.js';
import { loadX509 } from './x509-library.js';

const HOST = { hostname: 'skiff-test-host', addresses: ['127.0.0.1'] };
const DAY_MS = 24 * 60 * 60 * 1000;

async function clusterPki(t: TestContext, now?: () => Date): Promise<ClusterPki> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-test-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return ensureClusterPki(dir, { host: HOST, ...(now ? { now } : {}) });
}

/**
 * Runs one real TLS handshake on loopback: the server presents the serving cert, asks
 * for (but does not require) a client cert, and answers with the identity that
 * verifyClientCertificate derived from it. The client verifies the server against the CA.
 */
async function handshake(t: TestContext, pki: ClusterPki, client: ConnectionOptions): Promise<ClientIdentity | null> {
  const server = createServer(
    { cert: pki.servingCertPem, key: pki.servingKeyPem, requestCert: true, rejectUnauthorized: false },
    (socket) => {
      const peer = socket.getPeerX509Certificate();
      socket.end(JSON.stringify(peer ? (pki.verifyClientCertificate(peer) ?? null) : null));
    },
  );
  t.after(() => server.close());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca: pki.caCertPem, ...client });
    let body = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (body += chunk));
    socket.on('end', () => resolve(JSON.parse(body) as ClientIdentity | null));
    socket.on('error', reject);
  });
}

/** A client certificate signed with the CA key on disk, with hand-picked fields. */
async function handMadeClientCert(pki: ClusterPki, subject: string, withEku: boolean): Promise<X509Certificate> {
  const x509 = await loadX509();
  const caKey = await importSigningKey(await readFile(pki.files.caKey, 'utf8'));
  const caCert = new x509.X509Certificate(pki.caCertPem);
  const key = await generateEcdsaKeyPair();
  const cert = await x509.X509CertificateGenerator.create({
    subject,
    issuer: caCert.subjectName,
    publicKey: key.publicKey,
    signingKey: caKey.privateKey,
    signingAlgorithm: caKey.signingAlgorithm,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + DAY_MS),
    extensions: withEku ? [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth])] : [],
  });
  return new X509Certificate(cert.toString('pem'));
}

test('TLS handshake with the admin cert authenticates admin in system:masters', async (t) => {
  const pki = await clusterPki(t);
  // servername exercises the DNS SAN path of the client's server-identity check; no servername, the IP SAN.
  for (const servername of ['localhost', 'kubernetes.default.svc', undefined]) {
    const identity = await handshake(t, pki, {
      cert: pki.adminCertPem,
      key: pki.adminKeyPem,
      ...(servername ? { servername } : {}),
    });
    assert.deepEqual(identity, { user: 'admin', groups: ['system:masters'] }, String(servername));
  }
});

test('a handshake without a client cert, or with a cert from another CA, does not authenticate', async (t) => {
  const pki = await clusterPki(t);
  const other = await clusterPki(t);
  assert.equal(await handshake(t, pki, {}), null);
  assert.equal(await handshake(t, pki, { cert: other.adminCertPem, key: other.adminKeyPem }), null);
  assert.equal(pki.verifyClientCertificate(new X509Certificate(other.adminCertPem)), undefined);
  // The same certificate passes its own CA, so the refusal above is about the issuer.
  assert.deepEqual(other.verifyClientCertificate(new X509Certificate(other.adminCertPem))?.user, 'admin');
});

test('issued client certificates carry CN as user and every O as a group; DER input works', async (t) => {
  const pki = await clusterPki(t);
  const jane = await pki.issueClientCertificate('jane', ['dev', 'ops,eu', 'système'], 30);
  const cert = new X509Certificate(jane.certPem);
  assert.deepEqual(pki.verifyClientCertificate(cert.raw), { user: 'jane', groups: ['dev', 'ops,eu', 'système'] });
  assert.deepEqual(await handshake(t, pki, { cert: jane.certPem, key: jane.keyPem }), {
    user: 'jane',
    groups: ['dev', 'ops,eu', 'système'],
  });
  const days = (new Date(cert.validTo).getTime() - Date.now()) / DAY_MS;
  assert.ok(days > 29.9 && days <= 30, `lifetime ${days} days`);
  await assert.rejects(pki.issueClientCertificate(' ', [], 1), /common name must not be empty/);
});

test('expired, not-yet-valid, server-only, CA and garbage certificates are refused', async (t) => {
  let offsetDays = 0;
  const pki = await clusterPki(t, () => new Date(Date.now() + offsetDays * DAY_MS));
  const short = await pki.issueClientCertificate('temp', ['g'], 2);
  assert.equal(pki.verifyClientCertificate(new X509Certificate(short.certPem))?.user, 'temp');

  offsetDays = 3;
  assert.equal(pki.verifyClientCertificate(new X509Certificate(short.certPem)), undefined, 'expired');
  offsetDays = -1;
  assert.equal(pki.verifyClientCertificate(new X509Certificate(pki.adminCertPem)), undefined, 'not yet valid');
  offsetDays = 0;

  assert.equal(pki.verifyClientCertificate(new X509Certificate(pki.servingCertPem)), undefined, 'serverAuth only');
  assert.equal(pki.verifyClientCertificate(new X509Certificate(pki.caCertPem)), undefined, 'the CA itself');
  assert.equal(pki.verifyClientCertificate(Buffer.from('garbage')), undefined, 'garbage');
});

test('like upstream, a CA-signed cert without extended key usage authenticates; an empty CN does not', async (t) => {
  const pki = await clusterPki(t);
  const noEku = await handMadeClientCert(pki, 'CN=bob, O=qa', false);
  assert.deepEqual(pki.verifyClientCertificate(noEku), { user: 'bob', groups: ['qa'] });
  const noCn = await handMadeClientCert(pki, 'O=qa', true);
  assert.equal(pki.verifyClientCertificate(noCn), undefined);
});

test('verifyClientCertificate is a pure function of CA, certificate and time', async (t) => {
  const pki = await clusterPki(t);
  const ca = new X509Certificate(pki.caCertPem);
  const admin = new X509Certificate(pki.adminCertPem);
  assert.equal(verifyClientCertificate(ca, admin, new Date())?.user, 'admin');
  assert.equal(verifyClientCertificate(ca, admin, new Date(Date.now() + 400 * DAY_MS)), undefined);
});
