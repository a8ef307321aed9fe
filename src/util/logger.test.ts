import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { it } from 'node:test';

/** Runs `code` in a fresh node (with tsx) so the logger's module state and level are its own. */
function run(code: string, level: string): Promise<{ stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, SKIFF_LOG_LEVEL: level };
  delete env['NODE_TEST_CONTEXT'];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { env, cwd: process.cwd(), timeout: 30_000 }, (err, stdout, stderr) => (err ? reject(err) : resolve({ stdout, stderr })));
  });
}

const SCRIPT = `
import { createRequire } from 'node:module';
import { createLogger } from './src/util/logger.ts';
const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((p) => p.includes('/node_modules/pino/'));
const log = createLogger('test');
log.info({ a: 1 }, 'below the level');
const before = loaded();
log.child({ sub: 'x' }).warn({ b: 2 }, 'at the level');
setTimeout(() => console.log(JSON.stringify({ before, after: loaded() })), 50);
`;

it('loads pino only when a line at an enabled level is written, and writes JSON lines with the bindings', async () => {
  const { stdout, stderr } = await run(SCRIPT, 'warn');
  assert.deepEqual(JSON.parse(stdout), { before: false, after: true });
  const lines = stderr.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(lines.length, 1);
  assert.deepEqual([lines[0]!['level'], lines[0]!['component'], lines[0]!['sub'], lines[0]!['b'], lines[0]!['msg']], [40, 'test', 'x', 2, 'at the level']);
});

it('writes nothing and loads nothing when silent', async () => {
  const { stdout, stderr } = await run(SCRIPT, 'silent');
  assert.deepEqual(JSON.parse(stdout), { before: false, after: false });
  assert.equal(stderr.trim(), '');
});
