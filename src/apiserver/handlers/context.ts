/** What the resource handlers need from the server around them. */
import type { Registry } from '../registry/registry.js';
import type { Authenticator } from '../authn.js';
import type { Authorizer } from '../authz/authorizer.js';
import type { ServiceAccountTokens } from '../serviceaccount/tokens.js';
import type { ComponentProbe } from './component-statuses.js';
import type { KubeletClient } from './pod-log.js';

export interface ResourceContext {
  registry: Registry;
  now: () => Date;
  /** Ends long-running responses on shutdown. */
  shuttingDown: () => boolean;
  /** Health probes behind componentstatuses. */
  components: ComponentProbe[];
  /** The server's own authentication (TokenReview asks it). */
  authenticator: Authenticator;
  /** The authorizer in force (access reviews ask it). */
  authorizer: Authorizer;
  /** Issues service-account tokens (TokenRequest). */
  serviceAccountTokens: ServiceAccountTokens;
  /** A watch without timeoutSeconds lasts a random time in [this, 2×this) seconds. */
  minRequestTimeoutSeconds: number;
  /** Calls kubelets for pods/log; without it pods/log answers 500. */
  kubeletClient?: KubeletClient;
}
