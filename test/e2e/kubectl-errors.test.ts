/**
 * Bad manifests with the real kubectl, one per error class, each getting upstream's
 * message: invalid names (422, RFC 1123/1035 texts), a missing required field, several
 * invalid fields at once, an unknown kind or group, malformed YAML/JSON (kubectl's own
 * error), wrong types (400), unknown fields under each validation level, already
 * exists, missing namespace, immutable fields, and size limits (a 4 MiB ConfigMap: 413).
 * Nothing invalid is ever stored.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startSkiff, show, type SkiffEnv } from '../support/skiff-server.js';
import { applyFixture, fails, getJson, manifest, namespaceManifest, ok } from '../support/e2e-fixtures.js';

let env: SkiffEnv;
const NS = 'e2e-errors';

before(async () => {
  env = await startSkiff('errors');
  await applyFixture(env.kubectl, ['-f', '-'], namespaceManifest([NS]));
  await applyFixture(env.kubectl, ['-f', manifest('deployment.yaml'), '-f', manifest('service.yaml'), '-n', NS]);
});
after(async () => {
  await env?.stop();
});

const bad = (file: string) => manifest(`bad/${file}`);
const apply = (file: string, extra: string[] = []) => env.kubectl.run(['apply', '-f', file, '-n', NS, ...extra]);
/** Regex-escapes a literal message. */
const lit = (s: string) => new RegExp(s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
const absent = async (resource: string, name: string) => {
  const res = await env.kubectl.run(['get', resource, name, '-n', NS, '-o', 'name']);
  assert.equal(res.code, 1, `${resource}/${name} must not be stored\n${show(res)}`);
};

const RFC1123_SUBDOMAIN =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const RFC1123_LABEL =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const RFC1035_LABEL =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

describe('invalid objects: 422 with every invalid field named', () => {
  it('an invalid name gets the RFC 1123 subdomain message', async () => {
    const res = await apply(bad('invalid-name.yaml'));
    assert.match(fails(res), lit(`The ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": ${RFC1123_SUBDOMAIN}`));
    await absent('configmap', 'Bad_Name');
  });

  it('an invalid namespace name gets the RFC 1123 label message (and "must not contain dots" for a subdomain)', async () => {
    const res = await env.kubectl.run(['apply', '-f', '-'], { input: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: Bad_NS\n' });
    assert.match(fails(res), lit(`The Namespace "Bad_NS" is invalid: metadata.name: Invalid value: "Bad_NS": ${RFC1123_LABEL}`));
    const dots = await env.kubectl.run(['apply', '-f', bad('invalid-namespace-name.yaml')]);
    assert.match(fails(dots), lit('The Namespace "bad.namespace" is invalid: metadata.name: Invalid value: "bad.namespace": must not contain dots'));
  });

  it('an invalid service name gets the RFC 1035 label message', async () => {
    const res = await apply(bad('invalid-service-name.yaml'));
    assert.match(fails(res), lit(`The Service "1st-service" is invalid: metadata.name: Invalid value: "1st-service": ${RFC1035_LABEL}`));
  });

  it('a missing container image: spec.containers[0].image: Required value', async () => {
    const res = await apply(bad('missing-image.yaml'));
    assert.match(fails(res), lit('The Pod "noimage" is invalid: spec.containers[0].image: Required value'));
    await absent('pod', 'noimage');
  });

  it('several invalid fields are all listed', async () => {
    const res = await apply(bad('many-invalid.yaml'));
    const stderr = fails(res);
    assert.match(stderr, lit('The Deployment "many-invalid" is invalid: \n'));
    assert.match(stderr, lit('* spec.replicas: Invalid value: -1: must be greater than or equal to 0'));
    assert.match(stderr, lit('* spec.template.spec.containers[0].image: Required value'));
    assert.match(stderr, lit('* spec.template.spec.containers[1].name: Duplicate value: "main"'));
    await absent('deployment', 'many-invalid');
  });
});

describe('kinds the server does not serve', () => {
  it('an unknown kind in a known version: no matches for kind', async () => {
    const res = await apply(bad('unknown-kind.yaml'));
    assert.match(fails(res), /error: resource mapping not found for name: "gadget" namespace: "[^"]*" from ".*unknown-kind\.yaml": no matches for kind "Widget" in version "v1"/);
    assert.match(res.stderr, /ensure CRDs are installed first/);
  });

  it('an unknown group: no matches for kind', async () => {
    const res = await apply(bad('unknown-group.yaml'));
    assert.match(fails(res), /no matches for kind "Gizmo" in version "gizmos\.example\.com\/v1"/);
  });

  it('get of an unknown resource type', async () => {
    const res = await env.kubectl.run(['get', 'widgets']);
    assert.match(fails(res), /error: the server doesn't have a resource type "widgets"/);
  });
});

describe('malformed manifests: kubectl\'s own parse errors', () => {
  it('malformed YAML', async () => {
    const res = await apply(bad('malformed.yaml'));
    assert.match(fails(res), /error: error parsing .*malformed\.yaml: error converting YAML to JSON: yaml: line \d+: did not find expected ',' or '}'/);
    await absent('configmap', 'malformed');
  });

  it('truncated JSON', async () => {
    const res = await apply(bad('malformed.json'));
    assert.match(fails(res), /error: error parsing .*malformed\.json: /);
    await absent('configmap', 'malformed-json');
  });
});

describe('wrong types: 400 with the decoder\'s message', () => {
  it('replicas: "three"', async () => {
    const res = await apply(bad('wrong-type.yaml'));
    assert.match(
      fails(res),
      /Error from server \(BadRequest\): error when creating ".*wrong-type\.yaml": Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec\.spec\.replicas of type int32/,
    );
    await absent('deployment', 'wrong-type');
  });

  it('an env value that is a number', async () => {
    const res = await apply(bad('wrong-type-env.yaml'));
    assert.match(
      fails(res),
      /Error from server \(BadRequest\): error when creating ".*wrong-type-env\.yaml": Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal number into Go struct field EnvVar\.spec\.template\.spec\.containers\.env\.value of type string/,
    );
    await absent('deployment', 'wrong-type-env');
  });
});

describe('unknown fields and the three validation levels', () => {
  it('--validate=strict (the default): 400 strict decoding error', async () => {
    const res = await apply(bad('unknown-field.yaml'));
    assert.match(
      fails(res),
      /Error from server \(BadRequest\): error when creating ".*unknown-field\.yaml": Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec\.replica"/,
    );
    await absent('deployment', 'unknown-field');
  });

  it('--validate=warn: created, with a warning', async () => {
    const res = ok(await apply(bad('unknown-field.yaml'), ['--validate=warn']));
    assert.match(res.stderr, /Warning: unknown field "spec\.replica"/);
    assert.equal(res.stdout.trim(), 'deployment.apps/unknown-field created');
    const d = await getJson(env.kubectl, ['deployment', 'unknown-field', '-n', NS]);
    assert.equal(d.spec.replica, undefined, 'the unknown field is dropped');
    assert.equal(d.spec.replicas, 1, 'replicas defaulted');
  });

  it('--validate=false: accepted silently', async () => {
    ok(await env.kubectl.run(['delete', 'deployment', 'unknown-field', '-n', NS, '--ignore-not-found']));
    const res = ok(await apply(bad('unknown-field.yaml'), ['--validate=false']));
    assert.equal(res.stderr, '');
  });
});

describe('conflicting and impossible writes', () => {
  it('create of an existing object: AlreadyExists', async () => {
    const res = await env.kubectl.run(['create', '-f', manifest('service.yaml'), '-n', NS]);
    assert.match(fails(res), /Error from server \(AlreadyExists\): error when creating ".*service\.yaml": services "web-svc" already exists/);
  });

  it('a namespace that does not exist: NotFound', async () => {
    const res = await env.kubectl.run(['apply', '-f', manifest('configmap.yaml'), '-n', 'no-such-namespace']);
    assert.match(fails(res), /Error from server \(NotFound\): error when creating ".*configmap\.yaml": namespaces "no-such-namespace" not found/);
  });

  it('changing a Deployment selector: field is immutable', async () => {
    const res = await env.kubectl.run(['patch', 'deployment', 'web', '-n', NS, '--type=merge', '-p', '{"spec":{"selector":{"matchLabels":{"app":"other"}},"template":{"metadata":{"labels":{"app":"other"}}}}}']);
    assert.match(fails(res), /The Deployment "web" is invalid: spec\.selector: Invalid value: .*: field is immutable/);
  });

  it('changing a Service clusterIP: refused', async () => {
    const res = await env.kubectl.run(['patch', 'service', 'web-svc', '-n', NS, '--type=merge', '-p', '{"spec":{"clusterIP":"10.43.99.99","clusterIPs":["10.43.99.99"]}}']);
    assert.match(fails(res), /The Service "web-svc" is invalid: .*spec\.clusterIPs?(\[0\])?: Invalid value: .*(field is immutable|may not change once set)/s);
  });
});

describe('size limits', () => {
  const bigConfigMap = (name: string, bytes: number) =>
    JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { blob: 'x'.repeat(bytes) } });

  it('a 4 MiB ConfigMap: 413 Request entity too large (apply and create)', async () => {
    const path = join(env.dir, 'big.json');
    writeFileSync(path, bigConfigMap('big', 4 * 1024 * 1024));
    const applied = await apply(path);
    assert.match(fails(applied), /Error from server \(RequestEntityTooLarge\): error when creating ".*big\.json": Request entity too large: limit is 3145728/);
    const created = await env.kubectl.run(['create', '-f', path, '-n', NS]);
    assert.match(fails(created), /Error from server \(RequestEntityTooLarge\): error when creating ".*big\.json": Request entity too large: limit is 3145728/);
    await absent('configmap', 'big');
    // The server is unharmed.
    ok(await env.kubectl.run(['get', 'configmaps', '-n', NS]));
  });

  it('a ConfigMap over 1 MiB of data (under the body limit): 422 Too long', async () => {
    const path = join(env.dir, 'large.json');
    writeFileSync(path, bigConfigMap('large', 1024 * 1024 + 100));
    const res = await env.kubectl.run(['create', '-f', path, '-n', NS]);
    assert.match(fails(res), /The ConfigMap "large" is invalid: .*Too long: (must have at most|may not be more than) 1048576 bytes/);
    await absent('configmap', 'large');
  });
});
