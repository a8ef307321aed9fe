import type { SchemaPackage } from '../schema.js';

/**
 * networking.k8s.io/v1 wire schema: Ingress, IngressClass and NetworkPolicy. Field numbers and
 * types are transcribed from the upstream API definitions; JSON names, pointer-ness (`*`) and
 * inlining (`^`: IngressRule's IngressRuleValue) from the Go types.
 */
export const networkingV1: SchemaPackage = {
  package: 'networking',
  apiVersion: 'v1',
  kinds: {
    Ingress: 'Ingress',
    IngressList: 'IngressList',
    IngressClass: 'IngressClass',
    IngressClassList: 'IngressClassList',
    NetworkPolicy: 'NetworkPolicy',
    NetworkPolicyList: 'NetworkPolicyList',
  },
  messages: {
    Ingress: '1 metadata meta.ObjectMeta; 2 spec IngressSpec; 3 status IngressStatus',
    IngressList: '1 metadata meta.ListMeta; 2 items []Ingress',
    IngressSpec: `4 ingressClassName *string; 1 defaultBackend IngressBackend; 2 tls []IngressTLS;
      3 rules []IngressRule`,
    IngressTLS: '1 hosts []string; 2 secretName string',
    IngressRule: '1 host string; 2 ^ IngressRuleValue',
    IngressRuleValue: '1 http HTTPIngressRuleValue',
    HTTPIngressRuleValue: '1 paths []HTTPIngressPath',
    HTTPIngressPath: '1 path string; 3 pathType *string; 2 backend IngressBackend',
    IngressBackend: '4 service IngressServiceBackend; 3 resource core.TypedLocalObjectReference',
    IngressServiceBackend: '1 name *string; 2 port ServiceBackendPort',
    ServiceBackendPort: '1 name string; 2 number int32',
    IngressStatus: '1 loadBalancer IngressLoadBalancerStatus',
    IngressLoadBalancerStatus: '1 ingress []IngressLoadBalancerIngress',
    IngressLoadBalancerIngress: '1 ip string; 2 hostname string; 4 ports []IngressPortStatus',
    IngressPortStatus: '1 port *int32; 2 protocol *string; 3 error *string',

    IngressClass: '1 metadata meta.ObjectMeta; 2 spec IngressClassSpec',
    IngressClassList: '1 metadata meta.ListMeta; 2 items []IngressClass',
    IngressClassSpec: '1 controller string; 2 parameters IngressClassParametersReference',
    IngressClassParametersReference: `1 apiGroup *string; 2 kind *string; 3 name *string; 4 scope *string;
      5 namespace *string`,

    NetworkPolicy: '1 metadata meta.ObjectMeta; 2 spec NetworkPolicySpec',
    NetworkPolicyList: '1 metadata meta.ListMeta; 2 items []NetworkPolicy',
    NetworkPolicySpec: `1 podSelector meta.LabelSelector; 2 ingress []NetworkPolicyIngressRule;
      3 egress []NetworkPolicyEgressRule; 4 policyTypes []string`,
    NetworkPolicyIngressRule: '1 ports []NetworkPolicyPort; 2 from []NetworkPolicyPeer',
    NetworkPolicyEgressRule: '1 ports []NetworkPolicyPort; 2 to []NetworkPolicyPeer',
    NetworkPolicyPort: '1 protocol *string; 2 port IntOrString; 3 endPort *int32',
    NetworkPolicyPeer: '1 podSelector meta.LabelSelector; 2 namespaceSelector meta.LabelSelector; 3 ipBlock IPBlock',
    IPBlock: '1 cidr *string; 2 except []string',
  },
};
