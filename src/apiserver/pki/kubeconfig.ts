/**
 * Writes the admin kubeconfig for the real kubectl (and client-node, python client):
 * one cluster `skiff` with the CA inlined, one user `skiff-admin` with the admin client
 * cert and key inlined, one context, selected. The file holds a private key, so it is
 * written 0600 and atomically (a concurrently starting kubectl never reads half a file).
 * It is a standalone file: it replaces whatever is at `path`, it never merges.
 * `yaml` is imported on first use: it costs ~60 ms to load, a fifth of the server's start budget.
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
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: [
      {
        name: KUBECONFIG_CLUSTER,
        cluster: { server: opts.server, 'certificate-authority-data': b64(opts.pki.caCertPem) },
      },
    ],
    users: [
      {
        name: KUBECONFIG_USER,
        user: {
          'client-certificate-data': b64(opts.pki.adminCertPem),
          'client-key-data': b64(opts.pki.adminKeyPem),
        },
      },
    ],
    contexts: [{ name: context, context: { cluster: KUBECONFIG_CLUSTER, user: KUBECONFIG_USER } }],
    'current-context': context,
  };
  const { stringify } = await import('yaml');
  // lineWidth 0: base64 blobs must stay on one line, as kubectl writes them.
  return stringify(doc, { lineWidth: 0 });
}

export async function writeKubeconfig(path: string, opts: KubeconfigOptions): Promise<void> {
  const text = await renderKubeconfig(opts);
  // Only missing parents are created (e.g. ~/.kube); existing directories keep their modes.
  await mkdir(dirname(path), { recursive: true, mode: PRIVATE_DIR_MODE });
  await writeFileAtomic(path, text, PRIVATE_FILE_MODE);
}
