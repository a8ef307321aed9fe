/**
 * Finalizer bookkeeping for the protection controllers (upstream
 * pkg/controller/volume/protectionutil): an object not being deleted should carry the
 * protection finalizer; one being deleted that still carries it is a candidate for its
 * removal. The copies returned are what the controllers write. Pure.
 */
import { cloneJson } from '../../api/object.js';
import { hasFinalizer } from './volume-util.js';

interface Finalizable {
  metadata?: { deletionTimestamp?: string; finalizers?: string[] };
}

/** Being deleted and still held by `finalizer`: the controller decides whether to let go. */
export const isDeletionCandidate = (obj: Finalizable, finalizer: string): boolean => !!obj.metadata?.deletionTimestamp && hasFinalizer(obj, finalizer);

/** Not being deleted and lacking `finalizer` (made before admission added it, or it was removed). */
export const needToAddFinalizer = (obj: Finalizable, finalizer: string): boolean => !obj.metadata?.deletionTimestamp && !hasFinalizer(obj, finalizer);

export function withFinalizer<T extends Finalizable>(obj: T, finalizer: string): T {
  const next = cloneJson(obj);
  next.metadata = { ...next.metadata, finalizers: [...(next.metadata?.finalizers ?? []), finalizer] };
  return next;
}

export function withoutFinalizer<T extends Finalizable>(obj: T, finalizer: string): T {
  const next = cloneJson(obj);
  next.metadata = { ...next.metadata, finalizers: (next.metadata?.finalizers ?? []).filter((f) => f !== finalizer) };
  return next;
}
