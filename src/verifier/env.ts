import type { InsnArray } from '../isa/instruction.js';
import type { OffloadHooks } from './offload.js';

/** A map as the verifier sees it: its definition, and for frozen read-only maps their contents. */
export interface VerifierMap {
  readonly name: string;
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
  /** Created with BTF for its key and value (map->btf): libbpf creates a map again without when the kernel refuses its BTF. */
  readonly btf: boolean;
  /** Frozen by user space (libbpf freezes `.rodata`): the program may read it as constants. */
  readonly frozen: boolean;
  /** The value of a one-entry global-data map (`.rodata`, `.data`, `.bss`), for direct reads of frozen ones. */
  readonly data?: Uint8Array;
  /** Offsets of special fields in the value, from BTF (btf_record): they may not be read or written as bytes. */
  readonly spinLockOff?: number;
  readonly timerOff?: number;
  /** Inner map template of a map-in-map. */
  readonly inner?: VerifierMap;
}

/** What an `lddw` refers to once libbpf has resolved it: a map, or an address inside a map's value. */
export type MapRef = { readonly kind: 'map'; readonly map: number } | { readonly kind: 'map_value'; readonly map: number; readonly offset: number };

/** A subprogram, as BTF func_info names it. */
export interface Subprog {
  readonly start: number;
  readonly name: string;
  /** BTF linkage global: verified on its own, with its arguments as their types say (here: scalars and ctx). */
  readonly global: boolean;
  /** A global function's arguments, from its BTF prototype (btf_prepare_func_args). */
  readonly args?: readonly GlobalArg[];
  /** Why its prototype is one the kernel does not take for a global function, if it is. */
  readonly unsupported?: string;
}

/** What a global function's argument may be: any scalar, the context, or memory of a known size, maybe NULL. */
export type GlobalArg = { readonly kind: 'scalar' } | { readonly kind: 'ctx' } | { readonly kind: 'mem'; readonly size: number };

/** Which XDP attach type the program was built for: `egress_ifindex` is only readable in devmap programs. */
export type XdpAttach = 'xdp' | 'devmap' | 'cpumap';

/** Everything the verifier reads, as the kernel has it at BPF_PROG_LOAD. */
export interface VerifierInput {
  /** Decoded, calls and map references not yet relocated. */
  readonly insns: InsnArray;
  /** The map an `lddw` loads, by its instruction index (BPF_PSEUDO_MAP_FD / _VALUE). */
  readonly mapRefs: ReadonlyMap<number, MapRef>;
  readonly maps: readonly VerifierMap[];
  readonly gpl: boolean;
  readonly attach: XdpAttach;
  /** BPF_F_XDP_HAS_FRAGS (`xdp.frags` sections). */
  readonly frags: boolean;
  /** Bound to an offloading device: the NIC's own checks apply as well. */
  readonly offload: boolean;
  /** The device driver's hooks (bpf_prog_offload_ops), called when `offload` is set. */
  readonly offloadHooks?: OffloadHooks;
  /** Named subprograms from BTF, when the object has func_info. */
  readonly subprogNames?: readonly Subprog[];
  /** The C source line of an instruction, for the log (`; text @ file:line`). */
  readonly sourceLine?: (insn: number) => string | undefined;
  /** 0: no log; 1: instructions and states as the kernel's log_level 1; 2: every state. */
  readonly logLevel?: 0 | 1 | 2;
}
