import { BPF_INSN_SIZE, BPF_LDDW } from './opcodes.js';

/**
 * One decoded instruction slot. For `lddw`, the slot holds the whole 64-bit
 * immediate: `imm` is the low half and `imm2` the high half (the second slot's imm).
 */
export interface Insn {
  code: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
  imm2?: number;
}

/**
 * A program in struct-of-arrays form: one entry per 8-byte slot, so an index is
 * the kernel's instruction number. The interpreter and the JIT read these arrays
 * directly; the second slot of an `lddw` keeps the high half of the immediate in
 * `imm` and has `code` 0.
 */
export class InsnArray {
  readonly code: Uint8Array;
  readonly dst: Uint8Array;
  readonly src: Uint8Array;
  readonly off: Int16Array;
  readonly imm: Int32Array;

  constructor(readonly length: number) {
    this.code = new Uint8Array(length);
    this.dst = new Uint8Array(length);
    this.src = new Uint8Array(length);
    this.off = new Int16Array(length);
    this.imm = new Int32Array(length);
  }

  /**
   * Opcode, registers and offset of each slot in one word
   * (`code | dst << 8 | src << 12 | off << 16`), so an interpreter reads two
   * arrays per instruction instead of five. Built on demand from the fields.
   */
  packed(): Int32Array {
    const out = new Int32Array(this.length);
    for (let i = 0; i < this.length; i++) {
      out[i] = this.code[i]! | (this.dst[i]! << 8) | (this.src[i]! << 12) | (this.off[i]! << 16);
    }
    return out;
  }

  /** The instruction at slot `i`, with the high immediate half folded in for `lddw`. */
  at(i: number): Insn {
    const insn: Insn = {
      code: this.code[i]!,
      dst: this.dst[i]!,
      src: this.src[i]!,
      off: this.off[i]!,
      imm: this.imm[i]!,
    };
    if (insn.code === BPF_LDDW && i + 1 < this.length) insn.imm2 = this.imm[i + 1]!;
    return insn;
  }

  /** Number of slots the instruction at `i` occupies. */
  width(i: number): 1 | 2 {
    return this.code[i] === BPF_LDDW ? 2 : 1;
  }

  /** The raw little-endian bytes, exactly as they were decoded or assembled. */
  toBytes(): Uint8Array {
    const bytes = new Uint8Array(this.length * BPF_INSN_SIZE);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < this.length; i++) {
      const at = i * BPF_INSN_SIZE;
      bytes[at] = this.code[i]!;
      bytes[at + 1] = (this.src[i]! << 4) | this.dst[i]!;
      view.setInt16(at + 2, this.off[i]!, true);
      view.setInt32(at + 4, this.imm[i]!, true);
    }
    return bytes;
  }

  /** Builds the slot arrays from instructions; an `lddw` expands to two slots. */
  static from(insns: readonly Insn[]): InsnArray {
    let slots = 0;
    for (const insn of insns) slots += insn.code === BPF_LDDW ? 2 : 1;
    const out = new InsnArray(slots);
    let i = 0;
    for (const insn of insns) {
      out.code[i] = insn.code;
      out.dst[i] = insn.dst;
      out.src[i] = insn.src;
      out.off[i] = insn.off;
      out.imm[i] = insn.imm;
      i++;
      if (insn.code === BPF_LDDW) {
        out.imm[i] = insn.imm2 ?? 0;
        i++;
      }
    }
    return out;
  }
}
