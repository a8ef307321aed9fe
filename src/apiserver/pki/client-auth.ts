/**
 * Client-certificate authentication: decides whether a certificate presented in the
 * TLS handshake was issued by the cluster CA for client use and is valid now, and maps
 * it to a Kubernetes identity the way upstream's x509 authenticator does
 * (user = subject CN, groups = subject O values). Pure: the caller supplies CA and clock.
 */
import { X509Certificate } from 'node:crypto';
import {
  EKU_CLIENT_AUTH,
  allowsExtendedKeyUsage,
  isIssuedBy,
  isValidAt,
  subjectAttribute,
} from './certificate-inspection.js';

export interface ClientIdentity {
  user: string;
  groups: string[];
}

/** Returns the identity, or undefined for any certificate that does not authenticate. */
export function verifyClientCertificate(
  ca: X509Certificate,
  presented: Uint8Array | X509Certificate,
  now: Date,
): ClientIdentity | undefined {
  let cert: X509Certificate;
  try {
    cert = presented instanceof X509Certificate ? presented : new X509Certificate(presented);
  } catch {
    return undefined;
  }
  // A CA certificate is not a user, even our own self-signed one (it "issues itself").
  if (cert.ca) return undefined;
  if (!isIssuedBy(cert, ca)) return undefined;
  if (!isValidAt(cert, now) || !isValidAt(ca, now)) return undefined;
  if (!allowsExtendedKeyUsage(cert, EKU_CLIENT_AUTH)) return undefined;
  // Go's pkix.Name keeps the last CN when there are several; so do we.
  const user = subjectAttribute(cert, 'CN').at(-1);
  // Upstream refuses an empty common name rather than authenticating an anonymous user.
  if (!user) return undefined;
  return { user, groups: subjectAttribute(cert, 'O') };
}
