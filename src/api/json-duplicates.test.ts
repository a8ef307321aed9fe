import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { duplicateFields, duplicateFieldsOf, memberCount } from './json-duplicates.js';

describe('duplicateFields', () => {
  it('finds nothing in ordinary JSON, whatever the nesting', () => {
    const text = JSON.stringify({ metadata: { name: 'a', labels: { name: 'x' } }, spec: { containers: [{ name: 'c', env: [{ name: 'A' }, { name: 'B' }] }, { name: 'd' }] } });
    assert.deepEqual(duplicateFields(text), []);
  });

  it('names each repeated key by its path, in lists too', () => {
    const text = '{"metadata":{"name":"a","name":"b","labels":{"x":"1","x":"2"}},"spec":{"containers":[{"name":"c"},{"name":"d","image":"i","image":"j"}]},"spec":{}}';
    assert.deepEqual(duplicateFields(text), ['metadata.name', 'metadata.labels.x', 'spec.containers[1].image', 'spec']);
  });

  it('is not fooled by keys in strings, escapes, or values that look like keys', () => {
    const text = '{"a":"{\\"a\\":1,\\"a\\":2}","b":["a","a"],"c":{"k\\u0061":1,"ka":2},"d":"x\\\\","e":1}';
    assert.deepEqual(duplicateFields(text), ['c.ka']);
  });

  it('finds repeats among many keys, and keeps the keys of each object apart', () => {
    const many = Array.from({ length: 40 }, (_, i) => `"k${i}":${i}`).join(',');
    const text = `{"data":{${many},"inner":{"k1":1,"k2":{"k1":2}},"k39":0,"k3":1},"k1":1,"data":{"k1":1,"k1":2},"s":"a\\"b","s":"\\\\"}`;
    assert.deepEqual(duplicateFields(text), ['data.k39', 'data.k3', 'data', 'data.k1', 's']);
  });
});

describe('duplicateFieldsOf (with the parsed value)', () => {
  const texts = [
    '{"metadata":{"name":"a","name":"b","labels":{"x":"1","x":"2"}},"spec":{"containers":[{"name":"c"},{"name":"d","image":"i","image":"j"}]},"spec":{}}',
    '{"a":"{\\"a\\":1,\\"a\\":2}","b":["a:b","a"],"c":{"k\\u0061":1,"ka":2},"d":"x\\\\","e":1}',
    '{"a":"x:\\"y:z","b":{"c:d":[{"e":"\\\\"},{"e":":"}]},"__proto__":{"p":1}}',
    '{"__proto__":1,"__proto__":2}',
    '[{"a":1},{"a":1,"b":{}},[],"::"]',
    '"just: a string"',
  ];
  it('reports exactly what the full scan reports, skipping it when nothing repeats', () => {
    for (const text of texts) assert.deepEqual(duplicateFieldsOf(text, JSON.parse(text)), duplicateFields(text), text);
    assert.deepEqual(duplicateFieldsOf(texts[2]!, JSON.parse(texts[2]!)), []);
    assert.deepEqual(duplicateFieldsOf(texts[3]!, JSON.parse(texts[3]!)), ['__proto__']);
  });
  it('counts the members of a text, not the colons in its strings', () => {
    assert.equal(memberCount(texts[1]!), 7);
    assert.equal(memberCount(texts[2]!), 7);
    assert.equal(memberCount(JSON.stringify({ 'a\\":': '\\":\\', b: { 'c:': 'd\\\\"' } })), 3);
    assert.equal(memberCount('[":",":"]'), 0);
  });
});
