/** What the resource handlers need from the server around them. */
import type { Registry } from '../registry/registry.js';
import type { ComponentProbe } from './component-statuses.js';

export interface ResourceContext {
  registry: Registry;
  now: () => Date;
  /** Ends long-running responses on shutdown. */
  shuttingDown: () => boolean;
  /** Health probes behind componentstatuses. */
  components: ComponentProbe[];
}
