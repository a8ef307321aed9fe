/**
 * `npm run build`: bundles the CLI and everything it loads from src/ into dist/ with
 * esbuild. Measured on the 2-core CI machine, loading one bundle instead of ~300 compiled
 * files cut the API server's cold start by ~100 ms (module resolution and per-file
 * compilation); which npm packages stay outside it is explained at `external` below.
 * Type checking is `npm run typecheck` (part of `npm test`); esbuild only strips types.
 *
 * dist/skiff.cjs   the whole program as one CommonJS module body, already wrapped in
 *                  the CommonJS function, run by
 * dist/skiff.js    the entry (src/cli/bundle-loader.ts), which gives it a V8 code cache:
 *                  Node 20 caches compiled code for scripts (vm.Script cachedData) but not
 *                  for ES modules, and compiling the program was ~50 ms of every start.
 *                  Code that only some commands need (controllers, scheduler, protobuf,
 *                  the etcd driver) is still evaluated only when first used; with the
 *                  cache it costs no compile time either. Whitespace and comments are
 *                  left out: V8 keeps a script's whole source in memory (idle memory is a
 *                  target), and ASCII source is kept at one byte a character. Names stay,
 *                  so stack traces still name functions (the linked source map has lines).
 * dist/pki-issue-child.js  the certificate issuer a first start runs as a child process
 *                  (src/apiserver/pki/ensure-off-thread.ts).
 * dist/sqlite-writer-thread.js  the SQLite store's writer thread, started under load
 *                  (src/storage/drivers/sqlite/writer-thread.ts).
 */
import { build } from 'esbuild';
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// `node scripts/bundle.mjs DIR` builds into DIR instead (the bundle's own test does).
const outdir = resolve(process.argv[2] ?? join(root, 'dist'));
// It is emptied first: never the repository or a folder holding it.
if (root.startsWith(outdir)) throw new Error(`refusing to build into ${outdir}`);
rmSync(outdir, { recursive: true, force: true });
const common = {
  absWorkingDir: root,
  outdir,
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
};
// Packages are bundled too: resolving and compiling their many files one by one was ~40 ms
// of start-up, prom-client alone ~50 ms when the scheduler loaded it, better-sqlite3's
// JavaScript ~10 ms (its native addon stays in node_modules, named by
// src/storage/drivers/sqlite/native-binding.ts); in the bundle a package's code runs only
// when first required, and the code cache spares its compilation. Left out: etcd3 (with
// gRPC) loads only for an etcd datastore, protobufjs only for protobuf clients, and
// @peculiar/x509 (with reflect-metadata, which must run first) only when certificates
// are made — by the certificate child, which is its own bundle.
const external = ['etcd3', 'protobufjs', '@peculiar/x509', 'reflect-metadata'];

await Promise.all([
  build({
    ...common,
    entryPoints: { skiff: 'src/cli/skiff.ts' },
    outExtension: { '.js': '.cjs' },
    format: 'cjs',
    external,
    minifyWhitespace: true,
    // The sources are ES modules: give them import.meta.url as a CommonJS script knows it.
    define: { 'import.meta.url': '__skiffImportMetaUrl' },
    // Wrapped here rather than at run time, where the wrapping made a copy of the source;
    // strict as the ES module sources are (the directive must open the function body).
    banner: { js: "(function (exports, require, module, __filename, __dirname) {'use strict';const __skiffImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    footer: { js: '\n})' },
  }),
  build({ ...common, entryPoints: { skiff: 'src/cli/bundle-loader.ts' }, format: 'esm' }),
  build({
    ...common,
    entryPoints: {
      'pki-issue-child': 'src/apiserver/pki/pki-issue-child.ts',
      'sqlite-writer-thread': 'src/storage/drivers/sqlite/sqlite-writer-thread.ts',
    },
    format: 'esm',
    external,
    // Bundled CommonJS calls require() for Node's built-ins; give the ES module one.
    banner: { js: "import { createRequire as __skiffCreateRequire } from 'node:module'; const require = __skiffCreateRequire(import.meta.url);" },
  }),
]);

const programBytes = readFileSync(join(outdir, 'skiff.cjs'));
// The loader reads the program as Latin-1 (one byte a character, no decoding).
const nonAscii = programBytes.findIndex((b) => b > 0x7f);
if (nonAscii >= 0) throw new Error(`${outdir}/skiff.cjs has a non-ASCII byte at offset ${nonAscii}`);
// A script run by vm.Script has no module loader behind import(): a package imported
// that way would fail at run time, so the build refuses it (use createRequire instead).
const program = programBytes.toString('latin1');
const dynamicImport = /[^\w$.]import\(\s*["'`]/.exec(program);
if (dynamicImport) {
  const line = program.slice(0, dynamicImport.index).split('\n').length;
  throw new Error(`${outdir}/skiff.cjs:${line} keeps a dynamic import() of a package; load it with createRequire(import.meta.url) instead`);
}

// Read at run time beside the code that loads it (src/apiserver/openapi/schemas.ts).
copyFileSync(join(root, 'src/apiserver/openapi/schemas.generated.json'), join(outdir, 'schemas.generated.json'));
