/**
 * The in-tree plugins by name (upstream's in-tree registry), and the default profile:
 * which plugins run and each score plugin's weight, as in upstream's v1 defaults.
 * Adding a plugin is one folder and one line here.
 */
import type { FrameworkHandle, Plugin } from './types.js';
import { newNodeName } from './plugins/node-name/node-name.js';
import { newNodeUnschedulable } from './plugins/node-unschedulable/node-unschedulable.js';
import { newTaintToleration } from './plugins/taint-toleration/taint-toleration.js';
import { newNodeAffinity } from './plugins/node-affinity/node-affinity.js';
import { newNodePorts } from './plugins/node-ports/node-ports.js';
import { newNodeResourcesFit } from './plugins/node-resources-fit/node-resources-fit.js';
import { newPodTopologySpread } from './plugins/pod-topology-spread/pod-topology-spread.js';
import { newInterPodAffinity } from './plugins/inter-pod-affinity/inter-pod-affinity.js';
import { newNodeResourcesBalancedAllocation } from './plugins/node-resources-balanced-allocation/node-resources-balanced-allocation.js';
import { newImageLocality } from './plugins/image-locality/image-locality.js';
import { newVolumeBinding } from './plugins/volume-binding/volume-binding.js';
import { newVolumeZone } from './plugins/volume-zone/volume-zone.js';
import { newVolumeRestrictions } from './plugins/volume-restrictions/volume-restrictions.js';

export type PluginFactory = (handle: FrameworkHandle) => Plugin;

export const REGISTRY: Record<string, PluginFactory> = {
  NodeUnschedulable: newNodeUnschedulable,
  NodeName: newNodeName,
  TaintToleration: newTaintToleration,
  NodeAffinity: newNodeAffinity,
  NodePorts: newNodePorts,
  NodeResourcesFit: newNodeResourcesFit,
  PodTopologySpread: newPodTopologySpread,
  InterPodAffinity: newInterPodAffinity,
  NodeResourcesBalancedAllocation: newNodeResourcesBalancedAllocation,
  ImageLocality: newImageLocality,
  VolumeBinding: newVolumeBinding,
  VolumeZone: newVolumeZone,
  VolumeRestrictions: newVolumeRestrictions,
};

export interface ProfilePlugin {
  name: string;
  /** Score weight; 0 (or absent) when the plugin does not score in this profile. */
  weight?: number;
}

/**
 * Upstream's default profile, in its order; filters run in this order. VolumeBinding
 * scores only behind the alpha VolumeCapacityPriority gate upstream, so it has no weight.
 */
export const DEFAULT_PROFILE: ProfilePlugin[] = [
  { name: 'NodeUnschedulable' },
  { name: 'NodeName' },
  { name: 'TaintToleration', weight: 3 },
  { name: 'NodeAffinity', weight: 2 },
  { name: 'NodePorts' },
  { name: 'NodeResourcesFit', weight: 1 },
  { name: 'VolumeRestrictions' },
  { name: 'VolumeBinding' },
  { name: 'VolumeZone' },
  { name: 'PodTopologySpread', weight: 2 },
  { name: 'InterPodAffinity', weight: 2 },
  { name: 'NodeResourcesBalancedAllocation', weight: 1 },
  { name: 'ImageLocality', weight: 1 },
];
