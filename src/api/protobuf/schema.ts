/**
 * The protobuf schema tables: the `SchemaPackage` shape the per-group files under
 * `schemas/` are written in, the parser for their compact field-list strings, and the
 * registry that resolves message references across packages and finds the top-level
 * message of an (apiVersion, kind). It knows field numbers and types only; reading and
 * writing bytes is the codec's job (decode.ts, encode.ts).
 *
 * A message string is `;`-separated fields `<number> <json name | ^> <type>`, where type
 * is a scalar, `*scalar` (kept in JSON when zero), a special form (Time, MicroTime,
 * Duration, IntOrString, Quantity, RawExtension, FieldsV1), a message reference (`Name`
 * or `pkg.Name`), `[]T` or `map<string,T>`. A leading `@array` marks a message whose JSON
 * form is the bare array of its single repeated field.
 */

export interface SchemaPackage {
  /** The prefix other packages use for these messages: `meta`, `core`, `apps`, … */
  package: string;
  /**
   * The apiVersion of the kinds below: the version (`v1`), whose group follows from the
   * package prefix (PACKAGE_GROUPS), or the full envelope form (`apps/v1`).
   */
  apiVersion: string;
  /** kind → top-level message name in this package. */
  kinds: Record<string, string>;
  /** message name → field list in the table syntax. */
  messages: Record<string, string>;
}

export const SCALAR_TYPES = ['string', 'bytes', 'bool', 'int32', 'int64', 'uint32', 'uint64', 'double', 'float'] as const;
export type ScalarType = (typeof SCALAR_TYPES)[number];

export const SPECIAL_TYPES = ['Time', 'MicroTime', 'Duration', 'IntOrString', 'Quantity', 'RawExtension', 'FieldsV1'] as const;
export type SpecialType = (typeof SPECIAL_TYPES)[number];

/** The type of one value: of the field itself, of each element, or of each map value. */
export type ValueType =
  | { kind: 'scalar'; scalar: ScalarType }
  | { kind: 'special'; special: SpecialType }
  | { kind: 'message'; ref: string; message?: MessageDef };

export interface FieldDef {
  number: number;
  /** Position in the message's field list (JSON order). */
  index: number;
  /** JSON name; null for an inlined (`^`) embedded message. */
  name: string | null;
  repeated: boolean;
  map: boolean;
  /** `*T`: the zero value is kept in JSON rather than omitted. */
  pointer: boolean;
  value: ValueType;
}

export interface MessageDef {
  /** `pkg.Name`. */
  fullName: string;
  /** JSON form is the bare array of the single repeated field. */
  array: boolean;
  /** In table order, which is the JSON key order. */
  fields: FieldDef[];
  /** By field number, the order Go writes them on the wire. */
  wireOrder: FieldDef[];
  byNumber: Map<number, FieldDef>;
  byName: Map<string, FieldDef>;
}

const SCALARS = new Set<string>(SCALAR_TYPES);
const SPECIALS = new Set<string>(SPECIAL_TYPES);
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Message names are Go type names, so exported: `strang` is a typo, not a message. */
const MESSAGE_NAME = /^[A-Z][A-Za-z0-9_]*$/;
const JSON_NAME = /^[A-Za-z_$][A-Za-z0-9_$.-]*$/;
/** Protobuf's largest field number, and the range it reserves for itself. */
const MAX_FIELD = 536_870_911;
const RESERVED = [19_000, 19_999];

export class SchemaSyntaxError extends Error {
  override readonly name = 'SchemaSyntaxError';
}

function parseValueType(text: string, pkg: string): ValueType {
  if (SCALARS.has(text)) return { kind: 'scalar', scalar: text as ScalarType };
  if (SPECIALS.has(text)) return { kind: 'special', special: text as SpecialType };
  const parts = text.split('.');
  if (parts.length === 1 && MESSAGE_NAME.test(text)) return { kind: 'message', ref: `${pkg}.${text}` };
  if (parts.length === 2 && IDENT.test(parts[0]!) && MESSAGE_NAME.test(parts[1]!)) return { kind: 'message', ref: text };
  throw new SchemaSyntaxError(`unknown type "${text}"`);
}

function parseField(text: string, pkg: string, index: number): FieldDef {
  const m = /^(\d+)\s+(\S+)\s+(.+)$/.exec(text);
  if (!m) throw new SchemaSyntaxError(`field "${text}" is not "<number> <json name> <type>"`);
  const number = Number(m[1]);
  if (!Number.isSafeInteger(number) || number < 1 || number > MAX_FIELD || (number >= RESERVED[0]! && number <= RESERVED[1]!)) {
    throw new SchemaSyntaxError(`field "${text}": ${m[1]} is not a usable field number`);
  }
  const name = m[2] === '^' ? null : m[2]!;
  if (name !== null && !JSON_NAME.test(name)) throw new SchemaSyntaxError(`field "${text}": "${name}" is not a JSON name`);
  let type = m[3]!.replace(/\s+/g, '');
  let repeated = false;
  let map = false;
  let pointer = false;
  const mapMatch = /^map<string,(.+)>$/.exec(type);
  if (mapMatch) {
    map = true;
    type = mapMatch[1]!;
  } else if (type.startsWith('map<')) {
    throw new SchemaSyntaxError(`field "${text}": maps must be map<string,T>`);
  } else if (type.startsWith('[]')) {
    repeated = true;
    type = type.slice(2);
  }
  if (type.startsWith('*')) {
    if (repeated || map) throw new SchemaSyntaxError(`field "${text}": * applies to single values, not to [] or map`);
    pointer = true;
    type = type.slice(1);
  }
  const value = parseValueType(type, pkg);
  if (name === null && (repeated || map || value.kind !== 'message')) {
    throw new SchemaSyntaxError(`field "${text}": only a single message can be inlined with ^`);
  }
  return { number, index, name, repeated, map, pointer, value };
}

/** Parses one message string. Throws SchemaSyntaxError naming the offending field. */
export function parseMessage(pkg: string, name: string, text: string): MessageDef {
  let body = text.trim();
  let array = false;
  if (body.startsWith('@array')) {
    array = true;
    body = body.slice('@array'.length);
  }
  const fields = body
    .split(';')
    .map((f) => f.trim().replace(/\s+/g, ' '))
    .filter((f) => f !== '')
    .map((f, i) => parseField(f, pkg, i));
  const byNumber = new Map<number, FieldDef>();
  const byName = new Map<string, FieldDef>();
  for (const f of fields) {
    if (byNumber.has(f.number)) throw new SchemaSyntaxError(`field number ${f.number} is used twice`);
    byNumber.set(f.number, f);
    if (f.name !== null) {
      if (byName.has(f.name)) throw new SchemaSyntaxError(`JSON name "${f.name}" is used twice`);
      byName.set(f.name, f);
    }
  }
  if (array && (fields.length !== 1 || !fields[0]!.repeated)) {
    throw new SchemaSyntaxError('an @array message has exactly one repeated field');
  }
  const wireOrder = [...fields].sort((a, b) => a.number - b.number);
  return { fullName: `${pkg}.${name}`, array, fields, wireOrder, byNumber, byName };
}

/** The API group behind each fixed package prefix. */
export const PACKAGE_GROUPS: Readonly<Record<string, string>> = {
  meta: 'meta.k8s.io',
  core: '',
  apps: 'apps',
  batch: 'batch',
  networking: 'networking.k8s.io',
  policy: 'policy',
  autoscalingv1: 'autoscaling',
  autoscalingv2: 'autoscaling',
  rbac: 'rbac.authorization.k8s.io',
  scheduling: 'scheduling.k8s.io',
  storage: 'storage.k8s.io',
  coordination: 'coordination.k8s.io',
  discovery: 'discovery.k8s.io',
  events: 'events.k8s.io',
  authentication: 'authentication.k8s.io',
  authorization: 'authorization.k8s.io',
};

/** The envelope apiVersion of a package's kinds, or an error text. */
function envelopeApiVersion(p: SchemaPackage): string | Error {
  const group = PACKAGE_GROUPS[p.package];
  if (group === undefined) return new Error(`package ${p.package} is not one of the fixed prefixes (${Object.keys(PACKAGE_GROUPS).join(', ')})`);
  if (!/^v\d+((alpha|beta)\d+)?$/.test(p.apiVersion.split('/').pop()!)) return new Error(`package ${p.package}: apiVersion ${p.apiVersion} has no valid version`);
  if (!p.apiVersion.includes('/')) return group ? `${group}/${p.apiVersion}` : p.apiVersion;
  if (p.apiVersion.split('/')[0] !== group) return new Error(`package ${p.package}: apiVersion ${p.apiVersion} is not in group ${group || '(core)'}`);
  return p.apiVersion;
}

/** The meta package's kinds (DeleteOptions, Status, …) travel under every group's apiVersion. */
const META_PACKAGE = 'meta';

/**
 * Every message of every package, parsed once, references linked. Problems (syntax,
 * duplicates, unresolved references, kinds without a message) are collected rather than
 * thrown, so one bad table does not take down the others; `problems` lists them.
 */
export class SchemaRegistry {
  readonly problems: string[] = [];
  private readonly messages = new Map<string, MessageDef>();
  private readonly kinds = new Map<string, MessageDef>();
  private readonly metaKinds = new Map<string, MessageDef>();

  constructor(readonly packages: readonly SchemaPackage[]) {
    const seenPackages = new Set<string>();
    for (const p of packages) {
      if (seenPackages.has(p.package)) this.problems.push(`package ${p.package} is defined twice`);
      seenPackages.add(p.package);
      for (const [name, text] of Object.entries(p.messages)) {
        if (!MESSAGE_NAME.test(name)) {
          this.problems.push(`${p.package}.${name}: not a valid message name`);
          continue;
        }
        try {
          this.messages.set(`${p.package}.${name}`, parseMessage(p.package, name, text));
        } catch (err) {
          this.problems.push(`${p.package}.${name}: ${(err as Error).message}`);
        }
      }
    }
    for (const msg of this.messages.values()) this.link(msg);
    for (const p of packages) {
      const apiVersion = envelopeApiVersion(p);
      if (apiVersion instanceof Error) {
        this.problems.push(apiVersion.message);
        continue;
      }
      for (const [kind, messageName] of Object.entries(p.kinds)) {
        const msg = this.messages.get(`${p.package}.${messageName}`);
        if (!msg) {
          this.problems.push(`${p.package}: kind ${kind} names message ${messageName}, which is not defined`);
          continue;
        }
        const key = `${apiVersion}\0${kind}`;
        if (this.kinds.has(key)) this.problems.push(`${p.package}: kind ${kind} of ${apiVersion} is defined by two packages`);
        this.kinds.set(key, msg);
        if (p.package === META_PACKAGE) this.metaKinds.set(kind, msg);
      }
    }
  }

  private link(msg: MessageDef): void {
    for (const f of msg.fields) {
      if (f.value.kind !== 'message') continue;
      const target = this.messages.get(f.value.ref);
      if (target) f.value.message = target;
      else this.problems.push(`${msg.fullName}: field ${f.number} refers to ${f.value.ref}, which is not defined`);
    }
  }

  message(fullName: string): MessageDef | undefined {
    return this.messages.get(fullName);
  }

  /** The top-level message for an envelope's (apiVersion, kind), if a table exists. */
  kind(apiVersion: string, kind: string): MessageDef | undefined {
    return this.kinds.get(`${apiVersion}\0${kind}`) ?? this.metaKinds.get(kind);
  }

  /** Every (apiVersion, kind) with a table. */
  allKinds(): { apiVersion: string; kind: string; message: MessageDef }[] {
    return [...this.kinds].map(([key, message]) => {
      const [apiVersion, kind] = key.split('\0') as [string, string];
      return { apiVersion, kind, message };
    });
  }

  /**
   * Messages reachable from `root` that refer to an undefined message: a kind whose
   * closure is incomplete cannot be decoded faithfully.
   */
  unresolvedFrom(root: MessageDef): string[] {
    const out: string[] = [];
    const seen = new Set<MessageDef>();
    const stack = [root];
    while (stack.length) {
      const msg = stack.pop()!;
      if (seen.has(msg)) continue;
      seen.add(msg);
      for (const f of msg.fields) {
        if (f.value.kind !== 'message') continue;
        if (f.value.message) stack.push(f.value.message);
        else out.push(f.value.ref);
      }
    }
    return out;
  }
}

/** Builds a registry over `packages` and returns every problem found in them. */
export function checkSchemas(packages: readonly SchemaPackage[]): string[] {
  return new SchemaRegistry(packages).problems;
}
