import { HELPER_PROTOS } from '../helpers/protos.js';
import { helperName, type ArgSpec, type BpfFuncProto } from '../helpers/proto.js';
import { mapFuncCompatible } from '../helpers/map-compat.js';
import * as fn from '../uapi/func-ids.js';
import {
  BPF_F_RDONLY_PROG,
  BPF_MAP_TYPE_ARRAY,
  BPF_MAP_TYPE_ARRAY_OF_MAPS,
  BPF_MAP_TYPE_HASH,
  BPF_MAP_TYPE_HASH_OF_MAPS,
  BPF_MAP_TYPE_LRU_HASH,
  BPF_MAP_TYPE_LRU_PERCPU_HASH,
  BPF_MAP_TYPE_PERCPU_ARRAY,
  BPF_MAP_TYPE_PERCPU_HASH,
  BPF_MAP_TYPE_PROG_ARRAY,
} from '../uapi/bpf.js';
import type { VerifierMap } from './env.js';
import { checkMapAccessType, checkMemRegion, checkPacketAccess, checkPtrOffReg } from './mem.js';
import { xdpHelperRefusal } from './helper-call.js';
import { RegState, RegType, regTypeName } from './reg.js';
import { checkResourceLeak } from './leak.js';
import { tnumIsConst } from './tnum.js';
import { isNeg, isZero, toBigU, toNumberS, toNumberU } from './word.js';
import { checkStackRange } from './stack.js';
import { BPF_REG_SIZE, FuncState, MAX_CALL_FRAMES, SlotType, type VerifierState } from './state.js';
import { BPF_MAX_VAR_SIZ, PRECISE_KEY, type Verifier } from './verifier.js';

/** Types each kind of helper argument accepts, in the order the kernel lists them when it refuses one. */
const MEM_TYPES = [RegType.PTR_TO_STACK, RegType.PTR_TO_PACKET, RegType.PTR_TO_PACKET_META, RegType.PTR_TO_MAP_KEY, RegType.PTR_TO_MAP_VALUE, RegType.PTR_TO_MEM];
const MEM_TYPES_NAMES = 'fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_';

/** What the arguments told about each other (the kernel's bpf_call_arg_meta). */
interface CallMeta {
  map?: VerifierMap;
  /** Which lookup of an outer map `map` came from (map_uid), 0 for a map the program names. */
  mapUid?: number;
  /** The key, when it is a constant on the stack (get_constant_map_key). */
  constKey?: bigint;
  /** The register of the memory a size argument measures. */
  memRegno?: number;
  memSpec?: ArgSpec;
  /** The constant size of an allocation (ringbuf_reserve) or of dynptr_data. */
  allocSize?: number;
  /** The reference an argument releases. */
  releaseRefObjId?: number;
  /** The subprogram a callback argument points to. */
  callback?: number;
}

/** Callbacks a helper runs, and the R0 range they must return (the kernel's callback_ret_range). */
const CALLBACK_HELPERS: ReadonlyMap<number, { retMin: number; retMax: number }> = new Map([
  [fn.BPF_FUNC_loop, { retMin: 0, retMax: 1 }],
  [fn.BPF_FUNC_for_each_map_elem, { retMin: 0, retMax: 1 }],
  [fn.BPF_FUNC_timer_set_callback, { retMin: 0, retMax: 0 }],
]);

/**
 * A helper call (check_helper_call): each argument against the proto's
 * type, memory arguments checked for the size they are given, references
 * acquired and released, R1-R5 clobbered and R0 typed by the proto's return
 * type. Returns the frame to enter when the helper runs a callback.
 */
export function checkHelperCall(v: Verifier, st: VerifierState, i: number): FuncState | undefined {
  const id = v.insns.imm[i]!;
  // do_check refuses any call under a lock before check_helper_call looks at which it is.
  if (st.activeLock && id !== fn.BPF_FUNC_spin_unlock) v.fail('function calls are not allowed while holding a lock', 'EINVAL');
  const refusal = xdpHelperRefusal(id, v.input.gpl);
  if (refusal !== undefined) v.fail(refusal, 'EINVAL');
  const proto = HELPER_PROTOS.get(id)!;
  const name = `${helperName(id)}#${id}`;
  const f = st.cur;
  const meta: CallMeta = {};
  proto.args.forEach((spec, argi) => checkArg(v, st, spec, argi + 1, meta));
  recordFuncMap(v, id, meta);

  if (id === fn.BPF_FUNC_tail_call) checkResourceLeak(v, st, 'tail_call');
  if (id === fn.BPF_FUNC_spin_lock) spinLock(v, st, f.regs[1]!);
  if (id === fn.BPF_FUNC_spin_unlock) spinUnlock(v, st, f.regs[1]!);
  if (meta.releaseRefObjId !== undefined) releaseReference(v, st, meta.releaseRefObjId);

  const callbackSpec = CALLBACK_HELPERS.get(id);
  let callee: FuncState | undefined;
  if (callbackSpec && meta.callback !== undefined) callee = callbackFrame(v, st, i, id, meta, callbackSpec);

  for (let r = 1; r <= 5; r++) f.regs[r]!.markNotInit();
  const r0 = f.regs[0]!;
  setReturn(v, st, i, proto, meta, r0);
  if (meta.map && !mapFuncCompatible(meta.map.type, id)) v.fail(`cannot pass map_type ${meta.map.type} into func ${name}`, 'EINVAL');
  if (proto.changesPktData && !(id === fn.BPF_FUNC_tail_call && st.frames.length === 1)) clearPacketPointers(st);
  return callee;
}

/** Helpers that change a map's contents, which BPF_F_RDONLY_PROG forbids the program. */
const MAP_WRITERS: ReadonlySet<number> = new Set([fn.BPF_FUNC_map_update_elem, fn.BPF_FUNC_map_delete_elem, fn.BPF_FUNC_map_push_elem, fn.BPF_FUNC_map_pop_elem]);

/**
 * record_func_map and record_func_key, right after the arguments: a map the
 * program may only read takes no writing helper, and a tail call needs a
 * program array. Whether the helper works on the map's type at all is
 * checked later (check_map_func_compatibility), once R0 is set.
 */
function recordFuncMap(v: Verifier, id: number, meta: CallMeta): void {
  if (meta.map && (meta.map.flags & BPF_F_RDONLY_PROG) !== 0 && MAP_WRITERS.has(id)) v.fail('write into map forbidden');
  if (id === fn.BPF_FUNC_tail_call && meta.map?.type !== BPF_MAP_TYPE_PROG_ARRAY) v.fail('expected prog array map for tail call', 'EINVAL');
}

function checkArg(v: Verifier, st: VerifierState, spec: ArgSpec, regno: number, meta: CallMeta): void {
  const f = st.cur;
  const reg = f.regs[regno]!;
  if (reg.type === RegType.NOT_INIT) v.fail(`R${regno} !read_ok`);
  const expect = (types: readonly RegType[], names?: string): void => {
    if (spec.maybeNull && reg.isKnownZero) return;
    if (types.includes(reg.type) && !reg.maybeNull) return;
    v.fail(`R${regno} type=${reg.typeName()} expected=${names ?? types.map(regTypeName).join(', ')}`);
  };
  const isNull = spec.maybeNull === true && reg.isKnownZero;
  switch (spec.type) {
    case 'ARG_ANYTHING':
      return;
    case 'ARG_CONST_MAP_PTR':
      expect([RegType.CONST_PTR_TO_MAP]);
      // After a timer argument, the map must be the one the timer lives in: the same inner map lookup, too.
      if (meta.map !== undefined && (meta.map !== reg.map || meta.mapUid !== reg.mapUid)) {
        v.fail(`timer pointer in R1 map_uid=${meta.mapUid ?? 0} doesn't match map pointer in R2 map_uid=${reg.mapUid}`, 'EINVAL');
      }
      meta.map = reg.map;
      meta.mapUid = reg.mapUid;
      return;
    case 'ARG_PTR_TO_MAP_KEY':
    case 'ARG_PTR_TO_MAP_VALUE': {
      expect(MEM_TYPES, MEM_TYPES_NAMES);
      if (isNull) return;
      if (!meta.map) v.fail(`invalid map_ptr to access map->${spec.type === 'ARG_PTR_TO_MAP_KEY' ? 'key' : 'value'}`);
      const size = spec.type === 'ARG_PTR_TO_MAP_KEY' ? meta.map.keySize : meta.map.valueSize;
      helperMem(v, st, regno, BigInt(size), spec.write || spec.uninit ? 'write' : 'read', false, spec.uninit ?? false);
      if (spec.type === 'ARG_PTR_TO_MAP_KEY' && ELIDE_NULL_MAPS.has(meta.map.type)) meta.constKey = constantMapKey(v, st, reg, size);
      return;
    }
    case 'ARG_PTR_TO_MEM':
      expect(MEM_TYPES, MEM_TYPES_NAMES);
      if (isNull) return;
      if (reg.rdonly && spec.write && !spec.rdonly) v.fail(`R${regno} cannot write into ${reg.typeName()}`);
      if (spec.size !== undefined) helperMem(v, st, regno, BigInt(spec.size), spec.write || spec.uninit ? 'write' : 'read', false, spec.uninit ?? false);
      meta.memRegno = regno;
      meta.memSpec = spec;
      return;
    case 'ARG_CONST_SIZE':
    case 'ARG_CONST_SIZE_OR_ZERO': {
      expect([RegType.SCALAR_VALUE], 'scalar');
      const zeroOk = spec.type === 'ARG_CONST_SIZE_OR_ZERO';
      if (isNeg(reg.value.smin)) v.fail(`R${regno} min value is negative, either use unsigned or 'var &= const'`);
      if (isZero(reg.value.umin) && !zeroOk) v.fail(`R${regno} invalid zero-sized read: u64=[${toBigU(reg.value.umin)},${toBigU(reg.value.umax)}]`);
      if (toNumberU(reg.value.umax) >= BPF_MAX_VAR_SIZ) v.fail(`R${regno} unbounded memory access, use 'var &= const' or 'if (var < const)'`);
      const memRegno = meta.memRegno ?? regno - 1;
      const memSpec = meta.memSpec;
      const memReg = f.regs[memRegno]!;
      if (memSpec?.maybeNull && memReg.isKnownZero) {
        if (!isZero(reg.value.umax)) v.fail(`R${memRegno} type=scalar expected=${MEM_TYPES_NAMES}`);
        return;
      }
      const access = memSpec?.write || memSpec?.uninit ? 'write' : 'read';
      helperMem(v, st, memRegno, toBigU(reg.value.umax), access, zeroOk, (memSpec?.uninit ?? false) && tnumIsConst(reg.value.varOff));
      meta.allocSize = reg.value.isConst() ? toNumberU(reg.value.constValue()) : undefined;
      return;
    }
    case 'ARG_CONST_ALLOC_SIZE_OR_ZERO':
      expect([RegType.SCALAR_VALUE], 'scalar');
      if (!reg.value.isConst()) v.fail(`R${regno} is not a known constant'`);
      meta.allocSize = toNumberU(reg.value.constValue());
      return;
    case 'ARG_PTR_TO_CTX':
      expect([RegType.PTR_TO_CTX]);
      if (!isNull) checkPtrOffReg(v, reg, regno, false);
      return;
    case 'ARG_PTR_TO_FUNC':
      expect([RegType.PTR_TO_FUNC]);
      meta.callback = reg.subprog;
      return;
    case 'ARG_PTR_TO_STACK':
      expect([RegType.PTR_TO_STACK]);
      return;
    case 'ARG_PTR_TO_SPIN_LOCK':
    case 'ARG_PTR_TO_TIMER': {
      // A lock may also be in an object of bpf_obj_new (a BTF pointer), which XDP programs do not get here.
      expect([RegType.PTR_TO_MAP_VALUE], spec.type === 'ARG_PTR_TO_SPIN_LOCK' ? 'map_value, ptr_' : undefined);
      const what = spec.type === 'ARG_PTR_TO_SPIN_LOCK' ? 'bpf_spin_lock' : 'bpf_timer';
      if (!tnumIsConst(reg.value.varOff)) v.fail(`R${regno} doesn't have constant offset. ${what} has to be at the constant offset`, 'EINVAL');
      const at = reg.off + toNumberU(reg.value.varOff.value);
      if (!reg.map!.btf) v.fail(`map '${reg.map!.name}' has to have BTF in order to use ${what}`, 'EINVAL');
      const fieldOff = spec.type === 'ARG_PTR_TO_SPIN_LOCK' ? reg.map!.spinLockOff : reg.map!.timerOff;
      if (fieldOff === undefined) v.fail(`map '${reg.map!.name}' has no valid ${what}`, 'EINVAL');
      if (at !== fieldOff) v.fail(`off ${at} doesn't point to 'struct ${what}' that is at ${fieldOff}`, 'EINVAL');
      if (spec.type === 'ARG_PTR_TO_TIMER') {
        meta.map = reg.map;
        meta.mapUid = reg.mapUid;
      }
      return;
    }
    case 'ARG_PTR_TO_CONST_STR': {
      expect([RegType.PTR_TO_MAP_VALUE]);
      const map = reg.map!;
      if (!map.frozen || !map.data) v.fail(`R${regno} does not point to a readonly map'`);
      if (!tnumIsConst(reg.value.varOff)) v.fail(`R${regno} is not a constant address'`);
      const at = reg.off + toNumberU(reg.value.varOff.value);
      checkMemRegion(v, regno, reg, reg.off, 1, map.valueSize, false);
      if (map.data.indexOf(0, at) < 0) v.fail('string is not zero-terminated');
      return;
    }
    case 'ARG_PTR_TO_RINGBUF_MEM':
      if (!(reg.type === RegType.PTR_TO_MEM && reg.memKind === 'ringbuf' && !reg.maybeNull)) {
        v.fail(`R${regno} type=${reg.typeName()} expected=ringbuf_mem`);
      }
      if (reg.off !== 0 || !reg.value.isConst() || !isZero(reg.value.constValue())) v.fail(`R${regno} must have zero offset when passed to release func or trusted arg to kfunc`, 'EINVAL');
      if (spec.release) meta.releaseRefObjId = reg.refObjId;
      return;
    case 'ARG_PTR_TO_DYNPTR':
      checkDynptrArg(v, st, spec, regno, meta);
      return;
    default:
      // Sockets, BTF-typed kernel objects: the pointer types the kernel hands out and takes back.
      if (spec.release && reg.refObjId) meta.releaseRefObjId = reg.refObjId;
      if (!reg.isPointer && !isNull) v.fail(`R${regno} type=${reg.typeName()} expected=${KERNEL_OBJECT_TYPES[spec.type] ?? 'ptr_'}`);
  }
}

/** The pointer types the kernel's compatible_reg_types lists for arguments that take kernel objects, as it names them. */
const KERNEL_OBJECT_TYPES: Readonly<Partial<Record<string, string>>> = {
  ARG_PTR_TO_SOCK_COMMON: 'sock_common, sock, tcp_sock, xdp_sock',
  ARG_PTR_TO_BTF_ID_SOCK_COMMON: 'sock_common, sock, tcp_sock, xdp_sock, ptr_, trusted_ptr_',
  ARG_PTR_TO_SOCKET: 'sock',
  ARG_PTR_TO_BTF_ID: 'ptr_, trusted_ptr_, rcu_ptr_',
};

/** check_helper_mem_access: memory a helper reads or writes, `size` bytes from the pointer. */
export function helperMem(v: Verifier, st: VerifierState, regno: number, size: bigint, access: 'read' | 'write', zeroSizeAllowed: boolean, uninit: boolean): void {
  const reg = st.cur.regs[regno]!;
  const n = Number(size);
  switch (reg.type) {
    case RegType.PTR_TO_PACKET:
    case RegType.PTR_TO_PACKET_META:
      checkPacketAccess(v, regno, reg, reg.off, n, zeroSizeAllowed);
      return;
    case RegType.PTR_TO_MAP_KEY:
      if (access === 'write') v.fail(`R${regno} cannot write into ${reg.typeName()}`);
      checkMemRegion(v, regno, reg, reg.off, n, reg.map!.keySize, zeroSizeAllowed);
      return;
    case RegType.PTR_TO_MAP_VALUE:
      checkMapAccessType(v, reg, reg.off, n, access);
      checkMemRegion(v, regno, reg, reg.off, n, reg.map!.valueSize, zeroSizeAllowed);
      return;
    case RegType.PTR_TO_MEM:
      if (access === 'write' && reg.rdonly) v.fail(`R${regno} cannot write into ${reg.typeName()}`);
      checkMemRegion(v, regno, reg, reg.off, n, reg.memSize, zeroSizeAllowed);
      return;
    case RegType.PTR_TO_STACK:
      checkStackRange(v, st, regno, reg.off, n, zeroSizeAllowed, access === 'write', uninit);
      return;
    default:
      if (zeroSizeAllowed && n === 0 && reg.isKnownZero) return;
      v.fail(`R${regno} type=${reg.typeName()} expected=fp`);
  }
}

/** A dynptr argument: 16 bytes of stack, made by the helper (uninit) or made before and of the right kind. */
function checkDynptrArg(v: Verifier, st: VerifierState, spec: ArgSpec, regno: number, meta: CallMeta): void {
  const reg = st.cur.regs[regno]!;
  if (reg.type !== RegType.PTR_TO_STACK && reg.type !== RegType.CONST_PTR_TO_DYNPTR) v.fail(`R${regno} type=${reg.typeName()} expected=fp, dynptr_ptr`);
  if (reg.type === RegType.CONST_PTR_TO_DYNPTR) return;
  if (!tnumIsConst(reg.value.varOff)) v.fail(`R${regno} doesn't have constant offset. dynptr has to be at a constant offset`);
  const at = reg.off + toNumberS(reg.value.varOff.value);
  if (at % 8 !== 0) v.fail(`cannot pass in dynptr at an offset=${at}`);
  const frame = st.frames[reg.frameno]!;
  if (spec.uninit) {
    checkStackRange(v, st, regno, reg.off, 16, false, true, true);
    const id = spec.dynptr === 'ringbuf' ? v.newId() : 0;
    if (id) st.refs.push({ id, insn: v.insn });
    for (const [k, o] of [[0, at], [1, at + 8]] as const) {
      const slot = frame.slot(o, true)!;
      slot.types.fill(SlotType.STACK_DYNPTR);
      slot.spilled = undefined;
      slot.dynptr = { kind: spec.dynptr ?? 'local', first: k === 0, refObjId: id };
    }
    return;
  }
  const first = frame.slot(at, false);
  if (!first?.dynptr || !first.dynptr.first) v.fail(`Expected an initialized dynptr as arg #${regno}`);
  if (spec.dynptr && first.dynptr.kind !== spec.dynptr) v.fail(`Expected a dynptr of type ${spec.dynptr} as arg #${regno}`);
  if (spec.release) {
    meta.releaseRefObjId = first.dynptr.refObjId;
    for (const o of [at, at + 8]) {
      const slot = frame.slot(o, false)!;
      slot.types.fill(SlotType.STACK_INVALID);
      slot.dynptr = undefined;
    }
  }
}

/** release_reference: the reference and every pointer that carries it are gone. */
function releaseReference(v: Verifier, st: VerifierState, refObjId: number): void {
  if (!st.refs.some((r) => r.id === refObjId)) v.fail(`R1 must be referenced when passed to release function`);
  st.refs = st.refs.filter((r) => r.id !== refObjId);
  for (const r of st.allRegs()) if (r.refObjId === refObjId) r.markUnknown();
}

function spinLock(v: Verifier, st: VerifierState, reg: RegState): void {
  if (st.activeLock) v.fail('Locking two bpf_spin_locks are not allowed', 'EINVAL');
  st.activeLock = reg.id || -1;
  st.activeLockMap = reg.map;
}

function spinUnlock(v: Verifier, st: VerifierState, reg: RegState): void {
  if (!st.activeLock) v.fail('bpf_spin_unlock without taking a lock', 'EINVAL');
  if ((reg.id || -1) !== st.activeLock || reg.map !== st.activeLockMap) v.fail('bpf_spin_unlock of different lock', 'EINVAL');
  st.activeLock = 0;
  st.activeLockMap = undefined;
}

/** R0 after the call, as the proto's return type says. */
function setReturn(v: Verifier, st: VerifierState, i: number, proto: BpfFuncProto, meta: CallMeta, r0: RegState): void {
  switch (proto.ret) {
    case 'RET_VOID':
      r0.markNotInit();
      return;
    case 'RET_INTEGER':
      r0.markUnknown();
      return;
    case 'RET_PTR_TO_MAP_VALUE_OR_NULL': {
      const map = meta.map!;
      r0.markPointer(RegType.PTR_TO_MAP_VALUE);
      if (map.type === BPF_MAP_TYPE_ARRAY_OF_MAPS || map.type === BPF_MAP_TYPE_HASH_OF_MAPS) {
        r0.type = RegType.CONST_PTR_TO_MAP;
        r0.map = map.inner;
      } else {
        r0.map = map;
      }
      // An array always has an element at a constant key below max_entries (can_elide_value_nullness).
      r0.maybeNull = !(ELIDE_NULL_MAPS.has(map.type) && v.insns.imm[i] === fn.BPF_FUNC_map_lookup_elem && meta.constKey !== undefined && meta.constKey < BigInt(map.maxEntries));
      // A value holding a bpf_spin_lock keeps an id even when it cannot be NULL: the lock is taken through it.
      const locked = r0.type === RegType.PTR_TO_MAP_VALUE && map.spinLockOff !== undefined;
      r0.id = r0.maybeNull || locked || r0.type === RegType.CONST_PTR_TO_MAP ? v.newId() : 0;
      // Each lookup in an outer map may find another inner map: its id tells them apart; their values carry it.
      r0.mapUid = r0.type === RegType.CONST_PTR_TO_MAP ? r0.id : (meta.mapUid ?? 0);
      return;
    }
    case 'RET_PTR_TO_RINGBUF_MEM_OR_NULL':
    case 'RET_PTR_TO_DYNPTR_MEM_OR_NULL': {
      r0.markPointer(RegType.PTR_TO_MEM);
      r0.maybeNull = true;
      r0.memSize = meta.allocSize ?? 0;
      r0.id = v.newId();
      if (proto.ret === 'RET_PTR_TO_RINGBUF_MEM_OR_NULL') {
        r0.memKind = 'ringbuf';
        acquireReference(v, st, i, r0);
      }
      return;
    }
    case 'RET_PTR_TO_SOCKET_OR_NULL':
    case 'RET_PTR_TO_SOCK_COMMON_OR_NULL': {
      r0.markPointer(proto.ret === 'RET_PTR_TO_SOCKET_OR_NULL' ? RegType.PTR_TO_SOCKET : RegType.PTR_TO_SOCK_COMMON);
      r0.maybeNull = true;
      r0.id = v.newId();
      acquireReference(v, st, i, r0);
      return;
    }
    case 'RET_PTR_TO_MEM_OR_BTF_ID_RDONLY':
    case 'RET_PTR_TO_MEM_OR_BTF_ID_OR_NULL_RDONLY':
      r0.markPointer(RegType.PTR_TO_MEM);
      r0.rdonly = true;
      r0.maybeNull = proto.ret === 'RET_PTR_TO_MEM_OR_BTF_ID_OR_NULL_RDONLY';
      if (r0.maybeNull) r0.id = v.newId();
      return;
    default:
      r0.markPointer(RegType.PTR_TO_BTF_ID);
      r0.maybeNull = proto.ret.endsWith('OR_NULL');
      if (r0.maybeNull) r0.id = v.newId();
  }
}

/**
 * acquire_reference: a reference of its own for what an acquiring helper
 * returns, drawn after the id the null check uses, which it then replaces
 * (so the kernel's first reference is id=2).
 */
function acquireReference(v: Verifier, st: VerifierState, i: number, r0: RegState): void {
  const id = v.newId();
  r0.id = id;
  r0.refObjId = id;
  st.refs.push({ id, insn: i });
}

/** A helper that may move the packet leaves every packet pointer unknown (clear_all_pkt_pointers). */
export function clearPacketPointers(st: VerifierState): void {
  for (const r of st.allRegs()) if (r.isPacket || r.type === RegType.PTR_TO_PACKET_END) r.markUnknown();
}

/** Maps whose lookup at a constant key in range cannot fail. */
const ELIDE_NULL_MAPS: ReadonlySet<number> = new Set([BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_PERCPU_ARRAY]);

/**
 * get_constant_map_key: the key `keySize` bytes at the stack pointer `reg`
 * when they are known, as zero bytes or as one spilled constant of exactly
 * the key's size; undefined otherwise.
 */
function constantMapKey(v: Verifier, st: VerifierState, reg: RegState, keySize: number): bigint | undefined {
  if (reg.type !== RegType.PTR_TO_STACK || !tnumIsConst(reg.value.varOff)) return undefined;
  const at = reg.off + toNumberS(reg.value.varOff.value);
  const slot = st.frames[reg.frameno]!.slot(at, false);
  if (!slot) return undefined;
  const first = (-at - 1) % BPF_REG_SIZE;
  let zeros = 0;
  for (let k = first; k >= 0 && slot.types[k] === SlotType.STACK_ZERO; k--) zeros++;
  if (zeros >= keySize) return 0n;
  if (!slot.isSpill || slot.spilled?.type !== RegType.SCALAR_VALUE) return undefined;
  let spilled = 0;
  for (let k = first; k >= 0 && slot.types[k] === SlotType.STACK_SPILL; k--) spilled++;
  if (spilled !== keySize || !tnumIsConst(slot.spilled.value.varOff)) return undefined;
  // The result now depends on the spilled value: it must be exact where states are pruned.
  v.needsPrecise(PRECISE_KEY);
  return toBigU(slot.spilled.value.varOff.value);
}

/** Map types whose elements bpf_for_each_map_elem can walk (those with map_for_each_callback). */
const FOR_EACH_MAPS: ReadonlySet<number> = new Set([
  BPF_MAP_TYPE_HASH,
  BPF_MAP_TYPE_PERCPU_HASH,
  BPF_MAP_TYPE_LRU_HASH,
  BPF_MAP_TYPE_LRU_PERCPU_HASH,
  BPF_MAP_TYPE_ARRAY,
  BPF_MAP_TYPE_PERCPU_ARRAY,
]);

/** The frame a callback runs in, its arguments as the helper passes them. */
function callbackFrame(v: Verifier, st: VerifierState, i: number, id: number, meta: CallMeta, ret: { retMin: number; retMax: number }): FuncState {
  if (st.frames.length >= MAX_CALL_FRAMES) v.fail(`the call stack of ${st.frames.length + 1} frames is too deep`, 'E2BIG');
  const caller = st.cur;
  const callee = new FuncState(st.frames.length, i, v.subprogIndex(meta.callback!));
  callee.callback = { helper: id, ...ret };
  const r = callee.regs;
  r[10]!.markPointer(RegType.PTR_TO_STACK);
  r[10]!.frameno = callee.frameno;
  const mapArgs = (map: VerifierMap | undefined): void => {
    r[1]!.markPointer(RegType.CONST_PTR_TO_MAP);
    r[1]!.map = map;
    r[2]!.markPointer(RegType.PTR_TO_MAP_KEY);
    r[2]!.map = map;
    r[3]!.markPointer(RegType.PTR_TO_MAP_VALUE);
    r[3]!.map = map;
    // An element's value gets an id of its own, as a lookup's would: a lock in it is taken through it.
    r[3]!.id = v.newId();
  };
  if (id === fn.BPF_FUNC_loop) {
    r[1]!.markUnknown();
    r[2]!.copyFrom(caller.regs[3]!);
  } else if (id === fn.BPF_FUNC_for_each_map_elem) {
    mapArgs(meta.map);
    r[4]!.copyFrom(caller.regs[3]!);
  } else {
    mapArgs(meta.map);
  }
  if (id === fn.BPF_FUNC_for_each_map_elem && !FOR_EACH_MAPS.has(meta.map!.type)) v.fail('callback function not allowed for map', 'ENOTSUPP');
  return callee;
}
