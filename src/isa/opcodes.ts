// Opcode fields of the eBPF instruction set (RFC 9669), named as in linux/bpf.h and
// linux/bpf_common.h so that code here reads like the kernel's verifier and JITs.
// Typed here rather than generated into src/uapi, each field's values next to the
// mask that extracts it: the installed headers lack the newest (BPF_MEMSX,
// BPF_LOAD_ACQ) and the kernel's BTF has no #defines to add them from, so
// test/uapi/opcodes.test.ts checks the rest against the headers instead.

/** Size of one instruction slot in bytes; `lddw` takes two slots. */
export const BPF_INSN_SIZE = 8;

// Instruction classes: the low 3 bits of the opcode.
export const BPF_LD = 0x00;
export const BPF_LDX = 0x01;
export const BPF_ST = 0x02;
export const BPF_STX = 0x03;
export const BPF_ALU = 0x04;
export const BPF_JMP = 0x05;
export const BPF_JMP32 = 0x06;
export const BPF_ALU64 = 0x07;

export const BPF_CLASS = (code: number): number => code & 0x07;

// Load/store size: bits 3-4.
export const BPF_W = 0x00;
export const BPF_H = 0x08;
export const BPF_B = 0x10;
export const BPF_DW = 0x18;
export const BPF_SIZE = (code: number): number => code & 0x18;

// Load/store mode: bits 5-7.
export const BPF_IMM = 0x00;
export const BPF_ABS = 0x20;
export const BPF_IND = 0x40;
export const BPF_MEM = 0x60;
export const BPF_MEMSX = 0x80;
export const BPF_ATOMIC = 0xc0;
export const BPF_MODE = (code: number): number => code & 0xe0;

// ALU and JMP operations: bits 4-7.
export const BPF_OP = (code: number): number => code & 0xf0;
export const BPF_ADD = 0x00;
export const BPF_SUB = 0x10;
export const BPF_MUL = 0x20;
export const BPF_DIV = 0x30;
export const BPF_OR = 0x40;
export const BPF_AND = 0x50;
export const BPF_LSH = 0x60;
export const BPF_RSH = 0x70;
export const BPF_NEG = 0x80;
export const BPF_MOD = 0x90;
export const BPF_XOR = 0xa0;
export const BPF_MOV = 0xb0;
export const BPF_ARSH = 0xc0;
export const BPF_END = 0xd0;

export const BPF_JA = 0x00;
export const BPF_JEQ = 0x10;
export const BPF_JGT = 0x20;
export const BPF_JGE = 0x30;
export const BPF_JSET = 0x40;
export const BPF_JNE = 0x50;
export const BPF_JSGT = 0x60;
export const BPF_JSGE = 0x70;
export const BPF_CALL = 0x80;
export const BPF_EXIT = 0x90;
export const BPF_JLT = 0xa0;
export const BPF_JLE = 0xb0;
export const BPF_JSLT = 0xc0;
export const BPF_JSLE = 0xd0;

// Operand source: bit 3. For BPF_END it selects the byte order instead.
export const BPF_K = 0x00;
export const BPF_X = 0x08;
export const BPF_SRC = (code: number): number => code & 0x08;
export const BPF_TO_LE = 0x00;
export const BPF_TO_BE = 0x08;

// Atomic operations, carried in imm of BPF_STX | BPF_ATOMIC.
export const BPF_FETCH = 0x01;
export const BPF_XCHG = 0xe0 | BPF_FETCH;
export const BPF_CMPXCHG = 0xf0 | BPF_FETCH;
export const BPF_LOAD_ACQ = 0x100;
export const BPF_STORE_REL = 0x110;

// src_reg of lddw (BPF_LD | BPF_IMM | BPF_DW): what the 64-bit immediate means.
export const BPF_PSEUDO_MAP_FD = 1;
export const BPF_PSEUDO_MAP_VALUE = 2;
export const BPF_PSEUDO_BTF_ID = 3;
export const BPF_PSEUDO_FUNC = 4;
export const BPF_PSEUDO_MAP_IDX = 5;
export const BPF_PSEUDO_MAP_IDX_VALUE = 6;

// src_reg of BPF_CALL: helper id, local function, or kernel function.
export const BPF_PSEUDO_CALL = 1;
export const BPF_PSEUDO_KFUNC_CALL = 2;

// Registers.
export const BPF_REG_0 = 0;
export const BPF_REG_1 = 1;
export const BPF_REG_5 = 5;
export const BPF_REG_6 = 6;
export const BPF_REG_9 = 9;
export const BPF_REG_FP = 10;
export const MAX_BPF_REG = 11;

/** Composite opcodes the decoder and interpreter refer to by name. */
export const BPF_LDDW = BPF_LD | BPF_IMM | BPF_DW;
export const BPF_CALL_OPCODE = BPF_JMP | BPF_CALL;
export const BPF_EXIT_OPCODE = BPF_JMP | BPF_EXIT;


/** Per-call-frame stack size and the call depth the kernel allows. */
export const MAX_BPF_STACK = 512;
export const MAX_CALL_FRAMES = 8;
