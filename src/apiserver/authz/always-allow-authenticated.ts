/**
 * Today's policy, until RBAC arrives: any authenticated user may do anything. Anonymous
 * subjects get no opinion (and so are refused). Truthful about itself: its rules are `*`
 * on everything and complete.
 */
import type { UserInfo } from '../authn.js';
import type { Attributes, AuthorizationResult, Authorizer, RulesResult } from './authorizer.js';

export const ANONYMOUS_USER = 'system:anonymous';
export const UNAUTHENTICATED_GROUP = 'system:unauthenticated';

const isAnonymous = (user: UserInfo): boolean => user.name === ANONYMOUS_USER || user.name === '' || user.groups.includes(UNAUTHENTICATED_GROUP);

export class AlwaysAllowAuthenticated implements Authorizer {
  async authorize(user: UserInfo, _attributes: Attributes): Promise<AuthorizationResult> {
    if (isAnonymous(user)) return { decision: 'noOpinion', reason: '' };
    return { decision: 'allow', reason: 'every authenticated user is allowed (no RBAC yet)' };
  }

  async rulesFor(user: UserInfo, _namespace: string): Promise<RulesResult> {
    if (isAnonymous(user)) return { resourceRules: [], nonResourceRules: [], incomplete: false };
    return {
      resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
      nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
      incomplete: false,
    };
  }
}
