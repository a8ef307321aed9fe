/**
 * Every protobuf schema package Skiff knows, in one list: the registry (registry.ts) and
 * the table checks (schema.test.ts) read from here, so a new group is one import and one
 * entry below.
 */
import type { SchemaPackage } from '../schema.js';
import { metaV1 } from './meta-v1.js';
import { coreV1 } from './core-v1.js';
import { appsV1 } from './apps-v1.js';
import { batchV1 } from './batch-v1.js';
import { networkingV1 } from './networking-v1.js';
import { policyV1 } from './policy-v1.js';
import { autoscalingV1 } from './autoscaling-v1.js';
import { autoscalingV2 } from './autoscaling-v2.js';
import { rbacV1 } from './rbac-v1.js';
import { schedulingV1 } from './scheduling-v1.js';
import { storageV1 } from './storage-v1.js';
import { coordinationV1 } from './coordination-v1.js';
import { discoveryV1 } from './discovery-v1.js';
import { eventsV1 } from './events-v1.js';
import { authenticationV1 } from './authentication-v1.js';
import { authorizationV1 } from './authorization-v1.js';

export const SCHEMA_PACKAGES: readonly SchemaPackage[] = [
  metaV1,
  coreV1,
  appsV1,
  batchV1,
  networkingV1,
  policyV1,
  autoscalingV1,
  autoscalingV2,
  rbacV1,
  schedulingV1,
  storageV1,
  coordinationV1,
  discoveryV1,
  eventsV1,
  authenticationV1,
  authorizationV1,
];
