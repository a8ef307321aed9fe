/** What the resource handlers need from the server around them. */
import type { Registry } from '../registry/registry.js';

export interface ResourceContext {
  registry: Registry;
  now: () => Date;
  /** Ends long-running responses on shutdown. */
  shuttingDown: () => boolean;
}
