/**
 * What a kind contributes to the generic store (DESIGN.md §3, upstream's
 * pkg/registry/<group>/<kind>/strategy.go): defaulting, validation, the status split,
 * table columns and selectable fields. Everything else — metadata lifecycle, storage,
 * preconditions, watch — is the generic store's job, the same for every kind.
 */
import type { FieldError } from '../../api/errors.js';
import type { StoredObject } from '../../api/object.js';
import type { ResourceInfo } from '../../api/resources.js';

export type NameRule = 'subdomain' | 'label' | 'dns1035';

export interface TableColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format?: string;
  description: string;
  /** 1 = shown only with -o wide */
  priority: 0 | 1;
}

export interface Strategy {
  /** Fills defaults as upstream's defaulting functions do (create and update). */
  defaults(obj: StoredObject): void;
  /** Kind-specific preparation on create, e.g. a Pod's initial status. */
  prepareForCreate(obj: StoredObject, now: Date): void;
  /** Kind-specific preparation on update of the main resource or a subresource. */
  prepareForUpdate(obj: StoredObject, old: StoredObject, subresource: string, now: Date): void;
  validate(obj: StoredObject): FieldError[];
  validateUpdate(obj: StoredObject, old: StoredObject, subresource: string): FieldError[];
  /** The rule metadata.name follows: DNS-1123 subdomain (most kinds), label (Namespace), or DNS-1035 label (Service). */
  nameRule: NameRule;
  /** Whether a PUT may create a missing object. */
  allowCreateOnUpdate: boolean;
  /** Table columns after NAME (upstream's printers), and the cells for one object. */
  columns: TableColumn[];
  cells(obj: StoredObject, now: Date): unknown[];
  /** The Name cell when it says more than the name (a default class shows "name (default)"). */
  nameCell?(obj: StoredObject): string;
  /** Field-selector fields beyond metadata.name / metadata.namespace. */
  selectableFields(obj: StoredObject): Record<string, string>;
  /** Kind-specific finalizers beyond metadata.finalizers (a Namespace's spec.finalizers). */
  hasKindFinalizers?(obj: StoredObject): boolean;
  /** Pods: deletion waits for the node to confirm (deletionGracePeriodSeconds). */
  gracefulDeletion?(obj: StoredObject, requestedSeconds: number | undefined): number;
}

export type StrategyFactory = (info: ResourceInfo) => Strategy;
