/**
 * The few instruction facts the object loader needs: it must recognise calls
 * and 64-bit immediate loads to append subprograms and patch map references.
 */
import { BPF_CALL_OPCODE, BPF_DW, BPF_IMM, BPF_LD, BPF_PSEUDO_CALL, BPF_PSEUDO_FUNC } from '../isa/opcodes.js';

export const BPF_INSN_SZ = 8;

/** BPF_LD | BPF_IMM | BPF_DW: the two-slot 64-bit immediate load. */
const BPF_LD_IMM64 = BPF_LD | BPF_IMM | BPF_DW;

/** A view over one instruction array, read and patched in place. */
export class InsnView {
  private readonly view: DataView;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get count(): number {
    return this.bytes.length / BPF_INSN_SZ;
  }

  code(i: number): number {
    return this.bytes[i * BPF_INSN_SZ]!;
  }

  dst(i: number): number {
    return this.bytes[i * BPF_INSN_SZ + 1]! & 0x0f;
  }

  src(i: number): number {
    return this.bytes[i * BPF_INSN_SZ + 1]! >> 4;
  }

  setSrc(i: number, src: number): void {
    const at = i * BPF_INSN_SZ + 1;
    this.bytes[at] = (this.bytes[at]! & 0x0f) | (src << 4);
  }

  off(i: number): number {
    return this.view.getInt16(i * BPF_INSN_SZ + 2, true);
  }

  imm(i: number): number {
    return this.view.getInt32(i * BPF_INSN_SZ + 4, true);
  }

  setImm(i: number, imm: number): void {
    this.view.setInt32(i * BPF_INSN_SZ + 4, imm, true);
  }

  isCall(i: number): boolean {
    return this.code(i) === BPF_CALL_OPCODE;
  }

  isLdImm64(i: number): boolean {
    return this.code(i) === BPF_LD_IMM64;
  }

  /** libbpf's insn_is_subprog_call: a BPF-to-BPF call with the other fields zero. */
  isSubprogCall(i: number): boolean {
    return this.isCall(i) && this.src(i) === BPF_PSEUDO_CALL && this.dst(i) === 0 && this.off(i) === 0;
  }

  isPseudoFunc(i: number): boolean {
    return this.isLdImm64(i) && this.src(i) === BPF_PSEUDO_FUNC;
  }
}
