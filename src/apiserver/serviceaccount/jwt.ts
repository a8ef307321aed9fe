/**
 * Compact JWS (RFC 7515) signing and verification for service-account tokens, with the
 * key id upstream derives from a public key. Node's crypto does all the cryptography:
 * a token here is one fixed header, one JSON payload and one ES256/RS256 signature, so
 * a JWT library would add a dependency (and start-up cost) for no behaviour we need;
 * `dsaEncoding: 'ieee-p1363'` gives the raw r||s form JWS requires for ECDSA.
 * Pure functions over KeyObjects: no I/O, no knowledge of Kubernetes claims.
 */
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

export type JwsAlgorithm = 'ES256' | 'ES384' | 'ES512' | 'RS256';

export interface VerificationKey {
  kid: string;
  alg: JwsAlgorithm;
  key: KeyObject;
}

export interface SigningKey extends VerificationKey {
  privateKey: KeyObject;
}

const HASH: Record<JwsAlgorithm, string> = { ES256: 'sha256', ES384: 'sha384', ES512: 'sha512', RS256: 'sha256' };
const CURVE_ALG: Record<string, JwsAlgorithm> = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' };

/** The JWS algorithm of a key: ES* by curve for EC keys, RS256 for RSA (as upstream picks). */
export function algorithmOf(key: KeyObject): JwsAlgorithm {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  const alg = key.asymmetricKeyType === 'ec' ? CURVE_ALG[key.asymmetricKeyDetails?.namedCurve ?? ''] : undefined;
  if (!alg) throw new Error(`service-account keys must be RSA or EC P-256/384/521, not ${key.asymmetricKeyType ?? '?'}`);
  return alg;
}

/** Upstream's key id: unpadded base64url of the SHA-256 of the DER (PKIX) public key. */
export function keyId(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64url');
}

export function verificationKey(key: KeyObject): VerificationKey {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return { kid: keyId(pub), alg: algorithmOf(pub), key: pub };
}

export function signingKey(privateKey: KeyObject): SigningKey {
  return { ...verificationKey(privateKey), privateKey };
}

const dsaEncoding = (alg: JwsAlgorithm) => (alg.startsWith('ES') ? ('ieee-p1363' as const) : undefined);

/** Signs `claims` as a compact JWS with `{alg, kid}` in the header. */
export function signJwt(claims: Record<string, unknown>, key: SigningKey): string {
  const header = Buffer.from(JSON.stringify({ alg: key.alg, kid: key.kid })).toString('base64url');
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const input = `${header}.${payload}`;
  const encoding = dsaEncoding(key.alg);
  const signature = sign(HASH[key.alg], Buffer.from(input), encoding ? { key: key.privateKey, dsaEncoding: encoding } : key.privateKey);
  return `${input}.${signature.toString('base64url')}`;
}

export interface DecodedJwt {
  header: { alg?: unknown; kid?: unknown };
  claims: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
}

const B64URL = /^[A-Za-z0-9_-]*$/;

/** Splits and parses a compact JWS without checking anything; undefined if it is not one. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => B64URL.test(p))) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as unknown;
    const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as unknown;
    if (!isObject(header) || !isObject(claims)) return undefined;
    return { header, claims, signingInput: `${parts[0]}.${parts[1]}`, signature: Buffer.from(parts[2]!, 'base64url') };
  } catch {
    return undefined;
  }
}

/**
 * Whether one of `keys` signed the token. The header's kid narrows the candidates (as
 * upstream does, allowing rotation); its alg must be the key's own, so a token can never
 * pick a weaker algorithm than the key was made for.
 */
export function verifyJwt(jwt: DecodedJwt, keys: readonly VerificationKey[]): boolean {
  const kid = typeof jwt.header.kid === 'string' && jwt.header.kid !== '' ? jwt.header.kid : undefined;
  for (const k of keys) {
    if (kid !== undefined && k.kid !== kid) continue;
    if (jwt.header.alg !== k.alg) continue;
    const encoding = dsaEncoding(k.alg);
    if (verify(HASH[k.alg], Buffer.from(jwt.signingInput), encoding ? { key: k.key, dsaEncoding: encoding } : k.key, jwt.signature)) return true;
  }
  return false;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
