import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalIp, isLinkLocal, isValidDnsName, missingSans, servingCertificateSans } from './subject-alt-names.js';

test('canonicalIp normalises IPv6, drops zones and brackets, and rejects non-IPs', () => {
  assert.equal(canonicalIp('10.0.0.1'), '10.0.0.1');
  assert.equal(canonicalIp('0:0:0:0:0:0:0:1'), '::1');
  assert.equal(canonicalIp('FE80:0:0:0:FC:FF:FE00:1'), 'fe80::fc:ff:fe00:1');
  assert.equal(canonicalIp('fe80::1%eth0'), 'fe80::1');
  assert.equal(canonicalIp('[2001:db8::1]'), '2001:db8::1');
  assert.equal(canonicalIp('example.com'), undefined);
  assert.equal(canonicalIp('10.0.0.0/8'), undefined);
});

test('isValidDnsName accepts host names and one leading wildcard', () => {
  for (const ok of ['localhost', 'a.b-c.example', '*.apps.example.com', 'host_1', 'x1']) assert.ok(isValidDnsName(ok), ok);
  for (const bad of ['', 'a b', '-a', 'a..b', 'a.*.b', 'é.example', 'x'.repeat(254)]) assert.ok(!isValidDnsName(bad), bad);
});

test('servingCertificateSans lists the builtin names, service IP, host and extras once each', () => {
  const sans = servingCertificateSans({
    host: { hostname: 'Box', addresses: ['127.0.0.1', '192.0.2.1', 'fd00::7', '::1'] },
    extraSans: ['API.example.com.', '192.0.2.1', '2001:DB8::9', 'box'],
  });
  assert.deepEqual(sans.dns, [
    'localhost',
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    'kubernetes.default.svc.cluster.local',
    'box',
    'api.example.com',
  ]);
  assert.deepEqual(sans.ips, ['127.0.0.1', '::1', '10.43.0.1', '192.0.2.1', 'fd00::7', '2001:db8::9']);
});

test('link-local host addresses are left out, but an explicit extra SAN is honoured', () => {
  assert.ok(isLinkLocal('fe80::1') && isLinkLocal('FEBF::1') && isLinkLocal('169.254.3.4'));
  assert.ok(!isLinkLocal('fec0::1') && !isLinkLocal('10.0.0.1') && !isLinkLocal('::1') && !isLinkLocal('host'));
  const host = { hostname: 'h', addresses: ['fe80::a%veth1', '169.254.1.1', '192.0.2.5'] };
  assert.deepEqual(servingCertificateSans({ host }).ips, ['127.0.0.1', '::1', '10.43.0.1', '192.0.2.5']);
  assert.ok(servingCertificateSans({ host, extraSans: ['fe80::a'] }).ips.includes('fe80::a'));
});

test('servingCertificateSans skips an unusable hostname but refuses a bad extra SAN or service IP', () => {
  const sans = servingCertificateSans({ host: { hostname: 'bad host', addresses: [] }, serviceIp: '10.96.0.1' });
  assert.ok(!sans.dns.includes('bad host'));
  assert.ok(sans.ips.includes('10.96.0.1') && !sans.ips.includes('10.43.0.1'));
  const host = { hostname: 'h', addresses: [] };
  assert.throws(() => servingCertificateSans({ host, extraSans: ['bad name!'] }), /neither an IP address nor a DNS name/);
  assert.throws(() => servingCertificateSans({ host, serviceIp: 'kubernetes' }), /service IP "kubernetes" is not an IP address/);
});

test('missingSans reports only what is wanted and absent', () => {
  const want = { dns: ['a', 'b'], ips: ['10.0.0.1', '::1'] };
  assert.deepEqual(missingSans(want, { dns: ['a', 'b', 'c'], ips: ['::1', '10.0.0.1', '10.0.0.2'] }), []);
  assert.deepEqual(missingSans(want, { dns: ['a'], ips: ['::1'] }), ['DNS:b', 'IP:10.0.0.1']);
});
