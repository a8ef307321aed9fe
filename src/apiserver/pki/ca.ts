/**
 * The cluster CA on disk (tls/ca.crt, tls/ca.key): created once, then only ever
 * loaded. Every client's trust hangs on it, so anything unexpected — one file of the
 * pair missing, garbage, a key that does not match, a certificate that is not a
 * self-signed CA, an expired CA — is an Error naming the file, never a replacement.
 */
import type { KeyObject, X509Certificate } from 'node:crypto';
import { certificateValidity } from './certificate-inspection.js';
import { createCaCertificate } from './certificates.js';
import {
  PRIVATE_FILE_MODE,
  PUBLIC_FILE_MODE,
  parseCertificatePem,
  parsePrivateKeyPem,
  readOptionalFile,
  writeFileAtomic,
} from './files.js';

export interface ClusterCa {
  certPem: string;
  keyPem: string;
  cert: X509Certificate;
  key: KeyObject;
}

export interface CaFiles {
  cert: string;
  key: string;
}

/** Loads the CA, or creates it when neither file exists. */
export async function loadOrCreateCa(files: CaFiles, now: Date): Promise<{ ca: ClusterCa; created: boolean }> {
  const [certPem, keyPem] = await Promise.all([readOptionalFile(files.cert), readOptionalFile(files.key)]);
  if (certPem === undefined && keyPem === undefined) {
    const fresh = await createCaCertificate(now);
    // Key first: a crash between the renames leaves a lone key, which the check below
    // reports instead of silently minting a second CA.
    await writeFileAtomic(files.key, fresh.keyPem, PRIVATE_FILE_MODE);
    await writeFileAtomic(files.cert, fresh.certPem, PUBLIC_FILE_MODE);
    return { ca: validateCa(files, fresh.certPem, fresh.keyPem, now), created: true };
  }
  if (certPem === undefined || keyPem === undefined) {
    const [missing, present] = certPem === undefined ? [files.cert, files.key] : [files.key, files.cert];
    throw new Error(
      `${missing} is missing but ${present} exists; refusing to create a new CA, which would ` +
        `invalidate every issued certificate and kubeconfig. Restore ${missing}, or remove both files to start a new cluster PKI.`,
    );
  }
  return { ca: validateCa(files, certPem, keyPem, now), created: false };
}

export function validateCa(files: CaFiles, certPem: string, keyPem: string, now: Date): ClusterCa {
  const cert = parseCertificatePem(files.cert, certPem);
  const key = parsePrivateKeyPem(files.key, keyPem);
  if (!cert.ca) throw new Error(`${files.cert} is not a CA certificate (basicConstraints CA:TRUE missing)`);
  let selfSigned = false;
  try {
    selfSigned = cert.checkIssued(cert) && cert.verify(cert.publicKey);
  } catch {
    selfSigned = false;
  }
  if (!selfSigned) throw new Error(`${files.cert} does not verify as a self-signed CA certificate`);
  if (!cert.checkPrivateKey(key)) throw new Error(`${files.key} does not match the certificate in ${files.cert}`);
  let notAfter: Date;
  try {
    notAfter = certificateValidity(cert).notAfter;
  } catch (err) {
    throw new Error(`${files.cert}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (notAfter.getTime() < now.getTime()) {
    throw new Error(`${files.cert} expired on ${notAfter.toISOString()}; the cluster CA must be rotated by hand`);
  }
  return { certPem, keyPem, cert, key };
}
