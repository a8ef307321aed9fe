import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError, invalid } from '../api/errors.js';
import { errorFromResponse, errorFromStatus, isConflict, isNotFound, isResourceExpired } from './status-error.js';

describe('errors from Status', () => {
  it('rebuilds the ApiError the server threw: code, reason, message, details', () => {
    const thrown = invalid({ group: '', resource: 'pods', kind: 'Pod', name: 'p' }, [{ type: 'FieldValueRequired', field: 'spec.containers', detail: '' }]);
    const err = errorFromResponse(422, Buffer.from(JSON.stringify(thrown.toStatus())));
    assert.ok(err instanceof ApiError);
    assert.equal(err.code, 422);
    assert.equal(err.reason, 'Invalid');
    assert.equal(err.message, thrown.message);
    assert.deepEqual(err.details, thrown.details);
  });

  it('derives the reason from the code for bodies that are not a Status', () => {
    const err = errorFromResponse(503, Buffer.from('upstream connect error'));
    assert.equal(err.reason, 'ServiceUnavailable');
    assert.equal(err.message, 'upstream connect error');
    assert.equal(errorFromResponse(404, Buffer.alloc(0)).reason, 'NotFound');
    assert.ok(isNotFound(errorFromResponse(404, Buffer.alloc(0))));
  });

  it('classifies conflicts and expired resourceVersions', () => {
    assert.ok(isConflict(errorFromStatus({ kind: 'Status', code: 409, reason: 'Conflict', message: 'x' })));
    assert.ok(!isConflict(errorFromStatus({ kind: 'Status', code: 409, reason: 'AlreadyExists', message: 'x' })));
    assert.ok(isResourceExpired(errorFromStatus({ kind: 'Status', code: 410, reason: 'Expired', message: 'too old' })));
    assert.ok(isResourceExpired(errorFromStatus({ code: 410 })));
  });
});
