import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_ISSUER, checkClaims, tokenClaims } from './claims.js';

const now = new Date('2026-01-01T00:00:00Z');
const subject = { namespace: 'ns', serviceAccount: { name: 'sa', uid: 'u1' }, pod: { name: 'p', uid: 'u2' } };
const claims = tokenClaims({ issuer: DEFAULT_ISSUER, audiences: ['a', 'b'], subject, now, expirationSeconds: 600, jti: 'j' });

test('claims as upstream writes them, keys sorted', () => {
  assert.deepEqual(Object.keys(claims), ['aud', 'exp', 'iat', 'iss', 'jti', 'kubernetes.io', 'nbf', 'sub']);
  assert.equal(claims['sub'], 'system:serviceaccount:ns:sa');
  assert.equal(claims['exp'], Date.parse('2026-01-01T00:10:00Z') / 1000);
  assert.deepEqual(claims['kubernetes.io'], { namespace: 'ns', pod: { name: 'p', uid: 'u2' }, serviceaccount: { name: 'sa', uid: 'u1' } });
});

test('audiences intersect with those asked for; none in common is refused with upstream wording', () => {
  const ok = checkClaims(claims, { audiences: ['b', 'c'], now });
  assert.ok(!('error' in ok));
  assert.deepEqual(ok.audiences, ['b']);
  assert.deepEqual(ok.subject, subject);
  assert.deepEqual(checkClaims(claims, { audiences: ['c'], now }), { error: 'token audiences ["a" "b"] is invalid for the target audiences ["c"]' });
});

test('expiry and not-before allow a minute of skew', () => {
  const at = (s: number) => new Date(now.getTime() + s * 1000);
  assert.ok(!('error' in checkClaims(claims, { audiences: ['a'], now: at(660) })));
  assert.deepEqual(checkClaims(claims, { audiences: ['a'], now: at(661) }), { error: 'service account token has expired' });
  assert.ok(!('error' in checkClaims(claims, { audiences: ['a'], now: at(-60) })));
  assert.deepEqual(checkClaims(claims, { audiences: ['a'], now: at(-61) }), { error: 'service account token is not valid yet' });
});

test('a token without the kubernetes.io claim is refused', () => {
  const { ['kubernetes.io']: _k, ...rest } = claims;
  void _k;
  assert.ok('error' in checkClaims(rest, { audiences: ['a'], now }));
});
