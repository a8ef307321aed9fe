/**
 * `skiff server`: wires the control plane together — data directory, PKI, storage,
 * API server, kubeconfig — printing each start-up step with its timing, and shuts it
 * down cleanly on SIGTERM/SIGINT.
 */
import { mkdirSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join, resolve } from 'node:path';
import { ApiServer } from '../apiserver/server.js';
import { awaitServing } from './await-serving.js';
import { ensureClusterPkiOffThread, writeKubeconfig } from '../apiserver/pki/index.js';
import { loadTokenFile, type UserInfo } from '../apiserver/authn.js';
// The transport module alone: the client index would load the whole library (and the YAML parser).
import { InProcessTransport, createInProcessIdentity } from '../client/in-process-transport.js';
import type { ControllerManager } from '../controllers/manager.js';
import type { RunningScheduler } from '../scheduler/index.js';
import { firstServiceIp, parseCidr } from '../apiserver/registry/core/service-allocation.js';
import { openBackend } from '../storage/open.js';
import { createLogger } from '../util/logger.js';

export interface ServerOptions {
  dataDir: string;
  port: number;
  bindAddress: string;
  datastore?: string;
  serviceCidr: string;
  tokenFile?: string;
  tlsSan: string[];
  disableAgent: boolean;
  /** Run no controllers in this process (`--disable-controllers`). */
  disableControllers?: boolean;
  /** Run no scheduler in this process (`--disable-scheduler`). */
  disableScheduler?: boolean;
  /** Seconds a watch without timeoutSeconds stays open at least (`--min-request-timeout`, upstream 1800). */
  minRequestTimeout?: number;
  /** Where step lines go (stdout by default). */
  print?: (line: string) => void;
}

export interface RunningServer {
  url: string;
  kubeconfig: string;
  stop(): Promise<void>;
}

/** The address pods and other machines use: the bind address, or the host's first IPv4. */
function advertiseAddress(bindAddress: string): string {
  if (bindAddress !== '0.0.0.0' && bindAddress !== '::') return bindAddress;
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const t0 = performance.now();
  const step = (what: string) => print(`[${String(Math.round(performance.now() - t0)).padStart(5)} ms] ${what}`);
  const logger = createLogger('apiserver');
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  step(`data directory ${dataDir}`);

  const serviceCidr = parseCidr(options.serviceCidr);
  // At first start the certificates are made by a child process (ensure-off-thread.ts);
  // the datastore opens meanwhile.
  const pkiReady = ensureClusterPkiOffThread(dataDir, { extraSans: options.tlsSan, serviceIp: firstServiceIp(serviceCidr) });
  const datastore = options.datastore ?? `sqlite://${join(dataDir, 'state.db')}`;
  const storage = await openBackend(datastore, { logger: createLogger('storage') }).catch(async (err: unknown) => {
    await pkiReady.catch(() => undefined);
    throw err;
  });
  const pki = await pkiReady.catch(async (err: unknown) => {
    await storage.close();
    throw err;
  });
  step(pki.changes.length ? `certificates: ${pki.changes.map((c) => `${c.item} ${c.action}`).join(', ')}` : 'certificates reused');
  step(`datastore ${datastore} at revision ${await storage.currentRevision()}`);

  const tokens = options.tokenFile ? loadTokenFile(options.tokenFile) : new Map<string, UserInfo>();
  const server = new ApiServer({
    storage,
    tls: { key: pki.servingKeyPem, cert: pki.servingCertPem, ca: pki.caCertPem },
    verifyClientCertificate: (cert) => pki.verifyClientCertificate(cert),
    tokens,
    bindAddress: options.bindAddress,
    port: options.port,
    advertiseAddress: advertiseAddress(options.bindAddress),
    serviceCidr: options.serviceCidr,
    // Service-account tokens signed with the persisted key stay valid across restarts.
    serviceAccountKeys: { privateKeyPem: pki.serviceAccountKeyPem, publicKeysPem: pki.serviceAccountPublicKeyPem },
    kubeletClient: { caCertPem: pki.caCertPem, certPem: pki.kubeletClientCertPem, keyPem: pki.kubeletClientKeyPem },
    ...(options.minRequestTimeout !== undefined ? { minRequestTimeoutSeconds: options.minRequestTimeout } : {}),
    logger,
  });
  const url = await server.start();
  step(`API server listening on ${url} (HTTP/2 and HTTP/1.1)`);
  if (!options.disableControllers || !options.disableScheduler) {
    if (await awaitServing(url, pki.caCertPem)) step('API server ready');
    else logger.warn({ url }, 'the API server did not answer /readyz in time; starting the controllers and the scheduler anyway');
  }

  let controllers: ControllerManager | undefined;
  if (!options.disableControllers) {
    // Controllers reach the API in-process: same chain, no sockets, their own identity.
    const identity = createInProcessIdentity('system:kube-controller-manager', ['system:masters']);
    tokens.set(identity.token, identity.user);
    // Loaded after the API server answers: /readyz need not wait for these modules to compile.
    const { CONTROLLERS, startControllerManager } = await import('../controllers/manager.js');
    controllers = await startControllerManager({
      transport: new InProcessTransport(server.serve.bind(server), { token: identity.token }),
      logger: createLogger('controller-manager'),
      apiServerEndpoints: [{ ip: advertiseAddress(options.bindAddress), port: Number(new URL(url).port) }],
    });
    const manager = controllers;
    server.registerComponent({ name: 'controller-manager', check: async () => (manager.healthy() ? undefined : 'controllers have not synced yet') });
    server.addMetricsSource(() => manager.metrics());
    step(`controller manager started (${CONTROLLERS.map((c) => c.name).join(', ')})`);
  }

  let scheduler: RunningScheduler | undefined;
  if (!options.disableScheduler) {
    // The scheduler is an API client too: in-process, with kube-scheduler's own identity.
    const identity = createInProcessIdentity('system:kube-scheduler', ['system:masters']);
    tokens.set(identity.token, identity.user);
    const { startScheduler } = await import('../scheduler/index.js');
    const running = startScheduler({
      transport: new InProcessTransport(server.serve.bind(server), { token: identity.token }),
      logger: createLogger('scheduler'),
    });
    scheduler = running;
    server.registerComponent({ name: 'scheduler', check: async () => (running.healthy() ? undefined : 'scheduler has not synced yet') });
    server.addMetricsSource(() => running.metrics());
    step('scheduler started');
  }

  const kubeconfig = join(dataDir, 'kubeconfig');
  await writeKubeconfig(kubeconfig, { server: url, pki });
  step(`kubeconfig written`);
  if (options.disableAgent) step('node agent disabled (--disable-agent)');
  print(`\nSkiff is ready. To use it:\n  export KUBECONFIG=${kubeconfig}`);

  let stopping: Promise<void> | undefined;
  return {
    url,
    kubeconfig,
    stop: () =>
      (stopping ??= (async () => {
        await scheduler?.stop();
        await controllers?.stop();
        await server.stop();
        await storage.close();
      })()),
  };
}
