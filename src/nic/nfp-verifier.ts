import type { InsnArray } from '../isa/instruction.js';
import {
  BPF_ABS,
  BPF_ADD,
  BPF_ALU,
  BPF_ALU64,
  BPF_AND,
  BPF_ARSH,
  BPF_ATOMIC,
  BPF_B,
  BPF_CALL,
  BPF_CLASS,
  BPF_DIV,
  BPF_DW,
  BPF_END,
  BPF_EXIT,
  BPF_H,
  BPF_IMM,
  BPF_IND,
  BPF_JA,
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JLE,
  BPF_JLT,
  BPF_JMP,
  BPF_JMP32,
  BPF_JNE,
  BPF_JSET,
  BPF_JSGE,
  BPF_JSGT,
  BPF_JSLE,
  BPF_JSLT,
  BPF_K,
  BPF_LD,
  BPF_LDX,
  BPF_LSH,
  BPF_MEM,
  BPF_MOV,
  BPF_MUL,
  BPF_NEG,
  BPF_OP,
  BPF_OR,
  BPF_PSEUDO_CALL,
  BPF_RSH,
  BPF_SIZE,
  BPF_SRC,
  BPF_ST,
  BPF_STX,
  BPF_SUB,
  BPF_TO_BE,
  BPF_W,
  BPF_X,
  BPF_XOR,
  MAX_BPF_REG,
} from '../isa/opcodes.js';
import { BPF_F_CURRENT_CPU, BPF_F_INDEX_MASK } from '../uapi/bpf.js';
import {
  BPF_FUNC_get_prandom_u32,
  BPF_FUNC_map_delete_elem,
  BPF_FUNC_map_lookup_elem,
  BPF_FUNC_map_update_elem,
  BPF_FUNC_perf_event_output,
  BPF_FUNC_xdp_adjust_head,
  BPF_FUNC_xdp_adjust_tail,
} from '../uapi/func-ids.js';
import {
  BPF_REG_TYPE,
  STACK_ZERO,
  offloadTnumStr,
  type OffloadFinalView,
  type OffloadHooks,
  type OffloadReg,
  type OffloadRefusal,
  type OffloadView,
  type VerifierErrno,
  type VerifierMap,
} from '../verifier/index.js';
import type { NfpFirmware } from './offload.js';

/**
 * nfp's verifier hooks (drivers/net/ethernet/netronome/nfp/bpf/verifier.c,
 * nfp_bpf_dev_ops): what an nfp refuses of a program as the kernel's
 * verifier walks it, from the register state of each walk of each
 * instruction, and of the stack once every path is verified. What nfp
 * learns of an instruction on one walk (the pointer a load used, the bounds
 * of a multiplier) it keeps for the next walk of the same instruction, for
 * its JIT emits one sequence of NIC code per instruction, whatever the path.
 * What it learns of a map's value (which words are read, which are atomic
 * counters) it keeps per map.
 *
 * Every refusal is logged as the driver logs it (pr_vlog: "[nfp] " and the
 * message), with nfp's errno. The kernel's verifier is the oracle for none
 * of this: no nfp is at hand. Each rule cites the driver function it is.
 */
export function nfpVerifierHooks(firmware: NfpFirmware): OffloadHooks {
  let insns: InsnArray | undefined;
  let metas: InsnMeta[] = [];
  let maps = new Map<VerifierMap, MapUse[]>();
  return {
    prepare(program) {
      // nfp_prog_prepare: one meta per instruction slot, found again by index on each walk (nfp_bpf_goto_meta).
      insns = program;
      metas = [];
      maps = new Map();
    },
    insn(view, i) {
      const meta = (metas[i] ??= newMeta());
      return nfpVerifyInsn({ insns: insns!, i, meta, view, firmware, maps });
    },
    finalize(view) {
      return nfpBpfFinalize(insns!, view, firmware);
    },
  };
}

/** What nfp keeps of an instruction across walks (struct nfp_insn_meta), as far as its checks read it. */
interface InsnMeta {
  /** The pointer the first walk loaded or stored through (meta->ptr); undefined while NOT_INIT. */
  ptr: { type: number; off: number; varOff: bigint } | undefined;
  /** The stack offset differed between walks (meta->ptr_not_const). */
  ptrNotConst: boolean;
  /** The helper called, 0 before the first walk (meta->func_id). */
  funcId: number;
  /** The type of the argument nfp compares across walks (meta->arg1: R1, or R4 for perf_event_output). */
  arg1Type: number;
  /** The bounds of an ALU instruction's operands over every walk (meta->umin_src ... umax_dst). */
  uminSrc: bigint;
  umaxSrc: bigint;
  uminDst: bigint;
  umaxDst: bigint;
}

const U32_MAX = 0xffffffffn;
const U64_MAX = (1n << 64n) - 1n;

function newMeta(): InsnMeta {
  // nfp_prog_prepare starts the minimums at U64_MAX, so the first walk's bounds are the ones kept.
  return { ptr: undefined, ptrNotConst: false, funcId: 0, arg1Type: BPF_REG_TYPE.NOT_INIT, uminSrc: U64_MAX, umaxSrc: 0n, uminDst: U64_MAX, umaxDst: 0n };
}

/** enum nfp_bpf_map_use: what the program does with a 4-byte word of a map's value. */
const enum MapUseType {
  UNUSED,
  READ,
  WRITE,
  ATOMIC_CNT,
}

const MAP_USE_NAMES = ['unused', 'read', 'write', 'atomic'] as const;

/** One word of a map value (struct nfp_bpf_map_word): its use, and whether map_update_elem may have stored non-zero there. */
interface MapUse {
  type: MapUseType;
  nonZeroUpdate: boolean;
}

interface InsnCheck {
  insns: InsnArray;
  i: number;
  meta: InsnMeta;
  view: OffloadView;
  firmware: NfpFirmware;
  maps: Map<VerifierMap, MapUse[]>;
}

/** pr_vlog's refusal: the line logged, with the driver's errno. */
const refuse = (errno: VerifierErrno, message: string): OffloadRefusal => ({ errno, reason: `[nfp] ${message}` });

/** The opcodes nfp's JIT has a translation for (jit.c's instr_cb table, which nfp_bpf_supported_opcode reads). */
const SUPPORTED_OPCODES: ReadonlySet<number> = (() => {
  const codes = new Set<number>();
  // ALU and ALU64 alike, each with a register or an immediate; no modulo, and to-big-endian swaps only in 32-bit ALU.
  for (const cls of [BPF_ALU64, BPF_ALU]) {
    for (const op of [BPF_MOV, BPF_XOR, BPF_AND, BPF_OR, BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_LSH, BPF_RSH, BPF_ARSH]) {
      codes.add(cls | op | BPF_X).add(cls | op | BPF_K);
    }
    codes.add(cls | BPF_NEG);
  }
  codes.add(BPF_ALU | BPF_END | BPF_TO_BE);
  codes.add(BPF_LD | BPF_IMM | BPF_DW);
  for (const size of [BPF_B, BPF_H, BPF_W]) codes.add(BPF_LD | BPF_ABS | size).add(BPF_LD | BPF_IND | size);
  for (const size of [BPF_B, BPF_H, BPF_W, BPF_DW]) codes.add(BPF_LDX | BPF_MEM | size).add(BPF_STX | BPF_MEM | size).add(BPF_ST | BPF_MEM | size);
  codes.add(BPF_STX | BPF_ATOMIC | BPF_W).add(BPF_STX | BPF_ATOMIC | BPF_DW);
  // Conditional jumps of both widths; the one unconditional jump is JMP's (no gotol, no may_goto).
  codes.add(BPF_JMP | BPF_JA | BPF_K);
  for (const cls of [BPF_JMP, BPF_JMP32]) {
    for (const op of [BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JLT, BPF_JLE, BPF_JSGT, BPF_JSGE, BPF_JSLT, BPF_JSLE, BPF_JSET, BPF_JNE]) {
      codes.add(cls | op | BPF_K).add(cls | op | BPF_X);
    }
  }
  codes.add(BPF_JMP | BPF_CALL).add(BPF_JMP | BPF_EXIT);
  return codes;
})();

const SIZE_BYTES: Readonly<Record<number, number>> = { [BPF_B]: 1, [BPF_H]: 2, [BPF_W]: 4, [BPF_DW]: 8 };

/** BPF_LD_ST_SIZE_MASK: nfp tells loads, stores and atomics apart by the opcode without its size bits. */
const BPF_LD_ST_SIZE_MASK = 0x18;

/** The kernel prints these with %#x: "0x" before the hex digits, zero included. */
const hex = (n: number): string => `0x${n.toString(16)}`;

/** The s32 a driver computes from a fixed offset and a constant variable part. */
const s32 = (off: number, varOff: bigint): number => Number(BigInt.asIntN(32, BigInt(off) + varOff));

/** The offset of `xdp_md.rx_queue_index`: the one context field an offloaded XDP program may store to. */
const XDP_MD_RX_QUEUE_INDEX = 16;

/** nfp_verify_insn: the opcode, the registers, then the check for what the instruction is. */
function nfpVerifyInsn(c: InsnCheck): OffloadRefusal | undefined {
  const { insns, i } = c;
  const code = insns.code[i]!;
  // The JIT translates by opcode alone: what else an instruction says (off selecting sdiv or movsx) it does not read.
  if (!SUPPORTED_OPCODES.has(code)) return refuse('EINVAL', `instruction ${hex(code)} not supported`);
  if (insns.src[i]! >= MAX_BPF_REG || insns.dst[i]! >= MAX_BPF_REG) return refuse('EINVAL', 'program uses extended registers - jit hardening?');
  if (code === (BPF_JMP | BPF_CALL) && insns.src[i] !== BPF_PSEUDO_CALL) return checkHelperCall(c);
  // nfp_bpf_check_exit: an XDP program may return anything; the NIC aborts what it has no action for.
  if (code === (BPF_JMP | BPF_EXIT)) return undefined;
  const noSize = code & ~BPF_LD_ST_SIZE_MASK;
  if (noSize === (BPF_LDX | BPF_MEM)) return checkPtr(c, insns.src[i]!);
  // A store of an immediate (BPF_ST) is not one nfp checks: is_mbpf_store is BPF_STX's.
  if (noSize === (BPF_STX | BPF_MEM)) return checkStore(c);
  if (noSize === (BPF_STX | BPF_ATOMIC)) return checkAtomic(c);
  const cls = BPF_CLASS(code);
  if (cls === BPF_ALU || cls === BPF_ALU64) return checkAlu(c);
  return undefined;
}

/** nfp_bpf_check_helper_call: the helpers the NIC has, each with what its arguments must be. */
function checkHelperCall(c: InsnCheck): OffloadRefusal | undefined {
  const { view, meta, firmware: fw } = c;
  const funcId = c.insns.imm[c.i]!;
  const reg1 = view.reg(1);
  const reg2 = view.reg(2);
  const reg3 = view.reg(3);
  let arg1 = reg1;
  switch (funcId) {
    case BPF_FUNC_xdp_adjust_head:
      // The firmware's adjust_head TLV gives an off_max; a zero one (no TLV) means no support.
      if (fw.adjustHead === null) return refuse('EOPNOTSUPP', 'adjust_head not supported by FW');
      break;
    case BPF_FUNC_xdp_adjust_tail:
      if (!fw.adjustTail) return refuse('EOPNOTSUPP', 'adjust_tail not supported by FW');
      break;
    case BPF_FUNC_map_lookup_elem: {
      const refusal = mapCallOk('map_lookup', fw.helpers.mapLookup) ?? stackArgOk('map_lookup', reg2);
      if (refusal) return refusal;
      break;
    }
    case BPF_FUNC_map_update_elem: {
      const refusal = mapCallOk('map_update', fw.helpers.mapUpdate) ?? stackArgOk('map_update', reg2) ?? stackArgOk('map_update', reg3) ?? mapUpdateValueOk(c, reg1, reg3);
      if (refusal) return refusal;
      break;
    }
    case BPF_FUNC_map_delete_elem: {
      const refusal = mapCallOk('map_delete', fw.helpers.mapDelete) ?? stackArgOk('map_delete', reg2);
      if (refusal) return refusal;
      break;
    }
    case BPF_FUNC_get_prandom_u32:
      if (!fw.pseudoRandom) return refuse('EOPNOTSUPP', "bpf_get_prandom_u32(): FW doesn't support random number generation");
      break;
    case BPF_FUNC_perf_event_output: {
      if (!fw.helpers.perfEventOutput) return refuse('EOPNOTSUPP', 'event_output: not supported by FW');
      // The NIC sends the event to the host in a control message, which reaches whichever CPU takes it:
      // the index bits of the flags must say "the current CPU", known exactly.
      const flags = reg3.varOff;
      const index = BigInt(BPF_F_INDEX_MASK);
      if ((flags.mask & index) !== 0n || (flags.value & index) !== BigInt(BPF_F_CURRENT_CPU)) {
        return refuse('EOPNOTSUPP', `event_output: must use BPF_F_CURRENT_CPU, var_off: ${offloadTnumStr(flags)}`);
      }
      // The data (R4) must be memory the NIC can copy out; a scalar is a NULL pointer.
      const reg4 = view.reg(4);
      const t = BPF_REG_TYPE;
      if (reg4.type !== t.SCALAR_VALUE && reg4.type !== t.PTR_TO_STACK && reg4.type !== t.PTR_TO_MAP_VALUE && reg4.type !== t.PTR_TO_PACKET) {
        return refuse('EOPNOTSUPP', `event_output: unsupported ptr type: ${reg4.type}`);
      }
      if (reg4.type === t.PTR_TO_STACK) {
        const refusal = stackArgOk('event_output', reg4);
        if (refusal) return refusal;
      }
      view.log('[nfp] warning: return codes and behavior of event_output helper differ for offload!');
      // One copy sequence is emitted for the call: on every walk the data must be the same kind of memory.
      if (meta.funcId !== 0 && reg4.type !== meta.arg1Type) return refuse('EINVAL', `event_output: ptr type changed: ${meta.arg1Type} ${reg4.type}`);
      arg1 = reg4;
      break;
    }
    default:
      return refuse('EOPNOTSUPP', `unsupported function id: ${funcId}`);
  }
  meta.funcId = funcId;
  meta.arg1Type = arg1.type;
  return undefined;
}

/** nfp_bpf_map_call_ok: the firmware implements the map helper. */
function mapCallOk(fname: string, supported: boolean): OffloadRefusal | undefined {
  return supported ? undefined : refuse('EOPNOTSUPP', `${fname}: not supported by FW`);
}

/**
 * nfp_bpf_stack_arg_ok: a key or value a helper gets must be on the stack,
 * at an offset known exactly, and 4-byte aligned: the JIT copies it out of
 * the NIC's stack memory in 4-byte words from a fixed place.
 */
function stackArgOk(fname: string, reg: OffloadReg): OffloadRefusal | undefined {
  if (reg.type !== BPF_REG_TYPE.PTR_TO_STACK) return refuse('EOPNOTSUPP', `${fname}: unsupported ptr type ${reg.type}`);
  if (reg.varOff.mask !== 0n) return refuse('EOPNOTSUPP', `${fname}: variable pointer`);
  const off = BigInt.asIntN(64, reg.varOff.value + BigInt(reg.off));
  if (-off % 4n !== 0n) return refuse('EOPNOTSUPP', `${fname}: unaligned stack pointer ${-off}`);
  return undefined;
}

/**
 * nfp_bpf_map_update_value_ok: the NIC keeps a map's values in its own
 * (big-endian) byte order, and converts only the words it knows are atomic
 * counters: an update may not store anything but zeroes into one, and each
 * word an update may store non-zero into is remembered, so that no atomic
 * add may be made to it later (mapMarkUsedOne).
 */
function mapUpdateValueOk(c: InsnCheck, reg1: OffloadReg, reg3: OffloadReg): OffloadRefusal | undefined {
  const map = reg1.map;
  // The kernel reads the map from R1 unchecked; a program whose R1 is no map is refused by the verifier right after.
  if (map === undefined) return undefined;
  const use = mapUse(c, map);
  const off = s32(reg3.off, reg3.varOff.value);
  for (let i = 0; i < map.valueSize; i++) {
    if (c.view.stackSlotType(reg3.frameno, off + i) === STACK_ZERO) continue;
    const soff = -(off + i) - 1;
    const word = use[Math.floor(i / 4)]!;
    if (word.type === MapUseType.ATOMIC_CNT) {
      return refuse(
        'EOPNOTSUPP',
        `value at offset ${i}/${soff} may be non-zero, bpf_map_update_elem() is required to initialize atomic counters to zero to avoid offload endian issues`,
      );
    }
    word.nonZeroUpdate = true;
  }
  return undefined;
}

/** The words of `map`'s value as nfp tracks them (nfp_map->use_map), made on first use. */
function mapUse(c: InsnCheck, map: VerifierMap): MapUse[] {
  let use = c.maps.get(map);
  if (!use) {
    use = Array.from({ length: Math.ceil(map.valueSize / 4) }, () => ({ type: MapUseType.UNUSED, nonZeroUpdate: false }));
    c.maps.set(map, use);
  }
  return use;
}

/**
 * nfp_bpf_check_ptr: what a load or store goes through. The NIC reaches the
 * context, the stack, map values and the packet each with other
 * instructions, and the JIT emits one of them per BPF instruction: every
 * walk of the instruction must use the same kind of pointer.
 */
function checkPtr(c: InsnCheck, regno: number): OffloadRefusal | undefined {
  const { meta, view } = c;
  const reg = view.reg(regno);
  const t = BPF_REG_TYPE;
  if (reg.type !== t.PTR_TO_CTX && reg.type !== t.PTR_TO_STACK && reg.type !== t.PTR_TO_MAP_VALUE && reg.type !== t.PTR_TO_PACKET) {
    return refuse('EINVAL', `unsupported ptr type: ${reg.type}`);
  }
  if (reg.type === t.PTR_TO_STACK) {
    const refusal = checkStackAccess(meta, reg);
    if (refusal) return refusal;
  }
  if (reg.type === t.PTR_TO_MAP_VALUE) {
    const kind = c.insns.code[c.i]! & ~BPF_LD_ST_SIZE_MASK;
    if (kind === (BPF_LDX | BPF_MEM)) {
      const refusal = mapMarkUsed(c, reg, MapUseType.READ);
      if (refusal) return refusal;
    }
    // Map values live in the NIC's memory, reached by the host through control messages: the program may only read them, or add atomically.
    if (kind === (BPF_STX | BPF_MEM)) return refuse('EOPNOTSUPP', 'map writes not supported');
    if (kind === (BPF_STX | BPF_ATOMIC)) {
      const refusal = mapMarkUsed(c, reg, MapUseType.ATOMIC_CNT);
      if (refusal) return refusal;
    }
  }
  if (meta.ptr !== undefined && meta.ptr.type !== reg.type) return refuse('EINVAL', `ptr type changed for instruction ${meta.ptr.type} -> ${reg.type}`);
  meta.ptr = { type: reg.type, off: reg.off, varOff: reg.varOff.value };
  return undefined;
}

/**
 * nfp_bpf_check_stack_access: the NIC's stack is reached through registers
 * set up for a constant offset; an offset that changes between walks may do
 * so only by whole 4-byte words.
 */
function checkStackAccess(meta: InsnMeta, reg: OffloadReg): OffloadRefusal | undefined {
  if (reg.varOff.mask !== 0n) return refuse('EINVAL', 'variable ptr stack access');
  if (meta.ptr === undefined) return undefined;
  const oldOff = s32(meta.ptr.off, meta.ptr.varOff);
  const newOff = s32(reg.off, reg.varOff.value);
  meta.ptrNotConst ||= oldOff !== newOff;
  if (!meta.ptrNotConst) return undefined;
  if (oldOff % 4 === newOff % 4) return undefined;
  return refuse('EINVAL', `stack access changed location was:${oldOff} is:${newOff}`);
}

/**
 * nfp_bpf_map_mark_used: which words of the value the access touches, at
 * an offset known exactly, and that each is used one way only (read, or
 * atomic counter): an atomic counter is kept in the NIC's byte order, which
 * a plain read would not see converted.
 */
function mapMarkUsed(c: InsnCheck, reg: OffloadReg, use: MapUseType): OffloadRefusal | undefined {
  if (reg.varOff.mask !== 0n) return refuse('EOPNOTSUPP', 'map value offset is variable');
  const map = reg.map!;
  // An unsigned int, as nfp computes it: a negative offset is a large one.
  const off = Number(BigInt.asUintN(32, reg.varOff.value + BigInt(c.insns.off[c.i]!) + BigInt(reg.off)));
  const size = SIZE_BYTES[BPF_SIZE(c.insns.code[c.i]!)]!;
  if (off + size > map.valueSize) return refuse('EINVAL', 'map value access out-of-bounds');
  const words = mapUse(c, map);
  for (let i = 0; i < size; i += 4 - ((off + i) % 4)) {
    const refusal = mapMarkUsedOne(words, off + i, use);
    if (refusal) return refusal;
  }
  return undefined;
}

/** nfp_bpf_map_mark_used_one. */
function mapMarkUsedOne(words: MapUse[], off: number, use: MapUseType): OffloadRefusal | undefined {
  const word = words[Math.floor(off / 4)]!;
  if (word.type !== MapUseType.UNUSED && word.type !== use) {
    return refuse('EOPNOTSUPP', `map value use type conflict ${MAP_USE_NAMES[word.type]} vs ${MAP_USE_NAMES[use]} off: ${off}`);
  }
  if (word.nonZeroUpdate && use === MapUseType.ATOMIC_CNT) {
    return refuse('EOPNOTSUPP', `atomic counter in map value may already be initialized to non-zero value off: ${off}`);
  }
  word.type = use;
  return undefined;
}

/**
 * nfp_bpf_check_store: a store to the context may only pick the RX queue
 * (rx_queue_index, which the verifier lets an offloaded program write), and
 * only on a firmware that can; anything else is checked as a pointer.
 */
function checkStore(c: InsnCheck): OffloadRefusal | undefined {
  const reg = c.view.reg(c.insns.dst[c.i]!);
  if (reg.type === BPF_REG_TYPE.PTR_TO_CTX) {
    // The instruction's own offset: nfp reads no fixed offset of the register.
    if (c.insns.off[c.i] === XDP_MD_RX_QUEUE_INDEX) {
      if (c.firmware.queueSelect) return checkPtr(c, c.insns.dst[c.i]!);
      return refuse('EOPNOTSUPP', 'queue selection not supported by FW');
    }
    return refuse('EOPNOTSUPP', 'unsupported store to context field');
  }
  return checkPtr(c, c.insns.dst[c.i]!);
}

/** nfp_bpf_check_atomic: the NIC has atomic add alone, of a scalar, to a map value. */
function checkAtomic(c: InsnCheck): OffloadRefusal | undefined {
  const imm = c.insns.imm[c.i]!;
  const sreg = c.view.reg(c.insns.src[c.i]!);
  const dreg = c.view.reg(c.insns.dst[c.i]!);
  // Fetching variants (BPF_ADD | BPF_FETCH) included: only a plain add is.
  if (imm !== BPF_ADD) return refuse('EOPNOTSUPP', `atomic op not implemented: ${imm}`);
  if (dreg.type !== BPF_REG_TYPE.PTR_TO_MAP_VALUE) return refuse('EOPNOTSUPP', `atomic add not to a map value pointer: ${dreg.type}`);
  if (sreg.type !== BPF_REG_TYPE.SCALAR_VALUE) return refuse('EOPNOTSUPP', `atomic add not of a scalar: ${sreg.type}`);
  return checkPtr(c, c.insns.dst[c.i]!);
}

/**
 * nfp_bpf_check_alu: the NIC multiplies 32-bit numbers at most, and divides
 * only by a constant, as a multiplication by its reciprocal. The operands'
 * bounds are those of every walk of the instruction taken together, since
 * one NIC sequence serves them all. A 32-bit operation is held to the
 * register's 64-bit bounds, as nfp holds it.
 */
function checkAlu(c: InsnCheck): OffloadRefusal | undefined {
  const { insns, i, meta, view } = c;
  // The source register's bounds are taken even for an immediate operand (src_reg 0 names R0): nfp does.
  const sreg = view.reg(insns.src[i]!);
  const dreg = view.reg(insns.dst[i]!);
  if (sreg.umin < meta.uminSrc) meta.uminSrc = sreg.umin;
  if (sreg.umax > meta.umaxSrc) meta.umaxSrc = sreg.umax;
  if (dreg.umin < meta.uminDst) meta.uminDst = dreg.umin;
  if (dreg.umax > meta.umaxDst) meta.umaxDst = dreg.umax;
  const code = insns.code[i]!;
  const op = BPF_OP(code);
  const src = BPF_SRC(code);
  const imm = insns.imm[i]!;
  if (op === BPF_MUL) {
    if (meta.umaxDst > U32_MAX) return refuse('EINVAL', 'multiplier is not within u32 value range');
    if (src === BPF_X && meta.umaxSrc > U32_MAX) return refuse('EINVAL', 'multiplicand is not within u32 value range');
    // A negative immediate is sign-extended to 64 bits in ALU64; in 32-bit ALU the low half of the product is the same either way.
    if (BPF_CLASS(code) === BPF_ALU64 && src === BPF_K && imm < 0) return refuse('EINVAL', "sign extended multiplicand won't be within u32 value range");
  }
  if (op === BPF_DIV) {
    if (meta.umaxDst > U32_MAX) return refuse('EINVAL', 'dividend is not within u32 value range');
    if (src === BPF_X) {
      if (meta.uminSrc !== meta.umaxSrc) return refuse('EINVAL', 'divisor is not constant');
      if (meta.umaxSrc > U32_MAX) return refuse('EINVAL', 'divisor is not within u32 value range');
    }
    if (src === BPF_K && imm < 0) return refuse('EINVAL', 'divide by negative constant is not supported');
  }
  return undefined;
}

// nfp's own sizes (nfp/bpf/main.h, nfp/nfp_asm.h), not UAPI.
/** STACK_FRAME_ALIGN: the NIC lays each function's frame out on 64 bytes. */
const STACK_FRAME_ALIGN = 64;
/** REG_WIDTH: a called function's frame starts with its return address. */
const REG_WIDTH = 4;
/** BPF_REG_SIZE * 4: R6-R9, saved in a called function's frame when it writes any of them. */
const SAVED_REGS_SIZE = 32;

/**
 * nfp_bpf_finalize's stack rule: each function's frame is its stack depth
 * as the verifier found it, plus, for a called function, its return address
 * and the callee-saved registers it writes, rounded up to 64 bytes; along
 * the deepest chain of BPF-to-BPF calls (nfp_bpf_get_stack_usage) they must
 * fit the stack the firmware gives a program.
 */
function nfpBpfFinalize(insns: InsnArray, view: OffloadFinalView, fw: NfpFirmware): OffloadRefusal | undefined {
  const subprogs = view.subprogs;
  const subprogOf = (insn: number): number => {
    let k = 0;
    while (k + 1 < subprogs.length && subprogs[k + 1]!.start <= insn) k++;
    return k;
  };
  // nfp_assign_subprog_idx_and_regs: a function that names R6-R9 as a destination saves them.
  const pushes = subprogs.map(() => false);
  for (let i = 0; i < insns.length; i++) {
    const dst = insns.dst[i]!;
    if (dst >= 6 && dst <= 9) pushes[subprogOf(i)] = true;
  }
  const frame = subprogs.map((s, k) => {
    const depth = s.stackDepth + (k === 0 ? 0 : REG_WIDTH + (pushes[k] ? SAVED_REGS_SIZE : 0));
    return Math.ceil(depth / STACK_FRAME_ALIGN) * STACK_FRAME_ALIGN;
  });
  // The verifier has refused recursion already: the calls form a tree of bounded depth.
  const usage = (k: number): number => {
    const end = subprogs[k + 1]?.start ?? insns.length;
    let deepest = 0;
    for (let i = subprogs[k]!.start; i < end; i++) {
      if (insns.code[i] === (BPF_JMP | BPF_CALL) && insns.src[i] === BPF_PSEUDO_CALL) deepest = Math.max(deepest, usage(subprogOf(i + 1 + insns.imm[i]!)));
    }
    return frame[k]! + deepest;
  };
  const stack = usage(0);
  if (stack > fw.stackSize) return refuse('EOPNOTSUPP', `stack too large: program ${stack}B > FW stack ${fw.stackSize}B`);
  return undefined;
}
