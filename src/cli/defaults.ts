/**
 * Defaults shared by skiff subcommands: the data directory is /var/lib/skiff for root
 * and ./.skiff otherwise, and the store is SQLite inside it.
 */
import { join, resolve } from 'node:path';

export function defaultDataDir(): string {
  return process.getuid?.() === 0 ? '/var/lib/skiff' : resolve('.skiff');
}

export function defaultDatastore(dataDir = defaultDataDir()): string {
  return `sqlite://${join(dataDir, 'state.db')}`;
}
