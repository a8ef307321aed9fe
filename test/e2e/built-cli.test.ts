/**
 * The built CLI, as `npm start` runs it: scripts/bundle.mjs into a temp folder, then
 * dist/skiff.js (src/cli/bundle-loader.ts) running the program with its V8 code cache.
 * The cache is written by a first run, accepted as it is by the next (not rewritten), and a
 * damaged cache is rejected and replaced without the program noticing. `skiff server` from
 * the bundle makes its certificates (in the child the bundle ships), waits for its own
 * /readyz before starting the controllers and scheduler, serves kubectl, stops cleanly on
 * SIGTERM and starts again from its cache; and a server whose stdout reader goes away
 * keeps running and still stops cleanly.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Kubectl, REPO_ROOT, SkiffProcess, freePort, makeTempDir, show } from '../support/skiff-server.js';

let dir: string;
let dist: string;

before(() => {
  dir = makeTempDir('bundle');
  // Packages left outside the bundle (better-sqlite3, @peculiar/x509) resolve from here.
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
  dist = join(dir, 'dist');
  execFileSync(process.execPath, [join(REPO_ROOT, 'scripts/bundle.mjs'), dist], { cwd: REPO_ROOT, timeout: 120_000, stdio: 'pipe' });
});

const cacheFiles = (command: string): string[] => readdirSync(dist).filter((f) => f.endsWith(`.${command}.v8cache`));
const runCli = (...args: string[]): string => execFileSync(process.execPath, [join(dist, 'skiff.js'), ...args], { encoding: 'utf8', timeout: 60_000 });

describe('the bundle', () => {
  it('is one ASCII program wrapped for the loader, beside its entry, the certificate child and the SQLite writer thread', () => {
    const names = readdirSync(dist);
    for (const f of ['skiff.js', 'skiff.cjs', 'pki-issue-child.js', 'sqlite-writer-thread.js', 'schemas.generated.json']) assert.ok(names.includes(f), `${f} in ${names.join(', ')}`);
    const program = readFileSync(join(dist, 'skiff.cjs'));
    assert.equal(
      program.findIndex((b) => b > 0x7f),
      -1,
    );
    assert.match(program.toString('latin1', 0, 200), /^#!.*\n\(function \(exports, require, module, __filename, __dirname\) \{'use strict';/);
  });

  it('writes a code cache on the first run, keeps it on the next, and replaces a damaged one', () => {
    assert.deepEqual(cacheFiles('other'), []);
    assert.equal(runCli('--version').trim(), '0.1.0');
    const [cache] = cacheFiles('other');
    assert.ok(cache, 'a cache after the first run');
    const path = join(dist, cache);
    const first = statSync(path).mtimeMs;
    const bytes = readFileSync(path);

    assert.equal(runCli('--version').trim(), '0.1.0');
    assert.equal(statSync(path).mtimeMs, first, 'an accepted cache is not rewritten');

    const damaged = Buffer.alloc(bytes.length, 7);
    writeFileSync(path, damaged);
    assert.equal(runCli('--version').trim(), '0.1.0');
    assert.ok(!readFileSync(path).equals(damaged), 'the damaged cache was replaced');
    const replaced = statSync(path).mtimeMs;
    assert.equal(runCli('--version').trim(), '0.1.0');
    assert.equal(statSync(path).mtimeMs, replaced, 'and its replacement is accepted');
  });
});

describe('skiff server from the bundle', () => {
  let server: SkiffProcess;
  let kubectl: Kubectl;
  before(() => {
    server = new SkiffProcess('bundle-server', [], join(dist, 'skiff.js'));
    kubectl = new Kubectl(server.kubeconfig, server.dir);
  });
  after(async () => {
    kubectl?.killAll();
    await server?.dispose();
  });

  it('starts (certificates made by the bundled child), serves kubectl, stops on SIGTERM, and restarts from its cache', async () => {
    await server.start(60_000);
    assert.match(server.output, /certificates: .*ca created/);
    // The controllers and the scheduler start only once the server answers on its socket.
    assert.match(server.output, /API server ready\n(.|\n)*controller manager started(.|\n)*scheduler started/);
    const namespaces = await kubectl.run(['get', 'namespaces', '-o', 'name']);
    assert.equal(namespaces.code, 0, show(namespaces));
    assert.match(namespaces.stdout, /namespace\/kube-system/);
    assert.equal(await server.stop(), 0, server.output);
    assert.equal(cacheFiles('server').length, 1, `a server cache in ${readdirSync(dist).join(', ')}`);

    await server.start(60_000);
    assert.match(server.output, /certificates reused/);
    const created = await kubectl.run(['create', 'configmap', 'from-bundle', '--from-literal=a=b']);
    assert.equal(created.code, 0, show(created));
    assert.equal(await server.stop(), 0, server.output);
  });
});

describe('a server whose stdout reader goes away', () => {
  // SIGTERM goes the moment /readyz answers, while the controllers and the scheduler may
  // still be starting: that too must end in a clean stop (exit 0), not death by signal.
  it('keeps serving and still stops cleanly (no EPIPE crash), even when stopped while starting', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [join(dist, 'skiff.js'), 'server', '--data-dir', join(dir, 'epipe'), '--port', String(port)], {
      env: { ...process.env, SKIFF_LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      // The first step line arrives; then nobody reads any more.
      await new Promise((r) => child.stdout!.once('data', r));
      child.stdout!.destroy();
      const deadline = Date.now() + 60_000;
      while (!(await readyz(port))) {
        assert.equal(child.exitCode, null, 'the server exited');
        assert.ok(Date.now() < deadline, 'not ready in time');
        await new Promise((r) => setTimeout(r, 5));
      }
      process.kill(child.pid!, 'SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      if (child.exitCode === null) process.kill(child.pid!, 'SIGKILL');
    }
  });
});

function readyz(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path: '/readyz', rejectUnauthorized: false, timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('error', () => resolve(false));
    req.end();
  });
}

after(() => rmSync(dir, { recursive: true, force: true }));
