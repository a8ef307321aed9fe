/**
 * Lazy access to @peculiar/x509, the certificate *generator* of the PKI module. Loading
 * it costs ~250 ms (it pulls in tsyringe and the ASN.1 schemas), so only paths that
 * actually create a certificate await it; reusing existing files on a normal server
 * start needs node:crypto alone. The library needs a Reflect metadata polyfill loaded
 * before it and a WebCrypto provider, both set up here once.
 *
 * Both are CommonJS packages, loaded with require(): the built CLI runs as a script with
 * a V8 code cache (src/cli/bundle-loader.ts), where import() of a package is unavailable.
 */
import { createRequire } from 'node:module';

type X509Library = typeof import('@peculiar/x509');

let loading: Promise<X509Library> | undefined;

export function loadX509(): Promise<X509Library> {
  loading ??= (async () => {
    const require = createRequire(import.meta.url);
    // tsyringe (a dependency of @peculiar/x509) throws at import time without it.
    require('reflect-metadata');
    const x509 = require('@peculiar/x509') as X509Library;
    x509.cryptoProvider.set(globalThis.crypto);
    return x509;
  })();
  return loading;
}
