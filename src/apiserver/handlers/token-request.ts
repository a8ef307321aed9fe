/**
 * serviceaccounts/<name>/token (TokenRequest, `kubectl create token`): validates the
 * request as upstream does (audiences default to the API server's, expiry default one
 * hour and at least ten minutes, binding only to an existing Pod, Secret or Node of
 * matching uid), then issues a signed JWT for the service account. Nothing is stored.
 */
import { ApiError, badRequest, conflict, invalid, notFound, type FieldError } from '../../api/errors.js';
import { isPlainObject, type KubeObject, type StoredObject } from '../../api/object.js';
import { rfc3339 } from '../../api/time.js';
import type { TokenSubject } from '../serviceaccount/claims.js';
import { writeJson, type Response } from '../http/io.js';
import type { ResourceContext } from './context.js';

const DEFAULT_EXPIRATION_SECONDS = 3600;
const MIN_EXPIRATION_SECONDS = 600;
const MAX_EXPIRATION_SECONDS = 2 ** 32;
/**
 * The kubelet asks for pod-bound tokens of exactly this lifetime; upstream
 * (--service-account-extend-token-expiration, on by default) makes them valid for a
 * year and only warns after the hour, so workloads that never reload their token keep
 * working while the cluster moves to short-lived tokens.
 */
const WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS = 3607;
const EXPIRATION_EXTENSION_SECONDS = 365 * 24 * 60 * 60;

type Obj = Record<string, unknown>;

export async function requestToken(ctx: ResourceContext, res: Response, namespace: string, name: string, body: KubeObject, dryRun: boolean): Promise<void> {
  const spec: Obj = isPlainObject(body['spec']) ? { ...(body['spec'] as Obj) } : {};
  const audiences = Array.isArray(spec['audiences']) ? spec['audiences'].filter((a): a is string => typeof a === 'string' && a !== '') : [];
  spec['audiences'] = audiences.length ? audiences : [...ctx.serviceAccountTokens.options.apiAudiences];
  spec['expirationSeconds'] ??= DEFAULT_EXPIRATION_SECONDS;
  const expiration = spec['expirationSeconds'];
  const errors: FieldError[] = [];
  if (typeof expiration !== 'number' || !Number.isInteger(expiration)) {
    errors.push({ type: 'FieldValueInvalid', field: 'spec.expirationSeconds', value: expiration, detail: 'must be an integer' });
  } else if (expiration < MIN_EXPIRATION_SECONDS) {
    errors.push({ type: 'FieldValueInvalid', field: 'spec.expirationSeconds', value: expiration, detail: 'may not specify a duration less than 10 minutes' });
  } else if (expiration > MAX_EXPIRATION_SECONDS) {
    errors.push({ type: 'FieldValueInvalid', field: 'spec.expirationSeconds', value: expiration, detail: 'may not specify a duration larger than 2^32 seconds' });
  }
  if (errors.length) throw invalid({ group: 'authentication.k8s.io', resource: 'tokenrequests', kind: 'TokenRequest', name: body.metadata?.name ?? '' }, errors);

  const sa = await getOrThrow(ctx, 'serviceaccounts', namespace, name);
  const subject: TokenSubject = { namespace, serviceAccount: { name, uid: sa.metadata.uid ?? '' } };
  if (spec['boundObjectRef'] !== undefined && spec['boundObjectRef'] !== null) await bind(ctx, namespace, name, spec['boundObjectRef'], subject);

  const metadata = { ...(isPlainObject(body.metadata) ? body.metadata : {}), name, namespace, creationTimestamp: null };
  const out: Obj = { kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', metadata, spec };
  if (dryRun) {
    out['status'] = { token: '', expirationTimestamp: null };
  } else {
    const requestedAudiences = spec['audiences'] as string[];
    const apiAudiences = ctx.serviceAccountTokens.options.apiAudiences;
    const extend = subject.pod !== undefined && expiration === WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS && requestedAudiences.every((a) => apiAudiences.includes(a));
    const { token } = extend
      ? ctx.serviceAccountTokens.issue(subject, requestedAudiences, EXPIRATION_EXTENSION_SECONDS, WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS)
      : ctx.serviceAccountTokens.issue(subject, requestedAudiences, expiration as number);
    // The status reports the lifetime asked for (the kubelet refreshes by it), also when extended.
    out['status'] = { token, expirationTimestamp: rfc3339(new Date(ctx.now().getTime() + (expiration as number) * 1000)) };
  }
  writeJson(res, 201, out);
}

/** Resolves spec.boundObjectRef into the token's subject, refusing what upstream refuses. */
async function bind(ctx: ResourceContext, namespace: string, saName: string, ref: unknown, subject: TokenSubject): Promise<void> {
  if (!isPlainObject(ref)) throw badRequest('spec.boundObjectRef must be an object');
  const kind = typeof ref['kind'] === 'string' ? ref['kind'] : '';
  const apiVersion = typeof ref['apiVersion'] === 'string' ? ref['apiVersion'] : '';
  const refName = typeof ref['name'] === 'string' ? ref['name'] : '';
  const refUid = typeof ref['uid'] === 'string' ? ref['uid'] : '';
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0]! : '';
  let uid: string;
  if (group === '' && kind === 'Pod') {
    const pod = await getOrThrow(ctx, 'pods', namespace, refName);
    const spec = (pod['spec'] ?? {}) as { serviceAccountName?: string; nodeName?: string };
    if ((spec.serviceAccountName ?? 'default') !== saName) {
      throw badRequest(`cannot bind token for serviceaccount "${saName}" to pod running with different serviceaccount name.`);
    }
    uid = pod.metadata.uid ?? '';
    subject.pod = { name: refName, uid };
    if (spec.nodeName) {
      const node = await ctx.registry.core('nodes').store.get('', spec.nodeName).catch(() => undefined);
      if (node) subject.node = { name: spec.nodeName, uid: node.metadata.uid ?? '' };
    }
  } else if (group === '' && kind === 'Secret') {
    const secret = await getOrThrow(ctx, 'secrets', namespace, refName);
    uid = secret.metadata.uid ?? '';
    subject.secret = { name: refName, uid };
  } else if (group === '' && kind === 'Node') {
    const node = await getOrThrow(ctx, 'nodes', '', refName);
    uid = node.metadata.uid ?? '';
    subject.node = { name: refName, uid };
  } else {
    throw badRequest(`cannot bind token to object of type ${group ? `${group}/` : '/'}${apiVersion.split('/').pop() ?? ''}, Kind=${kind}`);
  }
  if (refUid && refUid !== uid) {
    throw conflict(
      { group: '', resource: kind, name: refName },
      `the UID in the bound object reference (${refUid}) does not match the UID in record. The object might have been deleted and then recreated`,
    );
  }
}

async function getOrThrow(ctx: ResourceContext, plural: string, namespace: string, name: string): Promise<StoredObject> {
  try {
    return await ctx.registry.core(plural).store.get(namespace, name);
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) throw notFound({ group: '', resource: plural, name });
    throw err;
  }
}
