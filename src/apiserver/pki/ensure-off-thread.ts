/**
 * First start makes the cluster's certificates with @peculiar/x509, which brings
 * tsyringe, reflect-metadata and the ASN.1 schemas: about 15 MB that stayed resident
 * for the server's whole life (its idle RSS is a target). So when files are missing
 * they are made by a short-lived child process, and the server then loads them the way
 * every later start does, with node:crypto alone. (A worker thread was tried first:
 * its malloc arena kept ~8 MB after it ended.)
 *
 * Runs in-process instead when there is nothing to make, when a test injects a clock,
 * or when the child cannot run (its failure is then reproduced, with its real error,
 * by the in-process attempt).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ensureClusterPki, pkiFiles, type ClusterPki, type ClusterPkiOptions, type PkiChange } from './cluster-pki.js';

/** Beside this module: the .ts source under tsx (run with the same loader), the bundle's own entry when built. */
const SCRIPT = fileURLToPath(new URL(`./pki-issue-child.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url));

export async function ensureClusterPkiOffThread(dataDir: string, opts: ClusterPkiOptions = {}): Promise<ClusterPki> {
  const { dir: _dir, ...paths } = pkiFiles(dataDir);
  const missing = Object.values(paths).some((path) => !existsSync(path));
  if (!missing || opts.now || !existsSync(SCRIPT)) return ensureClusterPki(dataDir, opts);
  const made = await issueInChild(dataDir, opts);
  const pki = await ensureClusterPki(dataDir, opts);
  return made ? { ...pki, changes: [...made, ...pki.changes] } : pki;
}

/** The changes the child made, or undefined if it failed (the caller then tries in-process). */
function issueInChild(dataDir: string, opts: ClusterPkiOptions): Promise<PkiChange[] | undefined> {
  const request = JSON.stringify({ dataDir, options: opts });
  return new Promise((resolve) => {
    execFile(process.execPath, [...process.execArgv, SCRIPT, request], { timeout: 60_000 }, (err, stdout) => {
      if (err) return resolve(undefined);
      try {
        resolve((JSON.parse(stdout) as { changes?: PkiChange[] }).changes);
      } catch {
        resolve(undefined);
      }
    });
  });
}
