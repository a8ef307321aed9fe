import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { childType, type ApplyType } from '../../api/apply/index.js';
import { applyTypeFor } from './apply-type.js';

function at(type: ApplyType, ...path: string[]): ApplyType {
  let t = type;
  for (const p of path) t = p === '[]' && t.kind === 'list' ? t.element() : childType(t, p);
  return t;
}

describe('apply types from the OpenAPI schemas', () => {
  const deployment = applyTypeFor('apps', 'v1', 'Deployment')!;

  it('knows structs, maps, keyed lists and atomic lists of a Deployment', () => {
    assert.equal(deployment.kind, 'struct');
    assert.equal(at(deployment, 'metadata', 'labels').kind, 'map');
    const containers = at(deployment, 'spec', 'template', 'spec', 'containers');
    assert.ok(containers.kind === 'list' && containers.listType === 'map');
    assert.deepEqual(containers.kind === 'list' && containers.keys, ['name']);
    const ports = at(containers, '[]', 'ports');
    assert.ok(ports.kind === 'list' && ports.listType === 'map' && ports.keys.includes('containerPort'));
    const args = at(containers, '[]', 'args');
    assert.ok(args.kind === 'list' && args.listType === 'atomic');
    assert.equal(at(deployment, 'spec', 'replicas').kind, 'scalar');
    assert.equal(at(containers, '[]', 'resources', 'limits').kind, 'map');
    assert.equal(at(containers, '[]', 'resources', 'limits', 'cpu').kind, 'scalar');
  });

  it("declares no field named like an Object member", () => {
    const spec = at(deployment, 'spec');
    assert.ok(spec.kind === 'struct');
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) assert.equal(spec.field(name), undefined, name);
  });

  it('has no type for an unknown kind', () => {
    assert.equal(applyTypeFor('apps', 'v1', 'Nope'), undefined);
  });
});
