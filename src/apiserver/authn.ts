/**
 * Authentication: who sent a request. Client certificates signed by the cluster CA
 * (CN = user, O = groups), bearer tokens from a static token file (CSV
 * `token,user,uid,"group1,group2"`) and bearer tokens that other token authenticators
 * recognise (service-account JWTs). Anything else is anonymous, which the server admits
 * only to the health and version endpoints.
 */
import { readFileSync } from 'node:fs';
import type { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { Request } from './http/io.js';
import { DEFAULT_ISSUER } from './serviceaccount/claims.js';

export interface UserInfo {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export type ClientCertificateVerifier = (cert: X509Certificate) => { user: string; groups: string[] } | undefined;

/** What a token authenticator says about a token: who it is, or why it is refused. */
export type TokenResult = { user: UserInfo; audiences: string[] } | { error: string };

export interface TokenAuthenticator {
  /**
   * Authenticates a bearer token for `audiences` (the API server's own when absent);
   * undefined when the token is not of this authenticator's kind at all.
   */
  authenticateToken(token: string, audiences?: string[]): Promise<TokenResult | undefined>;
}

export interface Authenticator extends TokenAuthenticator {
  authenticate(req: Request): Promise<UserInfo | undefined>;
}

export const AUTHENTICATED_GROUP = 'system:authenticated';

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

const withAuthenticatedGroup = (user: UserInfo): UserInfo =>
  user.groups.includes(AUTHENTICATED_GROUP) ? user : { ...user, groups: [...user.groups, AUTHENTICATED_GROUP] };

export function createAuthenticator(
  verifyClientCertificate: ClientCertificateVerifier,
  tokens: Map<string, UserInfo>,
  tokenAuthenticators: readonly TokenAuthenticator[] = [],
  apiAudiences: readonly string[] = [DEFAULT_ISSUER],
): Authenticator {
  // A connection's certificate does not change: verify it once per connection, not per
  // request (parsing and verifying X.509 dominated request cost).
  const byConnection = new WeakMap<TLSSocket, UserInfo | null>();
  const fromCertificate = (socket: TLSSocket | undefined): UserInfo | undefined => {
    if (!socket) return undefined;
    let user = byConnection.get(socket);
    if (user === undefined) {
      const cert = socket.getPeerX509Certificate?.();
      const id = cert ? verifyClientCertificate(cert) : undefined;
      user = id ? { name: id.user, groups: [...id.groups, AUTHENTICATED_GROUP] } : null;
      byConnection.set(socket, user);
    }
    return user ?? undefined;
  };
  // Static tokens first (a map lookup), then each token authenticator; errors of those
  // that recognised the token are joined, as upstream's union authenticator does.
  const authenticateToken = async (token: string, audiences?: string[]): Promise<TokenResult | undefined> => {
    const user = tokens.get(token);
    // A static token is good for the API server's audiences only (upstream wraps
    // audience-agnostic authenticators the same way).
    const staticAudiences = (audiences ?? apiAudiences).filter((a) => apiAudiences.includes(a));
    if (user && staticAudiences.length > 0) return { user: withAuthenticatedGroup(user), audiences: staticAudiences };
    const errors: string[] = [];
    for (const authenticator of tokenAuthenticators) {
      const result = await authenticator.authenticateToken(token, audiences);
      if (!result) continue;
      if ('user' in result) return { user: withAuthenticatedGroup(result.user), audiences: result.audiences };
      errors.push(result.error);
    }
    return errors.length === 0 ? undefined : { error: errors.length === 1 ? errors[0]! : `[${errors.join(', ')}]` };
  };
  return {
    authenticateToken,
    async authenticate(req) {
      const header = req.headers.authorization;
      if (typeof header === 'string' && header.startsWith('Bearer ')) {
        const result = await authenticateToken(header.slice(7).trim());
        return result && 'user' in result ? result.user : undefined;
      }
      return fromCertificate(tlsSocketOf(req));
    },
  };
}
