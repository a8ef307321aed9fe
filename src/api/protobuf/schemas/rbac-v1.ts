import type { SchemaPackage } from '../schema.js';

/**
 * rbac.authorization.k8s.io/v1 wire schema: Role, RoleBinding, ClusterRole and
 * ClusterRoleBinding. Field numbers and types are transcribed from the upstream API
 * definitions; JSON names and pointer-ness (`*`) from the Go types.
 */
export const rbacV1: SchemaPackage = {
  package: 'rbac',
  apiVersion: 'v1',
  kinds: {
    Role: 'Role',
    RoleList: 'RoleList',
    RoleBinding: 'RoleBinding',
    RoleBindingList: 'RoleBindingList',
    ClusterRole: 'ClusterRole',
    ClusterRoleList: 'ClusterRoleList',
    ClusterRoleBinding: 'ClusterRoleBinding',
    ClusterRoleBindingList: 'ClusterRoleBindingList',
  },
  messages: {
    Role: '1 metadata meta.ObjectMeta; 2 rules []PolicyRule',
    RoleList: '1 metadata meta.ListMeta; 2 items []Role',
    RoleBinding: '1 metadata meta.ObjectMeta; 2 subjects []Subject; 3 roleRef RoleRef',
    RoleBindingList: '1 metadata meta.ListMeta; 2 items []RoleBinding',
    ClusterRole: '1 metadata meta.ObjectMeta; 2 rules []PolicyRule; 3 aggregationRule AggregationRule',
    ClusterRoleList: '1 metadata meta.ListMeta; 2 items []ClusterRole',
    ClusterRoleBinding: '1 metadata meta.ObjectMeta; 2 subjects []Subject; 3 roleRef RoleRef',
    ClusterRoleBindingList: '1 metadata meta.ListMeta; 2 items []ClusterRoleBinding',

    PolicyRule: `1 verbs []string; 2 apiGroups []string; 3 resources []string; 4 resourceNames []string;
      5 nonResourceURLs []string`,
    AggregationRule: '1 clusterRoleSelectors []meta.LabelSelector',
    Subject: '1 kind *string; 2 apiGroup string; 3 name *string; 4 namespace string',
    RoleRef: '1 apiGroup *string; 2 kind *string; 3 name *string',
  },
};
