import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../../api/errors.js';
import type { StoredObject } from '../../api/object.js';
import {
  DEFAULT_PREFERRED_ADDRESS_TYPES,
  chooseContainer,
  kubeletErrorStatus,
  kubeletLogUrl,
  parsePodLogOptions,
  preferredNodeAddress,
  validatePodLogOptions,
} from './pod-log.js';

const q = (s: string) => new URLSearchParams(s);

function refusal(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  assert.fail('expected an ApiError');
}

const pod = (spec: Record<string, unknown>): StoredObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'ns' }, spec }) as StoredObject;

test('query parameters become PodLogOptions as upstream converts them', () => {
  assert.deepEqual(parsePodLogOptions(q('')), { container: '', follow: false, previous: false, timestamps: false, insecureSkipTLSVerifyBackend: false });
  const o = parsePodLogOptions(q('container=c&follow=true&previous=1&timestamps=&tailLines=10&limitBytes=%2B5&sinceSeconds=30&insecureSkipTLSVerifyBackend=TRUE'));
  assert.deepEqual(o, { container: 'c', follow: true, previous: true, timestamps: true, insecureSkipTLSVerifyBackend: true, tailLines: 10, limitBytes: 5, sinceSeconds: 30 });
  // Only absence, "0" and "false" are false.
  assert.equal(parsePodLogOptions(q('follow=False')).follow, false);
  assert.equal(parsePodLogOptions(q('follow=0')).follow, false);
  assert.equal(parsePodLogOptions(q('follow=yes')).follow, true);
  assert.equal(parsePodLogOptions(q('sinceTime=2026-01-02T03:04:05Z')).sinceTime?.toISOString(), '2026-01-02T03:04:05.000Z');
  assert.equal(parsePodLogOptions(q('sinceTime=')).sinceTime, undefined);
});

test('unparseable numbers and times are 400 BadRequest', () => {
  const e = refusal(() => parsePodLogOptions(q('tailLines=ten')));
  assert.equal(e.code, 400);
  assert.equal(e.message, 'strconv.ParseInt: parsing "ten": invalid syntax');
  assert.equal(refusal(() => parsePodLogOptions(q('limitBytes=99999999999999999999'))).message, 'strconv.ParseInt: parsing "99999999999999999999": value out of range');
  assert.equal(refusal(() => parsePodLogOptions(q('sinceTime=yesterday'))).code, 400);
});

test('ValidatePodLogOptions: 422 PodLogOptions with upstream field errors', () => {
  const negative = refusal(() => validatePodLogOptions('web', parsePodLogOptions(q('tailLines=-1'))));
  assert.equal(negative.code, 422);
  assert.equal(negative.reason, 'Invalid');
  assert.equal(negative.message, 'PodLogOptions "web" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0');
  assert.deepEqual(negative.details, { name: 'web', kind: 'PodLogOptions', causes: [{ reason: 'FieldValueInvalid', message: 'Invalid value: -1: must be greater than or equal to 0', field: 'tailLines' }] });

  assert.equal(refusal(() => validatePodLogOptions('web', parsePodLogOptions(q('limitBytes=0')))).message, 'PodLogOptions "web" is invalid: limitBytes: Invalid value: 0: must be greater than 0');
  assert.equal(refusal(() => validatePodLogOptions('web', parsePodLogOptions(q('sinceSeconds=0')))).message, 'PodLogOptions "web" is invalid: sinceSeconds: Invalid value: 0: must be greater than 0');
  const both = refusal(() => validatePodLogOptions('web', parsePodLogOptions(q('sinceSeconds=5&sinceTime=2026-01-02T03:04:05Z'))));
  assert.equal(both.message, 'PodLogOptions "web" is invalid: : Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified');
  const two = refusal(() => validatePodLogOptions('web', parsePodLogOptions(q('tailLines=-2&limitBytes=-3'))));
  assert.equal(two.message, 'PodLogOptions "web" is invalid: [tailLines: Invalid value: -2: must be greater than or equal to 0, limitBytes: Invalid value: -3: must be greater than 0]');
  validatePodLogOptions('web', parsePodLogOptions(q('tailLines=0&limitBytes=1&sinceSeconds=1')));
});

test('container choice: the only container, or a 400 naming init, regular and ephemeral ones', () => {
  assert.equal(chooseContainer(pod({ initContainers: [{ name: 'setup' }], containers: [{ name: 'app' }] }), ''), 'app');
  const several = pod({ initContainers: [{ name: 'setup' }], containers: [{ name: 'a' }, { name: 'b' }], ephemeralContainers: [{ name: 'debug' }] });
  const e = refusal(() => chooseContainer(several, ''));
  assert.equal(e.code, 400);
  assert.equal(e.message, 'a container name must be specified for pod web, choose one of: [setup a b debug]');
  assert.equal(refusal(() => chooseContainer(pod({ containers: [] }), '')).message, 'a container name must be specified for pod web');
  assert.equal(chooseContainer(several, 'setup'), 'setup');
  assert.equal(chooseContainer(several, 'debug'), 'debug');
  assert.equal(refusal(() => chooseContainer(several, 'nope')).message, 'container nope is not valid for pod web');
  // The default-container annotation is kubectl's business, not the server's.
  const annotated = { ...several, metadata: { ...several.metadata, annotations: { 'kubectl.kubernetes.io/default-container': 'b' } } } as StoredObject;
  assert.equal(refusal(() => chooseContainer(annotated, '')).code, 400);
});

test('node address: first preferred type present wins', () => {
  const node = (addresses: { type: string; address: string }[]) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, status: { addresses } }) as StoredObject;
  const addrs = [
    { type: 'ExternalIP', address: '203.0.113.1' },
    { type: 'InternalIP', address: '10.0.0.1' },
    { type: 'Hostname', address: 'n1' },
  ];
  assert.equal(preferredNodeAddress(node(addrs), DEFAULT_PREFERRED_ADDRESS_TYPES), 'n1');
  assert.equal(preferredNodeAddress(node(addrs.slice(0, 2)), DEFAULT_PREFERRED_ADDRESS_TYPES), '10.0.0.1');
  assert.equal(preferredNodeAddress(node([]), DEFAULT_PREFERRED_ADDRESS_TYPES), undefined);
  assert.equal(preferredNodeAddress(node(addrs), ['InternalDNS']), undefined);
});

test('kubelet URL: /containerLogs path and the options re-encoded, keys sorted', () => {
  const opts = parsePodLogOptions(q('timestamps=true&follow=true&tailLines=5&sinceTime=2026-01-02T03:04:05.5Z&limitBytes=100&previous=true&insecureSkipTLSVerifyBackend=true&container=x'));
  const url = kubeletLogUrl('127.0.0.1', 10250, 'ns', 'web', 'app', opts);
  assert.equal(url.toString(), 'https://127.0.0.1:10250/containerLogs/ns/web/app?follow=true&limitBytes=100&previous=true&sinceTime=2026-01-02T03%3A04%3A05Z&tailLines=5&timestamps=true');
  assert.equal(kubeletLogUrl('fd00::1', 1, 'a', 'b', 'c', parsePodLogOptions(q(''))).toString(), 'https://[fd00::1]:1/containerLogs/a/b/c');
});

test('kubelet errors become Statuses as GenericHttpResponseChecker makes them', () => {
  assert.deepEqual(kubeletErrorStatus(400, 'container "app" in pod "web" is waiting to start: ContainerCreating', 'web'), {
    code: 400,
    reason: 'BadRequest',
    message: 'container "app" in pod "web" is waiting to start: ContainerCreating',
  });
  assert.deepEqual(kubeletErrorStatus(500, 'boom', 'web'), { code: 500, reason: 'InternalError', message: 'Internal error occurred: boom', details: { causes: [{ message: 'boom' }] } });
  assert.deepEqual(kubeletErrorStatus(404, '404 page not found', 'web'), {
    code: 404,
    reason: 'NotFound',
    message: 'the server could not find the requested resource ( pods/log web)',
    details: { name: 'web', kind: 'pods/log' },
  });
  assert.equal(kubeletErrorStatus(403, 'Forbidden (user=x, verb=get, resource=nodes, subresource=proxy)', 'web').message, 'Forbidden (user=x, verb=get, resource=nodes, subresource=proxy) ( pods/log web)');
  assert.equal(kubeletErrorStatus(502, 'bad gateway', 'web').message, 'an error on the server ("bad gateway") has prevented the request from succeeding ( pods/log web)');
  const odd = kubeletErrorStatus(418, 'teapot', 'web');
  assert.equal(odd.reason, undefined);
  assert.equal(odd.message, 'the server responded with the status code 418 but did not return more information ( pods/log web)');
});
