import type { SchemaPackage } from '../schema.js';

/**
 * authentication.k8s.io/v1 wire schema: TokenRequest (the `serviceaccounts/token`
 * subresource), TokenReview and SelfSubjectReview (`kubectl auth whoami`). UserInfo's extra
 * map holds ExtraValue, whose JSON form is a bare string array. Field numbers and types are
 * transcribed from the upstream API definitions; JSON names and pointer-ness (`*`) from the
 * Go types.
 */
export const authenticationV1: SchemaPackage = {
  package: 'authentication',
  apiVersion: 'v1',
  kinds: {
    TokenRequest: 'TokenRequest',
    TokenReview: 'TokenReview',
    SelfSubjectReview: 'SelfSubjectReview',
  },
  messages: {
    TokenRequest: '1 metadata meta.ObjectMeta; 2 spec TokenRequestSpec; 3 status TokenRequestStatus',
    TokenRequestSpec: '1 audiences []string; 4 expirationSeconds *int64; 3 boundObjectRef BoundObjectReference',
    TokenRequestStatus: '1 token *string; 2 expirationTimestamp Time',
    BoundObjectReference: '1 kind string; 2 apiVersion string; 3 name string; 4 uid string',

    TokenReview: '1 metadata meta.ObjectMeta; 2 spec TokenReviewSpec; 3 status TokenReviewStatus',
    TokenReviewSpec: '1 token string; 2 audiences []string',
    TokenReviewStatus: '1 authenticated bool; 2 user UserInfo; 4 audiences []string; 3 error string',

    SelfSubjectReview: '1 metadata meta.ObjectMeta; 2 status SelfSubjectReviewStatus',
    SelfSubjectReviewStatus: '1 userInfo UserInfo',

    UserInfo: '1 username string; 2 uid string; 3 groups []string; 4 extra map<string,ExtraValue>',
    ExtraValue: '@array 1 items []string',
  },
};
