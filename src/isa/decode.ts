import { InvalidInstructionError } from './errors.js';
import { InsnArray } from './instruction.js';
import {
  BPF_ABS,
  BPF_ADD,
  BPF_ALU,
  BPF_ALU64,
  BPF_AND,
  BPF_ARSH,
  BPF_ATOMIC,
  BPF_CALL,
  BPF_CLASS,
  BPF_CMPXCHG,
  BPF_DIV,
  BPF_DW,
  BPF_END,
  BPF_EXIT,
  BPF_FETCH,
  BPF_IMM,
  BPF_IND,
  BPF_INSN_SIZE,
  BPF_JA,
  BPF_JMP,
  BPF_JMP32,
  BPF_LD,
  BPF_LDX,
  BPF_LOAD_ACQ,
  BPF_LSH,
  BPF_MEM,
  BPF_MEMSX,
  BPF_MOD,
  BPF_MODE,
  BPF_MOV,
  BPF_MUL,
  BPF_NEG,
  BPF_OP,
  BPF_OR,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_FUNC,
  BPF_PSEUDO_KFUNC_CALL,
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_IDX,
  BPF_PSEUDO_MAP_IDX_VALUE,
  BPF_RSH,
  BPF_SIZE,
  BPF_SRC,
  BPF_ST,
  BPF_STORE_REL,
  BPF_STX,
  BPF_SUB,
  BPF_W,
  BPF_X,
  BPF_XCHG,
  BPF_XOR,
  MAX_BPF_REG,
} from './opcodes.js';

/** The conditional-jump operation that carries `may_goto` (BPF_JCOND in linux/bpf.h). */
export const BPF_JCOND = 0xe0;
export const BPF_MAY_GOTO = 0;

/**
 * What is wrong with an instruction, and when the kernel says so: most
 * encodings it refuses for the whole program before it looks at any path
 * (unknown opcodes, bad `lddw` halves), but reserved fields, registers past
 * R10 and atomic operands only once its walk reaches the instruction
 * (do_check), so code no path reaches may hold them.
 */
export interface SlotProblem {
  readonly reason: string;
  readonly atWalk: boolean;
}

export interface DecodeOptions {
  /** Leave the problems the kernel finds only on its walk to the verifier (slotProblem). */
  readonly deferWalkChecks?: boolean;
}

/**
 * Decodes raw bytecode into slot arrays and refuses every encoding the ISA
 * leaves undefined: unknown opcodes, reserved fields that are not zero, bad
 * `lddw` second halves. The checks and their wording follow the kernel's
 * `check_*` functions, so a program refused here is refused by the kernel too
 * (unless the refusal is one of its walk's and no path reaches the slot:
 * `deferWalkChecks` leaves those to the verifier).
 */
export function decode(bytes: Uint8Array, options: DecodeOptions = {}): InsnArray {
  if (bytes.length % BPF_INSN_SIZE !== 0) {
    throw new InvalidInstructionError(
      Math.floor(bytes.length / BPF_INSN_SIZE),
      `program size ${bytes.length} is not a multiple of ${BPF_INSN_SIZE} bytes`,
    );
  }
  const n = bytes.length / BPF_INSN_SIZE;
  const out = new InsnArray(n);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < n; i++) {
    const at = i * BPF_INSN_SIZE;
    out.code[i] = bytes[at]!;
    out.dst[i] = bytes[at + 1]! & 0x0f;
    out.src[i] = bytes[at + 1]! >> 4;
    out.off[i] = view.getInt16(at + 2, true);
    out.imm[i] = view.getInt32(at + 4, true);
  }
  for (let i = 0; i < n; i++) {
    const problem = slotProblem(out, i);
    if (problem && !(options.deferWalkChecks === true && problem.atWalk)) throw new InvalidInstructionError(i, problem.reason);
    // The second slot of an lddw is its immediate's high half, not an instruction.
    if (out.code[i] === (BPF_LD | BPF_IMM | BPF_DW)) i++;
  }
  return out;
}

const early = (reason: string): SlotProblem => ({ reason, atWalk: false });
const atWalk = (reason: string): SlotProblem => ({ reason, atWalk: true });

/** What is wrong with slot `i` (the first slot of an instruction), if anything. */
export function slotProblem(p: InsnArray, i: number): SlotProblem | undefined {
  const problem = classProblem(p, i);
  if (problem && !problem.atWalk) return problem;
  // The kernel checks an ALU or store instruction's fields before its registers (check_alu_op,
  // do_check's BPF_ST/BPF_STX), a jump's registers first.
  const cls = BPF_CLASS(p.code[i]!);
  const fieldsFirst = cls === BPF_ALU || cls === BPF_ALU64 || cls === BPF_ST || cls === BPF_STX;
  return fieldsFirst ? (problem ?? registerProblem(p, i)) : (registerProblem(p, i) ?? problem);
}

function classProblem(p: InsnArray, i: number): SlotProblem | undefined {
  const code = p.code[i]!;
  switch (BPF_CLASS(code)) {
    case BPF_ALU:
    case BPF_ALU64:
      return aluProblem(p, i);
    case BPF_JMP:
    case BPF_JMP32:
      return jmpProblem(p, i);
    case BPF_LDX:
      if (BPF_MODE(code) !== BPF_MEM && !(BPF_MODE(code) === BPF_MEMSX && BPF_SIZE(code) !== BPF_DW)) return early(`unknown opcode ${hex2(code)}`);
      return p.imm[i] !== 0 ? early('BPF_LDX uses reserved fields') : undefined;
    case BPF_ST:
      if (BPF_MODE(code) !== BPF_MEM) return early(`unknown opcode ${hex2(code)}`);
      return p.src[i] !== 0 ? atWalk('BPF_ST uses reserved fields') : undefined;
    case BPF_STX:
      return stxProblem(p, i);
    default:
      return ldProblem(p, i);
  }
}

/** check_reg_arg: registers past R10 (src_reg of lddw and calls says something else). */
function registerProblem(p: InsnArray, i: number): SlotProblem | undefined {
  if (p.dst[i]! >= MAX_BPF_REG) return atWalk(`R${p.dst[i]} is invalid`);
  if (p.src[i]! >= MAX_BPF_REG && !isPseudoSrc(p.code[i]!)) return atWalk(`R${p.src[i]} is invalid`);
  return undefined;
}

/** Only lddw and call give src_reg a meaning other than a register (pseudo sources). */
function isPseudoSrc(code: number): boolean {
  return code === (BPF_LD | BPF_IMM | BPF_DW) || code === (BPF_JMP | BPF_CALL);
}

function aluProblem(p: InsnArray, i: number): SlotProblem | undefined {
  const code = p.code[i]!;
  const op = BPF_OP(code);
  const is64 = BPF_CLASS(code) === BPF_ALU64;
  const off = p.off[i]!;
  const regSource = BPF_SRC(code) === BPF_X;
  switch (op) {
    case BPF_NEG:
      return regSource || p.src[i] !== 0 || off !== 0 || p.imm[i] !== 0 ? atWalk('BPF_NEG uses reserved fields') : undefined;
    case BPF_END:
      if (is64 && regSource) return early(`unknown opcode ${hex2(code)}`);
      return p.src[i] !== 0 || off !== 0 || (p.imm[i] !== 16 && p.imm[i] !== 32 && p.imm[i] !== 64) ? atWalk('BPF_END uses reserved fields') : undefined;
    case BPF_MOV:
      if (regSource) {
        const sx = off === 0 || off === 8 || off === 16 || (is64 && off === 32);
        return p.imm[i] !== 0 || !sx ? atWalk('BPF_MOV uses reserved fields') : undefined;
      }
      return p.src[i] !== 0 || off !== 0 ? atWalk('BPF_MOV uses reserved fields') : undefined;
    case BPF_ADD:
    case BPF_SUB:
    case BPF_MUL:
    case BPF_OR:
    case BPF_AND:
    case BPF_LSH:
    case BPF_RSH:
    case BPF_XOR:
    case BPF_ARSH:
    case BPF_DIV:
    case BPF_MOD: {
      // Only div and mod have a signed variant, selected by off = 1.
      const offOk = off === 0 || (off === 1 && (op === BPF_DIV || op === BPF_MOD));
      const operandOk = regSource ? p.imm[i] === 0 : p.src[i] === 0;
      return !offOk || !operandOk ? atWalk('BPF_ALU uses reserved fields') : undefined;
    }
    default:
      return early(`unknown opcode ${hex2(code)}`);
  }
}

function jmpProblem(p: InsnArray, i: number): SlotProblem | undefined {
  const code = p.code[i]!;
  const op = BPF_OP(code);
  const is32 = BPF_CLASS(code) === BPF_JMP32;
  const regSource = BPF_SRC(code) === BPF_X;
  switch (op) {
    case BPF_JA:
      // JMP ja carries its target in off; JMP32 ja (gotol) in imm.
      if (regSource || p.src[i] !== 0 || p.dst[i] !== 0 || (is32 ? p.off[i] !== 0 : p.imm[i] !== 0)) return atWalk('BPF_JA uses reserved fields');
      return undefined;
    case BPF_CALL: {
      if (is32) return early(`unknown opcode ${hex2(code)}`);
      // callx: the helper id is taken from dst_reg at run time (uBPF and the
      // conformance suite; the kernel verifier does not accept it).
      if (regSource) return p.src[i] !== 0 || p.off[i] !== 0 || p.imm[i] !== 0 ? atWalk('BPF_CALL uses reserved fields') : undefined;
      const src = p.src[i]!;
      const srcOk = src === 0 || src === BPF_PSEUDO_CALL || src === BPF_PSEUDO_KFUNC_CALL;
      if (!srcOk || p.dst[i] !== 0 || (p.off[i] !== 0 && src !== BPF_PSEUDO_KFUNC_CALL)) return atWalk('BPF_CALL uses reserved fields');
      return undefined;
    }
    case BPF_EXIT:
      if (is32 || regSource) return early(`unknown opcode ${hex2(code)}`);
      return p.src[i] !== 0 || p.dst[i] !== 0 || p.off[i] !== 0 || p.imm[i] !== 0 ? atWalk('BPF_EXIT uses reserved fields') : undefined;
    case BPF_JCOND:
      return is32 || regSource || p.src[i] !== BPF_MAY_GOTO || p.dst[i] !== 0 || p.imm[i] !== 0 ? early('invalid may_goto') : undefined;
    case 0xf0:
      return early(`unknown opcode ${hex2(code)}`);
    default:
      return (regSource ? p.imm[i] !== 0 : p.src[i] !== 0) ? atWalk('BPF_JMP/JMP32 uses reserved fields') : undefined;
  }
}

function stxProblem(p: InsnArray, i: number): SlotProblem | undefined {
  const code = p.code[i]!;
  const mode = BPF_MODE(code);
  if (mode === BPF_MEM) return p.imm[i] !== 0 ? atWalk('BPF_STX uses reserved fields') : undefined;
  if (mode !== BPF_ATOMIC) return early(`unknown opcode ${hex2(code)}`);
  const size = BPF_SIZE(code);
  const imm = p.imm[i]!;
  if (imm === BPF_LOAD_ACQ || imm === BPF_STORE_REL) return undefined;
  const base = imm & ~BPF_FETCH;
  const rmw = base === BPF_ADD || base === BPF_OR || base === BPF_AND || base === BPF_XOR;
  if (!rmw && imm !== BPF_XCHG && imm !== BPF_CMPXCHG) return atWalk(`BPF_ATOMIC uses invalid atomic opcode ${hex2(imm >>> 0)}`);
  if (size !== BPF_W && size !== BPF_DW) return atWalk('invalid atomic operand size');
  return undefined;
}

function ldProblem(p: InsnArray, i: number): SlotProblem | undefined {
  const code = p.code[i]!;
  const mode = BPF_MODE(code);
  if (mode === BPF_ABS || mode === BPF_IND) {
    // Legacy packet loads decode, but only socket filters may run them; the
    // program checks refuse them for XDP with the kernel's message.
    if (BPF_SIZE(code) === BPF_DW) return early(`unknown opcode ${hex2(code)}`);
    if (p.off[i] !== 0 || (mode === BPF_ABS && p.src[i] !== 0) || p.dst[i] !== 0) return atWalk('BPF_LD_[ABS|IND] uses reserved fields');
    return undefined;
  }
  if (mode !== BPF_IMM) return early(`unknown opcode ${hex2(code)}`);
  if (BPF_SIZE(code) !== BPF_DW) return early('invalid BPF_LD_IMM insn');
  // The kernel looks at the program's last instruction (check_subprogs) before it pairs ldimm64 halves.
  if (i + 1 >= p.length) return early('last insn is not an exit or jmp');
  const src = p.src[i]!;
  if (p.off[i] !== 0 || p.code[i + 1] !== 0 || p.dst[i + 1] !== 0 || p.src[i + 1] !== 0 || p.off[i + 1] !== 0) return early('invalid bpf_ld_imm64 insn');
  if (src > BPF_PSEUDO_MAP_IDX_VALUE) return early('unrecognized bpf_ld_imm64 insn');
  // A map or function reference has no offset half.
  if ((src === BPF_PSEUDO_MAP_FD || src === BPF_PSEUDO_MAP_IDX || src === BPF_PSEUDO_FUNC) && p.imm[i + 1] !== 0) return early('unrecognized bpf_ld_imm64 insn');
  return undefined;
}

function hex2(v: number): string {
  return v.toString(16).padStart(2, '0');
}

