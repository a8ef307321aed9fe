import type { SchemaPackage } from '../schema.js';

/**
 * discovery.k8s.io/v1 wire schema: EndpointSlice with its endpoints, conditions, topology
 * hints and ports. Field numbers and types are transcribed from the upstream API definitions;
 * JSON names and pointer-ness (`*`) from the Go types.
 */
export const discoveryV1: SchemaPackage = {
  package: 'discovery',
  apiVersion: 'v1',
  kinds: {
    EndpointSlice: 'EndpointSlice',
    EndpointSliceList: 'EndpointSliceList',
  },
  messages: {
    EndpointSlice: '1 metadata meta.ObjectMeta; 4 addressType *string; 2 endpoints []Endpoint; 3 ports []EndpointPort',
    EndpointSliceList: '1 metadata meta.ListMeta; 2 items []EndpointSlice',
    Endpoint: `1 addresses []string; 2 conditions EndpointConditions; 3 hostname *string;
      4 targetRef core.ObjectReference; 5 deprecatedTopology map<string,string>; 6 nodeName *string;
      7 zone *string; 8 hints EndpointHints`,
    EndpointConditions: '1 ready *bool; 2 serving *bool; 3 terminating *bool',
    EndpointHints: '1 forZones []ForZone; 2 forNodes []ForNode',
    ForZone: '1 name *string',
    ForNode: '1 name *string',
    EndpointPort: '1 name *string; 2 protocol *string; 3 port *int32; 4 appProtocol *string',
  },
};
