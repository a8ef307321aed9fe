/**
 * Typed errors of the storage contract. Drivers translate their engine's failures
 * into these; the API server maps them to Kubernetes Status objects at its edge
 * (KeyExists → 409 AlreadyExists, Conflict → 409, KeyNotFound → 404, Compacted → 410 …).
 */

export type StorageErrorCode =
  | 'KeyExists'
  | 'KeyNotFound'
  | 'Conflict'
  | 'Compacted'
  | 'FutureRevision'
  | 'TooLarge'
  | 'InvalidKey'
  | 'WatchOverflow'
  | 'Unavailable'
  | 'Locked'
  | 'Corrupt'
  | 'Closed';

export class StorageError extends Error {
  override readonly name = 'StorageError';
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    /** Extra facts a caller can act on, e.g. the current modRevision on Conflict. */
    readonly details: StorageErrorDetails = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface StorageErrorDetails {
  key?: string;
  /** On Conflict: the key's modRevision now. */
  currentModRevision?: number;
  /** On Compacted: the oldest revision still readable. */
  compactRevision?: number;
  /** On FutureRevision: the newest revision the store has. */
  currentRevision?: number;
}

export function isStorageError(err: unknown, code?: StorageErrorCode): err is StorageError {
  return err instanceof StorageError && (code === undefined || err.code === code);
}

export const keyExists = (key: string): StorageError =>
  new StorageError('KeyExists', `key ${key} already exists`, { key });

export const keyNotFound = (key: string): StorageError =>
  new StorageError('KeyNotFound', `key ${key} not found`, { key });

export const conflict = (key: string, expected: number, current: number): StorageError =>
  new StorageError(
    'Conflict',
    `key ${key} was modified: expected modRevision ${expected}, found ${current}`,
    { key, currentModRevision: current },
  );

export const compacted = (requested: number, compactRevision: number): StorageError =>
  new StorageError(
    'Compacted',
    `revision ${requested} has been compacted; oldest available is ${compactRevision}`,
    { compactRevision },
  );

export const futureRevision = (requested: number, currentRevision: number): StorageError =>
  new StorageError(
    'FutureRevision',
    `revision ${requested} is newer than the current revision ${currentRevision}`,
    { currentRevision },
  );

export const closed = (): StorageError => new StorageError('Closed', 'storage backend is closed');
