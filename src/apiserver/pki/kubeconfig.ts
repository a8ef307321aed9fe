/**
 * Writes the admin kubeconfig for the real kubectl (and client-node, python client):
 * one cluster `skiff` with the CA inlined, one user `skiff-admin` with the admin client
 * cert and key inlined, one context, selected. The file holds a private key, so it is
 * written 0600 and atomically (a concurrently starting kubectl never reads half a file).
 * It is a standalone file: it replaces whatever is at `path`, it never merges.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ClusterPki } from './cluster-pki.js';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, writeFileAtomic } from './files.js';

export const KUBECONFIG_CLUSTER = 'skiff';
export const KUBECONFIG_USER = 'skiff-admin';

export interface KubeconfigOptions {
  /** API server URL, e.g. https://127.0.0.1:6443. */
  server: string;
  pki: Pick<ClusterPki, 'caCertPem' | 'adminCertPem' | 'adminKeyPem'>;
  /** Name of the context (and current-context). Default `skiff`. */
  context?: string;
}

/** The kubeconfig document as YAML text (no I/O; exported for tests and `skiff kubeconfig`). */
export async function renderKubeconfig(opts: KubeconfigOptions): Promise<string> {
  let url: URL;
  try {
    url = new URL(opts.server);
  } catch {
    throw new Error(`kubeconfig server ${JSON.stringify(opts.server)} is not a URL`);
  }
  // The inlined CA and client cert only mean anything over TLS.
  if (url.protocol !== 'https:') throw new Error(`kubeconfig server ${opts.server} must be an https:// URL`);
  const context = opts.context ?? 'skiff';
  const b64 = (pem: string): string => Buffer.from(pem, 'utf8').toString('base64');
  // Rendered by hand rather than with the `yaml` library: loading that library cost ~70 ms
  // of a cold start whose whole budget is 300 ms, and this document has a fixed shape.
  // Base64 blobs stay on one line, as kubectl writes them.
  return [
    'apiVersion: v1',
    'kind: Config',
    'preferences: {}',
    'clusters:',
    `- name: ${yamlScalar(KUBECONFIG_CLUSTER)}`,
    '  cluster:',
    `    server: ${yamlScalar(opts.server)}`,
    `    certificate-authority-data: ${b64(opts.pki.caCertPem)}`,
    'users:',
    `- name: ${yamlScalar(KUBECONFIG_USER)}`,
    '  user:',
    `    client-certificate-data: ${b64(opts.pki.adminCertPem)}`,
    `    client-key-data: ${b64(opts.pki.adminKeyPem)}`,
    'contexts:',
    `- name: ${yamlScalar(context)}`,
    '  context:',
    `    cluster: ${yamlScalar(KUBECONFIG_CLUSTER)}`,
    `    user: ${yamlScalar(KUBECONFIG_USER)}`,
    `current-context: ${yamlScalar(context)}`,
    '',
  ].join('\n');
}

/** Words a YAML 1.1 or 1.2 reader would take for something other than a string. */
const YAML_RESERVED = /^(?:y|n|yes|no|true|false|on|off|null|~)$/i;

/**
 * A string as a YAML scalar: plain when it is unambiguously a string (a letter first, no
 * spaces or indicators, not a reserved word), otherwise double-quoted — a JSON string
 * literal is a valid YAML double-quoted scalar.
 */
export function yamlScalar(value: string): string {
  return /^[A-Za-z][A-Za-z0-9._/:@-]*$/.test(value) && !YAML_RESERVED.test(value) && !value.includes(': ') ? value : JSON.stringify(value);
}

export async function writeKubeconfig(path: string, opts: KubeconfigOptions): Promise<void> {
  const text = await renderKubeconfig(opts);
  // Only missing parents are created (e.g. ~/.kube); existing directories keep their modes.
  await mkdir(dirname(path), { recursive: true, mode: PRIVATE_DIR_MODE });
  await writeFileAtomic(path, text, PRIVATE_FILE_MODE);
}
