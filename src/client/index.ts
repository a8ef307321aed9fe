/**
 * The client library every component builds on (DESIGN.md §1): a Client over a
 * Transport (HTTPS or in-process), shared informers with indexed caches and listers,
 * rate-limited work queues and the controller skeleton, leader election and the event
 * recorder. Components import from here; they never see which transport they run on.
 */
export * from './transport.js';
export { HttpTransport, type HttpTransportOptions } from './http-transport.js';
export { InProcessTransport, createInProcessIdentity, type Dispatch, type InProcessIdentity } from './in-process-transport.js';
export { loadKubeconfig, parseKubeconfig, type ClusterCredentials } from './kubeconfig.js';
export * from './object.js';
export * from './client.js';
export * from './resource.js';
export * from './keys.js';
export * from './status-error.js';
export * from './indexer.js';
export * from './lister.js';
export * from './informer.js';
export * from './informer-factory.js';
export * from './rate-limiter.js';
export * from './backoff.js';
export * from './work-queue.js';
export * from './controller.js';
export * from './lease-lock.js';
export * from './leader-election.js';
export * from './event-recorder.js';
export { workQueueMetrics, WorkQueueMetrics } from './workqueue-metrics.js';
