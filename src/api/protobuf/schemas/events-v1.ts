import type { SchemaPackage } from '../schema.js';

/**
 * events.k8s.io/v1 wire schema: Event (the structured successor of core/v1 Event) and its
 * series. Field numbers and types are transcribed from the upstream API definitions; JSON
 * names and pointer-ness (`*`) from the Go types.
 */
export const eventsV1: SchemaPackage = {
  package: 'events',
  apiVersion: 'v1',
  kinds: {
    Event: 'Event',
    EventList: 'EventList',
  },
  messages: {
    Event: `1 metadata meta.ObjectMeta; 2 eventTime MicroTime; 3 series EventSeries;
      4 reportingController string; 5 reportingInstance string; 6 action string; 7 reason string;
      8 regarding core.ObjectReference; 9 related core.ObjectReference; 10 note string; 11 type string;
      12 deprecatedSource core.EventSource; 13 deprecatedFirstTimestamp Time;
      14 deprecatedLastTimestamp Time; 15 deprecatedCount int32`,
    EventList: '1 metadata meta.ListMeta; 2 items []Event',
    EventSeries: '1 count *int32; 2 lastObservedTime MicroTime',
  },
};
