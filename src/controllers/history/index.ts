/** Shared ControllerRevision history (see history.ts for the pure API, revision-client.ts for the I/O). */
export * from './revision-hash.js';
export * from './history.js';
export * from './revision-client.js';
