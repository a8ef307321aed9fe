import assert from 'node:assert/strict';
import { it } from 'node:test';
import { cacheWith, makeNode, makePod, scoreAll, snapshotOf } from '../../../../test/support/scheduler-fixtures.js';
import { imageScore, newImageLocality, normalizedImageName } from './image-locality.js';

const MB = 1024 * 1024;

it('ImageLocality normalises names and scales by size and spread', () => {
  assert.equal(normalizedImageName('nginx'), 'nginx:latest');
  assert.equal(normalizedImageName('registry:5000/app'), 'registry:5000/app:latest');
  assert.equal(normalizedImageName('nginx:1.25'), 'nginx:1.25');
  assert.equal(imageScore(10 * MB, 1), 0);
  assert.equal(imageScore(2000 * MB, 1), 100);
  const snap = snapshotOf(cacheWith([makeNode('has', { images: [{ names: ['busybox:latest'], sizeBytes: 500 * MB }] }), makeNode('lacks')]));
  const scores = scoreAll(newImageLocality(), makePod('p'), snap);
  // 500 MB × (1 of 2 nodes) = 250 MB → 100 × (250 − 23) / (1000 − 23).
  assert.equal(scores.get('has'), 23);
  assert.equal(scores.get('lacks'), 0);
});
