/**
 * ImageLocality: favours nodes that already hold the pod's images, weighted by image size
 * and scaled down by how many nodes have them (to avoid piling pods onto one node), with
 * upstream's thresholds of 23 MB and 1000 MB per container.
 */
import { MAX_NODE_SCORE, skip, type Plugin } from '../../types.js';

export const NAME = 'ImageLocality';
const MB = 1024 * 1024;
const MIN_THRESHOLD = 23 * MB;
const MAX_CONTAINER_THRESHOLD = 1000 * MB;

/** Adds `:latest` when the reference has neither tag nor digest, as upstream does. */
export function normalizedImageName(name: string): string {
  if (name.lastIndexOf(':') <= name.lastIndexOf('/') && !name.includes('@')) return `${name}:latest`;
  return name;
}

export function imageScore(sum: number, containers: number): number {
  const max = MAX_CONTAINER_THRESHOLD * containers;
  const clamped = Math.min(Math.max(sum, MIN_THRESHOLD), max);
  return Math.trunc((MAX_NODE_SCORE * (clamped - MIN_THRESHOLD)) / (max - MIN_THRESHOLD));
}

const STATE = 'ImageLocality/images';

export function newImageLocality(): Plugin {
  return {
    name: NAME,
    preScore(state, pod, _nodes, snapshot) {
      const images = [...(pod.pod.spec?.initContainers ?? []), ...(pod.pod.spec?.containers ?? [])].map((c) => normalizedImageName(c.image ?? ''));
      const spread = images.map((i) => snapshot.imageNodeCount(i) / Math.max(1, snapshot.nodes.length));
      // No node holds any of the images: every node would score 0.
      if (spread.every((s) => s === 0)) return skip();
      state.set(STATE, { images, spread });
      return undefined;
    },
    score(state, _pod, node) {
      const { images, spread } = state.get(STATE) as { images: string[]; spread: number[] };
      if (images.length === 0) return 0;
      const sizes = node.imageSizes;
      if (sizes.size === 0) return 0;
      let sum = 0;
      for (let i = 0; i < images.length; i++) {
        const size = sizes.get(images[i]!);
        if (size !== undefined) sum += Math.trunc(size * spread[i]!);
      }
      return imageScore(sum, images.length);
    },
  };
}
