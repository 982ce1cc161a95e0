import { formatKernelInsn, type KernelPrintNames } from '../isa/disasm-kernel.js';
import { helperName } from '../helpers/proto.js';
import type { InsnArray } from '../isa/instruction.js';
import { BPF_JCOND, slotProblem } from '../isa/decode.js';
import {
  BPF_ALU,
  BPF_ALU64,
  BPF_ATOMIC,
  BPF_CALL,
  BPF_CLASS,
  BPF_CMPXCHG,
  BPF_EXIT,
  BPF_FETCH,
  BPF_JA,
  BPF_JMP,
  BPF_JMP32,
  BPF_LD,
  BPF_LDDW,
  BPF_LDX,
  BPF_LOAD_ACQ,
  BPF_MEM,
  BPF_MEMSX,
  BPF_MODE,
  BPF_OP,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_FUNC,
  BPF_SIZE,
  BPF_SRC,
  BPF_ST,
  BPF_STORE_REL,
  BPF_STX,
  BPF_X,
} from '../isa/opcodes.js';
import { BPF_FUNC_find_vma, BPF_FUNC_for_each_map_elem, BPF_FUNC_loop, BPF_FUNC_timer_set_callback, BPF_FUNC_user_ringbuf_drain } from '../uapi/func-ids.js';
import { checkAlu } from './alu.js';
import { checkCondJmp } from './branch.js';
import { checkHelperCall } from './call.js';
import type { MapRef, Subprog } from './env.js';
import { JitFacts } from './facts.js';
import { callGlobal, globalEntryState } from './global.js';
import { checkResourceLeak } from './leak.js';
import type { StackLiveness } from './stack-liveness.js';
import type { Successors } from './successors.js';
import { everyScalarPrecise, precisionNeeds } from './precision.js';
import { checkMemAccess } from './mem.js';
import { frameLine, scratchedStr, stateStr } from './print.js';
import { offloadView } from './offload.js';
import { RegType } from './reg.js';
import { type Word, S64_MAX, S64_MIN, eq, fromS32, ltS, toBigS, word } from './word.js';
import { readReg, writeReg } from './regs.js';
import { statesEqual, statesMaybeLooping, widenImpreciseScalars } from './prune.js';
import { FuncState, MAX_CALL_FRAMES, VerifierState, entryState } from './state.js';
import { BPF_COMPLEXITY_LIMIT_JMP_SEQ, Verifier } from './verifier.js';

const SIZE_BYTES: Record<number, number> = { 0x00: 4, 0x08: 2, 0x10: 1, 0x18: 8 };

/** A state kept at a prune point: later paths that arrive no worse are not explored again. */
interface Explored {
  state: VerifierState;
  /** Paths still being explored below it; 0 once everything after it was verified. */
  branches: number;
  parent: Explored | undefined;
  /** Paths it pruned, and comparisons it failed while a new state was kept: a state that only misses is dropped. */
  hits: number;
  misses: number;
}

/** A path waiting to be explored: its state and the kept state it descends from. */
interface Pending {
  state: VerifierState;
  parent: Explored | undefined;
  /** The instruction that left it for later (the kernel logs "from X to Y"). */
  from: number;
  /** The log's length when it was left, and its last line then (the instruction that left it, before what it touched was added): a level-1 log goes back there when the path is taken up. */
  logLen: number;
  line: string | undefined;
}

/** What every walk of one program sees alike: verifyXdp finds it before the first. */
export interface ProgramShape {
  readonly succ: Successors;
  /** Registers each instruction's future may read (liveRegisters): states are compared on those only. */
  readonly live: Uint16Array;
  /** Stack slots likewise (stackLiveness). */
  readonly stackLive: StackLiveness;
}

/** What one verification found, for the log and the JIT. */
export interface ExploreResult {
  processed: number;
  totalStates: number;
  peakStates: number;
  /** Largest stack each subprogram used, by its start. */
  stackDepth: Map<number, number>;
  /** Subprograms (by index) that run as timer callbacks: each starts a call chain of its own. */
  asyncCallbacks: ReadonlySet<number>;
  /** What holds at each instruction on every path, for the JIT. */
  facts: JitFacts;
}

/**
 * do_check: walks every path of the program from the entry state, one
 * instruction at a time, checking each against the abstract state, and
 * forks at each conditional jump whose outcome is unknown. A path that
 * reaches a prune point in a state no worse than one already verified
 * from there stops; one that comes back to where it was, unchanged, is an
 * infinite loop.
 */
export function explore(v: Verifier, subprogs: readonly Subprog[], shape: ProgramShape): ExploreResult {
  const insns = v.insns;
  const n = insns.length;
  const { live, stackLive } = shape;
  const precision = v.walk.exactScalars ? everyScalarPrecise(n) : precisionNeeds(insns, v.precise, shape.succ);
  const kernelPrecision = v.walk.exactScalars && precisionNeeds(insns, v.walk.exactScalars.kernelPrecise, shape.succ);
  const callsCallback = Uint8Array.from({ length: n }, (_, i) => (insns.code[i] === (BPF_JMP | BPF_CALL) && insns.src[i] === 0 && SYNC_CALLBACK_HELPERS.has(insns.imm[i]!) ? 1 : 0));
  const mayGoto = Uint8Array.from({ length: n }, (_, i) => (BPF_CLASS(insns.code[i]!) === BPF_JMP && BPF_OP(insns.code[i]!) === BPF_JCOND ? 1 : 0));
  const prune = prunePoints(v);
  const explored = new Map<number, Explored[]>();
  const stackDepth = new Map<number, number>();
  const asyncCallbacks = new Set<number>();
  const calledGlobals = new Set<number>();
  const facts = new JitFacts(insns, v.input.maps);
  // What the kernel checks of an instruction's fields only when its walk reaches it: found once, refused where reached.
  const flawed = new Uint8Array(n);
  for (let i = 0; i < n; i += insns.width(i)) if (slotProblem(insns, i) || (BPF_CLASS(insns.code[i]!) === BPF_LD && insns.code[i] !== BPF_LDDW)) flawed[i] = 1;
  const starts = subprogs.map((s) => s.start);
  const subprogAt = new Map(subprogs.map((s, k) => [s.start, k]));
  v.subprogIndex = (start: number): number => subprogAt.get(start) ?? 0;
  const pending: Pending[] = [];
  let processed = 0;
  let totalStates = 0;
  let peakStates = 0;
  let liveStates = 0;
  // Jumps and instructions seen, and their counts when a state was last kept (the kernel's add_new_state heuristic).
  let jmps = 0;
  let prevJmps = 0;
  let prevProcessed = 0;
  const level = v.input.logLevel ?? 0;
  const hooks = v.input.offload ? v.input.offloadHooks : undefined;
  // What a driver logs goes where the verifier's own lines go: nowhere without a log.
  const log = (line: string): void => {
    if (level > 0) v.log.push(line);
  };

  let st: VerifierState | undefined = entryState();
  let parent: Explored | undefined;

  /** A path ended (exit, or pruned): the kept states above it may now be complete. */
  const finish = (p: Explored | undefined): void => {
    for (let e = p; e; e = e.parent) {
      if (--e.branches > 0) break;
    }
  };
  // The instruction count when a state was last kept, to tell whether `parent` was kept at this very instruction.
  let keptAt = -1;
  // The jump a path taken up from `pending` came from, until its first instruction is logged.
  let poppedFrom: number | undefined;
  // The source line logged last on this path.
  let prevLine: string | undefined;
  // Whether the next instruction starts a path, whose whole state the log shows first.
  let pathStart = true;
  // The last instruction's log line, and what it touched, to be shown on it once it has run.
  let lineOf: { index: number; regs: number; slots: number[] } | undefined;
  const printNames: KernelPrintNames = {
    helper: (id) => helperName(id),
    imm64: (insn) => {
      const ref = v.input.mapRefs.get(v.insn);
      if (!ref || insn.code !== BPF_LDDW) return undefined;
      return `0x${kernelAddress(ref).toString(16)}`;
    },
  };
  // The global function being verified on its own, once the main program is done.
  let validating: number | undefined;
  const validated = new Set<number>();
  const next = (): VerifierState | undefined => {
    const p = pending.pop();
    if (!p) return nextGlobal();
    parent = p.parent;
    poppedFrom = p.from;
    pathStart = true;
    lineOf = undefined;
    // At level 1 the log keeps only the path being walked, as the kernel's does (pop_stack's log
    // reset): back to the instruction that left it, which the path's state then follows.
    if (level === 1) {
      v.log.length = p.logLen;
      if (p.line !== undefined) v.log[p.logLen - 1] = p.line;
    }
    return p.state;
  };
  /** do_check_subprogs: each global function some verified path calls, verified once from its prototype. */
  const nextGlobal = (): VerifierState | undefined => {
    if (validating !== undefined) v.log.push(`Func#${validating} ('${subprogs[validating]!.name}') is safe for any args that match its prototype`);
    validating = [...calledGlobals].find((k) => !validated.has(k));
    if (validating === undefined) return undefined;
    validated.add(validating);
    const sub = subprogs[validating]!;
    v.log.push(`Validating ${sub.name}() func#${validating}...`);
    parent = undefined;
    pathStart = true;
    lineOf = undefined;
    return globalEntryState(v, validating, sub);
  };
  /**
   * print_insn_state: what the last instruction touched, as it is now in
   * `state`: on that instruction's line, or, when something was logged
   * since, on a line of its own numbered `at`, the instruction walked now.
   */
  const printTouched = (state: VerifierState, at: number): void => {
    if (!lineOf) return;
    const text = v.log[lineOf.index];
    const touched = scratchedStr(state, lineOf.regs, lineOf.slots);
    if (lineOf.index === v.log.length - 1) v.log[lineOf.index] = `${text}${' '.repeat(alignment(text!.length))};${touched}`;
    else if (touched) v.log.push(`${at}:${touched}`);
    lineOf = undefined;
  };
  const push = (state: VerifierState): void => {
    if (pending.length >= BPF_COMPLEXITY_LIMIT_JMP_SEQ) v.fail(`The sequence of ${pending.length + 1} jumps is too complex.`, 'E2BIG');
    if (parent) parent.branches++;
    pending.push({ state, parent, from: v.insn, logLen: v.log.length, line: v.log[v.log.length - 1] });
  };

  // A walk that learns that some value must be exact stops there: what it pruned before may
  // have relied on that value, so verifyXdp walks again from the start knowing it.
  try {
    while (st && !v.newlyPrecise) {
      const i = st.insn;
      v.insn = i;
      if (i < 0 || i >= n) v.fail(`invalid insn idx ${i} insn_cnt ${n}`, 'EFAULT');
      if (++processed > v.walk.insnLimit) v.fail(`BPF program is too large. Processed ${processed} insn`, 'E2BIG');

      if (prune[i]) {
        // is_state_visited: prune against finished states; refuse a loop that came back unchanged.
        const forced = prune[i] === FORCE_CHECKPOINT;
        let addNew = forced || (jmps - prevJmps >= 2 && processed - prevProcessed >= 8);
        const list = explored.get(i);
        let pruned = false;
        if (list && kernelPrecision) {
          // A state still being walked from here is a loop's previous iteration: what changed since that nothing checks is any value.
          const head = list.find((e) => e.branches > 0 && e.state.frames.length === st!.frames.length);
          if (head) widenImpreciseScalars(head.state, st, kernelPrecision, i);
        }
        if (list) {
          for (let k = list.length - 1; k >= 0; k--) {
            const e = list[k]!;
            if (e.branches > 0) {
              // Callback iterations converge once one comes back to the call within one still being walked.
              if (callsCallback[i]) {
                if (statesEqual(e.state, st, live, stackLive, precision, i, false)) {
                  e.hits++;
                  pruned = true;
                  break;
                }
                if (!forced && jmps - prevJmps < 20 && processed - prevProcessed < 100) addNew = false;
                if (addNew) e.misses++;
                continue;
              }
              // A may_goto loop converges once an iteration, deeper, is within one still being walked.
              if (mayGoto[i] && e.state.mayGotoDepth !== st.mayGotoDepth && statesEqual(e.state, st, live, stackLive, precision, i, false)) {
                e.hits++;
                pruned = true;
                break;
              }
              if (e.state.mayGotoDepth === st.mayGotoDepth && e.state.callbackUnrollDepth === st.callbackUnrollDepth && statesMaybeLooping(e.state, st) && statesEqual(e.state, st, live, stackLive, precision, i, true)) {
                v.failWith(`infinite loop detected at insn ${i}`, 'EINVAL', [`cur state: ${stateStr(st)}`, `old state: ${stateStr(e.state)}`]);
              }
              // Inside a loop each iteration differs: keep a state only now and then.
              if (!forced && jmps - prevJmps < 20 && processed - prevProcessed < 100) addNew = false;
            } else if (statesEqual(e.state, st, live, stackLive, precision, i, false)) {
              e.hits++;
              pruned = true;
              break;
            }
            // A state that keeps missing costs comparisons and prunes nothing: drop it.
            if (addNew) e.misses++;
            const allowed = forced && e.branches > 0 ? 64 : 3;
            if (e.misses > e.hits * allowed + allowed) list.splice(k, 1);
          }
        }
        if (pruned) {
          // The kernel counts a frame's stack as it grows (grow_stack_state), so what a path used before it was pruned counts too.
          for (const f of st.frames) recordStack(stackDepth, starts[f.subprogno]!, f.allocatedStack);
          if (level > 0) v.log.push(...(poppedFrom === undefined ? [`${i}: safe`] : ['', `from ${poppedFrom} to ${i}: safe`]));
          poppedFrom = undefined;
          finish(parent);
          st = next();
          continue;
        }
        if (addNew) {
          const kept: Explored = { state: st.clone(), branches: 1, parent, hits: 0, misses: 0 };
          if (list) list.push(kept);
          else explored.set(i, [kept]);
          parent = kept;
          keptAt = processed;
          prevJmps = jmps;
          prevProcessed = processed;
          totalStates++;
          liveStates++;
          peakStates = Math.max(peakStates, liveStates);
        }
      }

      // Once the next instruction is not pruned, what the last one touched.
      printTouched(st, i);
      if (level > 0) {
        // A path's first instruction shows its frame's whole state: at level 1 on the line of the
        // instruction that left the path for later, at level 2 after "from X to Y:".
        if (pathStart) {
          if (poppedFrom !== undefined && level === 1 && v.log.length > 0) v.log[v.log.length - 1] += ` ${i}: ${stateStr(st)}`;
          else {
            if (poppedFrom !== undefined) v.log.push('', `from ${poppedFrom} to ${i}: ${stateStr(st)}`);
            v.log.push(`${i}: ${stateStr(st)}`);
          }
          pathStart = false;
        }
        // verbose_linfo: a source line once, where the walk comes to it.
        const line = v.input.sourceLine?.(i);
        if (line && line !== prevLine) v.log.push(`; ${line}`);
        prevLine = line;
        v.log.push(`${i}: ${formatKernelInsn(insns.at(i), printNames)}`);
        const touched = touchedBy(insns, i);
        lineOf = touched.regs !== 0 || touched.slots.length > 0 ? { index: v.log.length - 1, ...touched } : undefined;
      }

      // bpf_prog_offload_verify_insn: the device's driver sees the instruction, logged, before the verifier checks it.
      if (hooks) {
        const refusal = hooks.insn(offloadView(st, log), i);
        if (refusal) v.fail(refusal.reason, refusal.errno);
      }

      poppedFrom = undefined;
      const code = insns.code[i]!;
      const cls = BPF_CLASS(code);
      const f = st.cur;
      if (flawed[i]) {
        // check_ld_abs refuses a legacy packet load before looking at its fields.
        if (cls === BPF_LD) v.fail('BPF_LD_[ABS|IND] instructions not allowed for this program type', 'EINVAL');
        v.fail(slotProblem(insns, i)!.reason, 'EINVAL');
      }
      facts.record(i, f);

      if (cls === BPF_ALU || cls === BPF_ALU64) {
        checkAlu(v, f, i);
        st.insn = i + 1;
        continue;
      }

      if (cls === BPF_LDX) {
        const mode = BPF_MODE(code);
        if (mode !== BPF_MEM && mode !== BPF_MEMSX) v.fail('unknown opcode ' + code.toString(16), 'EINVAL');
        readReg(v, f, insns.src[i]!);
        writeReg(v, insns.dst[i]!);
        checkMemAccess(v, st, {
          regno: insns.src[i]!,
          off: insns.off[i]!,
          size: SIZE_BYTES[BPF_SIZE(code)]!,
          type: 'read',
          valueRegno: insns.dst[i]!,
          sx: mode === BPF_MEMSX,
        });
        st.insn = i + 1;
        continue;
      }

      if (cls === BPF_STX) {
        if (BPF_MODE(code) === BPF_ATOMIC) checkAtomic(v, st, i);
        else {
          readReg(v, f, insns.src[i]!);
          readReg(v, f, insns.dst[i]!);
          checkMemAccess(v, st, { regno: insns.dst[i]!, off: insns.off[i]!, size: SIZE_BYTES[BPF_SIZE(code)]!, type: 'write', valueRegno: insns.src[i]! });
        }
        st.insn = i + 1;
        continue;
      }

      if (cls === BPF_ST) {
        readReg(v, f, insns.dst[i]!);
        checkMemAccess(v, st, { regno: insns.dst[i]!, off: insns.off[i]!, size: SIZE_BYTES[BPF_SIZE(code)]!, type: 'write', valueRegno: -1, imm: insns.imm[i]! });
        st.insn = i + 1;
        continue;
      }

      if (cls === BPF_LD) {
        checkLdImm64(v, f, i);
        st.insn = i + 2;
        continue;
      }

      // BPF_JMP / BPF_JMP32
      jmps++;
      const op = BPF_OP(code);
      if (op === BPF_CALL) {
        if (insns.src[i] === BPF_PSEUDO_CALL) {
          const k = starts.indexOf(i + insns.imm[i]! + 1);
          const sub = subprogs[k];
          if (sub?.global) {
            callGlobal(v, st, k, sub, starts[k + 1] ?? n);
            calledGlobals.add(k);
            st.insn = i + 1;
            continue;
          }
          st = enterSubprog(v, st, i, starts);
          if (level > 0) {
            // The call's line shows nothing it touched: the two frames follow, the callee's again where it starts.
            lineOf = undefined;
            v.log.push('caller:', frameLine(st, st.frames[st.frames.length - 2]!, CALLER_SAVED), 'callee:', frameLine(st, st.cur), `${st.insn}: ${stateStr(st)}`);
          }
        } else {
          // A callback the helper runs now: its iterations start from the state before the call.
          const before = SYNC_CALLBACK_HELPERS.has(insns.imm[i]!) ? st.clone() : undefined;
          const callee = checkHelperCall(v, st, i);
          if (callee?.callback?.helper === BPF_FUNC_timer_set_callback) {
            // push_async_cb: a timer's callback runs later, on its own, so it is verified as a
            // program of its own, from a state with it as the only frame; the caller goes on.
            asyncCallbacks.add(callee.subprogno);
            const cb = new VerifierState();
            cb.frames.push(asyncFrame(callee));
            cb.insn = starts[callee.subprogno]!;
            push(cb);
            st.insn = i + 1;
            continue;
          }
          if (callee && before) {
            // push_callback_call: the callback may run any number of times. The caller goes on past
            // the call, as after the last; an iteration waits, and when it returns, the call is
            // made again from where it left the caller, until an iteration brings nothing new.
            // The previous iteration's state here: the nearest kept above this one (not the copy just kept of it).
            // Past a few iterations, even values some check needs exact are widened, so that the
            // iterations end: the walk then knows less than the kernel's, never more.
            let prev: Explored | undefined;
            let iterations = 0;
            for (let e = keptAt === processed ? parent?.parent : parent; e; e = e.parent) {
              if (e.state.insn !== i || e.state.frames.length !== before.frames.length) continue;
              prev ??= e;
              iterations++;
            }
            if (prev) widenImpreciseScalars(prev.state, before, iterations < CALLBACK_EXACT_ITERATIONS ? precision : undefined, i);
            before.frames.push(callee);
            before.insn = starts[callee.subprogno]!;
            before.callbackUnrollDepth++;
            push(before);
            st.insn = i + 1;
            continue;
          }
          st.insn = i + 1;
        }
        continue;
      }
      if (op === BPF_EXIT) {
        if (st.frames.length > 1) {
          const callee = st.cur;
          returnFromSubprog(v, st, stackDepth, starts);
          if (level > 0) v.log.push('returning from callee:', frameLine(st, callee), `to caller at ${st.insn}:`, frameLine(st, st.cur));
          if (level === 2) v.log.push('', `from ${i} to ${st.insn}: ${stateStr(st)}`);
          // The kernel logs the return as it logs a path taken up: "from EXIT to the caller's next insn".
          poppedFrom = i;
          continue;
        }
        exitMain(v, st);
        if (st.cur.callback) checkCallbackReturn(v, st.cur);
        else if (subprogs[st.cur.subprogno]?.global && st.cur.regs[0]!.type !== RegType.SCALAR_VALUE) {
          v.fail(`At subprogram exit the register R0 is not a scalar value (${st.cur.regs[0]!.typeName()})`, 'EINVAL');
        }
        recordStack(stackDepth, starts[st.cur.subprogno]!, st.cur.allocatedStack);
        finish(parent);
        st = next();
        continue;
      }
      if (op === BPF_JA) {
        st.insn = i + (cls === BPF_JMP32 ? insns.imm[i]! : insns.off[i]!) + 1;
        continue;
      }
      if (op === BPF_JCOND) {
        // may_goto: the way out (the budget is spent) is walked first; another iteration
        // waits, one may_goto deeper, for a loop state it can be pruned against.
        const again = st.clone();
        again.insn = i + 1;
        again.mayGotoDepth++;
        push(again);
        st.insn = i + insns.off[i]! + 1;
        continue;
      }
      const { taken, fallthrough } = checkCondJmp(v, st, i);
      if (taken && fallthrough) {
        taken.insn = i + insns.off[i]! + 1;
        push(taken);
        // A jump that goes both ways shows what it learnt on the way it falls through at once (check_cond_jmp_op).
        printTouched(fallthrough, i);
        fallthrough.insn = i + 1;
        st = fallthrough;
      } else if (taken) {
        taken.insn = i + insns.off[i]! + 1;
        st = taken;
      } else {
        fallthrough!.insn = i + 1;
        st = fallthrough;
      }
    }
  } finally {
    // The statistics line closes a refusal's log too.
    v.stats = { processed, totalStates, peakStates };
  }
  return { processed, totalStates, peakStates, stackDepth, asyncCallbacks, facts };
}

/**
 * Where the log says a map, or a value inside one, lives: the kernel prints
 * the address the instruction now holds (struct bpf_map, or the value's
 * bytes), a kernel pointer. xdpsim's maps have none; each gets one of the
 * kernel's form, its own, so that the log reads and lines up as the kernel's.
 */
function kernelAddress(ref: MapRef): bigint {
  const map = KERNEL_MAPS_BASE + BigInt(ref.map + 1) * KERNEL_MAP_STRIDE;
  return ref.kind === 'map' ? map : map + KERNEL_MAP_VALUE_OFFSET + BigInt(ref.offset);
}
/** A direct-map region of x86-64 kernel memory, one struct bpf_map every 1 KiB, values past its header. */
const KERNEL_MAPS_BASE = 0xffff888100000000n;
const KERNEL_MAP_STRIDE = 0x400n;
const KERNEL_MAP_VALUE_OFFSET = 0x110n;

/** Spaces before the `;` that ends an instruction's text of `length` characters (BPF_LOG_MIN_ALIGNMENT, BPF_LOG_ALIGNMENT). */
function alignment(length: number): number {
  const pos = length + 1;
  return Math.ceil(Math.max(pos + BPF_LOG_MIN_ALIGNMENT / 2, BPF_LOG_ALIGNMENT) / BPF_LOG_MIN_ALIGNMENT) * BPF_LOG_MIN_ALIGNMENT - pos - 1;
}
const BPF_LOG_ALIGNMENT = 40;
const BPF_LOG_MIN_ALIGNMENT = 8;

/** The registers (a bit mask) instruction `i` reads or writes and the stack slots it reads or writes through R10, which its log line shows. */
function touchedBy(insns: InsnArray, i: number): { regs: number; slots: number[] } {
  const code = insns.code[i]!;
  const cls = BPF_CLASS(code);
  const dst = insns.dst[i]!;
  const src = insns.src[i]!;
  const x = BPF_SRC(code) === BPF_X;
  const slotAt = (base: number): number[] => {
    const off = insns.off[i]!;
    return base === 10 && off < 0 && off >= -512 ? [Math.floor((-off - 1) / 8)] : [];
  };
  switch (cls) {
    case BPF_ALU:
    case BPF_ALU64:
      return { regs: (1 << dst) | (x ? 1 << src : 0), slots: [] };
    case BPF_LDX:
      return { regs: (1 << dst) | (1 << src), slots: slotAt(src) };
    case BPF_ST:
      return { regs: 1 << dst, slots: slotAt(dst) };
    case BPF_STX:
      return { regs: (1 << dst) | (1 << src) | (insns.imm[i] === BPF_CMPXCHG ? 1 : 0), slots: slotAt(dst) };
    case BPF_JMP:
    case BPF_JMP32: {
      const op = BPF_OP(code);
      if (op === BPF_CALL) return { regs: insns.src[i] === BPF_PSEUDO_CALL ? 0 : 1, slots: [] };
      if (op === BPF_EXIT || op === BPF_JA || op === BPF_JCOND) return { regs: 0, slots: [] };
      return { regs: (1 << dst) | (x ? 1 << src : 0), slots: [] };
    }
    default:
      return { regs: code === BPF_LDDW ? 1 << dst : 0, slots: [] };
  }
}

/** Iterations of a callback walked with its exact values kept exact, before they too are widened. */
const CALLBACK_EXACT_ITERATIONS = 16;
/** R0-R5, which a call does not keep for its caller. */
const CALLER_SAVED = 0b111111;

/** A prune point where a state is kept whatever the heuristics say (the kernel's force checkpoint). */
const FORCE_CHECKPOINT = 2;

/** Helpers that call their callback synchronously, any number of times. */
const SYNC_CALLBACK_HELPERS = new Set([BPF_FUNC_loop, BPF_FUNC_for_each_map_elem, BPF_FUNC_find_vma, BPF_FUNC_user_ringbuf_drain]);

/**
 * Where states are compared and kept, as the kernel's check_cfg marks them:
 * each conditional jump (before it branches) and its target, each
 * unconditional jump's target, the instruction after a call, a BPF-to-BPF
 * call and its target, and a call to a helper that runs a callback. may_goto and synchronous callback calls
 * are force checkpoints.
 */
function prunePoints(v: Verifier): Uint8Array {
  const insns = v.insns;
  const n = insns.length;
  const at = new Uint8Array(n + 1);
  for (let i = 0; i < n; i += insns.width(i)) {
    const code = insns.code[i]!;
    const cls = BPF_CLASS(code);
    if (cls !== BPF_JMP && cls !== BPF_JMP32) continue;
    const op = BPF_OP(code);
    if (op === BPF_EXIT) continue;
    if (op === BPF_CALL) {
      at[i + 1] ||= 1;
      if (insns.src[i] === BPF_PSEUDO_CALL) {
        at[i] ||= 1;
        at[i + insns.imm[i]! + 1] ||= 1;
      } else if (insns.imm[i] === BPF_FUNC_timer_set_callback) at[i] ||= 1;
      else if (insns.src[i] === 0 && SYNC_CALLBACK_HELPERS.has(insns.imm[i]!)) at[i] = FORCE_CHECKPOINT;
      continue;
    }
    if (op === BPF_JA) {
      at[i + (cls === BPF_JMP32 ? insns.imm[i]! : insns.off[i]!) + 1] ||= 1;
      continue;
    }
    at[i] = op === BPF_JCOND ? FORCE_CHECKPOINT : Math.max(at[i]!, 1);
    at[i + insns.off[i]! + 1] ||= 1;
  }
  return at;
}

/** `lddw`: a 64-bit constant, a map, an address in a map's value, or a subprogram (check_ld_imm). */
function checkLdImm64(v: Verifier, f: FuncState, i: number): void {
  const insns = v.insns;
  const dstno = insns.dst[i]!;
  writeReg(v, dstno);
  const dst = f.regs[dstno]!;
  if (insns.src[i] === BPF_PSEUDO_FUNC) {
    dst.markPointer(RegType.PTR_TO_FUNC);
    dst.subprog = i + insns.imm[i]! + 1;
    return;
  }
  const ref = v.mapOf(i);
  if (ref) {
    if (ref.kind === 'map') {
      dst.markPointer(RegType.CONST_PTR_TO_MAP);
      dst.map = ref.map;
    } else {
      dst.markPointer(RegType.PTR_TO_MAP_VALUE);
      dst.map = ref.map;
      dst.off = ref.offset;
    }
    return;
  }
  dst.markKnown(word(insns.imm[i + 1]!, insns.imm[i]!));
}

/** Atomic read-modify-write, load-acquire and store-release (check_atomic). */
function checkAtomic(v: Verifier, st: VerifierState, i: number): void {
  const insns = v.insns;
  const f = st.cur;
  const imm = insns.imm[i]!;
  const size = SIZE_BYTES[BPF_SIZE(insns.code[i]!)]!;
  const dstno = insns.dst[i]!;
  const srcno = insns.src[i]!;
  if (imm === BPF_LOAD_ACQ) {
    readReg(v, f, srcno);
    writeReg(v, dstno);
    checkMemAccess(v, st, { regno: srcno, off: insns.off[i]!, size, type: 'read', valueRegno: dstno });
    return;
  }
  if (imm === BPF_STORE_REL) {
    readReg(v, f, srcno);
    readReg(v, f, dstno);
    checkMemAccess(v, st, { regno: dstno, off: insns.off[i]!, size, type: 'write', valueRegno: srcno });
    return;
  }
  // The operation and operand size were checked with the instruction's fields (slotProblem).
  readReg(v, f, srcno);
  readReg(v, f, dstno);
  if (imm === BPF_CMPXCHG) readReg(v, f, 0);
  const dst = f.regs[dstno]!;
  if (dst.type === RegType.PTR_TO_CTX || dst.isPacket) v.fail(`BPF_ATOMIC stores into R${dstno} ${dst.typeName()} is not allowed`);
  const loadReg = imm === BPF_CMPXCHG ? 0 : imm & BPF_FETCH ? srcno : -1;
  // Read first (into the fetch register), then write the same memory with a value nothing is known of (check_atomic_rmw).
  checkMemAccess(v, st, { regno: dstno, off: insns.off[i]!, size, type: 'read', valueRegno: loadReg, atomic: true });
  checkMemAccess(v, st, { regno: dstno, off: insns.off[i]!, size, type: 'write', valueRegno: -1, atomic: true });
}

/** A BPF-to-BPF call (check_func_call): a new frame with R1-R5 passed and R10 its own stack. */
function enterSubprog(v: Verifier, st: VerifierState, i: number, starts: readonly number[]): VerifierState {
  if (st.frames.length >= MAX_CALL_FRAMES) v.fail(`the call stack of ${st.frames.length + 1} frames is too deep`, 'E2BIG');
  const target = i + v.insns.imm[i]! + 1;
  const k = starts.indexOf(target);
  const caller = st.cur;
  const callee = new FuncState(st.frames.length, i, k);
  for (let r = 1; r <= 5; r++) callee.regs[r]!.copyFrom(caller.regs[r]!);
  callee.regs[10]!.markPointer(RegType.PTR_TO_STACK);
  callee.regs[10]!.frameno = callee.frameno;
  st.frames.push(callee);
  st.insn = target;
  return st;
}

/** The end of a subprogram or callback: back to the caller with R0 (prepare_func_exit). */
function returnFromSubprog(v: Verifier, st: VerifierState, stackDepth: Map<number, number>, starts: readonly number[]): void {
  const callee = st.cur;
  const r0 = callee.regs[0]!;
  recordStack(stackDepth, starts[callee.subprogno]!, callee.allocatedStack);
  if (callee.callback) {
    checkCallbackReturn(v, callee);
  } else if (r0.type === RegType.PTR_TO_STACK && r0.frameno === callee.frameno) {
    v.fail('cannot return stack pointer to the caller', 'EINVAL');
  }
  st.frames.pop();
  const caller = st.cur;
  if (!callee.callback) {
    caller.regs[0]!.copyFrom(r0);
    for (let r = 1; r <= 5; r++) caller.regs[r]!.markNotInit();
  }
  // Pointers into the returning frame's stack point at nothing now.
  for (const r of st.allRegs()) if (r.type === RegType.PTR_TO_STACK && r.frameno >= st.frames.length) r.markUnknown();
  // A callback goes back to the helper's call, which may run it again; a function to the next instruction.
  st.insn = callee.callback ? callee.callsite : callee.callsite + 1;
}

/** The main program's exit: R0 set, no lock held, every reference released. */
function exitMain(v: Verifier, st: VerifierState): void {
  checkResourceLeak(v, st, 'BPF_EXIT instruction in main prog');
  readReg(v, st.cur, 0);
}

/**
 * R0 where a callback returns: a synchronous one's is checked as a return
 * to the helper (prepare_func_exit), an async one's as a program's exit
 * (check_return_code), each in its own words.
 */
function checkCallbackReturn(v: Verifier, callee: FuncState): void {
  const { retMin, retMax, helper } = callee.callback!;
  const async = helper === BPF_FUNC_timer_set_callback;
  const where = async ? 'At async callback return' : 'At callback return';
  const r0 = async ? readReg(v, callee, 0) : callee.regs[0]!;
  if (r0.type !== RegType.SCALAR_VALUE) {
    if (async) v.fail(`${where} the register R0 is not a known value (${r0.typeName()})`);
    v.fail('R0 not a scalar value');
  }
  const { smin, smax } = r0.value;
  if (ltS(smin, fromS32(retMin)) || ltS(fromS32(retMax), smax)) v.fail(invalidScalar(where, smin, smax, retMin, retMax), 'EINVAL');
}

/** The callback frame of a timer as frame 0 of a state of its own, R10 its own stack. */
function asyncFrame(callee: FuncState): FuncState {
  const f = new FuncState(0, callee.callsite, callee.subprogno);
  f.callback = callee.callback;
  for (let r = 0; r < 10; r++) f.regs[r]!.copyFrom(callee.regs[r]!);
  f.regs[10]!.markPointer(RegType.PTR_TO_STACK);
  f.regs[10]!.frameno = 0;
  return f;
}

/** verbose_invalid_scalar: the bounds that are known, then the range they should have been in. */
function invalidScalar(where: string, smin: Word, smax: Word, min: number, max: number): string {
  const known = [...(!eq(smin, S64_MIN) ? [` smin=${toBigS(smin)}`] : []), ...(!eq(smax, S64_MAX) ? [` smax=${toBigS(smax)}`] : [])];
  return `${where} the register R0 has${known.length > 0 ? known.join('') : ' unknown scalar value'} should have been in [${min}, ${max}]`;
}

function recordStack(depth: Map<number, number>, start: number, bytes: number): void {
  depth.set(start, Math.max(depth.get(start) ?? 0, bytes));
}
