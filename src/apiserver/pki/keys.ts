/**
 * Key pairs of the cluster PKI: ECDSA P-256 generation through WebCrypto (fast, and
 * accepted by kubectl and Go's TLS stack), and conversion between WebCrypto keys, PEM
 * text (PKCS#8 "PRIVATE KEY", SPKI "PUBLIC KEY") and node:crypto KeyObjects. Keys read
 * from disk may also be P-384 or RSA, so an operator-provided CA still works.
 */
import { KeyObject, createPrivateKey, createPublicKey, type webcrypto } from 'node:crypto';

export type CryptoKey = webcrypto.CryptoKey;
export type CryptoKeyPair = webcrypto.CryptoKeyPair;

/** A private key ready for signing certificates with WebCrypto. */
export interface SigningKey {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /** The `signingAlgorithm` @peculiar/x509 needs for this key type. */
  signingAlgorithm: webcrypto.EcdsaParams | webcrypto.Algorithm;
}

const P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;

export async function generateEcdsaKeyPair(): Promise<SigningKey> {
  const pair = await globalThis.crypto.subtle.generateKey(P256, true, ['sign', 'verify']);
  return {
    privateKey: pair.privateKey,
    publicKey: pair.publicKey,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
  };
}

export function privateKeyPem(key: CryptoKey): string {
  return KeyObject.from(key).export({ type: 'pkcs8', format: 'pem' }).toString();
}

export function publicKeyPem(key: CryptoKey | KeyObject): string {
  const object = key instanceof KeyObject ? key : KeyObject.from(key);
  const pub = object.type === 'private' ? createPublicKey(object) : object;
  return pub.export({ type: 'spki', format: 'pem' }).toString();
}

const CURVES: Record<string, { namedCurve: string; hash: string }> = {
  prime256v1: { namedCurve: 'P-256', hash: 'SHA-256' },
  secp384r1: { namedCurve: 'P-384', hash: 'SHA-384' },
  secp521r1: { namedCurve: 'P-521', hash: 'SHA-512' },
};

/** Turns a PEM private key (as read from ca.key) into WebCrypto keys for signing. */
export async function importSigningKey(pem: string): Promise<SigningKey> {
  const key = createPrivateKey(pem);
  const pkcs8 = key.export({ type: 'pkcs8', format: 'der' });
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const subtle = globalThis.crypto.subtle;
  if (key.asymmetricKeyType === 'ec') {
    const curve = CURVES[key.asymmetricKeyDetails?.namedCurve ?? ''];
    if (!curve) throw new Error(`unsupported EC curve ${key.asymmetricKeyDetails?.namedCurve ?? '?'}`);
    const algorithm = { name: 'ECDSA', namedCurve: curve.namedCurve };
    return {
      privateKey: await subtle.importKey('pkcs8', pkcs8, algorithm, false, ['sign']),
      publicKey: await subtle.importKey('spki', spki, algorithm, true, ['verify']),
      signingAlgorithm: { name: 'ECDSA', hash: curve.hash },
    };
  }
  if (key.asymmetricKeyType === 'rsa') {
    const algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    return {
      privateKey: await subtle.importKey('pkcs8', pkcs8, algorithm, false, ['sign']),
      publicKey: await subtle.importKey('spki', spki, algorithm, true, ['verify']),
      signingAlgorithm: algorithm,
    };
  }
  throw new Error(`unsupported key type ${key.asymmetricKeyType ?? '?'} (want EC or RSA)`);
}
