/**
 * Waits until the API server answers /readyz over its own socket — as k3s waits for its
 * API server before it starts the controllers and the scheduler.
 *
 * Why: those components start with a burst of work on this same thread (informer lists,
 * first syncs, events). Started the moment the socket listened, they kept the event loop
 * from finishing the TLS handshakes of clients already connecting, so a readiness probe
 * or a first kubectl request waited for all of it (~100 ms on the 2-core CI machine).
 * Gives up after `timeoutMs`; the components then start anyway (their clients retry).
 */
import { request } from 'node:https';

const RETRY_MS = 5;

export async function awaitServing(url: string, caPem: string, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe(url, caPem, deadline - Date.now())) return true;
    await new Promise((r) => setTimeout(r, RETRY_MS));
  }
  return false;
}

function probe(url: string, caPem: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(new URL('/readyz', url), { ca: caPem, agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
      res.on('error', () => resolve(false));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}
