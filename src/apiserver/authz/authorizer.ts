/**
 * Authorization: may this user do this? The Authorizer interface (upstream's
 * authorizer.Authorizer plus its RuleResolver) that the request chain and the access
 * reviews both ask, so that RBAC can replace today's policy without either noticing.
 * This module holds the shapes and the request-to-attributes mapping; policies live
 * beside it, one per file.
 */
import type { UserInfo } from '../authn.js';
import type { RequestInfo } from '../request-info.js';

/** What is being asked for, as upstream's authorizer.Attributes (without the user). */
export type Attributes =
  | {
      resourceRequest: true;
      verb: string;
      namespace: string;
      apiGroup: string;
      apiVersion: string;
      resource: string;
      subresource: string;
      name: string;
    }
  | { resourceRequest: false; verb: string; path: string };

export type Decision = 'allow' | 'deny' | 'noOpinion';

export interface AuthorizationResult {
  decision: Decision;
  reason: string;
  evaluationError?: string;
}

export interface ResourceRule {
  verbs: string[];
  apiGroups: string[];
  resources: string[];
  resourceNames?: string[];
}

export interface NonResourceRule {
  verbs: string[];
  nonResourceURLs: string[];
}

export interface RulesResult {
  resourceRules: ResourceRule[];
  nonResourceRules: NonResourceRule[];
  /** True when the authorizer cannot list everything it would allow. */
  incomplete: boolean;
  evaluationError?: string;
}

export interface Authorizer {
  authorize(user: UserInfo, attributes: Attributes): Promise<AuthorizationResult>;
  /** What `user` may do in `namespace` (SelfSubjectRulesReview, `kubectl auth can-i --list`). */
  rulesFor(user: UserInfo, namespace: string): Promise<RulesResult>;
}

/** Upstream's HTTP-method verbs for non-resource paths. */
const NON_RESOURCE_VERBS: Record<string, string> = { get: 'get', head: 'get', post: 'post', put: 'put', patch: 'patch', delete: 'delete' };

export function attributesOf(info: RequestInfo): Attributes {
  if (!info.isResourceRequest) return { resourceRequest: false, verb: NON_RESOURCE_VERBS[info.verb] ?? info.verb, path: info.path };
  return {
    resourceRequest: true,
    verb: info.verb,
    namespace: info.namespace,
    apiGroup: info.group,
    apiVersion: info.version,
    resource: info.resource,
    subresource: info.subresource,
    name: info.name,
  };
}

/** Upstream's wording of a refusal: `User "x" cannot list resource "pods" in API group "" in the namespace "a"`. */
export function forbiddenMessage(user: UserInfo, attributes: Attributes): string {
  if (!attributes.resourceRequest) return `User ${JSON.stringify(user.name)} cannot ${attributes.verb} path ${JSON.stringify(attributes.path)}`;
  const resource = attributes.subresource ? `${attributes.resource}/${attributes.subresource}` : attributes.resource;
  const scope = attributes.namespace ? `in the namespace ${JSON.stringify(attributes.namespace)}` : 'at the cluster scope';
  return `User ${JSON.stringify(user.name)} cannot ${attributes.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(attributes.apiGroup)} ${scope}`;
}
