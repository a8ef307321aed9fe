import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { algorithmOf, decodeJwt, keyId, signJwt, signingKey, verificationKey, verifyJwt } from './jwt.js';

const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });

test('ES256 and RS256 tokens verify with their own key and no other', () => {
  for (const pair of [ec, rsa]) {
    const key = signingKey(pair.privateKey);
    const token = signJwt({ sub: 'x', n: 1 }, key);
    const jwt = decodeJwt(token)!;
    assert.deepEqual(jwt.claims, { sub: 'x', n: 1 });
    assert.deepEqual(jwt.header, { alg: algorithmOf(pair.publicKey), kid: key.kid });
    assert.equal(verifyJwt(jwt, [verificationKey(pair.publicKey)]), true);
  }
  const ecToken = decodeJwt(signJwt({ sub: 'x' }, signingKey(ec.privateKey)))!;
  assert.equal(verifyJwt(ecToken, [verificationKey(rsa.publicKey)]), false);
});

test('ES256 signatures are raw r||s (64 bytes), as JWS requires', () => {
  const token = signJwt({ a: 1 }, signingKey(ec.privateKey));
  assert.equal(Buffer.from(token.split('.')[2]!, 'base64url').length, 64);
});

test('a token may not choose another algorithm than its key was made for', () => {
  const key = signingKey(ec.privateKey);
  const [, payload, sig] = signJwt({ a: 1 }, key).split('.');
  const header = Buffer.from(JSON.stringify({ alg: 'none', kid: key.kid })).toString('base64url');
  assert.equal(verifyJwt(decodeJwt(`${header}.${payload}.${sig}`)!, [verificationKey(ec.publicKey)]), false);
});

test('tampered payloads fail; garbage is not a JWT', () => {
  const key = signingKey(ec.privateKey);
  const [h, , s] = signJwt({ sub: 'a' }, key).split('.');
  const forged = `${h}.${Buffer.from(JSON.stringify({ sub: 'b' })).toString('base64url')}.${s}`;
  assert.equal(verifyJwt(decodeJwt(forged)!, [verificationKey(ec.publicKey)]), false);
  for (const junk of ['', 'a.b', 'a.b.c.d', '!!.??.**', `${Buffer.from('[]').toString('base64url')}.e30.AA`]) assert.equal(decodeJwt(junk), undefined, junk);
});

test('key id is base64url(sha256(DER SPKI)), as upstream derives it', () => {
  const der = ec.publicKey.export({ type: 'spki', format: 'der' });
  assert.equal(keyId(ec.publicKey), createHash('sha256').update(der).digest('base64url'));
});
