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
 * Decodes raw bytecode into slot arrays and refuses every encoding the ISA
 * leaves undefined: unknown opcodes, reserved fields that are not zero, bad
 * `lddw` second halves. The checks and their wording follow the kernel's
 * `check_*` functions, so a program refused here is refused by the kernel too.
 */
export function decode(bytes: Uint8Array): InsnArray {
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
    i += validateSlot(out, i);
  }
  return out;
}

/** Checks slot `i`; returns 1 when it is an `lddw` whose second slot must be skipped. */
function validateSlot(p: InsnArray, i: number): 0 | 1 {
  const code = p.code[i]!;
  const fail = (reason: string): never => {
    throw new InvalidInstructionError(i, reason);
  };
  if (p.dst[i]! >= MAX_BPF_REG) fail(`R${p.dst[i]} is invalid`);
  if (p.src[i]! >= MAX_BPF_REG && !isPseudoSrc(code)) fail(`R${p.src[i]} is invalid`);
  switch (BPF_CLASS(code)) {
    case BPF_ALU:
    case BPF_ALU64:
      validateAlu(p, i, fail);
      return 0;
    case BPF_JMP:
    case BPF_JMP32:
      validateJmp(p, i, fail);
      return 0;
    case BPF_LDX:
      if (BPF_MODE(code) !== BPF_MEM && !(BPF_MODE(code) === BPF_MEMSX && BPF_SIZE(code) !== BPF_DW)) {
        fail(`unknown opcode ${hex2(code)}`);
      }
      if (p.imm[i] !== 0) fail('BPF_LDX uses reserved fields');
      return 0;
    case BPF_ST:
      if (BPF_MODE(code) !== BPF_MEM) fail(`unknown opcode ${hex2(code)}`);
      if (p.src[i] !== 0) fail('BPF_ST uses reserved fields');
      return 0;
    case BPF_STX:
      validateStx(p, i, fail);
      return 0;
    default:
      return validateLd(p, i, fail);
  }
}

/** Only lddw and call give src_reg a meaning other than a register (pseudo sources). */
function isPseudoSrc(code: number): boolean {
  return code === (BPF_LD | BPF_IMM | BPF_DW) || code === (BPF_JMP | BPF_CALL);
}

type Fail = (reason: string) => never;

function validateAlu(p: InsnArray, i: number, fail: Fail): void {
  const code = p.code[i]!;
  const op = BPF_OP(code);
  const is64 = BPF_CLASS(code) === BPF_ALU64;
  const off = p.off[i]!;
  const regSource = BPF_SRC(code) === BPF_X;
  switch (op) {
    case BPF_NEG:
      if (regSource || p.src[i] !== 0 || off !== 0 || p.imm[i] !== 0) fail('BPF_NEG uses reserved fields');
      return;
    case BPF_END:
      if (is64 && regSource) fail(`unknown opcode ${hex2(code)}`);
      if (p.src[i] !== 0 || off !== 0 || (p.imm[i] !== 16 && p.imm[i] !== 32 && p.imm[i] !== 64)) {
        fail('BPF_END uses reserved fields');
      }
      return;
    case BPF_MOV:
      if (regSource) {
        const sx = off === 0 || off === 8 || off === 16 || (is64 && off === 32);
        if (p.imm[i] !== 0 || !sx) fail('BPF_MOV uses reserved fields');
      } else if (p.src[i] !== 0 || off !== 0) {
        fail('BPF_MOV uses reserved fields');
      }
      return;
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
      if (!offOk || !operandOk) fail('BPF_ALU uses reserved fields');
      return;
    }
    default:
      fail(`unknown opcode ${hex2(code)}`);
  }
}

function validateJmp(p: InsnArray, i: number, fail: Fail): void {
  const code = p.code[i]!;
  const op = BPF_OP(code);
  const is32 = BPF_CLASS(code) === BPF_JMP32;
  const regSource = BPF_SRC(code) === BPF_X;
  switch (op) {
    case BPF_JA:
      // JMP ja carries its target in off; JMP32 ja (gotol) in imm.
      if (regSource || p.src[i] !== 0 || p.dst[i] !== 0 || (is32 ? p.off[i] !== 0 : p.imm[i] !== 0)) {
        fail('BPF_JA uses reserved fields');
      }
      return;
    case BPF_CALL:
      if (is32) fail(`unknown opcode ${hex2(code)}`);
      if (regSource) {
        // callx: the helper id is taken from dst_reg at run time (uBPF and the
        // conformance suite; the kernel verifier does not accept it).
        if (p.src[i] !== 0 || p.off[i] !== 0 || p.imm[i] !== 0) fail('BPF_CALL uses reserved fields');
      } else {
        const src = p.src[i]!;
        const srcOk = src === 0 || src === BPF_PSEUDO_CALL || src === BPF_PSEUDO_KFUNC_CALL;
        if (!srcOk || p.dst[i] !== 0 || (p.off[i] !== 0 && src !== BPF_PSEUDO_KFUNC_CALL)) {
          fail('BPF_CALL uses reserved fields');
        }
      }
      return;
    case BPF_EXIT:
      if (is32 || regSource) fail(`unknown opcode ${hex2(code)}`);
      if (p.src[i] !== 0 || p.dst[i] !== 0 || p.off[i] !== 0 || p.imm[i] !== 0) fail('BPF_EXIT uses reserved fields');
      return;
    case BPF_JCOND:
      if (is32 || regSource || p.src[i] !== BPF_MAY_GOTO || p.dst[i] !== 0 || p.imm[i] !== 0) {
        fail('invalid may_goto');
      }
      return;
    case 0xf0:
      fail(`unknown opcode ${hex2(code)}`);
      return;
    default:
      if (regSource ? p.imm[i] !== 0 : p.src[i] !== 0) fail('BPF_JMP/JMP32 uses reserved fields');
  }
}

function validateStx(p: InsnArray, i: number, fail: Fail): void {
  const code = p.code[i]!;
  const mode = BPF_MODE(code);
  if (mode === BPF_MEM) {
    if (p.imm[i] !== 0) fail('BPF_STX uses reserved fields');
    return;
  }
  if (mode !== BPF_ATOMIC) fail(`unknown opcode ${hex2(code)}`);
  const size = BPF_SIZE(code);
  const imm = p.imm[i]!;
  if (imm === BPF_LOAD_ACQ || imm === BPF_STORE_REL) return;
  if (size !== BPF_W && size !== BPF_DW) fail(`invalid atomic operand size`);
  const base = imm & ~BPF_FETCH;
  const rmw = base === BPF_ADD || base === BPF_OR || base === BPF_AND || base === BPF_XOR;
  if (!rmw && imm !== BPF_XCHG && imm !== BPF_CMPXCHG) {
    fail(`BPF_ATOMIC uses invalid atomic opcode ${hex2(imm & 0xff)}`);
  }
}

function validateLd(p: InsnArray, i: number, fail: Fail): 0 | 1 {
  const code = p.code[i]!;
  const mode = BPF_MODE(code);
  if (mode === BPF_ABS || mode === BPF_IND) {
    // Legacy packet loads decode, but only socket filters may run them; the
    // program checks refuse them for XDP with the kernel's message.
    if (BPF_SIZE(code) === BPF_DW) fail(`unknown opcode ${hex2(code)}`);
    if (p.off[i] !== 0 || (mode === BPF_ABS && p.src[i] !== 0) || p.dst[i] !== 0) {
      fail('BPF_LD_[ABS|IND] uses reserved fields');
    }
    return 0;
  }
  if (mode !== BPF_IMM) fail(`unknown opcode ${hex2(code)}`);
  if (BPF_SIZE(code) !== BPF_DW) fail('invalid BPF_LD_IMM insn');
  // The kernel looks at the program's last instruction (check_subprogs) before it pairs ldimm64 halves.
  if (i + 1 >= p.length) fail('last insn is not an exit or jmp');
  const src = p.src[i]!;
  if (p.off[i] !== 0 || p.code[i + 1] !== 0 || p.dst[i + 1] !== 0 || p.src[i + 1] !== 0 || p.off[i + 1] !== 0) {
    fail('invalid bpf_ld_imm64 insn');
  }
  if (src > BPF_PSEUDO_MAP_IDX_VALUE) fail('unrecognized bpf_ld_imm64 insn');
  // A map or function reference has no offset half.
  if ((src === BPF_PSEUDO_MAP_FD || src === BPF_PSEUDO_MAP_IDX || src === BPF_PSEUDO_FUNC) && p.imm[i + 1] !== 0) {
    fail('unrecognized bpf_ld_imm64 insn');
  }
  return 1;
}

function hex2(v: number): string {
  return v.toString(16).padStart(2, '0');
}

