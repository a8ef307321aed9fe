/**
 * A cluster in this process for integration tests and benchmarks: a temp directory with
 * the cluster PKI and a SQLite store, an ApiServer on 127.0.0.1 (port 0) and clients that
 * reach it through the in-process transport, each user with its own token. Or, with
 * `startInProcessServer`, the whole `skiff server` (API server, controllers, scheduler)
 * reached over HTTPS with its admin kubeconfig. `stop()` tears everything down and
 * removes the directory; what the caller started on top (controllers, simulators) it
 * stops first.
 *
 *   const cluster = await startInProcessCluster({ label: 'test-gc', autoCompaction: false });
 *   const gc = startGarbageCollector({ client: cluster.client, informers: cluster.informers, logger });
 *   ...
 *   await gc.stop();
 *   await cluster.stop();
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiServer } from '../../src/apiserver/server.js';
import { ensureClusterPki, type ClusterPki } from '../../src/apiserver/pki/index.js';
import { startServer, type RunningServer, type ServerOptions } from '../../src/cmd/server.js';
import { openBackend } from '../../src/storage/open.js';
import type { Backend } from '../../src/storage/backend.js';
import { Client, HttpTransport, InProcessTransport, InformerFactory, createInProcessIdentity, type InProcessIdentity } from '../../src/client/index.js';
import { silentLogger } from '../../src/util/logger.js';

export interface InProcessClusterOptions {
  /** Names the temp directory: `<tmpdir>/skiff-<label>-XXXXXX` (e.g. `test-gc`, `bench-scheduler`). */
  label: string;
  /** Who `client` acts as (in system:masters); `system:apiserver` by default. */
  user?: string;
  /** Further users given a token, for `transport(user)` (e.g. `system:kube-controller-manager`). */
  users?: string[];
  /** SQLite automatic compaction is on unless turned off (tests that inspect history). */
  autoCompaction?: false;
}

export interface InProcessCluster {
  dir: string;
  pki: ClusterPki;
  storage: Backend;
  server: ApiServer;
  /** The identity of `client`. */
  identity: InProcessIdentity;
  client: Client;
  /** An InformerFactory on `client`, made on first use; the caller starts it, `stop()` stops it. */
  readonly informers: InformerFactory;
  /** A new in-process transport into `server` as `user` (the client's user by default). */
  transport(user?: string): InProcessTransport;
  /** Another ApiServer on the same store, PKI and tokens (as after a restart); `stop()` stops it. */
  startApiServer(): Promise<ApiServer>;
  stop(): Promise<void>;
}

export async function startInProcessCluster(options: InProcessClusterOptions): Promise<InProcessCluster> {
  const dir = mkdtempSync(join(tmpdir(), `skiff-${options.label}-`));
  const identity = createInProcessIdentity(options.user ?? 'system:apiserver');
  const identities = new Map<string, InProcessIdentity>([[identity.user.name, identity]]);
  for (const user of options.users ?? []) identities.set(user, createInProcessIdentity(user));
  const tokens = new Map([...identities.values()].map((id) => [id.token, id.user] as const));
  const servers: ApiServer[] = [];
  let storage: Backend | undefined;
  let informers: InformerFactory | undefined;

  const teardown = async () => {
    await informers?.stop();
    for (const s of servers) await s.stop();
    await storage?.close();
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const pki = await ensureClusterPki(dir, { serviceIp: '10.43.0.1' });
    const store = (storage = await openBackend(`sqlite://${join(dir, 'state.db')}`, options.autoCompaction === false ? { autoCompaction: false } : {}));
    const startApiServer = async (): Promise<ApiServer> => {
      const server = new ApiServer({
        storage: store,
        tls: { key: pki.servingKeyPem, cert: pki.servingCertPem, ca: pki.caCertPem },
        verifyClientCertificate: (cert) => pki.verifyClientCertificate(cert),
        tokens,
        bindAddress: '127.0.0.1',
        port: 0,
        advertiseAddress: '127.0.0.1',
        serviceCidr: '10.43.0.0/16',
        kubeletClient: { caCertPem: pki.caCertPem, certPem: pki.kubeletClientCertPem, keyPem: pki.kubeletClientKeyPem },
        logger: silentLogger,
      });
      await server.start();
      servers.push(server);
      return server;
    };
    const server = await startApiServer();
    const transport = (user = identity.user.name): InProcessTransport => {
      const id = identities.get(user);
      if (!id) throw new Error(`in-process cluster: no token for user ${user}; name it in options.users`);
      return new InProcessTransport(server.serve.bind(server), id);
    };
    const client = new Client(transport());
    return {
      dir,
      pki,
      storage: store,
      server,
      identity,
      client,
      get informers() {
        return (informers ??= new InformerFactory(client, { logger: silentLogger }));
      },
      transport,
      startApiServer,
      stop: teardown,
    };
  } catch (err) {
    await teardown();
    throw err;
  }
}

export interface InProcessServer {
  dir: string;
  server: RunningServer;
  /** HTTPS transport with the server's admin kubeconfig. */
  transport: HttpTransport;
  client: Client;
  stop(): Promise<void>;
}

/** The whole `skiff server` (cmd/server.ts) in this process on 127.0.0.1, with no agent; `overrides` turn parts off. */
export async function startInProcessServer(options: { label: string } & Partial<Omit<ServerOptions, 'dataDir'>>): Promise<InProcessServer> {
  const { label, ...overrides } = options;
  const dir = mkdtempSync(join(tmpdir(), `skiff-${label}-`));
  let server: RunningServer | undefined;
  let transport: HttpTransport | undefined;
  const stop = async () => {
    transport?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    server = await startServer({ dataDir: dir, port: 0, bindAddress: '127.0.0.1', serviceCidr: '10.43.0.0/16', tlsSan: [], disableAgent: true, print: () => {}, ...overrides });
    transport = HttpTransport.fromKubeconfig(server.kubeconfig);
    return { dir, server, transport, client: new Client(transport), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
