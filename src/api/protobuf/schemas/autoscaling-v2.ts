import type { SchemaPackage } from '../schema.js';

/**
 * autoscaling/v2 wire schema: HorizontalPodAutoscaler with metric sources, metric status and
 * scaling behavior. Field numbers and types are transcribed from the upstream API definitions;
 * JSON names and pointer-ness (`*`) from the Go types.
 */
export const autoscalingV2: SchemaPackage = {
  package: 'autoscalingv2',
  apiVersion: 'v2',
  kinds: {
    HorizontalPodAutoscaler: 'HorizontalPodAutoscaler',
    HorizontalPodAutoscalerList: 'HorizontalPodAutoscalerList',
  },
  messages: {
    HorizontalPodAutoscaler: `1 metadata meta.ObjectMeta; 2 spec HorizontalPodAutoscalerSpec;
      3 status HorizontalPodAutoscalerStatus`,
    HorizontalPodAutoscalerList: '1 metadata meta.ListMeta; 2 items []HorizontalPodAutoscaler',
    HorizontalPodAutoscalerSpec: `1 scaleTargetRef CrossVersionObjectReference; 2 minReplicas *int32;
      3 maxReplicas *int32; 4 metrics []MetricSpec; 5 behavior HorizontalPodAutoscalerBehavior`,
    CrossVersionObjectReference: '1 kind *string; 2 name *string; 3 apiVersion string',

    HorizontalPodAutoscalerBehavior: '1 scaleUp HPAScalingRules; 2 scaleDown HPAScalingRules',
    HPAScalingRules: '3 stabilizationWindowSeconds *int32; 1 selectPolicy *string; 2 policies []HPAScalingPolicy',
    HPAScalingPolicy: '1 type *string; 2 value *int32; 3 periodSeconds *int32',

    MetricSpec: `1 type *string; 2 object ObjectMetricSource; 3 pods PodsMetricSource;
      4 resource ResourceMetricSource; 7 containerResource ContainerResourceMetricSource;
      5 external ExternalMetricSource`,
    ObjectMetricSource: '1 describedObject CrossVersionObjectReference; 2 target MetricTarget; 3 metric MetricIdentifier',
    PodsMetricSource: '1 metric MetricIdentifier; 2 target MetricTarget',
    ResourceMetricSource: '1 name *string; 2 target MetricTarget',
    ContainerResourceMetricSource: '1 name *string; 2 target MetricTarget; 3 container *string',
    ExternalMetricSource: '1 metric MetricIdentifier; 2 target MetricTarget',
    MetricIdentifier: '1 name *string; 2 selector meta.LabelSelector',
    MetricTarget: '1 type *string; 2 value Quantity; 3 averageValue Quantity; 4 averageUtilization *int32',

    HorizontalPodAutoscalerStatus: `1 observedGeneration *int64; 2 lastScaleTime Time; 3 currentReplicas int32;
      4 desiredReplicas *int32; 5 currentMetrics []MetricStatus; 6 conditions []HorizontalPodAutoscalerCondition`,
    HorizontalPodAutoscalerCondition: `1 type *string; 2 status *string; 3 lastTransitionTime Time;
      4 reason string; 5 message string`,
    MetricStatus: `1 type *string; 2 object ObjectMetricStatus; 3 pods PodsMetricStatus;
      4 resource ResourceMetricStatus; 7 containerResource ContainerResourceMetricStatus;
      5 external ExternalMetricStatus`,
    ObjectMetricStatus: '1 metric MetricIdentifier; 2 current MetricValueStatus; 3 describedObject CrossVersionObjectReference',
    PodsMetricStatus: '1 metric MetricIdentifier; 2 current MetricValueStatus',
    ResourceMetricStatus: '1 name *string; 2 current MetricValueStatus',
    ContainerResourceMetricStatus: '1 name *string; 2 current MetricValueStatus; 3 container *string',
    ExternalMetricStatus: '1 metric MetricIdentifier; 2 current MetricValueStatus',
    MetricValueStatus: '1 value Quantity; 2 averageValue Quantity; 3 averageUtilization *int32',
  },
};
