/**
 * `skiff datastore status|compact`: operator commands on the store itself (like
 * `etcdctl endpoint status` and `etcdctl compact`), for either driver.
 */
import type { Command } from 'commander';
import { openBackend } from '../storage/open.js';
import { defaultDatastore } from './defaults.js';

export function registerDatastoreCommands(program: Command): void {
  const datastore = program.command('datastore').description('inspect and maintain the cluster store');

  datastore
    .command('status')
    .description('print the revision, compacted revision, key count and size of the store')
    .option('--datastore <dsn>', 'sqlite:///path/state.db or etcd://host:port[,host:port]', defaultDatastore())
    .action(async (opts: { datastore: string }) => {
      const store = await openBackend(opts.datastore, { autoCompaction: false });
      try {
        const status = {
          datastore: opts.datastore,
          revision: await store.currentRevision(),
          compactRevision: await store.compactRevision(),
          keys: await store.count('/'),
          dbSizeBytes: await store.dbSize(),
        };
        process.stdout.write(`${JSON.stringify(status)}\n`);
      } finally {
        await store.close();
      }
    });

  datastore
    .command('compact')
    .description('drop history at or below a revision (default: all but the current one)')
    .option('--datastore <dsn>', 'sqlite:///path/state.db or etcd://host:port[,host:port]', defaultDatastore())
    .option('--revision <n>', 'compact up to this revision', (v) => Number.parseInt(v, 10))
    .action(async (opts: { datastore: string; revision?: number }) => {
      const store = await openBackend(opts.datastore, { autoCompaction: false });
      try {
        const revision = opts.revision ?? (await store.currentRevision());
        await store.compact(revision);
        process.stdout.write(`${JSON.stringify({ compactRevision: await store.compactRevision(), dbSizeBytes: await store.dbSize() })}\n`);
      } finally {
        await store.close();
      }
    });
}
