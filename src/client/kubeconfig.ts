/**
 * Reads a kubeconfig (the file kubectl uses) into what an HTTPS client needs: the
 * server URL, the CA, and client certificate/key or a bearer token — inline `*-data`
 * fields or file paths (relative to the kubeconfig's directory, as kubectl resolves
 * them). The current context decides which cluster and user, unless one is named.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { parse } from 'yaml';
import { isPlainObject } from '../api/object.js';

export interface ClusterCredentials {
  server: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  token?: string;
  insecureSkipTlsVerify?: boolean;
  /** TLS server name to verify instead of the URL's host. */
  tlsServerName?: string;
}

type Named = { name?: unknown; [k: string]: unknown };

export function loadKubeconfig(path: string, context?: string): ClusterCredentials {
  return parseKubeconfig(readFileSync(path, 'utf8'), { context, baseDir: dirname(path) });
}

export function parseKubeconfig(text: string, options: { context?: string; baseDir?: string } = {}): ClusterCredentials {
  const doc = parse(text) as unknown;
  if (!isPlainObject(doc)) throw new Error('kubeconfig: not a YAML mapping');
  const contextName = options.context ?? (typeof doc['current-context'] === 'string' ? doc['current-context'] : undefined);
  if (!contextName) throw new Error('kubeconfig: no current-context and no context named');
  const ctx = pick(doc['contexts'], contextName, 'context', 'context');
  const clusterName = ctx['cluster'];
  const userName = ctx['user'];
  if (typeof clusterName !== 'string') throw new Error(`kubeconfig: context ${contextName} names no cluster`);
  const cluster = pick(doc['clusters'], clusterName, 'cluster', 'cluster');
  const user = typeof userName === 'string' && userName ? pick(doc['users'], userName, 'user', 'user') : {};
  const server = cluster['server'];
  if (typeof server !== 'string' || !server) throw new Error(`kubeconfig: cluster ${clusterName} has no server`);
  const file = (p: unknown): Buffer | undefined => (typeof p === 'string' && p ? readFileSync(isAbsolute(p) || !options.baseDir ? p : join(options.baseDir, p)) : undefined);
  const data = (d: unknown): Buffer | undefined => (typeof d === 'string' && d ? Buffer.from(d, 'base64') : undefined);
  const creds: ClusterCredentials = { server };
  const ca = data(cluster['certificate-authority-data']) ?? file(cluster['certificate-authority']);
  if (ca) creds.ca = ca;
  if (cluster['insecure-skip-tls-verify'] === true) creds.insecureSkipTlsVerify = true;
  if (typeof cluster['tls-server-name'] === 'string') creds.tlsServerName = cluster['tls-server-name'];
  const cert = data(user['client-certificate-data']) ?? file(user['client-certificate']);
  const key = data(user['client-key-data']) ?? file(user['client-key']);
  if (cert && key) {
    creds.cert = cert;
    creds.key = key;
  }
  const token = typeof user['token'] === 'string' && user['token'] ? user['token'] : file(user['tokenFile'])?.toString('utf8').trim();
  if (token) creds.token = token;
  return creds;
}

function pick(list: unknown, name: string, field: string, what: string): Record<string, unknown> {
  const entry = Array.isArray(list) ? (list as Named[]).find((e) => isPlainObject(e) && e.name === name) : undefined;
  const value = entry?.[field];
  if (!isPlainObject(value)) throw new Error(`kubeconfig: no ${what} named ${JSON.stringify(name)}`);
  return value;
}
