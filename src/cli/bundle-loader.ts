/**
 * The built CLI's entry point (dist/skiff.js). The program itself is one CommonJS script
 * beside it (dist/skiff.cjs, see scripts/bundle.mjs); this runs it through node:vm with a
 * V8 code cache, so a start deserializes the bytecode of everything the last start ran
 * instead of parsing and compiling the program again.
 *
 * Why: compiling the ~1.3 MB program was the largest single part of `skiff server`'s cold
 * start (about 50 ms of ~340 on the 2-core CI machine), and Node 20 has no compile cache
 * for ES modules (module.enableCompileCache arrived in Node 22), while vm.Script takes
 * `cachedData` for scripts.
 *
 * Each command has its own cache (a `--version` run would otherwise leave a cache that
 * lacks the server), named after the program's size and modification time, so a rebuilt
 * program never meets an old cache (V8 itself checks only the source length and its own
 * version and flags, and rejects a cache that fails those). It is written once, after the
 * program has run for a while or when it exits, whichever comes first; writing it is best
 * effort (a read-only install simply runs without it).
 */
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

/** Long enough for a server start to have compiled its start-up paths. */
const WRITE_CACHE_AFTER_MS = 10_000;

const program = join(dirname(fileURLToPath(import.meta.url)), 'skiff.cjs');
const { size, mtimeMs } = statSync(program);
const command = /^[a-z][a-z-]*$/.test(process.argv[2] ?? '') ? process.argv[2] : 'other';
const cacheFile = `${program}.${size}-${Math.round(mtimeMs)}.${command}.v8cache`;

/** Compiles the program (with the cache when there is one) and arranges for a missing or stale cache to be written. */
function compile(): Script {
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined; // first run of this build
  }
  // Already wrapped in the CommonJS function, and ASCII (scripts/bundle.mjs checks both):
  // read as Latin-1, the source becomes V8's one-byte string without a copy in between.
  const script = new Script(readFileSync(program, 'latin1'), {
    filename: program,
    ...(cachedData ? { cachedData } : {}),
  });
  if (!cachedData || script.cachedDataRejected) {
    let written = false;
    const writeCache = (): void => {
      if (written) return;
      written = true;
      try {
        const temp = `${cacheFile}.${process.pid}.tmp`;
        writeFileSync(temp, script.createCachedData());
        renameSync(temp, cacheFile);
      } catch {
        // Not writable (e.g. installed read-only): later starts compile as this one did.
      }
    };
    setTimeout(writeCache, WRITE_CACHE_AFTER_MS).unref();
    process.once('exit', writeCache);
  }
  return script;
}

// Nothing here keeps the cache's bytes or the script object once the program runs
// (the process's idle memory is a target).
const run = compile().runInThisContext() as (exports: unknown, require: NodeJS.Require, module: unknown, filename: string, dirname: string) => void;
const module = { exports: {} as unknown, filename: program, id: program, loaded: false };
run(module.exports, createRequire(program), module, program, dirname(program));
