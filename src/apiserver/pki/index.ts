/**
 * The cluster PKI of the API server: CA, serving, admin and kubelet-client certificates and
 * service-account keys under `<dataDir>/tls/`, client-certificate authentication
 * against that CA, and the admin kubeconfig. This is the folder's public surface.
 */
export {
  ADMIN_GROUP,
  ADMIN_USER,
  KUBELET_CLIENT_COMMON_NAME,
  KUBELET_CLIENT_GROUP,
  RENEW_BEFORE_DAYS,
  ensureClusterPki,
  pkiFiles,
  type ClusterPki,
  type ClusterPkiOptions,
  type PkiChange,
  type PkiFiles,
} from './cluster-pki.js';
export { ensureClusterPkiOffThread } from './ensure-off-thread.js';
export type { CertificateAndKey } from './certificates.js';
export { verifyClientCertificate, type ClientIdentity } from './client-auth.js';
export { renderKubeconfig, writeKubeconfig, type KubeconfigOptions } from './kubeconfig.js';
export { DEFAULT_SERVICE_IP, type HostIdentity, type SubjectAltNames } from './subject-alt-names.js';
