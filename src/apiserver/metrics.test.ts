import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiServerMetrics, type RequestLabels } from './metrics.js';

const labels = (verb: string, resource: string): RequestLabels => ({ verb, dry_run: '', group: '', version: 'v1', resource, subresource: '', scope: 'namespace', component: 'apiserver' });

describe('ApiServerMetrics', () => {
  it('counts every request by its labels and code, before and after prom-client loads', async () => {
    const metrics = new ApiServerMetrics();
    metrics.observeRequest(labels('POST', 'pods'), '201', 0.003); // waits for the load, then is replayed
    await metrics.exposition();
    for (let i = 0; i < 3; i++) metrics.observeRequest(labels('POST', 'pods'), '201', 0.002);
    metrics.observeRequest(labels('POST', 'pods'), '409', 0.001);
    metrics.observeRequest(labels('GET', 'pods'), '200', 0.03);
    const { body } = await metrics.exposition();
    // The value of the line with exactly these labels (le first, code last, as prom-client writes them).
    const line = (name: string, verb: string, { le, code }: { le?: string; code?: string } = {}) => {
      const set = `${le ? `le="${le}",` : ''}verb="${verb}",dry_run="",group="",version="v1",resource="pods",subresource="",scope="namespace",component="apiserver"${code ? `,code="${code}"` : ''}`;
      return body.split('\n').find((l) => l.startsWith(`${name}{${set}} `))?.split(' ')[1];
    };
    assert.equal(line('apiserver_request_total', 'POST', { code: '201' }), '4');
    assert.equal(line('apiserver_request_total', 'POST', { code: '409' }), '1');
    assert.equal(line('apiserver_request_total', 'GET', { code: '200' }), '1');
    assert.equal(line('apiserver_request_duration_seconds_count', 'POST'), '5');
    assert.equal(line('apiserver_request_duration_seconds_bucket', 'POST', { le: '0.005' }), '5');
    assert.equal(line('apiserver_request_duration_seconds_bucket', 'GET', { le: '0.025' }), '0');
    assert.equal(line('apiserver_request_duration_seconds_bucket', 'GET', { le: '0.05' }), '1');
  });

  it('puts a latency on a bucket bound in that bucket, past the last only in +Inf, and sums them', async () => {
    const metrics = new ApiServerMetrics();
    metrics.observeRequest(labels('DELETE', 'pods'), '200', 0.025);
    metrics.observeRequest(labels('DELETE', 'pods'), '200', 61);
    const { body } = await metrics.exposition();
    const value = (name: string, le?: string) =>
      body.split('\n').find((l) => l.startsWith(`${name}{${le ? `le="${le}",` : ''}verb="DELETE",`))?.split(' ')[1];
    assert.equal(value('apiserver_request_duration_seconds_bucket', '0.005'), '0');
    assert.equal(value('apiserver_request_duration_seconds_bucket', '0.025'), '1');
    assert.equal(value('apiserver_request_duration_seconds_bucket', '60'), '1');
    assert.equal(value('apiserver_request_duration_seconds_bucket', '+Inf'), '2');
    assert.equal(value('apiserver_request_duration_seconds_sum'), '61.025');
    assert.equal(value('apiserver_request_duration_seconds_count'), '2');
    assert.match(body, /# TYPE apiserver_request_duration_seconds histogram/);
    assert.match(body, /# TYPE apiserver_request_total counter/);
    assert.match(body, /# TYPE process_cpu_user_seconds_total counter/);
  });
});
