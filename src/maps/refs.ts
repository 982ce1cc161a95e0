import type { BpfMap } from './map.js';

/** What a fd-holding map needs to know about one program of the object. */
export interface ProgramRef {
  name: string;
  /** enum bpf_attach_type the program was loaded with (BPF_XDP_DEVMAP for `xdp/devmap`, ...). */
  expectedAttachType: number;
}

/**
 * The programs and maps of one loaded object, which is all that user space
 * can name in a prog array, a map-in-map or a devmap/cpumap entry here. The
 * kernel takes file descriptors and reads back ids; the simulator has no fds,
 * so both directions use ids, and an object's ids are its indices plus one
 * (0 never names anything, as no kernel id is 0).
 */
export interface ObjectRefs {
  readonly programs: readonly ProgramRef[];
  readonly maps: readonly BpfMap[];
}

/** A map that resolves ids against its object, bound to it once every map and program exists. */
export interface RefHolder {
  bindRefs(refs: ObjectRefs): void;
}

export function isRefHolder(map: BpfMap): map is BpfMap & RefHolder {
  return typeof (map as Partial<RefHolder>).bindRefs === 'function';
}

/** The map an id names, or undefined. */
export function mapById(refs: ObjectRefs, id: number): BpfMap | undefined {
  return id >= 1 ? refs.maps[id - 1] : undefined;
}

/** The program an id names, or undefined. */
export function programById(refs: ObjectRefs, id: number): ProgramRef | undefined {
  return id >= 1 ? refs.programs[id - 1] : undefined;
}

/** An object with no programs and no maps: what a map resolves against until it is bound to its own. */
export const NO_REFS: ObjectRefs = { programs: [], maps: [] };
