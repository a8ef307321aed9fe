import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EXPECTATIONS_TTL_MS, Expectations } from './expectations.js';

describe('Expectations', () => {
  it('holds a key until every creation and deletion was observed', () => {
    let now = 0;
    const e = new Expectations(() => now);
    assert.equal(e.satisfied('ns/rs'), true, 'nothing expected yet');
    e.expectCreations('ns/rs', 2);
    assert.equal(e.satisfied('ns/rs'), false);
    e.creationObserved('ns/rs');
    assert.equal(e.satisfied('ns/rs'), false);
    e.creationObserved('ns/rs');
    assert.equal(e.satisfied('ns/rs'), true);
    e.expectDeletions('ns/rs', ['ns/a', 'ns/b']);
    e.deletionObserved('ns/rs', 'ns/a');
    e.deletionObserved('ns/rs', 'ns/a');
    assert.equal(e.satisfied('ns/rs'), false, 'the same pod twice counts once');
    e.deletionObserved('ns/rs', 'ns/b');
    assert.equal(e.satisfied('ns/rs'), true);
  });

  it('expires expectations that are never met', () => {
    let now = 0;
    const e = new Expectations(() => now);
    e.expectCreations('k', 1);
    now = EXPECTATIONS_TTL_MS + 1;
    assert.equal(e.satisfied('k'), true);
  });
});
