import type { SchemaPackage } from '../schema.js';

/**
 * autoscaling/v1 wire schema: HorizontalPodAutoscaler (CPU target only) and Scale, the body of
 * every `/scale` subresource. The v1 metric messages upstream keeps for an old annotation are not
 * reachable from any kind and are left out. Field numbers and types are transcribed from the
 * upstream API definitions; JSON names and pointer-ness (`*`) from the Go types.
 */
export const autoscalingV1: SchemaPackage = {
  package: 'autoscalingv1',
  apiVersion: 'v1',
  kinds: {
    HorizontalPodAutoscaler: 'HorizontalPodAutoscaler',
    HorizontalPodAutoscalerList: 'HorizontalPodAutoscalerList',
    Scale: 'Scale',
  },
  messages: {
    HorizontalPodAutoscaler: `1 metadata meta.ObjectMeta; 2 spec HorizontalPodAutoscalerSpec;
      3 status HorizontalPodAutoscalerStatus`,
    HorizontalPodAutoscalerList: '1 metadata meta.ListMeta; 2 items []HorizontalPodAutoscaler',
    HorizontalPodAutoscalerSpec: `1 scaleTargetRef CrossVersionObjectReference; 2 minReplicas *int32;
      3 maxReplicas *int32; 4 targetCPUUtilizationPercentage *int32`,
    HorizontalPodAutoscalerStatus: `1 observedGeneration *int64; 2 lastScaleTime Time;
      3 currentReplicas *int32; 4 desiredReplicas *int32; 5 currentCPUUtilizationPercentage *int32`,
    CrossVersionObjectReference: '1 kind *string; 2 name *string; 3 apiVersion string',

    Scale: '1 metadata meta.ObjectMeta; 2 spec ScaleSpec; 3 status ScaleStatus',
    ScaleSpec: '1 replicas int32',
    ScaleStatus: '1 replicas *int32; 2 selector string',
  },
};
