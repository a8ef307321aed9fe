/**
 * Chooses and opens a storage driver from a DSN:
 *   sqlite:///var/lib/skiff/state.db   (absolute path after the third slash)
 *   sqlite://relative/state.db         (relative to the working directory)
 *   etcd://host1:2379,host2:2379       (plain HTTP endpoints of one etcd cluster)
 * Drivers are loaded on demand so a SQLite server never loads the gRPC stack.
 */
import type { Backend } from './backend.js';
import { StorageError } from './errors.js';
import type { Logger } from '../util/logger.js';

export type DatastoreConfig =
  | { driver: 'sqlite'; path: string }
  | { driver: 'etcd'; endpoints: string[] };

export function parseDsn(dsn: string): DatastoreConfig {
  const match = /^([a-z0-9+]+):\/\/(.*)$/i.exec(dsn.trim());
  if (!match) throw new StorageError('Unavailable', `datastore ${JSON.stringify(dsn)} is not a DSN (expected sqlite:///path or etcd://host:port[,host:port])`);
  const scheme = match[1]!.toLowerCase();
  const rest = match[2]!;
  if (scheme === 'sqlite') {
    if (rest === '' || rest === '/') throw new StorageError('Unavailable', `datastore ${dsn}: no database path`);
    return { driver: 'sqlite', path: rest };
  }
  if (scheme === 'etcd' || scheme === 'http') {
    const endpoints = rest
      .split(',')
      .map((h) => h.trim().replace(/\/+$/, ''))
      .filter((h) => h.length > 0);
    if (endpoints.length === 0) throw new StorageError('Unavailable', `datastore ${dsn}: no etcd endpoints`);
    for (const h of endpoints) {
      if (!/^[A-Za-z0-9.\-[\]:]+:\d+$/.test(h)) throw new StorageError('Unavailable', `datastore ${dsn}: endpoint ${JSON.stringify(h)} is not host:port`);
    }
    return { driver: 'etcd', endpoints: endpoints.map((h) => `http://${h}`) };
  }
  throw new StorageError('Unavailable', `datastore ${dsn}: unknown scheme ${scheme} (use sqlite:// or etcd://)`);
}

export interface OpenBackendOptions {
  logger?: Logger;
  /** SQLite: turn automatic compaction off (tests that inspect history). */
  autoCompaction?: false;
  /** SQLite: where group commits are applied (SqliteBackendOptions.writerThread). */
  writerThread?: 'auto' | 'always' | 'never';
}

export async function openBackend(dsn: string, options: OpenBackendOptions = {}): Promise<Backend> {
  const config = parseDsn(dsn);
  if (config.driver === 'sqlite') {
    const { SqliteBackend } = await import('./drivers/sqlite/sqlite-backend.js');
    return SqliteBackend.open({
      path: config.path,
      logger: options.logger,
      ...(options.autoCompaction === false ? { autoCompaction: false } : {}),
      ...(options.writerThread ? { writerThread: options.writerThread } : {}),
    });
  }
  const { EtcdBackend } = await import('./drivers/etcd/etcd-backend.js');
  return EtcdBackend.open({ endpoints: config.endpoints, logger: options.logger });
}
