import { existsSync, readFileSync } from 'node:fs';
import { freezeGlobals, parseObject, selectProgram, setGlobal, type ProgramSelector } from '../elf/index.js';
import type { BpfProgram, ObjectFile } from '../elf/types.js';
import { helperName } from '../helpers/proto.js';
import { HELPER_PROTOS } from '../helpers/protos.js';
import type { FibTable } from '../helpers/fib-table.js';
import { layoutSockets, LoadedSockets } from '../helpers/loaded-sockets.js';
import type { SocketTable } from '../helpers/socket-table.js';
import { SYNCOOKIE_SECRET_SIZE, syncookieSecret } from '../helpers/syncookie.js';
import { checkCurrentTask, type CurrentTask } from '../helpers/current-task.js';
import { bindMapIndexes } from '../helpers/state.js';
import { SimClock, toKtime, type Ktime, type Nanoseconds } from '../helpers/clock.js';
import { BpfTimers } from '../helpers/hrtimer.js';
import { decode } from '../isa/decode.js';
import { InvalidInstructionError } from '../isa/errors.js';
import type { InsnArray } from '../isa/instruction.js';
import { BPF_CALL_OPCODE } from '../isa/opcodes.js';
import { createMap, layoutMaps } from '../maps/create.js';
import type { MapSpec } from '../maps/types.js';
import { initMapSlots } from '../maps/presets.js';
import type { BpfMap } from '../maps/map.js';
import { BPF_MAP_TYPE_XSKMAP } from '../uapi/bpf.js';
import { pinMap, pinPath, restorePinned } from '../maps/pin.js';
import { compile, ExecutionContext, type ContextShared, type EngineName, type Executable } from '../engine/index.js';
import { claimContext, layoutContexts, type ContextPool } from '../engine/context.js';
import { XdpProgram } from '../testrun/index.js';
import { MAX_MEMORY, MemoryLayout, type Memory } from '../vm/memory.js';
import { XDP_BATCH } from '../xdp/arena.js';
import { LoadError, ProgramLoadError, VerifierRefusal } from './errors.js';
import { possibleCpus } from './cpus.js';
import { mapSpec } from './map-spec.js';
import { checkCoreRelocations } from './core.js';
import { attachBtfRecords } from './btf-record.js';
import { sanitizeDeadCode } from './dead-code.js';
import { relocate } from './relocate.js';
import { factsOf, verifyDecoded, type VerifyOptions, type VerifyOutcome } from './verify.js';
import { checkProgMapOwners } from './prog-map-owner.js';
import type { JitFacts } from '../verifier/index.js';
import { whereInSource } from '../elf/index.js';
import { ShareError, unshareable, type AttachOptions, type SharedLoadOptions, type SharedObject } from './shared.js';

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
  trace?: (message: string, cpu: number, ns: Readonly<Ktime>) => void;
  /** Instruction budget per run. */
  budget?: number;
  /**
   * Source of CLOCK_MONOTONIC for the ktime helpers until simulated time is
   * first advanced (LoadedObject.advanceTo); default: the host's.
   */
  now?: () => bigint;
  /**
   * Most bytes the object's memory (stack, frame, all maps) may take: at most,
   * and by default, MAX_MEMORY, all that xdpsim can address. Lower it to
   * refuse large maps early (ENOMEM), as the fuzz tests do.
   */
  memoryLimit?: number;
  /**
   * The program the caller will run, picked before anything loads as iproute2
   * picks it. The object still loads whole; when another program of it is
   * refused, the error says that this one is stopped too.
   */
  select?: ProgramSelector;
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
  /** The host's sockets, for the bpf_sk_lookup_* helpers; without them, lookups find nothing. */
  sockets?: SocketTable;
  /**
   * The SYN cookie keys, SYNCOOKIE_SECRET_SIZE bytes (syncookie.ts), for
   * reproducible cookies; without them, random ones, as each boot draws.
   */
  syncookieSecret?: Uint8Array;
  /** The task the programs interrupt, for the bpf_get_current_* helpers; default: the idle task of the CPU a run is on. */
  current?: CurrentTask;
  /**
   * Execution contexts to lay out (see `LoadedObject.context`): one per
   * CPU, RX queue or worker that will run programs, in every thread the
   * object is shared with; default 2 (each takes some 820 KB of memory, a 256 KiB slot for the longest frame included).
   * Test runs take the first one they find free.
   */
  contexts?: number;
  /** Frame slots of each context (its frame arena); default 64, one NAPI batch. */
  frameSlots?: number;
  /**
   * Bytes of staging memory for frames waiting to run (LoadedObject.staging):
   * frames received into the object's own memory are loaded into frame slots
   * by a copy within one buffer, the cheapest there is. Programs cannot reach
   * it. Default 0.
   */
  stagingBytes?: number;
}

/** Execution contexts an object lays out unless told: one for test runs and one more. */
const DEFAULT_CONTEXTS = 2;

/** Most execution contexts one object lays out: the kernel's NR_CPUS is larger, but each context takes memory. */
const MAX_CONTEXTS = 1024;

/** Most frame slots of one context. */
const MAX_FRAME_SLOTS = 65536;

/** The region LoadOptions.stagingBytes reserves. */
const STAGING_REGION = 'frames:staging';

/** LIBBPF_PIN_BY_NAME. */
const LIBBPF_PIN_BY_NAME = 1;

/** Everything of a loaded object that its execution contexts are made from. */
interface ObjectEngine {
  memory: Memory;
  contexts: ContextPool;
  shared: ContextShared;
  insns: readonly InsnArray[];
  /** What the verifier proved of each program, in program order. */
  facts: ReadonlyArray<() => JitFacts>;
  /** The object's maps as created, in its order: what the verifier is given of them. */
  specs: readonly MapSpec[];
  budget: number | undefined;
  /** What another thread lays the same object out from (LoadedObject.share). */
  origin: { bytes: Uint8Array; options: SharedLoadOptions; deadCode: ReadonlyArray<readonly number[]> };
}

/**
 * A loaded object: its maps by name and its programs, sharing one memory,
 * with the execution contexts that run them (see DESIGN.md, "Engine").
 */
export class LoadedObject {
  private readonly executables = new Map<string, Executable>();
  private testContext: ExecutionContext | undefined;

  constructor(
    readonly object: ObjectFile,
    readonly maps: ReadonlyMap<string, BpfMap>,
    readonly programs: readonly XdpProgram[],
    readonly memory: Memory,
    private readonly timers: BpfTimers,
    private readonly engine: ObjectEngine,
    /** Paths of the maps pinned by name under LoadOptions.pinRoot. */
    readonly pinPaths: ReadonlyMap<string, string> = new Map(),
    /** Programs that call a helper xdpsim cannot run, and why: refused when chosen to run. */
    private readonly unsimulated: ReadonlyMap<XdpProgram, string> = new Map(),
  ) {}

  /**
   * A new execution context running as `cpu`: its own stack, xdp_md, frame
   * slots, lock owner id and per-CPU map slot, over the object's maps. As
   * many as the object was loaded with (LoadOptions.contexts), counted
   * across every thread it is shared with, so no two threads ever get the
   * same one; test runs use the first they take.
   */
  context(cpu = 0): ExecutionContext {
    const { memory, contexts, shared, insns, budget } = this.engine;
    const id = claimContext(memory, contexts);
    if (id < 0) {
      throw new LoadError(`all ${contexts.layouts.length} execution contexts of the object are in use (load it with more contexts)`);
    }
    return new ExecutionContext(id, cpu, memory, contexts.layouts[id]!, shared, () => insns, budget);
  }

  /**
   * The object as another thread takes it up with `attachObject`: the same
   * programs over the very same memory, so that a worker runs them on the
   * maps this thread runs them on, each thread in contexts of its own.
   * Refused with a ShareError when the object keeps state outside its
   * memory (see `unshareable`).
   */
  share(): SharedObject {
    const maps = [...this.maps];
    const why = unshareable({
      timerMaps: maps.filter(([, m]) => this.timers.noTimer(m) === undefined).map(([name]) => name),
      socketMaps: maps.filter(([, m]) => m.spec.type === BPF_MAP_TYPE_XSKMAP).map(([name]) => name),
      sockets: this.engine.shared.sockets !== undefined,
    });
    if (why !== undefined) throw new ShareError(why);
    const { bytes, options, deadCode } = this.engine.origin;
    return { bytes, options, buffer: this.memory.buffer, deadCode };
  }

  /** The staging memory LoadOptions.stagingBytes reserved, over the object's own buffer (empty without it). */
  staging(): Uint8Array {
    if (!this.memory.regions.some((r) => r.name === STAGING_REGION)) return new Uint8Array(0);
    const r = this.memory.region(STAGING_REGION);
    return this.memory.u8.subarray(r.start, r.start + r.size);
  }

  /** The context test runs (XdpProgram.run) use: the first this thread's object claims. */
  testRunContext(): ExecutionContext {
    return (this.testContext ??= this.context(0));
  }

  /**
   * `program` ready to run on `engine` on any context of this object (made
   * once per engine). Refused, like `program()`, when it calls a helper
   * xdpsim cannot run.
   */
  compile(program: XdpProgram, engine: EngineName = 'interp'): Executable {
    const i = this.programs.indexOf(program);
    if (i < 0) throw new LoadError(`program '${program.name}' is not one of this object's`);
    const why = this.unsimulated.get(program);
    if (why !== undefined) throw new ProgramLoadError(program.name, why);
    const key = `${i}:${engine}`;
    let executable = this.executables.get(key);
    if (!executable) {
      executable = engine === 'interp' ? program.executable : compile(program.info, this.engine.insns[i]!, engine);
      this.executables.set(key, executable);
    }
    return executable;
  }

  /** What the verifier proved at each instruction of `program`: what a JIT may compile it to rely on. */
  jitFacts(program: XdpProgram): JitFacts {
    const i = this.programs.indexOf(program);
    if (i < 0) throw new LoadError(`program '${program.name}' is not one of this object's`);
    return this.engine.facts[i]!();
  }

  /**
   * What the verifier says of `program` when it is loaded again with
   * `options`: over the object's maps as created and its instructions as the
   * kernel gets them, whatever the object's own load found. An offloaded
   * load, for one, is verified with the device's hooks (`mode: 'offload'`).
   */
  verify(program: XdpProgram, options: VerifyOptions): VerifyOutcome {
    if (!this.programs.includes(program)) throw new LoadError(`program '${program.name}' is not one of this object's`);
    return verifyDecoded(this.object, program.info, decodeProgram(program.info), this.engine.specs, options);
  }

  /**
   * Pins maps: with `dir`, every map as DIR/NAME (bpftool's `pinmaps DIR`);
   * without, the LIBBPF_PIN_BY_NAME maps under the pin root they came from.
   */
  pinMaps(dir?: string): string[] {
    const targets = dir === undefined ? [...this.pinPaths] : [...this.maps.keys()].map((n): [string, string] => [n, pinPath(dir, n)]);
    for (const [name, path] of targets) pinMap(this.map(name), path);
    return targets.map(([, path]) => path);
  }

  /** A program by function name or by section (first in file order), as iproute2 selects; without either, the only one. */
  program(selector: ProgramSelector = {}): XdpProgram {
    const chosen = this.programs[this.object.programs.indexOf(selectProgram(this.object, selector))]!;
    const why = this.unsimulated.get(chosen);
    if (why !== undefined) throw new ProgramLoadError(chosen.name, why);
    return chosen;
  }

  /** The object's simulated clocks (see SimClock). */
  get clock(): SimClock {
    return this.timers.clock;
  }

  /**
   * Lets simulated time run on to `ns` on CLOCK_MONOTONIC, as the timer
   * softirq would between packets: every bpf_timer due by then fires,
   * earliest first, each at its expiry instant on the CPU that armed it.
   * From the first call on the simulation holds the clock: it moves only when
   * advanced, and an earlier `ns` leaves it where it is.
   */
  advanceTo(ns: Nanoseconds): void {
    this.timers.advanceTo(toKtime(ns));
  }

  /** bpf_timers armed and not yet fired. */
  get pendingTimers(): number {
    return this.timers.queued;
  }

  /**
   * User space lets go of the maps (map_release_uref), as a loader does when
   * it exits and leaves its programs attached: every bpf_timer is cancelled
   * and freed, and bpf_timer_init and bpf_timer_set_callback return -EPERM
   * from then on; the programs still run. Returns how many timers were armed.
   */
  releaseMaps(): number {
    return this.timers.release();
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
  return openAndLoad(bytes, { ...options, ...(fileName !== undefined && { fileName }) });
}

/**
 * Takes up in this thread an object another thread loaded and shared
 * (LoadedObject.share): lays it out again over the same memory, initialising
 * nothing there (maps, global data and pinned contents are the loader's), so
 * that its maps, global data and per-CPU slabs are the very ones the other
 * thread sees, and its contexts are claimed from the same count.
 */
export function attachObject(shared: SharedObject, options: AttachOptions = {}): LoadedObject {
  const loaded = openAndLoad(shared.bytes, { ...shared.options, ...options }, shared);
  return loaded;
}

/** libbpf's open then load; with `attach`, over the memory another thread built for the same object. */
function openAndLoad(bytes: Uint8Array, options: LoadOptions, attach?: SharedObject): LoadedObject {
  const { fileName } = options;
  const object = parseObject(bytes, { ...(fileName !== undefined && { fileName }), strict: options.strict ?? false });
  for (const [name, value] of Object.entries(options.globals ?? {})) setGlobal(object, name, value);
  const wanted = options.select && selectProgram(object, options.select);
  try {
    return loadOpened(object, bytes, options, attach);
  } catch (e) {
    if (e instanceof ProgramLoadError && wanted !== undefined && e.program !== wanted.name) {
      throw e.stopping(wanted.name);
    }
    throw e;
  }
}

/** bpf_object__load proper, on an object already opened (from `bytes`) and its globals set. */
function loadOpened(object: ObjectFile, bytes: Uint8Array, options: LoadOptions, attach: SharedObject | undefined): LoadedObject {
  const cpus = options.cpus ?? possibleCpus();
  const limit = Math.min(options.memoryLimit ?? MAX_MEMORY, MAX_MEMORY);
  const specs = object.maps.map((def) => mapSpec(def, cpus));
  const maps = specs.map((spec) => createMap(spec, cpus, limit));

  const layout = new MemoryLayout();
  const contextCount = options.contexts ?? DEFAULT_CONTEXTS;
  if (!Number.isInteger(contextCount) || contextCount < 1 || contextCount > MAX_CONTEXTS) {
    throw new LoadError(`contexts must be 1..${MAX_CONTEXTS}, not ${contextCount}`);
  }
  const slots = options.frameSlots ?? XDP_BATCH;
  if (!Number.isInteger(slots) || slots < 1 || slots > MAX_FRAME_SLOTS) throw new LoadError(`frame slots must be 1..${MAX_FRAME_SLOTS}, not ${slots}`);
  const contexts = layoutContexts(layout, contextCount, slots);
  const staging = options.stagingBytes ?? 0;
  if (!Number.isSafeInteger(staging) || staging < 0 || staging > limit) throw new LoadError(`staging memory must be 0..${limit} bytes, not ${staging}`);
  if (staging > 0) layout.add({ name: STAGING_REGION, size: staging, writable: false, readable: false });
  // The array index a timer callback's key points to (bpf_timer_cb keeps it on its stack).
  layout.add({ name: 'timer:key', size: 4, writable: false });
  const socketRegions = options.sockets && layoutSockets(layout, options.sockets);
  const memory = layoutMaps(layout, maps, limit, attach?.buffer);
  bindMapIndexes(maps, memory);
  if (!attach) {
    object.maps.forEach((def, i) => {
      if (def.data) maps[i]!.updateElem(new Uint8Array(4), def.data);
    });
  }
  const pinPaths = new Map<string, string>();
  if (options.pinRoot !== undefined) {
    object.maps.forEach((def, i) => {
      if (def.pinning !== LIBBPF_PIN_BY_NAME) return;
      const path = pinPath(options.pinRoot!, def.name);
      pinPaths.set(def.name, path);
      if (!attach && existsSync(path)) restorePinned(maps[i]!, path);
    });
  }
  // Map ids, and the `.values = { ... }` presets of prog arrays and map-in-maps, as libbpf sets them.
  // An attaching thread binds its map objects to its programs' ids, and leaves the slots as they are.
  initMapSlots(maps, attach ? { programs: object.programs, maps: object.maps.map(({ name }) => ({ name, initSlots: [] })) } : object);
  // libbpf freezes read-only global data once it is filled: user space may not change it after load.
  object.maps.forEach((def, i) => {
    if (def.origin === 'data' && def.sectionName.startsWith('.rodata')) maps[i]!.freeze();
  });
  freezeGlobals(object);
  // Drawn once for the object, as a boot draws it, rather than by each context on its first cookie.
  const secret = options.syncookieSecret ?? crypto.getRandomValues(new Uint8Array(SYNCOOKIE_SECRET_SIZE));
  const clock = new SimClock(options.now);
  const timers = new BpfTimers(clock, memory, memory.region('timer:key').start);
  attachBtfRecords(object, maps, timers);

  const shared: ContextShared = {
    maps,
    trace: options.trace ?? (() => {}),
    now: () => clock.ktimeGet(),
    clock,
    timers,
    ...(options.mtu !== undefined && { mtu: options.mtu }),
    ...(options.fib !== undefined && { fib: options.fib }),
    ...(options.sockets && socketRegions && { sockets: new LoadedSockets(options.sockets, memory, socketRegions) }),
    syncookieSecret: syncookieSecret(secret),
    ...(options.current !== undefined && { current: checkCurrentTask(options.current) }),
  };
  const programInsns: InsnArray[] = [];

  const unsimulated = new Map<XdpProgram, string>();
  const facts: Array<() => JitFacts> = [];
  const deadCode: Array<readonly number[]> = [];
  let loaded: LoadedObject | undefined;
  const testContext = (): ExecutionContext => loaded!.testRunContext();
  const programs = object.programs.map((prog) => {
    checkCoreRelocations(prog);
    const insns = decodeProgram(prog);
    // A thread taking up a shared object runs what the loading thread verified, its dead code as that thread found it.
    // Without a log, which a long walk would fill: only a refusal is walked again for the kernel's.
    let unreached = attach?.deadCode[deadCode.length];
    if (!attach) {
      const quiet = verifyDecoded(object, prog, insns, specs, { logLevel: 0 });
      if (!quiet.accepted) {
        const outcome = verifyDecoded(object, prog, insns, specs, { logLevel: 1 });
        throw new VerifierRefusal(prog.name, outcome.insn, outcome.error ?? quiet.error ?? '', outcome.errno, outcome.log, outcome.source);
      }
      unreached = quiet.unreached;
    }
    deadCode.push(unreached ?? []);
    // The JIT's facts take walks of their own, made when first asked for, of the instructions before relocation.
    let known: JitFacts | undefined;
    facts.push(() => (known ??= factsOf(object, prog, decodeProgram(prog), specs)));
    relocate(prog, insns, maps);
    sanitizeDeadCode(insns, unreached ?? []);
    programInsns.push(insns);
    const program = new XdpProgram(prog, compile(prog, insns, 'interp'), testContext);
    const why = unsimulatedCall(prog, insns);
    if (why !== undefined) unsimulated.set(program, why);
    return program;
  });
  if (!attach) checkProgMapOwners(object);
  const mapsByName = new Map(object.maps.map((d, i) => [d.name, maps[i]!]));
  // Everything but the per-thread options, and the secret as drawn: every thread makes the same cookies.
  const { trace: _trace, now: _now, fib: _fib, sockets: _sockets, ...sharedOptions } = options;
  const origin = { bytes, options: { ...sharedOptions, syncookieSecret: secret }, deadCode };
  const engine: ObjectEngine = { memory, contexts, shared, insns: programInsns, facts, specs, budget: options.budget, origin };
  loaded = new LoadedObject(object, mapsByName, programs, memory, timers, engine, pinPaths, unsimulated);
  return loaded;
}

function decodeProgram(prog: BpfProgram): ReturnType<typeof decode> {
  try {
    // What the kernel checks only where its walk reaches an instruction is the verifier's to refuse.
    return decode(prog.insns, { deferWalkChecks: true });
  } catch (e) {
    if (e instanceof InvalidInstructionError) throw new ProgramLoadError(prog.name, e.message);
    throw e;
  }
}

/**
 * The first call the kernel would accept but xdpsim cannot run honestly (the
 * helper table says why), or undefined. Such a program is refused when it is
 * chosen to run, never run up to a helper it cannot answer. The rest of the
 * object still loads: the limit is xdpsim's, not the kernel's, so it must not
 * stop a program beside it (a tracing program in the same object, say).
 */
function unsimulatedCall(prog: BpfProgram, insns: InsnArray): string | undefined {
  for (let i = 0; i < insns.length; i += insns.width(i)) {
    if (insns.code[i] !== BPF_CALL_OPCODE || insns.src[i] !== 0) continue;
    const impl = HELPER_PROTOS.get(insns.imm[i]!)?.impl;
    if (impl && 'unsimulated' in impl) {
      const id = insns.imm[i]!;
      return `insn ${i}: xdpsim does not simulate ${helperName(id)}#${id}: ${impl.unsimulated}${whereInSource(prog, i)}`;
    }
  }
  return undefined;
}
