/**
 * better-sqlite3's compiled addon, named directly for `new Database(…, { nativeBinding })`.
 * Why: the package's default lookup (the `bindings` package) probes a series of paths on
 * every start, and with the addon named the build can bundle the package's JavaScript
 * into the program and its code cache (scripts/bundle.mjs); together ~12 ms of the API
 * server's cold start on the 2-core CI machine. Where the addon is not in the usual place,
 * this is undefined and the package finds it itself.
 */
import { createRequire } from 'node:module';

function locate(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve('better-sqlite3/build/Release/better_sqlite3.node');
  } catch {
    return undefined;
  }
}

export const sqliteNativeBinding: string | undefined = locate();
