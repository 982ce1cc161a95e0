import { describe, expect, it } from 'vitest';
import { assemble } from '../../src/isa/asm.js';
import { decode } from '../../src/isa/decode.js';
import { disassemble, formatListing } from '../../src/isa/disasm.js';

const bytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex.replace(/\s+/g, ''), 'hex'));
const refusal = (hex: string): string => {
  try {
    decode(bytes(hex));
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('accepted');
};

describe('decoder', () => {
  it('refuses unknown opcodes and reserved fields with the slot index', () => {
    expect(refusal('b700000000000000 e700000000000000')).toBe('insn 1: unknown opcode e7');
    expect(refusal('b70b000000000000')).toBe('insn 0: R11 is invalid');
    expect(refusal('0700010000000000')).toBe('insn 0: BPF_ALU uses reserved fields');
    expect(refusal('bf01040000000000')).toBe('insn 0: BPF_MOV uses reserved fields');
    expect(refusal('bc01200000000000')).toBe('insn 0: BPF_MOV uses reserved fields');
    expect(refusal('9500000000000000 8500010000000000')).toBe('insn 1: BPF_CALL uses reserved fields');
    expect(refusal('dc01000018000000')).toBe('insn 0: BPF_END uses reserved fields');
    expect(refusal('db01000002000000')).toBe('insn 0: BPF_ATOMIC uses invalid atomic opcode 02');
  });

  it('refuses a truncated or malformed lddw', () => {
    // An lddw as the last instruction: the kernel refuses the program's end first.
    expect(refusal('1801000001000000')).toBe('insn 0: last insn is not an exit or jmp');
    expect(refusal('1801000001000000 0700000000000000')).toBe('insn 0: invalid bpf_ld_imm64 insn');
    expect(refusal('1811000001000000 0000000001000000')).toBe('insn 0: unrecognized bpf_ld_imm64 insn');
    expect(refusal('1871000001000000 0000000000000000')).toBe('insn 0: unrecognized bpf_ld_imm64 insn');
    expect(refusal('0001000001000000')).toBe('insn 0: invalid BPF_LD_IMM insn');
  });

  it('refuses a program whose size is not a multiple of 8', () => {
    expect(refusal('95000000000000')).toBe('insn 0: program size 7 is not a multiple of 8 bytes');
  });

  it('decodes every lddw source kind and round-trips it through both dialects', () => {
    const src = [
      'lddw %r1, map_fd 3',
      'lddw %r1, map_value 3, 16',
      'lddw %r1, btf_id 9, 0',
      'lddw %r1, func +1',
      'lddw %r1, map_idx 0',
      'lddw %r1, map_idx_value 1, 8',
      'mov %r0, 0',
      'exit',
    ].join('\n');
    const prog = assemble(src);
    expect(prog.length).toBe(14);
    expect([...prog.src].filter((_, i) => prog.code[i] === 0x18)).toEqual([1, 2, 3, 4, 5, 6]);
    const bin = prog.toBytes();
    expect(assemble(disassemble(prog, 'conformance').join('\n')).toBytes()).toEqual(bin);
    expect(assemble(disassemble(prog, 'llvm').join('\n')).toBytes()).toEqual(bin);
    expect(disassemble(prog, 'llvm')[1]).toBe('r1 = map_value(0x3, 0x10) ll');
  });

  it('prints v4 instructions as llvm-objdump 19 does', () => {
    const listing = formatListing(decode(bytes(`
      3c 43 01 00 00 00 00 00  bf 30 10 00 00 00 00 00  89 14 04 00 00 00 00 00
      d7 06 00 00 40 00 00 00  db 61 10 00 f1 00 00 00  c3 41 18 00 e1 00 00 00
      c3 31 18 00 01 00 00 00  db 01 00 00 40 00 00 00  84 03 00 00 00 00 00 00
      2d 34 25 00 00 00 00 00  95 00 00 00 00 00 00 00`)));
    expect(listing.split('\n').map((l) => l.split('\t')[2])).toEqual([
      'w3 s/= w4',
      'r0 = (s16)r3',
      'r4 = *(s16 *)(r1 + 0x4)',
      'r6 = bswap64 r6',
      'r0 = cmpxchg_64(r1 + 0x10, r0, r6)',
      'w4 = xchg32_32(r1 + 0x18, w4)',
      'w3 = atomic_fetch_add((u32 *)(r1 + 0x18), w3)',
      'lock *(u64 *)(r1 + 0x0) |= r0',
      'w3 = -w3',
      'if r4 > r3 goto +0x25',
      'exit',
    ]);
  });
});
