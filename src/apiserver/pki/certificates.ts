/**
 * Certificate generation for the cluster PKI with @peculiar/x509: the self-signed CA,
 * and leaf certificates (API server serving cert, client certs) signed by it. Every
 * function returns PEM text; nothing here touches the file system or decides *when*
 * to issue — that is cluster-pki.ts.
 */
import { X509Certificate as NodeX509Certificate } from 'node:crypto';
import type { Extension, JsonName } from '@peculiar/x509';
import { generateEcdsaKeyPair, importSigningKey, privateKeyPem } from './keys.js';
import type { SubjectAltNames } from './subject-alt-names.js';
import { loadX509 } from './x509-library.js';

export const CA_COMMON_NAME = 'skiff-ca';
export const CA_VALIDITY_DAYS = 3650;
export const LEAF_VALIDITY_DAYS = 365;
const DAY_MS = 24 * 60 * 60 * 1000;
// Backdating absorbs small clock skew between this host and a client checking notBefore.
const BACKDATE_MS = 5 * 60 * 1000;

/** A certificate and its private key, both PEM. */
export interface CertificateAndKey {
  certPem: string;
  keyPem: string;
}

export type LeafProfile =
  | { usage: 'server'; commonName: string; sans: SubjectAltNames }
  | { usage: 'client'; commonName: string; organizations: readonly string[] };

export async function createCaCertificate(now: Date): Promise<CertificateAndKey> {
  const x509 = await loadX509();
  const key = await generateEcdsaKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: [{ CN: [CA_COMMON_NAME] }],
    keys: { privateKey: key.privateKey, publicKey: key.publicKey },
    signingAlgorithm: key.signingAlgorithm,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + CA_VALIDITY_DAYS * DAY_MS),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(key.publicKey),
    ],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: privateKeyPem(key.privateKey) };
}

/** Issues a fresh key pair and a certificate for it, signed by `ca`. */
export async function issueCertificate(
  ca: CertificateAndKey,
  profile: LeafProfile,
  opts: { now: Date; days?: number },
): Promise<CertificateAndKey> {
  const x509 = await loadX509();
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await importSigningKey(ca.keyPem);
  const key = await generateEcdsaKeyPair();
  const days = opts.days ?? LEAF_VALIDITY_DAYS;
  if (!(days > 0)) throw new Error(`certificate lifetime must be a positive number of days, got ${days}`);
  // A leaf must not outlive its CA: clients would reject it after the CA expires anyway.
  const notAfter = new Date(Math.min(opts.now.getTime() + days * DAY_MS, caCert.notAfter.getTime()));

  const extensions: Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
  ];
  const name: JsonName = [{ CN: [profile.commonName] }];
  if (profile.usage === 'server') {
    extensions.push(new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]));
    extensions.push(
      new x509.SubjectAlternativeNameExtension([
        ...profile.sans.dns.map((value) => ({ type: 'dns' as const, value })),
        ...profile.sans.ips.map((value) => ({ type: 'ip' as const, value })),
      ]),
    );
  } else {
    extensions.push(new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]));
    // One RDN per organization: each becomes one group, as upstream reads them.
    for (const org of profile.organizations) name.push({ O: [org] });
  }
  // The authority key id lets OpenSSL-based clients pick the right CA when several share a name.
  const caKeyId = caCert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  if (caKeyId) extensions.push(new x509.AuthorityKeyIdentifierExtension(caKeyId));

  const cert = await x509.X509CertificateGenerator.create({
    subject: name,
    issuer: caCert.subjectName,
    publicKey: key.publicKey,
    signingKey: caKey.privateKey,
    signingAlgorithm: caKey.signingAlgorithm,
    notBefore: new Date(opts.now.getTime() - BACKDATE_MS),
    notAfter,
    extensions,
  });
  const certPem = cert.toString('pem') + '\n';
  // Cheap self-check with an independent implementation, so a bad cert never reaches disk.
  if (!new NodeX509Certificate(certPem).verify(new NodeX509Certificate(ca.certPem).publicKey)) {
    throw new Error(`issued certificate for ${profile.commonName} does not verify against the CA`);
  }
  return { certPem, keyPem: privateKeyPem(key.privateKey) };
}
