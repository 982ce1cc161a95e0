import type { BpfMap } from './map.js';

/**
 * A map bpf_redirect_map can point a packet into (devmap, devmap_hash,
 * cpumap, xskmap): the map type's own map_redirect.
 */
export interface RedirectMap {
  /** Flags the map type accepts beyond the action in the low two bits. */
  readonly redirectFlags: number;
  /** Whether `key` (a u32) names a target now: the lookup __bpf_xdp_redirect_map makes. */
  hasRedirectTarget(key: number): boolean;
}

export function isRedirectMap(map: BpfMap): map is BpfMap & RedirectMap {
  return typeof (map as Partial<RedirectMap>).hasRedirectTarget === 'function';
}
