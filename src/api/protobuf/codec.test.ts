import { test } from 'node:test';
import assert from 'node:assert/strict';
import protobuf from 'protobufjs/minimal.js';
import { ApiError } from '../errors.js';
import { decodeProtobufObject, encodeProtobufObject } from './codec.js';
import { encodeEnvelope } from './envelope.js';
import { SchemaRegistry, type SchemaPackage } from './schema.js';
import { metaV1 } from './schemas/meta-v1.js';

/** A made-up core/v1 kind that exercises every type form of the table syntax. */
const testCore: SchemaPackage = {
  package: 'core',
  apiVersion: 'v1',
  kinds: { Thing: 'Thing', Nest: 'Nest' },
  messages: {
    Thing: `1 metadata meta.ObjectMeta; 2 name string; 3 count int32; 4 big int64; 5 ratio double;
      6 small float; 7 on bool; 8 keep *int32; 9 keepStr *string; 10 data bytes; 11 tags []string;
      12 nums []int32; 13 labels map<string,string>; 14 blobs map<string,bytes>;
      15 limits map<string,Quantity>; 16 items []Item; 17 ^ Source; 18 when Time; 19 at MicroTime;
      20 every Duration; 21 port IntOrString; 22 raw RawExtension; 23 fields FieldsV1;
      24 extra map<string,Extra>; 25 u32 uint32; 26 u64 uint64; 27 counts map<string,int64>`,
    Item: '1 name string; 2 value *int32',
    Source: '1 hostPath HostPath; 2 emptyDir EmptyDir',
    HostPath: '1 path string',
    EmptyDir: '1 medium string',
    Extra: '@array 1 items []string',
    Nest: '1 child Nest; 2 name string',
  },
};
const registry = new SchemaRegistry([metaV1, testCore]);
assert.deepEqual(registry.problems, []);

const decode = (body: Buffer): Record<string, unknown> => decodeProtobufObject(body, registry);
const encode = (obj: Record<string, unknown>): Buffer => encodeProtobufObject(obj, { strict: true }, registry);

/** An envelope around hand-written message bytes. */
function body(kind: string, write: (w: protobuf.Writer) => void): Buffer {
  const w = protobuf.Writer.create();
  write(w);
  return encodeEnvelope('v1', kind, w.finish());
}

/** Writes a length-delimited field with tag `tag` whose content `write` produces. */
function nested(w: protobuf.Writer, tag: number, write: (w: protobuf.Writer) => void): void {
  w.uint32(tag).fork();
  write(w);
  w.ldelim();
}

function assertRejects(fn: () => unknown, code: number, re: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ApiError, `expected an ApiError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.match(err.message, re);
    return true;
  });
}

const full = {
  apiVersion: 'v1',
  kind: 'Thing',
  metadata: {
    name: 'a',
    namespace: 'ns',
    labels: { app: 'web', tier: '' },
    annotations: { note: 'x' },
    creationTimestamp: '2024-03-01T10:20:30Z',
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u1', controller: true, blockOwnerDeletion: false }],
    finalizers: ['f1'],
    managedFields: [{ manager: 'kubectl', operation: 'Update', apiVersion: 'v1', time: '2024-03-01T10:20:30Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { '.': {} } } }],
    generation: 3,
  },
  name: 'thing',
  count: -5,
  big: 9007199254740991,
  ratio: 0.25,
  small: 1.5,
  on: true,
  keep: 0,
  keepStr: '',
  data: Buffer.from([0, 1, 2, 255]).toString('base64'),
  tags: ['a', '', 'b'],
  nums: [1, 0, -1],
  labels: { x: '', y: 'z' },
  blobs: { bin: Buffer.from('héllo').toString('base64'), empty: '' },
  limits: { cpu: '500m', memory: '1Gi' },
  items: [{ name: 'i', value: 0 }, {}],
  hostPath: { path: '/tmp' },
  when: '2024-03-01T10:20:30Z',
  at: '2024-03-01T10:20:30.123456Z',
  every: '1h0m0s',
  port: 'http',
  raw: { kind: 'Anything', spec: { deep: [1, 2, { x: null }] } },
  fields: { 'f:metadata': {} },
  extra: { groups: ['g1', 'g2'] },
  u32: 4294967295,
  u64: 12345678901,
  counts: { zero: 0, one: 1 },
};

test('every type form round-trips JSON → protobuf → JSON unchanged', () => {
  assert.deepEqual(decode(encode(full)), full);
});

test('keys come out in table order after kind and apiVersion, as Go prints them', () => {
  const keys = Object.keys(decode(encode({ ...full })));
  assert.deepEqual(keys.slice(0, 4), ['kind', 'apiVersion', 'metadata', 'name']);
  assert.ok(keys.indexOf('hostPath') > keys.indexOf('items') && keys.indexOf('hostPath') < keys.indexOf('when'));
});

test('plain scalars at their zero value are omitted, pointer scalars kept', () => {
  const got = decode(
    body('Thing', (w) => {
      w.uint32(18).string('').uint32(24).int32(0).uint32(56).bool(false).uint32(64).int32(0).uint32(74).string('').uint32(82).bytes(Buffer.alloc(0));
    }),
  );
  assert.deepEqual(got, { kind: 'Thing', apiVersion: 'v1', keep: 0, keepStr: '' });
});

test('repeated scalars are read packed and unpacked alike', () => {
  const unpacked = body('Thing', (w) => w.uint32(96).int32(1).uint32(96).int32(-2).uint32(96).int32(3));
  const packed = body('Thing', (w) => w.uint32(98).fork().int32(1).int32(-2).int32(3).ldelim());
  assert.deepEqual(decode(unpacked)['nums'], [1, -2, 3]);
  assert.deepEqual(decode(packed)['nums'], [1, -2, 3]);
});

test('unknown field numbers of every wire type are skipped', () => {
  const got = decode(
    body('Thing', (w) => {
      w.uint32((900 << 3) | 0).int64(7);
      w.uint32((901 << 3) | 1).fixed64(7);
      w.uint32((902 << 3) | 2).string('ignored');
      w.uint32((903 << 3) | 5).fixed32(7);
      w.uint32((904 << 3) | 3).uint32((1 << 3) | 0).int32(1).uint32((904 << 3) | 4);
      w.uint32(18).string('kept');
    }),
  );
  assert.equal(got['name'], 'kept');
});

test('a message field seen twice is merged, a scalar seen twice keeps the last value', () => {
  const got = decode(
    body('Thing', (w) => {
      w.uint32(10).fork().uint32(10).string('n').ldelim();
      w.uint32(10).fork().uint32(26).string('ns').ldelim();
      w.uint32(18).string('first').uint32(18).string('second');
    }),
  );
  assert.deepEqual(got['metadata'], { name: 'n', namespace: 'ns' });
  assert.equal(got['name'], 'second');
});

test('map entries without key or value decode to the zero key and value', () => {
  const got = decode(
    body('Thing', (w) => {
      w.uint32(106).fork().uint32(18).string('v').ldelim();
      w.uint32(106).fork().uint32(10).string('k').ldelim();
      w.uint32(122).fork().uint32(10).string('cpu').ldelim();
    }),
  );
  assert.deepEqual(got['labels'], { '': 'v', k: '' });
  assert.deepEqual(got['limits'], { cpu: '' });
});

test('Time: empty or Go-zero is null, epoch is 1970, sub-seconds are dropped; MicroTime keeps microseconds', () => {
  const t = (write: (w: protobuf.Writer) => void): unknown => decode(body('Thing', (w) => nested(w, 146, write)))['when'];
  assert.equal(t(() => {}), null);
  assert.equal(t((w) => w.uint32(8).int64(-62135596800)), null);
  assert.equal(t((w) => w.uint32(8).int64(0)), '1970-01-01T00:00:00Z');
  assert.equal(t((w) => w.uint32(8).int64(1709288430).uint32(16).int32(999_999_999)), '2024-03-01T10:20:30Z');
  const micro = decode(body('Thing', (w) => w.uint32(154).fork().uint32(8).int64(1709288430).uint32(16).int32(123_456_789).ldelim()))['at'];
  assert.equal(micro, '2024-03-01T10:20:30.123456Z');
  assertRejects(() => t((w) => w.uint32(8).int64(400_000_000_000)), 400, /outside years/);
});

test('Duration prints as Go does', () => {
  const d = (ns: number): unknown => decode(body('Thing', (w) => w.uint32(162).fork().uint32(8).int64(ns).ldelim()))['every'];
  assert.equal(d(0), '0s');
  assert.equal(d(30e9), '30s');
  assert.equal(d(3600e9), '1h0m0s');
  assert.equal(d(1.5e9), '1.5s');
  assert.equal(d(90e9), '1m30s');
  assert.equal(d(1500), '1.5µs');
  assert.equal(d(2_500_000), '2.5ms');
  assert.equal(d(-61e9), '-1m1s');
});

test('IntOrString is a number or a string by its type field; other types are refused', () => {
  const ios = (write: (w: protobuf.Writer) => void): unknown => decode(body('Thing', (w) => nested(w, 170, write)))['port'];
  assert.equal(ios((w) => w.uint32(8).int64(0).uint32(16).int32(8080)), 8080);
  assert.equal(ios((w) => w.uint32(8).int64(1).uint32(26).string('25%')), '25%');
  assert.equal(ios(() => {}), 0);
  assertRejects(() => ios((w) => w.uint32(8).int64(2)), 400, /IntOrString type 2/);
});

test('RawExtension holds JSON or a nested protobuf envelope', () => {
  const inner = encodeEnvelope('v1', 'Thing', protobuf.Writer.create().uint32(18).string('inner').finish());
  const got = decode(body('Thing', (w) => w.uint32(178).fork().uint32(10).bytes(inner).ldelim()));
  assert.deepEqual(got['raw'], { apiVersion: 'v1', kind: 'Thing', name: 'inner' });
  assertRejects(() => decode(body('Thing', (w) => w.uint32(178).fork().uint32(10).bytes(Buffer.from('{nope')).ldelim())), 400, /RawExtension does not hold JSON/);
});

test('meta kinds decode under any apiVersion', () => {
  const w = protobuf.Writer.create().uint32(8).int64(0).uint32(34).string('Foreground').uint32(42).string('All');
  const got = decodeProtobufObject(encodeEnvelope('policy/v1', 'DeleteOptions', w.finish()), registry);
  assert.deepEqual(got, { apiVersion: 'policy/v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, propagationPolicy: 'Foreground', dryRun: ['All'] });
});

test('malformed bodies are 400 BadRequest', () => {
  const good = encode(full);
  assertRejects(() => decode(Buffer.from('{"kind":"Thing"}')), 400, /protobuf prefix/);
  assertRejects(() => decode(good.subarray(0, good.length - 3)), 400, /malformed/);
  // A known string field sent as a varint.
  assertRejects(() => decode(body('Thing', (w) => w.uint32((2 << 3) | 0).int32(1))), 400, /Thing field 2 \(name\) has wire type 0, expected 2/);
  assertRejects(() => decode(body('Thing', (w) => w.uint32((2 << 3) | 7))), 400, /invalid wire type 7/);
  assertRejects(() => decode(body('Thing', (w) => w.uint32(18).bytes(Buffer.from([0x66, 0xff, 0xfe])))), 400, /not valid UTF-8/);
  // Length 2^32 + 1: read as 32 bits it would be 1 and decode to a wrong object.
  const overlong = Buffer.concat([Buffer.from([0x12, 0x81, 0x80, 0x80, 0x80, 0x10]), Buffer.from('x')]);
  assertRejects(() => decode(encodeEnvelope('v1', 'Thing', overlong)), 400, /too large/);
  assertRejects(() => decode(body('Thing', (w) => w.uint32(18).uint32(1_000_000))), 400, /runs past the end/);
  assertRejects(() => decode(body('Thing', (w) => w.uint32(0))), 400, /illegal tag 0/);
  assertRejects(() => decode(body('Thing', (w) => w.uint32((904 << 3) | 3).uint32(18).string('x'))), 400, /group is not closed/);
});

test('nesting beyond 100 levels is refused, not recursed into', () => {
  let inner: Uint8Array = protobuf.Writer.create().uint32(18).string('leaf').finish();
  for (let i = 0; i < 150; i++) inner = protobuf.Writer.create().uint32(10).bytes(inner).finish();
  assertRejects(() => decodeProtobufObject(encodeEnvelope('v1', 'Nest', inner), registry), 400, /nested more than 100/);
  let shallow: Uint8Array = protobuf.Writer.create().uint32(18).string('leaf').finish();
  for (let i = 0; i < 50; i++) shallow = protobuf.Writer.create().uint32(10).bytes(shallow).finish();
  assert.equal(decodeProtobufObject(encodeEnvelope('v1', 'Nest', shallow), registry)['kind'], 'Nest');
});

test('envelope problems: missing kind is 400, unknown kind and content encodings are 415', () => {
  assertRejects(() => decode(encodeEnvelope('v1', '', new Uint8Array())), 400, /Kind' is missing/);
  assertRejects(() => decode(encodeEnvelope('v1', 'Widget', new Uint8Array())), 415, /kind Widget \(v1\)/);
  assertRejects(() => decode(encodeEnvelope('apps/v1', 'Thing', new Uint8Array())), 415, /kind Thing \(apps\/v1\)/);
  const gz = Buffer.concat([encodeEnvelope('v1', 'Thing', new Uint8Array()).subarray(0, -4), Buffer.from([0x1a, 0x04]), Buffer.from('gzip'), Buffer.from([0x22, 0x00])]);
  assertRejects(() => decode(gz), 415, /content encoding "gzip"/);
});

test('a kind whose table reaches an undefined message is a 415 naming it', () => {
  const partial = new SchemaRegistry([metaV1, { package: 'apps', apiVersion: 'v1', kinds: { Deployment: 'Deployment' }, messages: { Deployment: '1 metadata meta.ObjectMeta; 2 spec DeploymentSpec' } }]);
  assertRejects(() => decodeProtobufObject(encodeEnvelope('apps/v1', 'Deployment', new Uint8Array()), partial), 415, /no table for apps\.DeploymentSpec/);
});

test('mutated bodies never crash: each decodes or is refused with a Status error', () => {
  const good = encode(full);
  let seed = 12345;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  let refused = 0;
  for (let i = 0; i < 3000; i++) {
    const b = Buffer.from(good);
    const edits = 1 + rand(4);
    for (let e = 0; e < edits; e++) b[4 + rand(b.length - 4)] = rand(256);
    const cut = rand(10) === 0 ? b.subarray(0, 4 + rand(b.length - 4)) : b;
    try {
      JSON.stringify(decode(cut));
    } catch (err) {
      assert.ok(err instanceof ApiError && (err.code === 400 || err.code === 415), `unexpected ${String(err)}`);
      refused++;
    }
  }
  assert.ok(refused > 0);
});

test('encoding refuses values of the wrong JSON type and unknown keys in strict mode', () => {
  assert.throws(() => encode({ apiVersion: 'v1', kind: 'Thing', count: 'x' }), /\.count: expected an integer/);
  assert.throws(() => encode({ apiVersion: 'v1', kind: 'Thing', every: 'soon' }), /\.every: time: invalid duration/);
  assert.throws(() => encode({ apiVersion: 'v1', kind: 'Thing', surprise: 1 }), /has no field surprise/);
  assert.deepEqual(decode(encodeProtobufObject({ apiVersion: 'v1', kind: 'Thing', surprise: 1, name: 'n' }, {}, registry)), { apiVersion: 'v1', kind: 'Thing', name: 'n' });
});
