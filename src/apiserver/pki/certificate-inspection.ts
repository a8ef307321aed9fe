/**
 * Questions about an existing certificate, answered with node:crypto alone (no
 * certificate library to load on the hot path): validity dates, issuer, extended key
 * usage and subject attributes. Pure functions over node's X509Certificate.
 */
import type { X509Certificate } from 'node:crypto';

export const EKU_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
export const EKU_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const EKU_ANY = '2.5.29.37.0';

export interface Validity {
  notBefore: Date;
  notAfter: Date;
}

/** node 20 exposes the dates only as OpenSSL text ("Nov 28 00:41:35 2027 GMT"), which Date parses. */
export function certificateValidity(cert: X509Certificate): Validity {
  const notBefore = new Date(cert.validFrom);
  const notAfter = new Date(cert.validTo);
  if (Number.isNaN(notBefore.getTime()) || Number.isNaN(notAfter.getTime())) {
    throw new Error(`unparseable certificate validity ${cert.validFrom} – ${cert.validTo}`);
  }
  return { notBefore, notAfter };
}

export function isValidAt(cert: X509Certificate, now: Date): boolean {
  let validity: Validity;
  try {
    validity = certificateValidity(cert);
  } catch {
    return false;
  }
  const { notBefore, notAfter } = validity;
  return notBefore.getTime() <= now.getTime() && now.getTime() <= notAfter.getTime();
}

/** Issuer name (and key id, when present) match, and the signature verifies with the CA's key. */
export function isIssuedBy(cert: X509Certificate, ca: X509Certificate): boolean {
  try {
    return cert.checkIssued(ca) && cert.verify(ca.publicKey);
  } catch {
    return false;
  }
}

/**
 * Whether `cert` may be used for `purpose`. Like Go's crypto/x509 (which upstream
 * Kubernetes uses), a certificate without an extended-key-usage extension is good for
 * any purpose; node reports that absence as an undefined `keyUsage`.
 */
export function allowsExtendedKeyUsage(cert: X509Certificate, purpose: string): boolean {
  const usages: readonly string[] | undefined = cert.keyUsage;
  if (usages === undefined) return true;
  return usages.includes(purpose) || usages.includes(EKU_ANY);
}

/** Values of one subject attribute ("CN", "O"), unescaped, in certificate order. */
export function subjectAttribute(cert: X509Certificate, attribute: string): string[] {
  // The legacy object holds already-unescaped values: a string, or an array when repeated.
  const subject: Record<string, string | string[] | undefined> = cert.toLegacyObject().subject;
  const value = subject[attribute];
  if (value === undefined) return [];
  return Array.isArray(value) ? [...value] : [value];
}
