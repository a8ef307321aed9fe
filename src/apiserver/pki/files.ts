/**
 * File system edge of the PKI: a private directory, atomic writes with explicit modes,
 * and reading PEM files so that every failure names the file it came from. Callers
 * never overwrite a file they could not read or parse; that decision is theirs, but
 * the errors here make it visible.
 */
import { X509Certificate, createPrivateKey, createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export const PRIVATE_FILE_MODE = 0o600;
export const PUBLIC_FILE_MODE = 0o644;
export const PRIVATE_DIR_MODE = 0o700;

/** Creates `dir` (and parents) and makes `dir` itself 0700, also when it already existed. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  await chmod(dir, PRIVATE_DIR_MODE);
}

/** File contents, undefined if the file does not exist; any other failure names the file. */
export async function readOptionalFile(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return undefined;
    throw new Error(`cannot read ${path}: ${errorMessage(err)}`, { cause: err });
  }
}

/**
 * Writes through a temporary sibling and a rename, so a reader (or a crash) sees the
 * old file or the new one, never half of one. The temp file is created with `mode`, so
 * a private key is never briefly world-readable.
 */
export async function writeFileAtomic(path: string, data: string, mode: number): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', mode);
    try {
      await handle.writeFile(data, 'utf8');
      // Flush before rename: otherwise a power loss can leave an empty file under the final name.
      await handle.sync();
    } finally {
      await handle.close();
    }
    // open() applies the umask; chmod makes the mode exact.
    await chmod(temp, mode);
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw new Error(`cannot write ${path}: ${errorMessage(err)}`, { cause: err });
  }
}

export function parseCertificatePem(path: string, pem: string): X509Certificate {
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new Error(`${path} does not contain a PEM certificate`);
  }
  try {
    return new X509Certificate(pem);
  } catch (err) {
    throw new Error(`${path} is not a valid certificate: ${errorMessage(err)}`, { cause: err });
  }
}

export function parsePrivateKeyPem(path: string, pem: string): KeyObject {
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    throw new Error(`${path} does not contain a PEM private key`);
  }
  try {
    return createPrivateKey(pem);
  } catch (err) {
    throw new Error(`${path} is not a valid private key: ${errorMessage(err)}`, { cause: err });
  }
}

/** Every public key in a PEM bundle (a service-account key file may list several). */
export function parsePublicKeysPem(path: string, pem: string): KeyObject[] {
  const blocks = pem.match(/-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g) ?? [];
  if (blocks.length === 0) throw new Error(`${path} does not contain a PEM public key`);
  return blocks.map((block) => {
    try {
      return createPublicKey(block);
    } catch (err) {
      throw new Error(`${path} holds an invalid public key: ${errorMessage(err)}`, { cause: err });
    }
  });
}

function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
