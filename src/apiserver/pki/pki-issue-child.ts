/**
 * Child-process body of ensureClusterPkiOffThread: makes whatever certificates and keys
 * the data dir lacks, prints the changes as one JSON line, and exits, taking
 * @peculiar/x509 and its dependencies with it. The request is the JSON in argv[2].
 */
import { ensureClusterPki, type ClusterPkiOptions } from './cluster-pki.js';

interface IssueRequest {
  dataDir: string;
  options: Omit<ClusterPkiOptions, 'now'>;
}

const { dataDir, options } = JSON.parse(process.argv[2] ?? '{}') as IssueRequest;
try {
  const pki = await ensureClusterPki(dataDir, options);
  process.stdout.write(`${JSON.stringify({ changes: pki.changes })}\n`);
} catch (err) {
  process.stdout.write(`${JSON.stringify({ error: err instanceof Error ? err.message : String(err) })}\n`);
  process.exitCode = 1;
}
