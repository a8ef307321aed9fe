/**
 * The name-giving hash of a ControllerRevision (upstream controller_history
 * HashControllerRevision): 32-bit FNV-1a over the revision's data written as canonical
 * JSON (keys sorted), followed by the decimal collision count when there is one, printed
 * in decimal and re-encoded with the "safe" alphabet that has no vowels (so no words) and
 * no look-alike characters. A revision is named `<owner>-<hash>`. (Upstream feeds Go's
 * serialization to FNV-1; the names need only be stable here, not equal to upstream's.)
 */

/** The label that names a revision's hash on the revision and on the pods made from it. */
export const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';

const SAFE_ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** JSON with object keys sorted at every level and undefined members left out. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

function fnv32a(bytes: Uint8Array, seed = 0x811c9dc5): number {
  let hash = seed;
  for (const b of bytes) {
    hash ^= b;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** Re-encodes a string with the safe alphabet, one character per character. */
export function safeEncode(s: string): string {
  return [...s].map((c) => SAFE_ALPHANUMS[c.charCodeAt(0) % SAFE_ALPHANUMS.length]).join('');
}

/** The hash of revision data, salted with the collision count once names have collided. */
export function hashRevisionData(data: unknown, collisionCount?: number): string {
  const encoder = new TextEncoder();
  let hash = fnv32a(encoder.encode(canonicalJson(data ?? {})));
  if (collisionCount !== undefined && collisionCount !== null) hash = fnv32a(encoder.encode(String(collisionCount)), hash);
  return safeEncode(String(hash));
}

/** `<owner>-<hash>` (upstream ControllerRevisionName; long owner names are cut so the name stays ≤ 253). */
export function revisionName(ownerName: string, hash: string): string {
  const prefix = ownerName.length > 223 ? ownerName.slice(0, 223) : ownerName;
  return `${prefix}-${hash}`;
}
