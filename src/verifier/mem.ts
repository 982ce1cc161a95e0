import { BPF_F_RDONLY_PROG, BPF_F_WRONLY_PROG } from '../uapi/bpf.js';
import { RegState, RegType } from './reg.js';
import { coerceToSize, coerceToSizeSx } from './scalar.js';
import { tnumAdd, tnumConst, tnumIsAligned, tnumIsConst, tnumStr } from './tnum.js';
import { checkCtxAccess, checkSockAccess } from './ctx.js';
import { checkStackRead, checkStackWrite, stackBounds } from './stack.js';
import type { VerifierState } from './state.js';
import { BPF_MAX_VAR_OFF, type Verifier } from './verifier.js';
import { fromBigInt, fromNumber, isNeg, isZero, toBigS, toBigU, toNumberU } from './word.js';

export type AccessType = 'read' | 'write';

export interface MemAccess {
  /** The register holding the pointer. */
  regno: number;
  /** The instruction's offset. */
  off: number;
  size: number;
  type: AccessType;
  /** The register written (read) or stored (write), or -1. */
  valueRegno: number;
  /** For BPF_ST: the stored immediate. */
  imm?: number;
  /** A sign-extending load. */
  sx?: boolean;
  /** Part of an atomic instruction: alignment is strict. */
  atomic?: boolean;
}

const S64_MIN = -(1n << 63n);

/**
 * A load or store through a register (check_mem_access): what the pointer
 * may reach, at this offset and size, for reading or writing; a load's
 * result lands in the value register, typed as the memory says.
 */
export function checkMemAccess(v: Verifier, st: VerifierState, a: MemAccess): void {
  const f = st.cur;
  const reg = f.regs[a.regno]!;
  if (a.atomic) checkAlignment(v, reg, a.off, a.size);
  else if (reg.type === RegType.PTR_TO_STACK) checkAlignment(v, reg, a.off, a.size);
  const off = a.off + reg.off;
  const value = a.valueRegno >= 0 ? f.regs[a.valueRegno]! : undefined;
  let result: RegState | undefined;
  const unknown = (): RegState => {
    const r = new RegState();
    r.markUnknown();
    return r;
  };

  switch (reg.type) {
    case RegType.PTR_TO_MAP_VALUE: {
      if (reg.maybeNull) v.fail(`R${a.regno} invalid mem access '${reg.typeName()}'`);
      const map = reg.map!;
      checkMapAccessType(v, reg, off, a.size, a.type);
      checkMemRegion(v, a.regno, reg, off, a.size, map.valueSize, false);
      checkMapSpecialFields(v, reg, off, a.size);
      if (a.type === 'read') {
        result = unknown();
        const direct = tnumIsConst(reg.value.varOff) ? directRead(reg, off + toNumberU(reg.value.varOff.value), a.size, a.sx ?? false) : undefined;
        if (direct !== undefined) result.markKnown(fromBigInt(direct));
      }
      break;
    }
    case RegType.PTR_TO_MEM: {
      if (reg.maybeNull) v.fail(`R${a.regno} invalid mem access '${reg.typeName()}'`);
      if (a.type === 'write' && reg.rdonly) v.fail(`R${a.regno} cannot write into ${reg.typeName()}`);
      checkMemRegion(v, a.regno, reg, off, a.size, reg.memSize, false);
      if (a.type === 'read') result = unknown();
      break;
    }
    case RegType.PTR_TO_MAP_KEY: {
      if (a.type === 'write') v.fail(`write to change key R${a.regno} not allowed`);
      checkMemRegion(v, a.regno, reg, off, a.size, reg.map!.keySize, false);
      result = unknown();
      break;
    }
    case RegType.PTR_TO_CTX: {
      checkPtrOffReg(v, reg, a.regno, false);
      const type = checkCtxAccess(v, off, a.size, a.type);
      if (a.type === 'read') {
        result = new RegState();
        if (type === RegType.SCALAR_VALUE) result.markUnknown();
        else result.markPointer(type);
      }
      break;
    }
    case RegType.PTR_TO_STACK: {
      stackBounds(v, st, a.regno, off, a.size, a.type === 'read' ? ' read from' : ' write to');
      const frame = st.frames[reg.frameno]!;
      if (a.type === 'write') checkStackWrite(v, st, frame, reg, off, a.size, value, a.imm);
      else result = checkStackRead(v, frame, reg, off, a.size, a.valueRegno);
      break;
    }
    case RegType.PTR_TO_PACKET:
    case RegType.PTR_TO_PACKET_META:
      checkPacketAccess(v, a.regno, reg, off, a.size, false);
      if (a.type === 'read') result = unknown();
      break;
    case RegType.PTR_TO_SOCKET:
    case RegType.PTR_TO_SOCK_COMMON:
      if (reg.maybeNull) v.fail(`R${a.regno} invalid mem access '${reg.typeName()}'`);
      if (isNeg(reg.value.smin)) v.fail(`R${a.regno} min value is negative, either use unsigned index or do a if (index >=0) check.`);
      checkSockAccess(v, a.regno, reg.typeName(), off, a.size, a.type);
      if (a.type === 'read') result = unknown();
      break;
    default:
      v.fail(`R${a.regno} invalid mem access '${reg.typeName()}'`);
  }

  if (a.type === 'read' && a.valueRegno >= 0 && result) {
    if (result.type === RegType.SCALAR_VALUE && a.size < 8) {
      if (a.sx) coerceToSizeSx(result.value, a.size);
      else coerceToSize(result.value, a.size);
    }
    f.regs[a.valueRegno]!.copyFrom(result);
  }
}

/** check_ptr_alignment for the accesses that are always strict: the stack, and atomics anywhere. */
function checkAlignment(v: Verifier, reg: RegState, off: number, size: number): void {
  if (size === 1) return;
  const at = tnumAdd(reg.value.varOff, tnumConst(fromNumber(reg.off + off)));
  if (tnumIsAligned(at, size)) return;
  const desc: Partial<Record<RegType, string>> = {
    [RegType.PTR_TO_STACK]: 'stack ',
    [RegType.PTR_TO_MAP_VALUE]: 'value ',
    [RegType.PTR_TO_MAP_KEY]: 'key ',
    [RegType.PTR_TO_CTX]: 'context ',
  };
  // A constant variable part reads as its value; any other as the tnum.
  const varOff = tnumIsConst(reg.value.varOff) ? String(toBigS(reg.value.varOff.value)) : tnumStr(reg.value.varOff);
  if (reg.isPacket) v.fail(`misaligned packet access off ${0}+${varOff}+${reg.off}+${off} size ${size}`);
  v.fail(`misaligned ${desc[reg.type] ?? ''}access off ${varOff}+${reg.off}+${off} size ${size}`);
}

/** __check_ptr_off_reg: context pointers must be used as they were handed over. */
export function checkPtrOffReg(v: Verifier, reg: RegState, regno: number, fixedOffOk: boolean): void {
  if (reg.off < 0) v.fail(`negative offset ${reg.typeName()} ptr R${regno} off=${reg.off} disallowed`);
  if (!fixedOffOk && reg.off) v.fail(`dereference of modified ${reg.typeName()} ptr R${regno} off=${reg.off} disallowed`);
  if (!tnumIsConst(reg.value.varOff) || !isZero(reg.value.varOff.value)) {
    v.fail(`variable ${reg.typeName()} access var_off=${tnumStr(reg.value.varOff)} disallowed`);
  }
}

/** The access a map's BPF_F_RDONLY_PROG / BPF_F_WRONLY_PROG allows the program (check_map_access_type). */
export function checkMapAccessType(v: Verifier, reg: RegState, off: number, size: number, type: AccessType): void {
  const map = reg.map!;
  const flags = map.flags & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG);
  const canRead = flags !== BPF_F_WRONLY_PROG;
  const canWrite = flags !== BPF_F_RDONLY_PROG;
  if (type === 'write' && !canWrite) v.fail(`write into map forbidden, value_size=${map.valueSize} off=${off} size=${size}`);
  if (type === 'read' && !canRead) v.fail(`read from map forbidden, value_size=${map.valueSize} off=${off} size=${size}`);
}

/** Spin locks and timers in a map value are reached through their helpers only. */
function checkMapSpecialFields(v: Verifier, reg: RegState, off: number, size: number): void {
  const map = reg.map!;
  const lo = BigInt(off) + toBigS(reg.value.smin);
  const hi = BigInt(off) + toBigS(reg.value.umax) + BigInt(size);
  const overlaps = (fieldOff: number | undefined, fieldSize: number): boolean =>
    fieldOff !== undefined && lo < BigInt(fieldOff + fieldSize) && BigInt(fieldOff) < hi;
  if (overlaps(map.spinLockOff, 4)) v.fail(`bpf_spin_lock cannot be accessed directly by load/store`);
  if (overlaps(map.timerOff, 16)) v.fail(`bpf_timer cannot be accessed directly by load/store`);
}

/** A load from a frozen read-only map at a known offset reads its contents (bpf_map_direct_read). */
function directRead(reg: RegState, at: number, size: number, sx: boolean): bigint | undefined {
  const map = reg.map!;
  if (!map.frozen || (map.flags & BPF_F_RDONLY_PROG) === 0 || !map.data) return undefined;
  if (at < 0 || at + size > map.data.length) return undefined;
  let value = 0n;
  for (let i = size - 1; i >= 0; i--) value = (value << 8n) | BigInt(map.data[at + i]!);
  return sx ? BigInt.asUintN(64, BigInt.asIntN(size * 8, value)) : value;
}

/**
 * __check_mem_access: `off` and `size` inside `memSize`; the refusal names
 * the kind of memory as the kernel does.
 */
function checkMemAccessBounds(v: Verifier, regno: number, reg: RegState, off: bigint, size: number, memSize: number, zeroSizeAllowed: boolean): boolean {
  const sizeOk = size > 0 || (size === 0 && zeroSizeAllowed);
  if (off >= 0n && sizeOk && off + BigInt(size) <= BigInt(memSize)) return true;
  switch (reg.type) {
    case RegType.PTR_TO_MAP_KEY:
      v.log.push(`invalid access to map key, key_size=${memSize} off=${off} size=${size}`);
      break;
    case RegType.PTR_TO_MAP_VALUE:
      v.log.push(`invalid access to map value, value_size=${memSize} off=${off} size=${size}`);
      break;
    case RegType.PTR_TO_PACKET:
    case RegType.PTR_TO_PACKET_META:
    case RegType.PTR_TO_PACKET_END:
      v.log.push(`invalid access to packet, off=${off} size=${size}, R${regno}(id=${reg.id},off=${off},r=${memSize})`);
      break;
    default:
      v.log.push(`invalid access to memory, mem_size=${memSize} off=${off} size=${size}`);
  }
  return false;
}

/**
 * check_mem_region_access: a pointer with a variable part reaches memory
 * from its smallest to its largest offset, and both ends must fit.
 */
export function checkMemRegion(v: Verifier, regno: number, reg: RegState, off: number, size: number, memSize: number, zeroSizeAllowed: boolean): void {
  const smin = toBigS(reg.value.smin);
  const umax = toBigU(reg.value.umax);
  const o = BigInt(off);
  if (smin < 0n && (smin === S64_MIN || o + smin !== BigInt.asIntN(32, o + smin) || smin + o < 0n)) {
    v.fail(`R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`);
  }
  if (!checkMemAccessBounds(v, regno, reg, smin + o, size, memSize, zeroSizeAllowed)) {
    v.fail(`R${regno} min value is outside of the allowed memory range`);
  }
  if (umax >= BPF_MAX_VAR_OFF) v.fail(`R${regno} unbounded memory access, make sure to bounds check any such access`);
  if (!checkMemAccessBounds(v, regno, reg, umax + o, size, memSize, zeroSizeAllowed)) {
    v.fail(`R${regno} max value is outside of the allowed memory range`);
  }
}

/** check_packet_access: within the range comparisons against data_end have proven. */
export function checkPacketAccess(v: Verifier, regno: number, reg: RegState, off: number, size: number, zeroSizeAllowed: boolean): void {
  if (isNeg(reg.value.smin)) v.fail(`R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`);
  if (!checkMemAccessBounds(v, regno, reg, BigInt(off), size, reg.range, zeroSizeAllowed)) {
    v.fail(`R${regno} offset is outside of the packet`);
  }
}

