// Names and number formats shared by the assembler and the disassembler, so the
// two cannot drift apart: what one prints, the other reads back.

import {
  BPF_ADD,
  BPF_AND,
  BPF_ARSH,
  BPF_B,
  BPF_DIV,
  BPF_DW,
  BPF_H,
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JLE,
  BPF_JLT,
  BPF_JNE,
  BPF_JSET,
  BPF_JSGE,
  BPF_JSGT,
  BPF_JSLE,
  BPF_JSLT,
  BPF_LSH,
  BPF_MOD,
  BPF_MOV,
  BPF_MUL,
  BPF_NEG,
  BPF_OR,
  BPF_PSEUDO_BTF_ID,
  BPF_PSEUDO_FUNC,
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_IDX,
  BPF_PSEUDO_MAP_IDX_VALUE,
  BPF_PSEUDO_MAP_VALUE,
  BPF_RSH,
  BPF_SUB,
  BPF_W,
  BPF_XOR,
} from './opcodes.js';

/** Conformance-dialect ALU mnemonics (uBPF / bpf_conformance), by operation. */
export const ALU_MNEMONICS: ReadonlyMap<string, number> = new Map([
  ['add', BPF_ADD],
  ['sub', BPF_SUB],
  ['mul', BPF_MUL],
  ['div', BPF_DIV],
  ['or', BPF_OR],
  ['and', BPF_AND],
  ['lsh', BPF_LSH],
  ['rsh', BPF_RSH],
  ['neg', BPF_NEG],
  ['mod', BPF_MOD],
  ['xor', BPF_XOR],
  ['mov', BPF_MOV],
  ['arsh', BPF_ARSH],
]);

/** LLVM-dialect compound-assignment operators, by ALU operation (signed div/mod add an `s`). */
export const ALU_OPERATORS: ReadonlyMap<number, string> = new Map([
  [BPF_ADD, '+='],
  [BPF_SUB, '-='],
  [BPF_MUL, '*='],
  [BPF_DIV, '/='],
  [BPF_OR, '|='],
  [BPF_AND, '&='],
  [BPF_LSH, '<<='],
  [BPF_RSH, '>>='],
  [BPF_MOD, '%='],
  [BPF_XOR, '^='],
  [BPF_ARSH, 's>>='],
]);

/** Conditional jumps: conformance mnemonic and LLVM operator. */
export const JMP_CONDITIONS: ReadonlyArray<{ op: number; mnemonic: string; operator: string }> = [
  { op: BPF_JEQ, mnemonic: 'jeq', operator: '==' },
  { op: BPF_JGT, mnemonic: 'jgt', operator: '>' },
  { op: BPF_JGE, mnemonic: 'jge', operator: '>=' },
  { op: BPF_JSET, mnemonic: 'jset', operator: '&' },
  { op: BPF_JNE, mnemonic: 'jne', operator: '!=' },
  { op: BPF_JSGT, mnemonic: 'jsgt', operator: 's>' },
  { op: BPF_JSGE, mnemonic: 'jsge', operator: 's>=' },
  { op: BPF_JLT, mnemonic: 'jlt', operator: '<' },
  { op: BPF_JLE, mnemonic: 'jle', operator: '<=' },
  { op: BPF_JSLT, mnemonic: 'jslt', operator: 's<' },
  { op: BPF_JSLE, mnemonic: 'jsle', operator: 's<=' },
];

/** Load/store size suffixes: conformance (`ldxw`) and LLVM (`u32`). */
export const SIZES: ReadonlyArray<{ size: number; suffix: string; bits: number }> = [
  { size: BPF_B, suffix: 'b', bits: 8 },
  { size: BPF_H, suffix: 'h', bits: 16 },
  { size: BPF_W, suffix: 'w', bits: 32 },
  { size: BPF_DW, suffix: 'dw', bits: 64 },
];

/** Atomic read-modify-write operations by name. */
export const ATOMIC_OPS: ReadonlyMap<string, number> = new Map([
  ['add', BPF_ADD],
  ['or', BPF_OR],
  ['and', BPF_AND],
  ['xor', BPF_XOR],
]);

/** `lddw` source kinds beyond a plain immediate, by the name both dialects print. */
export const LDDW_PSEUDO: ReadonlyArray<{ src: number; name: string; hasOffset: boolean }> = [
  { src: BPF_PSEUDO_MAP_FD, name: 'map_fd', hasOffset: false },
  { src: BPF_PSEUDO_MAP_VALUE, name: 'map_value', hasOffset: true },
  { src: BPF_PSEUDO_BTF_ID, name: 'btf_id', hasOffset: true },
  { src: BPF_PSEUDO_FUNC, name: 'func', hasOffset: false },
  { src: BPF_PSEUDO_MAP_IDX, name: 'map_idx', hasOffset: false },
  { src: BPF_PSEUDO_MAP_IDX_VALUE, name: 'map_idx_value', hasOffset: true },
];

/** Signed hexadecimal as LLVM 19 prints immediates and offsets: `0x28`, `-0x4`. */
export function signedHex(v: number): string {
  return v < 0 ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`;
}

/** A branch offset with its sign always shown: `+0x25`, `-0x3`. */
export function branchOffset(v: number): string {
  return v < 0 ? `-0x${(-v).toString(16)}` : `+0x${v.toString(16)}`;
}

/** The signed 64-bit value of an `lddw` immediate pair, in hex, as LLVM prints it. */
export function imm64Hex(lo: number, hi: number): string {
  const v = BigInt.asIntN(64, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0));
  return v < 0n ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`;
}
