/**
 * The API server's PKI under `<dataDir>/tls/`: created on first start, reused on every
 * later one. Decides what to (re)issue — the serving cert when a wanted SAN is missing
 * or expiry is near, the admin and kubelet-client certs when expiry is near, never the
 * CA — and
 * hands back the PEMs plus client-certificate verification bound to this CA. The
 * reuse path needs only node:crypto, so a normal start stays fast; @peculiar/x509 is
 * loaded only when something is actually issued.
 */
import { createPublicKey, type KeyObject, type X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { loadOrCreateCa, type ClusterCa } from './ca.js';
import {
  EKU_SERVER_AUTH,
  allowsExtendedKeyUsage,
  certificateValidity,
  isIssuedBy,
  type Validity,
} from './certificate-inspection.js';
import { issueCertificate, type CertificateAndKey, type LeafProfile } from './certificates.js';
import { verifyClientCertificate, type ClientIdentity } from './client-auth.js';
import {
  PRIVATE_FILE_MODE,
  PUBLIC_FILE_MODE,
  ensurePrivateDir,
  parseCertificatePem,
  parsePrivateKeyPem,
  parsePublicKeysPem,
  readOptionalFile,
  writeFileAtomic,
} from './files.js';
import { generateEcdsaKeyPair, privateKeyPem, publicKeyPem } from './keys.js';
import {
  certificateSans,
  hostIdentity,
  missingSans,
  servingCertificateSans,
  type HostIdentity,
  type SubjectAltNames,
} from './subject-alt-names.js';

export const ADMIN_USER = 'admin';
export const ADMIN_GROUP = 'system:masters';
export const SERVING_COMMON_NAME = 'kube-apiserver';
/**
 * Who the API server is when it calls a kubelet (logs, exec, port-forward): kubeadm's
 * apiserver-kubelet-client. In system:masters (kubeadm before 1.29 did the same) so the
 * kubelet's authorization check passes without any RBAC binding.
 */
export const KUBELET_CLIENT_COMMON_NAME = 'kube-apiserver-kubelet-client';
export const KUBELET_CLIENT_GROUP = 'system:masters';
/** Leaf certificates are reissued this long before they expire (upstream kubeadm uses the same margin idea). */
export const RENEW_BEFORE_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface ClusterPkiOptions {
  /** Extra names for the serving cert; IP literals become IP SANs, anything else DNS SANs. */
  extraSans?: readonly string[];
  /** First IP of the service CIDR (the `kubernetes` service's ClusterIP). Default 10.43.0.1. */
  serviceIp?: string;
  now?: () => Date;
  /** This host's name and addresses for the serving cert; defaults to os.hostname() and os.networkInterfaces(). */
  host?: HostIdentity;
}

export interface PkiFiles {
  dir: string;
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  adminCert: string;
  adminKey: string;
  kubeletClientCert: string;
  kubeletClientKey: string;
  serviceAccountKey: string;
  serviceAccountPublicKey: string;
}

/** Something ensureClusterPki wrote, and why — for the server to log. */
export interface PkiChange {
  item: 'ca' | 'serving' | 'admin' | 'kubelet-client' | 'service-account';
  action: 'created' | 'reissued';
  reason: string;
}

export interface ClusterPki {
  readonly files: PkiFiles;
  readonly caCertPem: string;
  readonly servingCertPem: string;
  readonly servingKeyPem: string;
  readonly adminCertPem: string;
  readonly adminKeyPem: string;
  /** The client certificate the API server presents to kubelets, and its key. */
  readonly kubeletClientCertPem: string;
  readonly kubeletClientKeyPem: string;
  /** PKCS#8 PEM of the key that signs service-account tokens. */
  readonly serviceAccountKeyPem: string;
  /** SPKI PEM bundle of the keys that verify service-account tokens (contains the signing key's). */
  readonly serviceAccountPublicKeyPem: string;
  /** The names the serving cert was required to carry on this start. */
  readonly servingSans: SubjectAltNames;
  readonly changes: readonly PkiChange[];
  /** Identity of a TLS client certificate issued by this CA, or undefined if it does not authenticate. */
  verifyClientCertificate(cert: Uint8Array | X509Certificate): ClientIdentity | undefined;
  /** Issues a client certificate (not written anywhere) for user `cn` in groups `orgs`. */
  issueClientCertificate(cn: string, orgs: readonly string[], days: number): Promise<CertificateAndKey>;
}

export function pkiFiles(dataDir: string): PkiFiles {
  const dir = join(dataDir, 'tls');
  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    servingCert: join(dir, 'serving.crt'),
    servingKey: join(dir, 'serving.key'),
    adminCert: join(dir, 'admin.crt'),
    adminKey: join(dir, 'admin.key'),
    kubeletClientCert: join(dir, 'apiserver-kubelet-client.crt'),
    kubeletClientKey: join(dir, 'apiserver-kubelet-client.key'),
    serviceAccountKey: join(dir, 'sa.key'),
    serviceAccountPublicKey: join(dir, 'sa.pub'),
  };
}

export async function ensureClusterPki(dataDir: string, opts: ClusterPkiOptions = {}): Promise<ClusterPki> {
  const clock = opts.now ?? (() => new Date());
  const now = clock();
  // Computed before touching disk, so a bad --tls-san fails without side effects.
  const wantedSans = servingCertificateSans({
    host: opts.host ?? hostIdentity(),
    ...(opts.serviceIp !== undefined ? { serviceIp: opts.serviceIp } : {}),
    ...(opts.extraSans !== undefined ? { extraSans: opts.extraSans } : {}),
  });
  const files = pkiFiles(dataDir);
  await ensurePrivateDir(files.dir);

  const changes: PkiChange[] = [];
  const { ca, created } = await loadOrCreateCa({ cert: files.caCert, key: files.caKey }, now);
  if (created) changes.push({ item: 'ca', action: 'created', reason: 'no CA in the data dir' });

  const [serving, admin, kubeletClient, serviceAccount] = await Promise.all([
    ensureLeaf(ca, now, changes, {
      item: 'serving',
      certFile: files.servingCert,
      keyFile: files.servingKey,
      profile: { usage: 'server', commonName: SERVING_COMMON_NAME, sans: wantedSans },
      problem: (cert) => servingCertProblem(cert, wantedSans),
    }),
    ensureLeaf(ca, now, changes, {
      item: 'admin',
      certFile: files.adminCert,
      keyFile: files.adminKey,
      profile: { usage: 'client', commonName: ADMIN_USER, organizations: [ADMIN_GROUP] },
      problem: (cert) => clientCertProblem(ca, cert, now, ADMIN_USER, ADMIN_GROUP),
    }),
    ensureLeaf(ca, now, changes, {
      item: 'kubelet-client',
      certFile: files.kubeletClientCert,
      keyFile: files.kubeletClientKey,
      profile: { usage: 'client', commonName: KUBELET_CLIENT_COMMON_NAME, organizations: [KUBELET_CLIENT_GROUP] },
      problem: (cert) => clientCertProblem(ca, cert, now, KUBELET_CLIENT_COMMON_NAME, KUBELET_CLIENT_GROUP),
    }),
    ensureServiceAccountKeys(files, changes),
  ]);

  return {
    files,
    caCertPem: ca.certPem,
    servingCertPem: serving.certPem,
    servingKeyPem: serving.keyPem,
    adminCertPem: admin.certPem,
    adminKeyPem: admin.keyPem,
    kubeletClientCertPem: kubeletClient.certPem,
    kubeletClientKeyPem: kubeletClient.keyPem,
    serviceAccountKeyPem: serviceAccount.keyPem,
    serviceAccountPublicKeyPem: serviceAccount.publicKeyPem,
    servingSans: wantedSans,
    changes,
    verifyClientCertificate: (cert) => verifyClientCertificate(ca.cert, cert, clock()),
    issueClientCertificate: (cn, orgs, days) => {
      if (cn.trim() === '') return Promise.reject(new Error('client certificate common name must not be empty'));
      return issueCertificate(ca, { usage: 'client', commonName: cn, organizations: orgs }, { now: clock(), days });
    },
  };
}

interface LeafSpec {
  item: 'serving' | 'admin' | 'kubelet-client';
  certFile: string;
  keyFile: string;
  profile: LeafProfile;
  /** Why this (CA-issued, key-matching, unexpired) certificate is still not good enough. */
  problem(cert: X509Certificate): string | undefined;
}

/** Reuses the leaf pair on disk unless it is missing or has a problem; then issues a new one. */
async function ensureLeaf(ca: ClusterCa, now: Date, changes: PkiChange[], spec: LeafSpec): Promise<CertificateAndKey> {
  const [certPem, keyPem] = await Promise.all([readOptionalFile(spec.certFile), readOptionalFile(spec.keyFile)]);
  let reason: string | undefined;
  if (certPem === undefined && keyPem === undefined) reason = 'no certificate yet';
  else if (certPem === undefined) reason = `${spec.certFile} is missing`;
  else if (keyPem === undefined) reason = `${spec.keyFile} is missing`;
  else {
    // Garbage throws here (naming the file); only a readable-but-stale pair is replaced.
    const cert = parseCertificatePem(spec.certFile, certPem);
    const key = parsePrivateKeyPem(spec.keyFile, keyPem);
    reason = leafProblem(ca, cert, key, now) ?? spec.problem(cert);
    if (reason === undefined) return { certPem, keyPem };
  }
  const fresh = await issueCertificate(ca, spec.profile, { now });
  // Key first: after a crash between the two, the old cert no longer matches the key and is reissued.
  await writeFileAtomic(spec.keyFile, fresh.keyPem, PRIVATE_FILE_MODE);
  await writeFileAtomic(spec.certFile, fresh.certPem, PUBLIC_FILE_MODE);
  const action = certPem === undefined && keyPem === undefined ? 'created' : 'reissued';
  changes.push({ item: spec.item, action, reason });
  return fresh;
}

function leafProblem(ca: ClusterCa, cert: X509Certificate, key: KeyObject, now: Date): string | undefined {
  if (!isIssuedBy(cert, ca.cert)) return 'not issued by the cluster CA';
  if (!cert.checkPrivateKey(key)) return 'private key does not match the certificate';
  let validity: Validity;
  try {
    validity = certificateValidity(cert);
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  const { notBefore, notAfter } = validity;
  if (notBefore.getTime() > now.getTime()) return `not valid before ${notBefore.toISOString()}`;
  if (notAfter.getTime() - now.getTime() < RENEW_BEFORE_DAYS * DAY_MS) return `expires ${notAfter.toISOString()}`;
  return undefined;
}

function servingCertProblem(cert: X509Certificate, wanted: SubjectAltNames): string | undefined {
  if (!allowsExtendedKeyUsage(cert, EKU_SERVER_AUTH)) return 'not usable for serverAuth';
  const missing = missingSans(wanted, certificateSans(cert));
  return missing.length > 0 ? `missing SANs ${missing.join(', ')}` : undefined;
}

function clientCertProblem(ca: ClusterCa, cert: X509Certificate, now: Date, user: string, group: string): string | undefined {
  const identity = verifyClientCertificate(ca.cert, cert, now);
  const ok = identity?.user === user && identity.groups.includes(group);
  return ok ? undefined : `does not authenticate as ${user} in ${group}`;
}

/**
 * sa.key is authoritative; sa.pub must contain its public key (it may list older keys
 * too, so tokens signed before a rotation still verify). A missing sa.key means no
 * token can be signed by the old key anyway, so a new pair replaces both files.
 */
async function ensureServiceAccountKeys(
  files: PkiFiles,
  changes: PkiChange[],
): Promise<{ keyPem: string; publicKeyPem: string }> {
  const [keyPem, pubPem] = await Promise.all([
    readOptionalFile(files.serviceAccountKey),
    readOptionalFile(files.serviceAccountPublicKey),
  ]);
  if (keyPem === undefined) {
    const pair = await generateEcdsaKeyPair();
    const fresh = { keyPem: privateKeyPem(pair.privateKey), publicKeyPem: publicKeyPem(pair.publicKey) };
    // Public key first: a crash in between leaves sa.key missing, which regenerates both.
    await writeFileAtomic(files.serviceAccountPublicKey, fresh.publicKeyPem, PUBLIC_FILE_MODE);
    await writeFileAtomic(files.serviceAccountKey, fresh.keyPem, PRIVATE_FILE_MODE);
    const action = pubPem === undefined ? 'created' : 'reissued';
    changes.push({ item: 'service-account', action, reason: `${files.serviceAccountKey} is missing` });
    return fresh;
  }
  const key = parsePrivateKeyPem(files.serviceAccountKey, keyPem);
  const ownPublicPem = publicKeyPem(key);
  if (pubPem === undefined) {
    await writeFileAtomic(files.serviceAccountPublicKey, ownPublicPem, PUBLIC_FILE_MODE);
    changes.push({ item: 'service-account', action: 'created', reason: `${files.serviceAccountPublicKey} is missing` });
    return { keyPem, publicKeyPem: ownPublicPem };
  }
  const own = createPublicKey(key);
  if (!parsePublicKeysPem(files.serviceAccountPublicKey, pubPem).some((pub) => pub.equals(own))) {
    throw new Error(`${files.serviceAccountPublicKey} does not contain the public key of ${files.serviceAccountKey}`);
  }
  return { keyPem, publicKeyPem: pubPem };
}
