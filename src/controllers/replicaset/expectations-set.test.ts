import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Expectations } from './expectations.js';

describe('create-and-delete expectations', () => {
  it('wait for both the creations and the deletions of one sync, then expire', () => {
    let now = 0;
    const e = new Expectations(() => now);
    assert.equal(e.satisfied('ns/ds'), true);
    e.set('ns/ds', 2, ['ns/p1']);
    e.creationObserved('ns/ds');
    e.deletionObserved('ns/ds', 'ns/p1');
    e.deletionObserved('ns/ds', 'ns/p1');
    assert.equal(e.satisfied('ns/ds'), false, 'one creation still pending');
    e.creationObserved('ns/ds');
    assert.equal(e.satisfied('ns/ds'), true);
    e.set('ns/ds', 1, []);
    now = 5 * 60 * 1000 + 1;
    assert.equal(e.satisfied('ns/ds'), true, 'expired');
  });
});
