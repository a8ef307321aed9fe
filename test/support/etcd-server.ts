/**
 * Starts a real single-member etcd (Debian's etcd-server, /usr/bin/etcd) for tests and
 * benchmarks: loopback-only client and peer URLs on free ports, a temporary data
 * directory with the per-run `skiff-test-` prefix, and a stop that ends the process by
 * its own PID and removes the directory (DESIGN.md §5, §6).
 *
 * Each instance lives under `<tmpdir>/skiff-test-etcd-XXXXXX/` with `owner.json`
 * (the test process and the etcd PID) beside etcd's `data/`. A run that crashed leaves
 * such a directory behind; the next start removes it, ending its etcd by the recorded
 * PID only when /proc confirms that PID is still that etcd.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isProcessAlive } from './process.js';

export const ETCD_BINARY = '/usr/bin/etcd';
const DIR_PREFIX = 'skiff-test-etcd-';
const STARTUP_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 10_000;
/** Big enough for the largest stored object (1.5 MiB) plus its key and request framing. */
const MAX_REQUEST_BYTES = 2 * 1024 * 1024;

/** etcd processes still running, killed if the test process exits without stopping them. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) signal(child, 'SIGKILL');
  });
}

export interface EtcdServer {
  /** Client URL, e.g. http://127.0.0.1:41234 */
  endpoint: string;
  pid: number;
  dataDir: string;
  /** SIGTERM, SIGKILL after a grace period, then removes the data directory. */
  stop(): Promise<void>;
  /** SIGKILL now (a crash, for fault tests); the directory stays until stop(). */
  kill(): void;
  /** Starts etcd again on the same ports and data (after kill(), or stopping it first). */
  restart(): Promise<void>;
}

/**
 * True when etcd can be started. Outside CI a missing binary skips the caller's tests
 * with a loud warning; under CI=true it is an error, so a broken image cannot pass.
 */
export function requireEtcd(): boolean {
  if (existsSync(ETCD_BINARY)) return true;
  const reason = `${ETCD_BINARY} not found (install the Debian package etcd-server)`;
  if (process.env['CI'] === 'true') throw new Error(`etcd tests cannot run: ${reason}`);
  console.warn(`\n*** SKIPPING etcd tests: ${reason} ***\n`);
  return false;
}

export async function startEtcd(opts: { name?: string } = {}): Promise<EtcdServer> {
  cleanLeftovers();
  let lastError: unknown;
  // Ports are found free and then released, so another process can take one in
  // between; etcd then exits at once with "address already in use" and we try again.
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(opts.name ?? 'skiff-test');
    } catch (err) {
      lastError = err;
      if (!String(err).includes('address already in use')) break;
    }
  }
  throw lastError;
}

async function startOnce(name: string): Promise<EtcdServer> {
  const [clientPort, peerPort] = await freePorts(2);
  const root = mkdtempSync(join(tmpdir(), DIR_PREFIX));
  const dataDir = join(root, 'data');
  const clientUrl = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const args = [
    `--name=${name}`,
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${clientUrl}`,
    `--advertise-client-urls=${clientUrl}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=${name}=${peerUrl}`,
    '--initial-cluster-state=new',
    `--initial-cluster-token=${DIR_PREFIX}${process.pid}-${clientPort}`,
    '--quota-backend-bytes=8589934592',
    `--max-request-bytes=${MAX_REQUEST_BYTES}`,
    '--logger=zap',
    '--log-outputs=stderr',
    '--log-level=error',
  ];
  let proc = launch(args);
  if (proc.child.pid === undefined) {
    await new Promise((resolve) => setImmediate(resolve));
    rmSync(root, { recursive: true, force: true });
    throw new Error(`could not start ${ETCD_BINARY}: ${proc.spawnError() ?? 'no pid'}`);
  }
  const recordOwner = () => writeFileSync(join(root, 'owner.json'), JSON.stringify({ owner: process.pid, etcd: proc.child.pid }));
  recordOwner();

  let stopped: Promise<void> | undefined;
  const server: EtcdServer = {
    endpoint: clientUrl,
    get pid() {
      return proc.child.pid!;
    },
    dataDir,
    kill: () => signal(proc.child, 'SIGKILL'),
    async restart() {
      await terminate(proc.child, proc.exited);
      proc = launch(args);
      recordOwner();
      await waitHealthy(clientUrl, proc.child, proc.exited, proc.stderr);
    },
    stop: () =>
      (stopped ??= (async () => {
        await terminate(proc.child, proc.exited);
        rmSync(root, { recursive: true, force: true });
      })()),
  };

  try {
    await waitHealthy(clientUrl, proc.child, proc.exited, proc.stderr);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

interface EtcdProcess {
  child: ChildProcess;
  exited: Promise<void>;
  stderr: () => string;
  spawnError: () => string | undefined;
}

function launch(args: string[]): EtcdProcess {
  const child = spawn(ETCD_BINARY, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderrTail = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderrTail = (stderrTail + chunk).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  running.add(child);
  installExitHook();
  void exited.then(() => running.delete(child));
  // Spawn failures (e.g. EACCES) arrive as 'error'; remember them for the message.
  let spawnError: string | undefined;
  child.once('error', (err) => (spawnError = err.message));
  return { child, exited, stderr: () => stderrTail, spawnError: () => spawnError };
}

function signal(child: ChildProcess, sig: NodeJS.Signals): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(child.pid!, sig);
  } catch {
    // Already gone: nothing to end.
  }
}

async function terminate(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  signal(child, 'SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), STOP_GRACE_MS)));
  const late = await Promise.race([exited.then(() => false), timedOut]);
  clearTimeout(timer);
  if (late) {
    signal(child, 'SIGKILL');
    await exited;
  }
}

/** Polls etcd's /health until it reports a leader and a working store. */
async function waitHealthy(url: string, child: ChildProcess, exited: Promise<void>, stderr: () => string): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  let gone = false;
  void exited.then(() => (gone = true));
  for (;;) {
    if (gone) {
      throw new Error(`etcd exited during startup (code ${child.exitCode}, signal ${child.signalCode}): ${stderr().trim()}`);
    }
    if (await healthy(url)) return;
    if (Date.now() > deadline) {
      throw new Error(`etcd at ${url} not healthy after ${STARTUP_TIMEOUT_MS} ms: ${stderr().trim()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function healthy(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(`${url}/health`, { timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        try {
          resolve(res.statusCode === 200 && (JSON.parse(body) as { health?: unknown }).health === 'true');
        } catch {
          resolve(false);
        }
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** Asks the kernel for free loopback ports, holding all of them until each is known. */
async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  try {
    return await Promise.all(
      servers.map(
        (srv) =>
          new Promise<number>((resolve, reject) => {
            srv.once('error', reject);
            srv.listen(0, '127.0.0.1', () => {
              const address = srv.address();
              if (address && typeof address === 'object') resolve(address.port);
              else reject(new Error('no port assigned'));
            });
          }),
      ),
    );
  } finally {
    await Promise.all(servers.map((srv) => new Promise<void>((resolve) => srv.close(() => resolve()))));
  }
}

/** Removes directories of earlier runs whose owning test process is gone. */
function cleanLeftovers(): void {
  let names: string[];
  try {
    names = readdirSync(tmpdir()).filter((n) => n.startsWith(DIR_PREFIX));
  } catch {
    return;
  }
  for (const name of names) {
    const root = join(tmpdir(), name);
    let owner: { owner?: unknown; etcd?: unknown };
    try {
      owner = JSON.parse(readFileSync(join(root, 'owner.json'), 'utf8')) as typeof owner;
    } catch {
      // No owner file yet: possibly a run that is starting right now; leave it.
      continue;
    }
    if (typeof owner.owner !== 'number' || isProcessAlive(owner.owner)) continue;
    if (typeof owner.etcd === 'number' && isOurEtcd(owner.etcd, root)) {
      try {
        process.kill(owner.etcd, 'SIGKILL');
      } catch {
        // It ended on its own meanwhile.
      }
    }
    rmSync(root, { recursive: true, force: true });
  }
}

/** PIDs get reused: only a process whose command line names this data dir is ours. */
function isOurEtcd(pid: number, root: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`--data-dir=${join(root, 'data')}`);
  } catch {
    return false;
  }
}
