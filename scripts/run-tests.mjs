#!/usr/bin/env node
/**
 * Runs every test file (unit tests beside the code under src/, integration, e2e and
 * robustness tests under test/) with node's test runner and tsx. Node 20's runner has
 * no glob support, so the files are found here. Extra arguments filter by path substring.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

function find(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...find(path));
    else if (entry.name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = ['src', 'test']
  .flatMap(find)
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}
const child = spawn(
  process.execPath,
  // A hung test must fail the run, not hold CI until its deadline: every test gets a
  // 10-minute limit, and a file whose tests are done may not linger on open handles.
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=600000', '--test-force-exit', ...files],
  { stdio: 'inherit', env: { SKIFF_LOG_LEVEL: 'silent', ...process.env } },
);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
