/**
 * Event between core/v1 (stored) and events.k8s.io/v1 (served from the same storage), as
 * upstream converts it: the newer API renames involvedObject → regarding, message →
 * note, reportingComponent → reportingController, and keeps the older counting fields
 * under `deprecated*` names. Everything else (reason, type, action, related, series,
 * eventTime, reportingInstance, metadata) is the same field in both.
 */
import { cloneJson, type KubeObject } from '../object.js';

/** core/v1 field → events.k8s.io/v1 field. */
const RENAMED: readonly (readonly [string, string])[] = [
  ['involvedObject', 'regarding'],
  ['message', 'note'],
  ['source', 'deprecatedSource'],
  ['firstTimestamp', 'deprecatedFirstTimestamp'],
  ['lastTimestamp', 'deprecatedLastTimestamp'],
  ['count', 'deprecatedCount'],
  ['reportingComponent', 'reportingController'],
];

function rename(obj: KubeObject, apiVersion: string, pairs: readonly (readonly [string, string])[]): KubeObject {
  const out = cloneJson(obj) as Record<string, unknown>;
  for (const [from, to] of pairs) {
    if (!(from in out)) continue;
    out[to] = out[from];
    delete out[from];
  }
  out['apiVersion'] = apiVersion;
  out['kind'] = 'Event';
  return out as KubeObject;
}

export const coreEventToEventsV1 = (obj: KubeObject): KubeObject => rename(obj, 'events.k8s.io/v1', RENAMED);

export const eventsV1EventToCore = (obj: KubeObject): KubeObject =>
  rename(
    obj,
    'v1',
    RENAMED.map(([core, events]) => [events, core] as const),
  );
