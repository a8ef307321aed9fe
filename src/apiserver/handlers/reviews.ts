/**
 * The review kinds of authentication.k8s.io and authorization.k8s.io: create-only
 * questions that are answered, never stored. SelfSubjectReview (`kubectl auth whoami`)
 * and TokenReview ask the authenticator; the access reviews (`kubectl auth can-i`) and
 * SelfSubjectRulesReview (`can-i --list`) ask the authorizer in force.
 */
import { badRequest, invalid, type FieldError } from '../../api/errors.js';
import { isPlainObject, type KubeObject } from '../../api/object.js';
import { apiVersionOf, type ResourceInfo } from '../../api/resources.js';
import type { UserInfo } from '../authn.js';
import type { Attributes } from '../authz/authorizer.js';
import { writeJson, type Response } from '../http/io.js';
import type { ResourceContext } from './context.js';

type Obj = Record<string, unknown>;

/** Answers one review; the body is already decoded. */
export async function answerReview(ctx: ResourceContext, res: Response, r: ResourceInfo, namespace: string, body: KubeObject, user: UserInfo): Promise<void> {
  const spec = isPlainObject(body['spec']) ? (body['spec'] as Obj) : {};
  let status: Obj;
  let outSpec: Obj = spec;
  switch (r.kind) {
    case 'SelfSubjectReview':
      status = { userInfo: userInfoJson(user) };
      break;
    case 'TokenReview':
      status = await tokenReview(ctx, spec);
      break;
    case 'SelfSubjectAccessReview':
      checkAttributes(r, spec);
      status = await accessReview(ctx, user, spec);
      break;
    case 'SubjectAccessReview': {
      checkAttributes(r, spec);
      status = await accessReview(ctx, subjectOf(spec), spec);
      break;
    }
    case 'LocalSubjectAccessReview': {
      checkLocal(r, namespace, body, spec);
      status = await accessReview(ctx, subjectOf(spec), spec);
      break;
    }
    case 'SelfSubjectRulesReview': {
      const ns = typeof spec['namespace'] === 'string' ? spec['namespace'] : '';
      if (!ns) throw badRequest('no namespace on request');
      const rules = await ctx.authorizer.rulesFor(user, ns);
      status = { resourceRules: rules.resourceRules, nonResourceRules: rules.nonResourceRules, incomplete: rules.incomplete };
      if (rules.evaluationError) status['evaluationError'] = rules.evaluationError;
      outSpec = {};
      break;
    }
    default:
      throw badRequest(`${r.kind} cannot be reviewed`);
  }
  const metadata = isPlainObject(body.metadata) ? { ...body.metadata } : {};
  writeJson(res, 201, { kind: r.kind, apiVersion: apiVersionOf(r), metadata: { creationTimestamp: null, ...metadata }, spec: outSpec, status });
}

function userInfoJson(user: UserInfo): Obj {
  const out: Obj = { username: user.name };
  if (user.uid) out['uid'] = user.uid;
  out['groups'] = [...user.groups];
  if (user.extra && Object.keys(user.extra).length) out['extra'] = user.extra;
  return out;
}

async function tokenReview(ctx: ResourceContext, spec: Obj): Promise<Obj> {
  const token = typeof spec['token'] === 'string' ? spec['token'] : '';
  if (!token) throw badRequest('token is required for TokenReview in authentication');
  const asked = Array.isArray(spec['audiences']) ? spec['audiences'].filter((a): a is string => typeof a === 'string') : [];
  const result = await ctx.authenticator.authenticateToken(token, asked.length ? asked : undefined);
  if (!result) return { user: {} };
  if ('error' in result) return { user: {}, error: result.error };
  return { authenticated: true, user: userInfoJson(result.user), audiences: result.audiences };
}

/** Exactly one of resourceAttributes and nonResourceAttributes, as upstream validates. */
function checkAttributes(r: ResourceInfo, spec: Obj): void {
  const errors: FieldError[] = [];
  const hasResource = isPlainObject(spec['resourceAttributes']);
  const hasNonResource = isPlainObject(spec['nonResourceAttributes']);
  if (!hasResource && !hasNonResource) {
    errors.push({ type: 'FieldValueRequired', field: 'spec.resourceAttributes', detail: 'exactly one of nonResourceAttributes or resourceAttributes must be specified' });
  }
  if (hasResource && hasNonResource) {
    errors.push({ type: 'FieldValueInvalid', field: 'spec.nonResourceAttributes', value: spec['nonResourceAttributes'], detail: 'cannot be specified in combination with resourceAttributes' });
  }
  if (r.kind !== 'SelfSubjectAccessReview' && !spec['user'] && !(Array.isArray(spec['groups']) && spec['groups'].length)) {
    errors.push({ type: 'FieldValueInvalid', field: 'spec.user', value: spec['user'] ?? '', detail: 'at least one of user or group must be specified' });
  }
  if (errors.length) throw invalid({ group: r.group, resource: r.plural, kind: r.kind, name: '' }, errors);
}

function checkLocal(r: ResourceInfo, namespace: string, body: KubeObject, spec: Obj): void {
  const errors: FieldError[] = [];
  if (!isPlainObject(spec['resourceAttributes'])) {
    errors.push({ type: 'FieldValueRequired', field: 'spec.resourceAttributes', detail: '' });
  }
  if (isPlainObject(spec['nonResourceAttributes'])) {
    errors.push({ type: 'FieldValueInvalid', field: 'spec.nonResourceAttributes', value: spec['nonResourceAttributes'], detail: 'disallowed on this kind of request' });
  }
  if (!spec['user'] && !(Array.isArray(spec['groups']) && spec['groups'].length)) {
    errors.push({ type: 'FieldValueInvalid', field: 'spec.user', value: spec['user'] ?? '', detail: 'at least one of user or group must be specified' });
  }
  if (errors.length) throw invalid({ group: r.group, resource: r.plural, kind: r.kind, name: '' }, errors);
  const bodyNamespace = body.metadata?.namespace;
  if (bodyNamespace && bodyNamespace !== namespace) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  const attrNamespace = (spec['resourceAttributes'] as Obj)['namespace'];
  if (attrNamespace !== namespace) throw badRequest(`spec.resourceAttributes.namespace must match namespace: ${namespace}`);
}

/** The subject a SubjectAccessReview asks about. */
function subjectOf(spec: Obj): UserInfo {
  const user: UserInfo = {
    name: typeof spec['user'] === 'string' ? spec['user'] : '',
    groups: Array.isArray(spec['groups']) ? spec['groups'].filter((g): g is string => typeof g === 'string') : [],
  };
  if (typeof spec['uid'] === 'string') user.uid = spec['uid'];
  if (isPlainObject(spec['extra'])) user.extra = spec['extra'] as Record<string, string[]>;
  return user;
}

async function accessReview(ctx: ResourceContext, user: UserInfo, spec: Obj): Promise<Obj> {
  const str = (o: Obj, k: string) => (typeof o[k] === 'string' ? (o[k] as string) : '');
  let attributes: Attributes;
  if (isPlainObject(spec['resourceAttributes'])) {
    const a = spec['resourceAttributes'] as Obj;
    attributes = {
      resourceRequest: true,
      verb: str(a, 'verb'),
      namespace: str(a, 'namespace'),
      apiGroup: str(a, 'group'),
      apiVersion: str(a, 'version'),
      resource: str(a, 'resource'),
      subresource: str(a, 'subresource'),
      name: str(a, 'name'),
    };
  } else {
    const a = (spec['nonResourceAttributes'] ?? {}) as Obj;
    attributes = { resourceRequest: false, verb: str(a, 'verb'), path: str(a, 'path') };
  }
  const result = await ctx.authorizer.authorize(user, attributes);
  const status: Obj = { allowed: result.decision === 'allow' };
  if (result.decision === 'deny') status['denied'] = true;
  if (result.reason) status['reason'] = result.reason;
  if (result.evaluationError) status['evaluationError'] = result.evaluationError;
  return status;
}
