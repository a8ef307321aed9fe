/**
 * Lazy access to @peculiar/x509, the certificate *generator* of the PKI module. Loading
 * it costs ~250 ms (it pulls in tsyringe and the ASN.1 schemas), so only paths that
 * actually create a certificate await it; reusing existing files on a normal server
 * start needs node:crypto alone. The library needs a Reflect metadata polyfill loaded
 * before it and a WebCrypto provider, both set up here once.
 */
type X509Library = typeof import('@peculiar/x509');

let loading: Promise<X509Library> | undefined;

export function loadX509(): Promise<X509Library> {
  loading ??= (async () => {
    // tsyringe (a dependency of @peculiar/x509) throws at import time without it.
    await import('reflect-metadata');
    const x509 = await import('@peculiar/x509');
    x509.cryptoProvider.set(globalThis.crypto);
    return x509;
  })();
  return loading;
}
