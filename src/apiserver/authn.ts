/**
 * Authentication: who sent a request. Client certificates signed by the cluster CA
 * (CN = user, O = groups) and bearer tokens from a static token file (CSV
 * `token,user,uid,"group1,group2"`). Anything else is anonymous, which the server
 * admits only to the health and version endpoints.
 */
import { readFileSync } from 'node:fs';
import type { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { Request } from './http/io.js';

export interface UserInfo {
  name: string;
  uid?: string;
  groups: string[];
}

export type ClientCertificateVerifier = (cert: X509Certificate) => { user: string; groups: string[] } | undefined;

export interface Authenticator {
  authenticate(req: Request): UserInfo | undefined;
}

/** Parses a static token file; malformed lines are errors, so a typo never opens a hole. */
export function loadTokenFile(path: string): Map<string, UserInfo> {
  const tokens = new Map<string, UserInfo>();
  const lines = readFileSync(path, 'utf8').split(/\r?\n/);
  lines.forEach((line, i) => {
    if (line.trim() === '' || line.trim().startsWith('#')) return;
    const fields = parseCsvLine(line);
    if (fields.length < 3 || !fields[0] || !fields[1]) {
      throw new Error(`${path}:${i + 1}: expected token,user,uid[,"group1,group2"]`);
    }
    const groups = (fields[3] ?? '').split(',').map((g) => g.trim()).filter(Boolean);
    tokens.set(fields[0], { name: fields[1], uid: fields[2]!, groups });
  });
  return tokens;
}

function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out.map((f) => f.trim());
}

function tlsSocketOf(req: Request): TLSSocket | undefined {
  return ('stream' in req && req.stream ? req.stream.session?.socket : req.socket) as TLSSocket | undefined;
}

export function createAuthenticator(verifyClientCertificate: ClientCertificateVerifier, tokens: Map<string, UserInfo>): Authenticator {
  // A connection's certificate does not change: verify it once per connection, not per
  // request (parsing and verifying X.509 dominated request cost).
  const byConnection = new WeakMap<TLSSocket, UserInfo | null>();
  const fromCertificate = (socket: TLSSocket | undefined): UserInfo | undefined => {
    if (!socket) return undefined;
    let user = byConnection.get(socket);
    if (user === undefined) {
      const cert = socket.getPeerX509Certificate?.();
      const id = cert ? verifyClientCertificate(cert) : undefined;
      user = id ? { name: id.user, groups: [...id.groups, 'system:authenticated'] } : null;
      byConnection.set(socket, user);
    }
    return user ?? undefined;
  };
  return {
    authenticate(req) {
      const header = req.headers.authorization;
      if (typeof header === 'string' && header.startsWith('Bearer ')) {
        const user = tokens.get(header.slice(7).trim());
        if (user) return { ...user, groups: [...user.groups, 'system:authenticated'] };
        return undefined;
      }
      return fromCertificate(tlsSocketOf(req));
    },
  };
}
