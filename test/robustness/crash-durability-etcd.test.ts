import { test } from 'node:test';
import { EtcdBackend } from '../../src/storage/drivers/etcd/etcd-backend.js';
import { requireEtcd, startEtcd } from '../support/etcd-server.js';
import { runCrashDurability } from './crash-durability.test-suite.js';

// The store here is the etcd server: it is SIGKILLed mid-write together with the
// writer, restarted on the same data, and every acknowledged write must be there.
test('etcd: every acknowledged write survives SIGKILL of etcd, 20 times', { skip: !requireEtcd(), timeout: 600_000 }, async () => {
  const etcd = await startEtcd({ name: 'crash' });
  try {
    const host = etcd.endpoint.replace(/^http:\/\//, '');
    const result = await runCrashDurability({
      dsn: `etcd://${host}`,
      killStore: () => etcd.kill(),
      restartStore: () => etcd.restart(),
      reopen: () => EtcdBackend.open({ endpoints: [etcd.endpoint] }),
    });
    console.log(`etcd crash test: ${result.kills} kills, ${result.acks} acknowledged writes verified`);
  } finally {
    await etcd.stop();
  }
});
