/**
 * Running the Debian python3-kubernetes client from tests. The system interpreter is
 * used by path (/usr/bin/python3): a pyenv or venv python on PATH would not see the
 * Debian package.
 */
import { spawn, spawnSync } from 'node:child_process';

export const SYSTEM_PYTHON = '/usr/bin/python3';

/** Why the client cannot run here, or undefined when it can. */
export function pythonClientMissing(): string | undefined {
  const probe = spawnSync(SYSTEM_PYTHON, ['-c', 'import kubernetes'], { encoding: 'utf8' });
  if (probe.error) return `${SYSTEM_PYTHON} not found (${probe.error.message})`;
  if (probe.status !== 0) return `python3-kubernetes not installed (apt-get install python3-kubernetes): ${probe.stderr.trim().split('\n').pop()}`;
  return undefined;
}

export function runPython(script: string, args: string[], timeoutMs = 120_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(SYSTEM_PYTHON, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
