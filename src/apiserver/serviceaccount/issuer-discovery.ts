/**
 * Service-account issuer discovery, as upstream serves it: an OpenID provider
 * configuration at /.well-known/openid-configuration and the public keys that verify
 * service-account tokens, as a JSON Web Key Set, at /openid/v1/jwks — so that other
 * systems can check Skiff's tokens. Documents are built once; keys do not change while
 * the server runs.
 */
import type { VerificationKey } from './jwt.js';

export const OPENID_CONFIGURATION_PATH = '/.well-known/openid-configuration';
export const JWKS_PATH = '/openid/v1/jwks';

export interface IssuerDiscovery {
  configuration: string;
  jwks: string;
}

/** `externalAddress` is host:port of this server, used for jwks_uri as upstream's default. */
export function buildIssuerDiscovery(issuer: string, externalAddress: string, keys: readonly VerificationKey[]): IssuerDiscovery {
  const algs = [...new Set(keys.map((k) => k.alg))].sort();
  const configuration = {
    issuer,
    jwks_uri: `https://${externalAddress}${JWKS_PATH}`,
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: algs,
  };
  const jwks = {
    keys: keys.map((k) => {
      const { kty, crv, x, y, n, e } = k.key.export({ format: 'jwk' });
      return { use: 'sig', kty, kid: k.kid, ...(crv ? { crv } : {}), alg: k.alg, ...(x ? { x, y } : { n, e }) };
    }),
  };
  return { configuration: JSON.stringify(configuration), jwks: JSON.stringify(jwks) };
}

/** Upstream lets caches keep these for an hour. */
export const ISSUER_DISCOVERY_CACHE_CONTROL = 'public, max-age=3600';
export const JWKS_CONTENT_TYPE = 'application/jwk-set+json';
