import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freezeGlobals, parseObject, setGlobal } from '../elf/index.js';
import type { BpfProgram, MapDef, ObjectFile } from '../elf/types.js';
import { helperName } from '../helpers/proto.js';
import { HELPER_PROTOS } from '../helpers/protos.js';
import { xdpHelpers } from '../helpers/xdp-table.js';
import type { FibTable } from '../helpers/fib-table.js';
import type { Runtime } from '../helpers/runtime.js';
import { monotonicNs } from '../helpers/time.js';
import { decode } from '../isa/decode.js';
import type { InsnArray } from '../isa/instruction.js';
import { BPF_CALL_OPCODE } from '../isa/opcodes.js';
import { createMap } from '../maps/create.js';
import { linkObjectMaps } from '../maps/link.js';
import type { BpfMap } from '../maps/map.js';
import { pinMap, readPinned, restore } from '../maps/pin.js';
import { xdpHelperRefusal } from '../verifier/helper-call.js';
import { checkProgram } from '../verifier/program.js';
import { VerifierError } from '../verifier/errors.js';
import { Interpreter } from '../vm/interpreter.js';
import { layoutStack } from '../vm/stack.js';
import { MemoryLayout, type Memory } from '../vm/memory.js';
import { XdpBuff } from '../xdp/buff.js';
import { XDP_FRAME_SIZE, XDP_MD_SIZE } from '../xdp/constants.js';
import { XdpProgram } from '../xdp/program.js';
import { LoadError } from './errors.js';
import { isGplCompatible } from './license.js';
import { possibleCpus } from './cpus.js';
import { checkCoreRelocations } from './core.js';
import { relocate } from './relocate.js';
import { whereInSource } from './source.js';

export interface LoadOptions {
  /** File name used for libbpf's object name (global-data map names); taken from the path when loading a file. */
  fileName?: string;
  /** Values for `const volatile` globals, set before load like a skeleton's rodata. */
  globals?: Readonly<Record<string, Uint8Array | number | bigint>>;
  /** Refuse what libbpf 1.x refuses (legacy `maps` sections); default: accept what iproute2 accepts. */
  strict?: boolean;
  /** Possible CPUs (per-CPU map slots); default: the host's, as the kernel counts them. */
  cpus?: number;
  /** Where bpf_trace_printk messages go, with CPU and time (formatTraceLine makes trace_pipe lines); default: discarded. */
  trace?: (message: string, cpu: number, ns: bigint) => void;
  /** Instruction budget per run. */
  budget?: number;
  /** Clock for the ktime helpers. */
  now?: () => bigint;
  /** Most bytes the object's memory (stack, frame, all maps) may take; default 1 GiB. */
  memoryLimit?: number;
  /**
   * Where maps declared with LIBBPF_PIN_BY_NAME are pinned (libbpf's pin_root_path).
   * A map pinned there is reused, as libbpf reuses it; without this option such
   * maps are not pinned at all (the real /sys/fs/bpf is the kernel's, not ours).
   */
  pinRoot?: string;
  /** MTU of the device the program runs on, for bpf_check_mtu (default 1500). */
  mtu?: number;
  /** Devices, routes and neighbours for bpf_fib_lookup; without one, lookups find nothing. */
  fib?: FibTable;
}

/** A map's file name under a pin directory: libbpf turns the dots of internal map names into '_' (xdp_roda.rodata -> xdp_roda_rodata). */
function pinName(mapName: string): string {
  return mapName.replace(/\./g, '_');
}

/** LIBBPF_PIN_BY_NAME. */
const LIBBPF_PIN_BY_NAME = 1;

const DEFAULT_MEMORY_LIMIT = 1 << 30;

/** A loaded object: its maps by name and its programs, sharing one memory. */
export class LoadedObject {
  constructor(
    readonly object: ObjectFile,
    readonly maps: ReadonlyMap<string, BpfMap>,
    readonly programs: readonly XdpProgram[],
    readonly memory: Memory,
    /** Paths of the maps pinned by name under LoadOptions.pinRoot. */
    readonly pinPaths: ReadonlyMap<string, string> = new Map(),
  ) {}

  /**
   * Pins maps: with `dir`, every map as DIR/NAME (bpftool's `pinmaps DIR`);
   * without, the LIBBPF_PIN_BY_NAME maps under the pin root they came from.
   */
  pinMaps(dir?: string): string[] {
    const targets = dir === undefined ? [...this.pinPaths] : [...this.maps.keys()].map((n): [string, string] => [n, join(dir, pinName(n))]);
    for (const [name, path] of targets) pinMap(this.map(name), path);
    return targets.map(([, path]) => path);
  }

  /** A program by function name or by section (first in file order), as iproute2 selects. */
  program(selector: { section?: string; program?: string } = {}): XdpProgram {
    if (selector.program !== undefined) {
      const p = this.programs.find((x) => x.name === selector.program);
      if (!p) throw new LoadError(`object file doesn't contain prog ${selector.program}`);
      return p;
    }
    if (selector.section !== undefined) {
      const p = this.programs.find((x) => x.sectionName === selector.section);
      if (!p) throw new LoadError(`object file doesn't contain sec ${selector.section}`);
      return p;
    }
    if (this.programs.length !== 1) {
      throw new LoadError(`object has ${this.programs.length} programs; name one by section or by program`);
    }
    return this.programs[0]!;
  }

  map(name: string): BpfMap {
    const m = this.maps.get(name);
    if (!m) throw new LoadError(`object has no map named ${name}`);
    return m;
  }
}

/**
 * Loads an object like libbpf's bpf_object__load: creates its maps (with
 * global data filled in), lays out one flat memory for stack, context, frame
 * and maps, resolves each program's map and global references, checks it, and
 * prepares it to run. Programs whose section is not an XDP one are still
 * loaded as XDP, as iproute2 forces the type of the section it is given.
 */
export function loadObject(input: Uint8Array | string, options: LoadOptions = {}): LoadedObject {
  const bytes = typeof input === 'string' ? new Uint8Array(readFileSync(input)) : input;
  const fileName = options.fileName ?? (typeof input === 'string' ? input : undefined);
  const object = parseObject(bytes, { ...(fileName !== undefined && { fileName }), strict: options.strict ?? false });
  for (const [name, value] of Object.entries(options.globals ?? {})) setGlobal(object, name, value);

  const cpus = options.cpus ?? possibleCpus();
  const limit = options.memoryLimit ?? DEFAULT_MEMORY_LIMIT;
  const maps = object.maps.map((def) => createMap(mapSpec(def), cpus, limit));

  const layout = new MemoryLayout();
  const frameTops = layoutStack(layout);
  layout.add({ name: 'ctx', size: XDP_MD_SIZE, writable: false });
  layout.add({ name: 'frame', size: XDP_FRAME_SIZE, writable: true });
  const mapRegions = maps.map((m) => m.regions().map((spec) => layout.add(spec)));
  if (layout.size() > limit) throw new LoadError(`object needs ${layout.size()} bytes of memory, more than the limit of ${limit}`);
  const memory = layout.build();
  maps.forEach((m, i) => m.bind(memory, mapRegions[i]!.map((r) => memory.regions[r]!)));
  object.maps.forEach((def, i) => {
    if (def.data) maps[i]!.updateElem(new Uint8Array(4), def.data);
  });
  const pinPaths = new Map<string, string>();
  if (options.pinRoot !== undefined) {
    object.maps.forEach((def, i) => {
      if (def.pinning !== LIBBPF_PIN_BY_NAME) return;
      const path = join(options.pinRoot!, pinName(def.name));
      pinPaths.set(def.name, path);
      if (existsSync(path)) restore(maps[i]!, readPinned(path), path);
    });
  }
  // Map ids, and the `.values = { ... }` presets of prog arrays and map-in-maps, as libbpf sets them.
  linkObjectMaps(maps, object);
  // libbpf freezes read-only global data once it is filled: user space may not change it after load.
  object.maps.forEach((def, i) => {
    if (def.origin === 'data' && def.sectionName.startsWith('.rodata')) maps[i]!.freeze();
  });
  freezeGlobals(object);

  const tops = frameTops(memory);
  const ctx = memory.region('ctx');
  const buff = new XdpBuff(memory, memory.region('frame'), ctx);
  const runtime: Runtime = {
    maps: new Map(maps.map((m) => [m.address, m])),
    buff,
    cpu: 0,
    ifindex: 1,
    redirect: undefined,
    trace: options.trace ?? (() => {}),
    now: options.now ?? monotonicNs,
    ...(options.mtu !== undefined && { mtu: options.mtu }),
    ...(options.fib !== undefined && { fib: options.fib }),
  };
  const programInsns: InsnArray[] = [];
  const helpers = xdpHelpers(runtime, () => programInsns);
  const gpl = isGplCompatible(object.license);

  const programs = object.programs.map((prog) => {
    checkCoreRelocations(prog);
    const insns = decodeProgram(prog);
    try {
      checkProgram(insns, {
        entryRegisters: [1],
        helperRefusal: (id) => xdpHelperRefusal(id, gpl),
        allowLegacyPacketLoads: false,
        allowCallx: false,
      });
    } catch (e) {
      if (e instanceof VerifierError) throw new LoadError(`program '${prog.name}': ${e.message}${whereInSource(prog, e.insn)}`);
      throw e;
    }
    relocate(prog, insns, maps);
    programInsns.push(insns);
    refuseUnsimulated(prog, insns);
    const vm = new Interpreter(insns, memory, helpers, tops, { budget: options.budget });
    return new XdpProgram(prog, vm, runtime, buff, ctx.start);
  });
  return new LoadedObject(object, new Map(object.maps.map((d, i) => [d.name, maps[i]!])), programs, memory, pinPaths);
}

function mapSpec(def: MapDef): Parameters<typeof createMap>[0] {
  return {
    name: def.name,
    type: def.type,
    keySize: def.keySize,
    valueSize: def.valueSize,
    maxEntries: def.maxEntries,
    flags: def.mapFlags,
    ...(def.inner && { inner: mapSpec(def.inner) }),
  };
}

function decodeProgram(prog: BpfProgram): ReturnType<typeof decode> {
  try {
    return decode(prog.insns);
  } catch (e) {
    throw new LoadError(`program '${prog.name}': ${(e as Error).message}`);
  }
}

/**
 * Refuses calls the kernel would accept but xdpsim cannot run honestly (the
 * helper table says why), before anything runs: a program is loaded whole or
 * not at all, never run up to a helper it cannot answer.
 */
function refuseUnsimulated(prog: BpfProgram, insns: InsnArray): void {
  for (let i = 0; i < insns.length; i += insns.width(i)) {
    if (insns.code[i] !== BPF_CALL_OPCODE || insns.src[i] !== 0) continue;
    const impl = HELPER_PROTOS.get(insns.imm[i]!)?.impl;
    if (impl && 'unsimulated' in impl) {
      const id = insns.imm[i]!;
      throw new LoadError(
        `program '${prog.name}': insn ${i}: xdpsim does not simulate ${helperName(id)}#${id}: ${impl.unsimulated}${whereInSource(prog, i)}`,
      );
    }
  }
}
