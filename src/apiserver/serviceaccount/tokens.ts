/**
 * Service-account tokens: issuing bound JWTs for TokenRequest and authenticating them
 * on every request (signature, issuer, audience, expiry, then that the service account
 * — and the pod, secret or node the token is bound to — still exists with the same uid).
 * Objects are read through a getter the server supplies, so this module knows nothing
 * of storage or HTTP.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import type { StoredObject } from '../../api/object.js';
import type { TokenAuthenticator, TokenResult, UserInfo } from '../authn.js';
import { LEEWAY_SECONDS, checkClaims, serviceAccountUsername, tokenClaims, type TokenSubject } from './claims.js';
import { decodeJwt, signJwt, signingKey, verificationKey, verifyJwt, type SigningKey, type VerificationKey } from './jwt.js';

export type BoundResource = 'serviceaccounts' | 'pods' | 'secrets' | 'nodes';
/** Reads one core/v1 object; undefined when it does not exist. */
export type ObjectGetter = (resource: BoundResource, namespace: string, name: string) => Promise<StoredObject | undefined>;

export interface ServiceAccountKeys {
  signing: SigningKey;
  /** Every key whose tokens are accepted (the signing key's first). */
  verification: VerificationKey[];
}

/** Keys from PEM text: the signing key, and a bundle of public keys (older ones too). */
export function serviceAccountKeysFromPem(privateKeyPem: string, publicKeysPem?: string): ServiceAccountKeys {
  const signing = signingKey(createPrivateKey(privateKeyPem));
  const others = (publicKeysPem?.match(/-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g) ?? [])
    .map((pem) => verificationKey(createPublicKey(pem)))
    .filter((k) => k.kid !== signing.kid);
  return { signing, verification: [verificationKey(signing.key), ...others] };
}

/** A fresh in-memory key pair, for a server not given one: its tokens die with it. */
export function ephemeralServiceAccountKeys(): ServiceAccountKeys {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return keysOf(privateKey);
}

function keysOf(privateKey: KeyObject): ServiceAccountKeys {
  const signing = signingKey(privateKey);
  return { signing, verification: [verificationKey(signing.key)] };
}

export interface ServiceAccountTokenOptions {
  issuer: string;
  /** The audiences the API server itself accepts tokens for. */
  apiAudiences: string[];
  now: () => Date;
}

export const SERVICE_ACCOUNTS_GROUP = 'system:serviceaccounts';
const EXTRA_PREFIX = 'authentication.kubernetes.io/';

export class ServiceAccountTokens implements TokenAuthenticator {
  constructor(
    readonly keys: ServiceAccountKeys,
    private readonly getObject: ObjectGetter,
    readonly options: ServiceAccountTokenOptions,
  ) {}

  issue(subject: TokenSubject, audiences: string[], expirationSeconds: number, warnAfterSeconds?: number): { token: string; expiration: Date } {
    const now = this.options.now();
    const claims = tokenClaims({ issuer: this.options.issuer, audiences, subject, now, expirationSeconds, jti: randomUUID(), ...(warnAfterSeconds !== undefined ? { warnAfterSeconds } : {}) });
    return { token: signJwt(claims, this.keys.signing), expiration: new Date((claims['exp'] as number) * 1000) };
  }

  async authenticateToken(token: string, audiences?: string[]): Promise<TokenResult | undefined> {
    const jwt = decodeJwt(token);
    // Someone else's JWT (or no JWT at all) is not ours to judge.
    if (!jwt || jwt.claims['iss'] !== this.options.issuer) return undefined;
    const kid = typeof jwt.header.kid === 'string' ? jwt.header.kid : '';
    if (kid && !this.keys.verification.some((k) => k.kid === kid)) return { error: 'invalid signature, no keys found' };
    if (!verifyJwt(jwt, this.keys.verification)) return { error: 'go-jose/go-jose: error in cryptographic primitive' };
    const now = this.options.now();
    const checked = checkClaims(jwt.claims, { audiences: audiences ?? this.options.apiAudiences, now });
    if ('error' in checked) return checked;
    const problem = await this.checkBoundObjects(checked.subject, now);
    if (problem) return { error: problem };
    return { user: userOf(checked.subject, checked.jti), audiences: checked.audiences };
  }

  /** The objects a token names must still exist, be the same (uid) and not long deleted. */
  private async checkBoundObjects(subject: TokenSubject, now: Date): Promise<string | undefined> {
    const { namespace } = subject;
    const gone = (obj: StoredObject) => {
      const at = obj.metadata.deletionTimestamp;
      return at !== undefined && Date.parse(at) < now.getTime() - LEEWAY_SECONDS * 1000;
    };
    const sa = await this.getObject('serviceaccounts', namespace, subject.serviceAccount.name);
    if (!sa) return `serviceaccounts "${subject.serviceAccount.name}" not found`;
    if (gone(sa)) return `service account ${namespace}/${subject.serviceAccount.name} has been deleted`;
    if (sa.metadata.uid !== subject.serviceAccount.uid) return `service account UID (${sa.metadata.uid ?? ''}) does not match claim (${subject.serviceAccount.uid})`;
    const bound: [BoundResource, string, 'secret' | 'pod' | 'node'][] = [];
    if (subject.secret) bound.push(['secrets', namespace, 'secret']);
    if (subject.pod) bound.push(['pods', namespace, 'pod']);
    // A pod-bound token carries its node for information; only a node-bound one depends on it.
    else if (subject.node) bound.push(['nodes', '', 'node']);
    for (const [resource, ns, which] of bound) {
      const ref = subject[which]!;
      const obj = await this.getObject(resource, ns, ref.name);
      if (!obj || gone(obj)) return 'service account token has been invalidated';
      if (obj.metadata.uid !== ref.uid) return `${which} UID (${obj.metadata.uid ?? ''}) does not match service account ${which} ref claim (${ref.uid})`;
    }
    return undefined;
  }
}

/** The user a service-account token stands for, with upstream's extra keys. */
function userOf(subject: TokenSubject, jti: string | undefined): UserInfo {
  const extra: Record<string, string[]> = {};
  if (jti) extra[`${EXTRA_PREFIX}credential-id`] = [`JTI=${jti}`];
  if (subject.node) {
    extra[`${EXTRA_PREFIX}node-name`] = [subject.node.name];
    extra[`${EXTRA_PREFIX}node-uid`] = [subject.node.uid];
  }
  if (subject.pod) {
    extra[`${EXTRA_PREFIX}pod-name`] = [subject.pod.name];
    extra[`${EXTRA_PREFIX}pod-uid`] = [subject.pod.uid];
  }
  return {
    name: serviceAccountUsername(subject.namespace, subject.serviceAccount.name),
    uid: subject.serviceAccount.uid,
    groups: [SERVICE_ACCOUNTS_GROUP, `${SERVICE_ACCOUNTS_GROUP}:${subject.namespace}`],
    extra,
  };
}
