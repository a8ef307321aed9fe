/**
 * The claims of a bound service-account token, as upstream writes and checks them:
 * iss, sub `system:serviceaccount:<ns>:<name>`, aud, exp/iat/nbf, jti and the private
 * `kubernetes.io` claim naming the service account and the pod, secret or node the
 * token is bound to. Pure: building, reading and checking the time and audience
 * claims; whether the named objects still exist is the authenticator's job.
 */

/** Upstream's default issuer (and so the API server's default audience). */
export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
/** Clock skew tolerated on exp and nbf (go-jose's DefaultLeeway, which upstream uses). */
export const LEEWAY_SECONDS = 60;

export interface ObjectRef {
  name: string;
  uid: string;
}

export interface TokenSubject {
  namespace: string;
  serviceAccount: ObjectRef;
  pod?: ObjectRef;
  secret?: ObjectRef;
  node?: ObjectRef;
}

export interface TokenClaimsInput {
  issuer: string;
  audiences: string[];
  subject: TokenSubject;
  now: Date;
  expirationSeconds: number;
  jti: string;
  /** For an extended pod-bound token: seconds after which using it is only warned about. */
  warnAfterSeconds?: number;
}

export function serviceAccountUsername(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

/** The claim set (keys in the order upstream's encoder emits them: sorted). */
export function tokenClaims(input: TokenClaimsInput): Record<string, unknown> {
  const iat = Math.floor(input.now.getTime() / 1000);
  const { subject } = input;
  const kube: Record<string, unknown> = { namespace: subject.namespace };
  if (subject.node) kube['node'] = { ...subject.node };
  if (subject.pod) kube['pod'] = { ...subject.pod };
  if (subject.secret) kube['secret'] = { ...subject.secret };
  kube['serviceaccount'] = { ...subject.serviceAccount };
  if (input.warnAfterSeconds !== undefined) kube['warnafter'] = iat + input.warnAfterSeconds;
  return {
    aud: [...input.audiences],
    exp: iat + input.expirationSeconds,
    iat,
    iss: input.issuer,
    jti: input.jti,
    'kubernetes.io': kube,
    nbf: iat,
    sub: serviceAccountUsername(subject.namespace, subject.serviceAccount.name),
  };
}

export interface CheckedClaims {
  subject: TokenSubject;
  /** The token's audiences that were asked for. */
  audiences: string[];
  jti?: string;
}

/**
 * Checks issuer-independent claims of a token whose signature is already verified:
 * audience (intersected with those asked for), expiry and not-before with leeway, and
 * the shape of the private claim. Returns the subject, or the message upstream gives.
 */
export function checkClaims(claims: Record<string, unknown>, wanted: { audiences: string[]; now: Date }): CheckedClaims | { error: string } {
  const aud = typeof claims['aud'] === 'string' ? [claims['aud']] : Array.isArray(claims['aud']) ? claims['aud'].filter((a): a is string => typeof a === 'string') : [];
  // A token without audiences is a legacy one, valid for the API server only.
  const tokenAudiences = aud.length ? aud : wanted.audiences;
  const audiences = tokenAudiences.filter((a) => wanted.audiences.includes(a));
  if (audiences.length === 0) {
    return { error: `token audiences ${goStrings(tokenAudiences)} is invalid for the target audiences ${goStrings(wanted.audiences)}` };
  }
  const now = Math.floor(wanted.now.getTime() / 1000);
  const exp = claims['exp'];
  const nbf = claims['nbf'];
  if (typeof exp === 'number' && now > exp + LEEWAY_SECONDS) return { error: 'service account token has expired' };
  if (typeof nbf === 'number' && now < nbf - LEEWAY_SECONDS) return { error: 'service account token is not valid yet' };
  const kube = claims['kubernetes.io'];
  if (!isObject(kube) || typeof kube['namespace'] !== 'string' || !isRef(kube['serviceaccount'])) {
    return { error: 'service account token claims could not be validated due to unexpected private claim' };
  }
  const subject: TokenSubject = { namespace: kube['namespace'], serviceAccount: ref(kube['serviceaccount']) };
  if (isRef(kube['pod'])) subject.pod = ref(kube['pod']);
  if (isRef(kube['secret'])) subject.secret = ref(kube['secret']);
  if (isRef(kube['node'])) subject.node = ref(kube['node']);
  return { subject, audiences, ...(typeof claims['jti'] === 'string' ? { jti: claims['jti'] } : {}) };
}

/** Go's %q of a []string: ["a" "b"]. */
function goStrings(values: string[]): string {
  return `[${values.map((v) => JSON.stringify(v)).join(' ')}]`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isRef(v: unknown): v is { name: string; uid?: unknown } {
  return isObject(v) && typeof v['name'] === 'string' && v['name'] !== '';
}

function ref(v: { name: string; uid?: unknown }): ObjectRef {
  return { name: v.name, uid: typeof v.uid === 'string' ? v.uid : '' };
}
