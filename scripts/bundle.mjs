/**
 * `npm run build`: bundles the CLI and everything it loads from src/ into dist/ with
 * esbuild (code split at the lazy imports, so the controllers, scheduler, protobuf codec
 * and etcd driver still load only when used). Measured on the 2-core CI machine, loading
 * one bundle instead of ~300 compiled files cut the API server's cold start by ~100 ms
 * (module resolution and per-file compilation). npm packages stay external: better-sqlite3
 * is native, and the rest resolve from node_modules as usual. Type checking is `npm run
 * typecheck` (part of `npm test`); esbuild only strips types.
 */
import { build } from 'esbuild';
import { copyFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist');
rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  // The PKI issuer is its own entry: first start makes certificates in a child running it (ensure-off-thread.ts).
  entryPoints: { skiff: 'src/cli/skiff.ts', 'pki-issue-child': 'src/apiserver/pki/pki-issue-child.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Small pure-JS packages are bundled too (resolving and compiling their many files one
  // by one was ~40 ms of start-up); better-sqlite3 is native, etcd3 (with gRPC) loads
  // only for an etcd datastore, protobufjs and prom-client load lazily, and @peculiar/x509
  // (with reflect-metadata, which must run first) only when certificates are made.
  external: ['better-sqlite3', 'etcd3', 'protobufjs', 'prom-client', '@peculiar/x509', 'reflect-metadata'],
  // Bundled CommonJS calls require() for Node's built-ins; give the ES module one.
  banner: { js: "import { createRequire as __skiffCreateRequire } from 'node:module'; const require = __skiffCreateRequire(import.meta.url);" },
  sourcemap: 'linked',
  logLevel: 'warning',
});
// Read at run time beside the code that loads it (src/apiserver/openapi/schemas.ts).
copyFileSync(join(root, 'src/apiserver/openapi/schemas.generated.json'), join(outdir, 'schemas.generated.json'));
