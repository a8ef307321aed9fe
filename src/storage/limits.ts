/**
 * Input checks shared by all drivers, so every engine refuses the same inputs with
 * the same error before touching disk or network.
 */
import { StorageError } from './errors.js';

/** Upstream's limit on one stored object (etcd's default --max-request-bytes). */
export const MAX_VALUE_BYTES = 1.5 * 1024 * 1024;

/** Keys are printable ASCII without spaces; this keeps byte order and string order equal. */
const KEY_PATTERN = /^[\x21-\x7e]+$/;
const MAX_KEY_BYTES = 4096;

export function checkKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_BYTES || !KEY_PATTERN.test(key)) {
    throw new StorageError('InvalidKey', `invalid storage key ${JSON.stringify(String(key).slice(0, 80))}: must be 1-${MAX_KEY_BYTES} printable ASCII characters`);
  }
}

/** Prefixes may be empty (everything) but otherwise follow key rules. */
export function checkPrefix(prefix: string): void {
  if (prefix !== '') checkKey(prefix);
}

export function checkValue(key: string, value: Uint8Array): void {
  if (!(value instanceof Uint8Array)) {
    throw new StorageError('InvalidKey', `value for ${key} must be bytes`, { key });
  }
  if (value.byteLength > MAX_VALUE_BYTES) {
    throw new StorageError(
      'TooLarge',
      `value for ${key} is ${value.byteLength} bytes, over the limit of ${MAX_VALUE_BYTES}`,
      { key },
    );
  }
}

export function checkRevision(name: string, revision: number): void {
  if (!Number.isSafeInteger(revision) || revision < 0) {
    throw new StorageError('InvalidKey', `${name} must be a non-negative integer, got ${revision}`);
  }
}

/**
 * The smallest string greater than every key starting with `prefix`, or undefined for
 * the empty prefix (no upper bound). Valid because keys are printable ASCII.
 */
export function prefixEnd(prefix: string): string | undefined {
  if (prefix === '') return undefined;
  const last = prefix.charCodeAt(prefix.length - 1);
  return prefix.slice(0, -1) + String.fromCharCode(last + 1);
}
