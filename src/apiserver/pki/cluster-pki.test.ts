import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { certificateValidity } from './certificate-inspection.js';
import { ensureClusterPki, pkiFiles, type ClusterPkiOptions } from './cluster-pki.js';
import { certificateSans, hostIdentity, isLinkLocal } from './subject-alt-names.js';
import { loadX509 } from './x509-library.js';

const HOST = { hostname: 'Node-1.Example', addresses: ['192.0.2.10', 'fd00::10', 'fe80::1'] };
const DAY_MS = 24 * 60 * 60 * 1000;

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-test-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function opts(extra: ClusterPkiOptions = {}): ClusterPkiOptions {
  return { host: HOST, ...extra };
}

async function mode(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

async function fileBytes(dir: string): Promise<Record<string, string>> {
  const tls = join(dir, 'tls');
  const out: Record<string, string> = {};
  for (const name of (await readdir(tls)).sort()) out[name] = await readFile(join(tls, name), 'utf8');
  return out;
}

test('first run creates a CA, serving and admin certificates and service-account keys', async (t) => {
  const dir = await tempDir(t);
  const pki = await ensureClusterPki(dir, opts({ extraSans: ['api.example.com', '203.0.113.7'] }));
  const files = pkiFiles(dir);

  assert.deepEqual(
    (await readdir(files.dir)).sort(),
    ['admin.crt', 'admin.key', 'apiserver-kubelet-client.crt', 'apiserver-kubelet-client.key', 'ca.crt', 'ca.key', 'sa.key', 'sa.pub', 'serving.crt', 'serving.key'],
  );
  assert.equal(await mode(files.dir), 0o700);
  for (const key of [files.caKey, files.servingKey, files.adminKey, files.kubeletClientKey, files.serviceAccountKey]) {
    assert.equal(await mode(key), 0o600, key);
    assert.match(await readFile(key, 'utf8'), /^-----BEGIN PRIVATE KEY-----\n/, key);
  }
  for (const cert of [files.caCert, files.servingCert, files.adminCert, files.kubeletClientCert, files.serviceAccountPublicKey]) {
    assert.equal(await mode(cert), 0o644, cert);
  }
  assert.deepEqual(pki.changes.map((c) => `${c.item}:${c.action}`).sort(), [
    'admin:created',
    'ca:created',
    'kubelet-client:created',
    'service-account:created',
    'serving:created',
  ]);

  const ca = new X509Certificate(await readFile(files.caCert));
  assert.equal(ca.subject, 'CN=skiff-ca');
  assert.equal(ca.ca, true);
  assert.ok(ca.verify(ca.publicKey), 'CA is self-signed');
  assert.ok(ca.checkPrivateKey(createPrivateKey(await readFile(files.caKey))));
  const caLife = certificateValidity(ca);
  assert.ok(caLife.notAfter.getTime() - Date.now() > 3649 * DAY_MS, 'CA lives ten years');
  const x509 = await loadX509();
  const parsed = new x509.X509Certificate(await readFile(files.caCert, 'utf8'));
  const constraints = parsed.getExtension(x509.BasicConstraintsExtension);
  assert.ok(constraints?.ca && constraints.critical, 'basicConstraints CA:TRUE, critical');
  const usage = x509.KeyUsageFlags;
  assert.equal(
    parsed.getExtension(x509.KeyUsagesExtension)?.usages,
    usage.keyCertSign | usage.cRLSign | usage.digitalSignature,
  );
  assert.equal(pki.caCertPem, await readFile(files.caCert, 'utf8'));

  const serving = new X509Certificate(pki.servingCertPem);
  assert.ok(serving.checkIssued(ca) && serving.verify(ca.publicKey), 'CA issued the serving cert');
  assert.ok(serving.checkPrivateKey(createPrivateKey(pki.servingKeyPem)));
  assert.equal(serving.ca, false);
  assert.deepEqual(serving.keyUsage, ['1.3.6.1.5.5.7.3.1']);
  const life = certificateValidity(serving);
  assert.ok(life.notAfter.getTime() - Date.now() > 364 * DAY_MS && life.notAfter.getTime() - Date.now() <= 365 * DAY_MS);
  const sans = certificateSans(serving);
  for (const name of [
    'localhost',
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    'kubernetes.default.svc.cluster.local',
    'node-1.example',
    'api.example.com',
  ]) {
    assert.ok(sans.dns.includes(name), `DNS SAN ${name} in ${sans.dns.join(',')}`);
  }
  for (const ip of ['127.0.0.1', '::1', '10.43.0.1', '192.0.2.10', 'fd00::10', '203.0.113.7']) {
    assert.equal(serving.checkIP(ip), ip, `IP SAN ${ip}`);
  }
  assert.equal(serving.checkIP('fe80::1'), undefined, 'link-local host addresses are left out');

  const admin = new X509Certificate(pki.adminCertPem);
  assert.ok(admin.checkIssued(ca) && admin.verify(ca.publicKey), 'CA issued the admin cert');
  assert.ok(admin.checkPrivateKey(createPrivateKey(pki.adminKeyPem)));
  assert.equal(admin.subject, 'CN=admin\nO=system:masters');
  assert.deepEqual(admin.keyUsage, ['1.3.6.1.5.5.7.3.2']);

  // kubeadm's apiserver-kubelet-client: what the API server presents to kubelets.
  const kubeletClient = new X509Certificate(pki.kubeletClientCertPem);
  assert.ok(kubeletClient.checkIssued(ca) && kubeletClient.verify(ca.publicKey), 'CA issued the kubelet-client cert');
  assert.ok(kubeletClient.checkPrivateKey(createPrivateKey(pki.kubeletClientKeyPem)));
  assert.equal(kubeletClient.subject, 'CN=kube-apiserver-kubelet-client\nO=system:masters');
  assert.deepEqual(kubeletClient.keyUsage, ['1.3.6.1.5.5.7.3.2']);

  const saKey = createPrivateKey(pki.serviceAccountKeyPem);
  assert.ok(createPublicKey(pki.serviceAccountPublicKeyPem).equals(createPublicKey(saKey)));
  assert.match(pki.serviceAccountPublicKeyPem, /^-----BEGIN PUBLIC KEY-----\n/);
});

test('by default the serving cert names this host, its interface addresses and the service IP', async (t) => {
  const dir = await tempDir(t);
  const pki = await ensureClusterPki(dir, { serviceIp: '10.96.0.1' });
  const serving = new X509Certificate(pki.servingCertPem);
  const host = hostIdentity();
  const sans = certificateSans(serving);
  if (/^[a-z0-9._-]+$/i.test(host.hostname)) assert.ok(sans.dns.includes(host.hostname.toLowerCase()));
  for (const address of host.addresses.filter((a) => !isLinkLocal(a))) {
    assert.equal(serving.checkIP(address), address, address);
  }
  assert.equal(serving.checkIP('10.96.0.1'), '10.96.0.1');
  assert.equal(serving.checkIP('10.43.0.1'), undefined, 'the default service IP is replaced, not added');
});

test('a second run reuses every file unchanged', async (t) => {
  const dir = await tempDir(t);
  const first = await ensureClusterPki(dir, opts());
  const before = await fileBytes(dir);
  const second = await ensureClusterPki(dir, opts());
  assert.deepEqual(second.changes, []);
  assert.deepEqual(await fileBytes(dir), before);
  assert.equal(
    new X509Certificate(second.servingCertPem).serialNumber,
    new X509Certificate(first.servingCertPem).serialNumber,
  );
  assert.equal(second.adminKeyPem, first.adminKeyPem);
  assert.equal(second.serviceAccountKeyPem, first.serviceAccountKeyPem);
});

test('a new extra SAN reissues only the serving certificate', async (t) => {
  const dir = await tempDir(t);
  await ensureClusterPki(dir, opts());
  const before = await fileBytes(dir);
  const pki = await ensureClusterPki(dir, opts({ extraSans: ['skiff.example.org', '2001:db8::5'] }));
  const after = await fileBytes(dir);

  assert.deepEqual(pki.changes.map((c) => `${c.item}:${c.action}`), ['serving:reissued']);
  assert.match(pki.changes[0]?.reason ?? '', /DNS:skiff\.example\.org, IP:2001:db8::5/);
  for (const name of Object.keys(before)) {
    if (name.startsWith('serving.')) assert.notEqual(after[name], before[name], name);
    else assert.equal(after[name], before[name], name);
  }
  const serving = new X509Certificate(pki.servingCertPem);
  assert.equal(serving.checkHost('skiff.example.org', { subject: 'never' }), 'skiff.example.org');
  assert.equal(serving.checkIP('2001:db8::5'), '2001:db8::5');

  // Dropping the extra SAN again is no reason to reissue: a superset is still good.
  const again = await ensureClusterPki(dir, opts());
  assert.deepEqual(again.changes, []);
});

test('leaf certificates are reissued within 30 days of expiry, the CA is kept', async (t) => {
  const dir = await tempDir(t);
  const first = await ensureClusterPki(dir, opts());
  const at = (days: number) => () => new Date(Date.now() + days * DAY_MS);

  assert.deepEqual((await ensureClusterPki(dir, opts({ now: at(300) }))).changes, []);
  const later = await ensureClusterPki(dir, opts({ now: at(340) }));
  assert.deepEqual(later.changes.map((c) => `${c.item}:${c.action}`).sort(), ['admin:reissued', 'kubelet-client:reissued', 'serving:reissued']);
  assert.equal(later.caCertPem, first.caCertPem);
  assert.equal(later.serviceAccountKeyPem, first.serviceAccountKeyPem);
  const renewed = certificateValidity(new X509Certificate(later.servingCertPem));
  assert.ok(renewed.notAfter.getTime() > Date.now() + 700 * DAY_MS);
});

test('a garbage ca.crt is an error naming the file, and nothing is replaced', async (t) => {
  const dir = await tempDir(t);
  await ensureClusterPki(dir, opts());
  const files = pkiFiles(dir);
  await writeFile(files.caCert, 'not a certificate\n');
  const before = await fileBytes(dir);
  await assert.rejects(ensureClusterPki(dir, opts()), (err: Error) => {
    assert.ok(err.message.includes(files.caCert), err.message);
    return true;
  });
  assert.deepEqual(await fileBytes(dir), before);

  // A syntactically PEM but corrupt body is refused the same way.
  await writeFile(files.caCert, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
  await assert.rejects(ensureClusterPki(dir, opts()), new RegExp(`${files.caCert} is not a valid certificate`));
});

test('a CA whose key is missing or does not match is refused, never regenerated', async (t) => {
  const dir = await tempDir(t);
  const other = await tempDir(t);
  await ensureClusterPki(dir, opts());
  await ensureClusterPki(other, opts());
  const files = pkiFiles(dir);
  const otherFiles = pkiFiles(other);

  await writeFile(files.caKey, await readFile(otherFiles.caKey));
  await assert.rejects(ensureClusterPki(dir, opts()), new RegExp(`${files.caKey} does not match`));

  await unlink(files.caKey);
  await assert.rejects(ensureClusterPki(dir, opts()), new RegExp(`${files.caKey} is missing but ${files.caCert} exists`));

  // A leaf certificate in place of the CA is not a CA.
  await writeFile(files.caKey, await readFile(files.servingKey));
  await writeFile(files.caCert, await readFile(files.servingCert));
  await assert.rejects(ensureClusterPki(dir, opts()), new RegExp(`${files.caCert} is not a CA certificate`));
});

test('garbage leaf or service-account files are errors naming the file', async (t) => {
  const dir = await tempDir(t);
  await ensureClusterPki(dir, opts());
  const files = pkiFiles(dir);
  for (const file of [files.servingCert, files.adminKey, files.serviceAccountKey, files.serviceAccountPublicKey]) {
    const good = await readFile(file);
    await writeFile(file, 'garbage');
    await assert.rejects(ensureClusterPki(dir, opts()), (err: Error) => err.message.includes(file), file);
    await writeFile(file, good);
  }
  await ensureClusterPki(dir, opts());
});

test('a leaf pair that is readable but stale is reissued: foreign CA, mismatched key, missing half', async (t) => {
  const dir = await tempDir(t);
  const other = await tempDir(t);
  await ensureClusterPki(dir, opts());
  await ensureClusterPki(other, opts());
  const files = pkiFiles(dir);
  const otherFiles = pkiFiles(other);

  await writeFile(files.servingCert, await readFile(otherFiles.servingCert));
  await writeFile(files.servingKey, await readFile(otherFiles.servingKey));
  assert.deepEqual((await ensureClusterPki(dir, opts())).changes.map((c) => c.reason), ['not issued by the cluster CA']);

  await writeFile(files.adminKey, await readFile(files.servingKey));
  assert.deepEqual((await ensureClusterPki(dir, opts())).changes.map((c) => c.reason), [
    'private key does not match the certificate',
  ]);

  await unlink(files.adminCert);
  const changes = (await ensureClusterPki(dir, opts())).changes;
  assert.deepEqual(changes.map((c) => `${c.item}:${c.action}:${c.reason}`), [`admin:reissued:${files.adminCert} is missing`]);
  assert.deepEqual((await ensureClusterPki(dir, opts())).changes, []);
});

test('sa.pub is rebuilt from sa.key, and must contain its key', async (t) => {
  const dir = await tempDir(t);
  const other = await tempDir(t);
  const first = await ensureClusterPki(dir, opts());
  await ensureClusterPki(other, opts());
  const files = pkiFiles(dir);

  await unlink(files.serviceAccountPublicKey);
  const rebuilt = await ensureClusterPki(dir, opts());
  assert.equal(rebuilt.serviceAccountPublicKeyPem, first.serviceAccountPublicKeyPem);

  // An older key listed beside the current one is kept, so old tokens keep verifying.
  const bundle = (await readFile(pkiFiles(other).serviceAccountPublicKey, 'utf8')) + first.serviceAccountPublicKeyPem;
  await writeFile(files.serviceAccountPublicKey, bundle);
  assert.equal((await ensureClusterPki(dir, opts())).serviceAccountPublicKeyPem, bundle);

  await writeFile(files.serviceAccountPublicKey, await readFile(pkiFiles(other).serviceAccountPublicKey));
  await assert.rejects(ensureClusterPki(dir, opts()), new RegExp(`${files.serviceAccountPublicKey} does not contain`));
});

test('an invalid extra SAN or service IP fails before anything is written', async (t) => {
  const dir = await tempDir(t);
  await assert.rejects(ensureClusterPki(dir, opts({ extraSans: ['not a name!'] })), /neither an IP address nor a DNS name/);
  await assert.rejects(ensureClusterPki(dir, opts({ serviceIp: '10.43.0.0/16' })), /is not an IP address/);
  assert.deepEqual(await readdir(dir), []);
});
