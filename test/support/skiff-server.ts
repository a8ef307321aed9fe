/**
 * End-to-end harness: a Skiff API server (in-process, or as a separate `skiff server`
 * process that can be stopped and restarted on the same data directory) and the real
 * `kubectl` binary pointed at it with a private kubeconfig, cache directory and HOME.
 *
 * Safety (DESIGN.md §6): the server binds 127.0.0.1 only; every directory lives under
 * os.tmpdir() with the prefix `skiff-test-e2e-` and is removed afterwards; every
 * process started here is ended by its own PID. Directories left by a crashed earlier
 * run are removed at start — only those whose owning test process is gone, so a
 * concurrently running test file keeps its own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isProcessAlive } from './process.js';

process.env['SKIFF_LOG_LEVEL'] ??= 'silent';

export const TEMP_PREFIX = 'skiff-test-e2e-';
const OWNER_FILE = '.skiff-test-owner';
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** Generous: kubectl through the dispatcher on a loaded 2-core machine. */
export const KUBECTL_TIMEOUT_MS = 60_000;

/** Removes `skiff-test-e2e-*` directories whose owning test process no longer exists. */
export function cleanStaleTempDirs(): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(TEMP_PREFIX)) continue;
    const dir = join(tmpdir(), name);
    const ownerFile = join(dir, OWNER_FILE);
    if (!existsSync(ownerFile)) continue; // not made by this harness: leave it alone
    const owner = Number(readFileSync(ownerFile, 'utf8').trim());
    if (Number.isInteger(owner) && owner > 0 && !isProcessAlive(owner)) rmSync(dir, { recursive: true, force: true });
  }
}

/** A fresh temp directory with the e2e prefix, owned by this test process. */
export function makeTempDir(label = ''): string {
  const dir = mkdtempSync(join(tmpdir(), `${TEMP_PREFIX}${label ? `${label}-` : ''}`));
  writeFileSync(join(dir, OWNER_FILE), String(process.pid));
  return dir;
}

/** A free loopback TCP port (for the process mode, which must restart on the same port). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

export interface KubectlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface KubectlOptions {
  input?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  cwd?: string;
}

export interface BackgroundKubectl {
  readonly pid: number;
  /** Everything printed on stdout so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves when stdout (from the start) matches, rejects after the timeout with what was seen. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Ends the process by its PID (SIGTERM) and waits for it to exit. */
  stop(): Promise<KubectlResult>;
  readonly exited: Promise<KubectlResult>;
}

/** Runs the real kubectl against one kubeconfig, with its own cache dir and HOME. */
export class Kubectl {
  private readonly running = new Set<ChildProcess>();

  constructor(
    readonly kubeconfig: string,
    readonly workDir: string,
  ) {
    mkdirSync(join(workDir, 'kube-cache'), { recursive: true });
    mkdirSync(join(workDir, 'home'), { recursive: true });
  }

  private spawnKubectl(args: string[], options: KubectlOptions): ChildProcess {
    const full = ['--kubeconfig', this.kubeconfig, '--cache-dir', join(this.workDir, 'kube-cache'), ...args];
    const child = spawn('kubectl', full, {
      cwd: options.cwd ?? this.workDir,
      env: {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        HOME: join(this.workDir, 'home'),
        KUBECONFIG: this.kubeconfig,
        TMPDIR: this.workDir,
        LANG: 'C.UTF-8',
        ...options.env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.running.add(child);
    child.once('exit', () => this.running.delete(child));
    child.stdin!.on('error', () => {});
    if (options.input !== undefined) child.stdin!.end(options.input);
    else child.stdin!.end();
    return child;
  }

  /** Runs kubectl to completion (killed by PID after the timeout). */
  run(args: string[], options: KubectlOptions = {}): Promise<KubectlResult> {
    return new Promise((resolveRun, reject) => {
      const child = this.spawnKubectl(args, options);
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout!.on('data', (c: Buffer) => out.push(c));
      child.stderr!.on('data', (c: Buffer) => err.push(c));
      const timer = setTimeout(() => {
        if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
      }, options.timeoutMs ?? KUBECTL_TIMEOUT_MS);
      child.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        const stderr = Buffer.concat(err).toString('utf8');
        resolveRun({
          code: code ?? (signal ? 128 : null),
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: signal ? `${stderr}\n[harness: kubectl ended by ${signal}]` : stderr,
        });
      });
    });
  }

  /** Starts a long-running kubectl (e.g. `get -w`). */
  background(args: string[], options: KubectlOptions = {}): BackgroundKubectl {
    const child = this.spawnKubectl(args, options);
    let stdout = '';
    let stderr = '';
    const waiters = new Set<() => void>();
    child.stdout!.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
      for (const w of [...waiters]) w();
    });
    child.stderr!.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
    });
    const exited = new Promise<KubectlResult>((resolveExit) => {
      child.once('close', (code, signal) => {
        resolveExit({ code: code ?? (signal ? 128 : null), stdout, stderr });
        for (const w of [...waiters]) w();
      });
    });
    let done = false;
    void exited.then(() => {
      done = true;
    });
    return {
      pid: child.pid!,
      stdout: () => stdout,
      stderr: () => stderr,
      exited,
      waitFor(pattern, timeoutMs = 20_000) {
        return new Promise((resolveWait, reject) => {
          const check = () => {
            const m = pattern.exec(stdout);
            if (m) {
              cleanup();
              resolveWait(m[0]);
            } else if (done) {
              cleanup();
              reject(new Error(`kubectl exited before printing ${pattern}\nstdout:\n${stdout}\nstderr:\n${stderr}`));
            }
          };
          const timer = setTimeout(() => {
            cleanup();
            reject(new Error(`timed out after ${timeoutMs} ms waiting for ${pattern}\nstdout:\n${stdout}\nstderr:\n${stderr}`));
          }, timeoutMs);
          const cleanup = () => {
            clearTimeout(timer);
            waiters.delete(check);
          };
          waiters.add(check);
          check();
        });
      },
      async stop() {
        if (!done && child.pid !== undefined) {
          try {
            process.kill(child.pid, 'SIGTERM');
          } catch {
            /* already gone */
          }
        }
        return exited;
      },
    };
  }

  /** Kills (by PID) any kubectl still running, e.g. after a failed test. */
  killAll(): void {
    for (const child of this.running) {
      if (child.pid !== undefined && child.exitCode === null) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
  }
}

export interface SkiffEnv {
  url: string;
  kubeconfig: string;
  /** Temp directory of this environment (data dir is `${dir}/data`). */
  dir: string;
  dataDir: string;
  kubectl: Kubectl;
  /** Stops the server and removes the temp directory. */
  stop(): Promise<void>;
}

const noop = () => {};

export interface StartSkiffOptions {
  /**
   * The API server alone, without controllers or scheduler: for suites that pin down
   * API-server behaviour exactly (a Deployment's status, pod counts) where controllers
   * acting on the objects would change what they assert.
   */
  apiOnly?: boolean;
}

/**
 * `SKIFF_E2E_DATASTORE=etcd` runs the in-process server on a fresh etcd of its own
 * (test/e2e/on-etcd.test.ts runs the kubectl and client suites that way); the default
 * is SQLite in the temp dir.
 */
async function e2eDatastore(): Promise<{ dsn?: string; stop(): Promise<void> }> {
  if (process.env['SKIFF_E2E_DATASTORE'] !== 'etcd') return { stop: async () => {} };
  const { startEtcd } = await import('./etcd-server.js');
  const etcd = await startEtcd({ name: 'e2e' });
  return { dsn: `etcd://${new URL(etcd.endpoint).host}`, stop: () => etcd.stop() };
}

/** Starts the API server in this process on a free loopback port, data under a fresh temp dir. */
export async function startSkiff(label = 'e2e', options: StartSkiffOptions = {}): Promise<SkiffEnv> {
  cleanStaleTempDirs();
  const { startServer } = await import('../../src/cmd/server.js');
  const dir = makeTempDir(label);
  const dataDir = join(dir, 'data');
  const store = await e2eDatastore();
  try {
    const server = await startServer({
      ...(store.dsn ? { datastore: store.dsn } : {}),
      dataDir,
      port: 0,
      bindAddress: '127.0.0.1',
      serviceCidr: '10.43.0.0/16',
      tlsSan: [],
      disableAgent: true,
      ...(options.apiOnly ? { disableControllers: true, disableScheduler: true } : {}),
      print: noop,
    });
    const kubectl = new Kubectl(server.kubeconfig, dir);
    return {
      url: server.url,
      kubeconfig: server.kubeconfig,
      dir,
      dataDir,
      kubectl,
      async stop() {
        kubectl.killAll();
        try {
          await server.stop();
        } finally {
          await store.stop();
          rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (err) {
    await store.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * `skiff server` as a separate process (`node --import tsx src/cli/skiff.ts server`), on a
 * fixed loopback port so that a restart on the same data dir keeps the kubeconfig valid.
 */
export class SkiffProcess {
  readonly dir: string;
  readonly dataDir: string;
  readonly kubeconfig: string;
  port = 0;
  private child: ChildProcess | undefined;
  private exited: Promise<number | null> | undefined;
  output = '';
  private exitHook = () => {
    if (this.child?.pid !== undefined && this.child.exitCode === null) {
      try {
        process.kill(this.child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  };

  /** The etcd this process stores in under SKIFF_E2E_DATASTORE=etcd: started once, kept across restarts. */
  private datastore: Promise<{ dsn?: string; stop(): Promise<void> }> | undefined;

  /**
   * `extraArgs` go after the standard flags (e.g. `--min-request-timeout 2`); `entry` runs
   * a built CLI (a bundle's skiff.js) instead of the sources under tsx.
   */
  constructor(
    label = 'proc',
    private readonly extraArgs: string[] = [],
    private readonly entry?: string,
  ) {
    cleanStaleTempDirs();
    this.dir = makeTempDir(label);
    this.dataDir = join(this.dir, 'data');
    this.kubeconfig = join(this.dataDir, 'kubeconfig');
    process.on('exit', this.exitHook);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  /** Starts the process and waits until it prints that it is ready and /readyz answers 200. */
  async start(timeoutMs = 30_000): Promise<void> {
    if (this.child && this.child.exitCode === null) throw new Error('already running');
    if (this.port === 0) this.port = await freePort();
    const store = await (this.datastore ??= e2eDatastore());
    this.output += `--- starting skiff server on port ${this.port}${store.dsn ? ` on ${store.dsn}` : ''}\n`;
    const child = spawn(
      process.execPath,
      [
        ...(this.entry ? [this.entry] : ['--import', 'tsx', join(REPO_ROOT, 'src/cli/skiff.ts')]),
        'server',
        '--data-dir',
        this.dataDir,
        '--port',
        String(this.port),
        '--bind-address',
        '127.0.0.1',
        '--disable-agent',
        ...(store.dsn ? ['--datastore', store.dsn] : []),
        ...this.extraArgs,
      ],
      { cwd: REPO_ROOT, env: { ...process.env, SKIFF_LOG_LEVEL: process.env['SKIFF_LOG_LEVEL'] ?? 'silent' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    this.exited = new Promise((r) => child.once('exit', (code) => r(code)));
    const onData = (c: Buffer) => {
      this.output += c.toString('utf8');
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    const deadline = Date.now() + timeoutMs;
    const from = this.output.length;
    while (!this.output.includes('export KUBECONFIG=', from)) {
      if (child.exitCode !== null) throw new Error(`skiff server exited with ${child.exitCode}:\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`skiff server not ready after ${timeoutMs} ms:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** SIGTERM by PID; waits for exit (SIGKILL after the timeout). Returns the exit code. */
  async stop(timeoutMs = 20_000): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.pid === undefined) return child?.exitCode ?? null;
    process.kill(child.pid, 'SIGTERM');
    const timer = setTimeout(() => {
      if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    }, timeoutMs);
    const code = await this.exited!;
    clearTimeout(timer);
    return code;
  }

  /** Stops the process (if running) and removes the temp dir. */
  async dispose(): Promise<void> {
    try {
      await this.stop();
      await (await this.datastore)?.stop();
    } finally {
      process.off('exit', this.exitHook);
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

/** Parses kubectl's JSON output, with the whole result in the error when it is not JSON. */
export function parseJson<T = any>(result: KubectlResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`kubectl output is not JSON (exit ${result.code})\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
}

/** For assertion messages: the whole kubectl result. */
export function show(result: KubectlResult): string {
  return `exit ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
}
