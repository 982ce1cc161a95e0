import { describe, expect, it } from 'vitest';
import { assemble } from '../../src/isa/asm.js';
import { decode } from '../../src/isa/decode.js';
import { disassemble, formatListing } from '../../src/isa/disasm.js';
import { loadBytecode } from '../../src/engine/bytecode.js';
import { loadVectors, parseVector, type Vector } from '../support/conformance.js';
import { sharedDir } from '../support/shared.js';

/** The program of a vector: its raw words when present, else its assembly. */
function programOf(v: Vector): Uint8Array {
  if (v.raw) return v.raw;
  if (v.asm === undefined) throw new Error('no program (neither -- asm nor -- raw)');
  return assemble(v.asm).toBytes();
}

/** Assemble (or take raw), load, run, and compare the whole 64-bit R0 with the expected result. */
function runVector(v: Vector): void {
  const bytes = programOf(v);
  const r0 = loadBytecode(bytes).run({ memory: v.mem });
  if (v.result === undefined) throw new Error(`ran, but the vector expects an error (${v.error ?? 'no result'})`);
  if (r0 !== BigInt.asUintN(64, v.result)) {
    throw new Error(`r0 = 0x${r0.toString(16)}, expected 0x${BigInt.asUintN(64, v.result).toString(16)}`);
  }
}

/**
 * Every negative vector must be refused. Where the vector names an error, our
 * message must carry the same meaning; the expected-text mapping lists the
 * words each refusal must contain (the suite says: match the meaning, not the text).
 */
const EXPECTED_REFUSAL: Record<string, RegExp> = {
  'empty.data': /no program/,
  'empty_instructions.data': /no program/,
  'error.data': /R0 !read_ok/,
  'incorrect_return_value_high_bits.data': /r0 = 0x8877665544332211, expected 0x8977665544332211/,
  'invalid_imm32_dec_range.data': /out of 32-bit range/,
  'invalid_imm32_hex_range.data': /out of 32-bit range/,
  'invalid_label.data': /invalid label NOT_A_LABEL/,
  'invalid_lock.data': /invalid number of operands for lock/i,
  'invalid_lock2.data': /invalid number of operands for lock/i,
  'invalid_mnemonic.data': /invalid instruction "ldxq %r0, %r1"/,
  'invalid_offset.data': /invalid memory operand/,
  'invalid_offset_range.data': /offset \+0x10000 is out of 16-bit range/,
  'invalid_operand_count.data': /invalid number of operands for lddw/,
  'invalid_register.data': /invalid register %r50/,
  'invalid_unknown_directive.data': /unknown section '-- Unknown directive'/,
};

const CONFORMANCE = sharedDir('conformance');
if (CONFORMANCE !== undefined) {
  const positive = loadVectors(CONFORMANCE, 'tests');
  const negative = loadVectors(CONFORMANCE, 'negative');

  describe('bpf_conformance vectors', () => {
    it('has the expected number of vectors', () => {
      expect(positive.length).toBe(313);
      expect(negative.length).toBe(60);
    });

    it.each(positive.map((f) => [f.name, f.text]))('%s passes under the interpreter', (name, text) => {
      runVector(parseVector(name, text));
    });

    it.each(positive.map((f) => [f.name, f.text]))('%s round-trips bytes -> text -> bytes in both dialects', (name, text) => {
      const bytes = programOf(parseVector(name, text));
      const prog = decode(bytes);
      expect(assemble(disassemble(prog, 'conformance').join('\n')).toBytes()).toEqual(bytes);
      expect(assemble(disassemble(prog, 'llvm').join('\n')).toBytes()).toEqual(bytes);
      expect(assemble(formatListing(prog)).toBytes()).toEqual(bytes);
    });

    it('assembles each vector with both -- asm and -- raw to the raw bytes', () => {
      const both = positive.map((f) => parseVector(f.name, f.text)).filter((v) => v.raw && v.asm);
      expect(both.length).toBeGreaterThan(0);
      for (const v of both) expect(assemble(v.asm!).toBytes()).toEqual(v.raw);
    });
  });

  describe('bpf_conformance negative vectors', () => {
    it.each(negative.map((f) => [f.name, f.text]))('%s is refused', (name, text) => {
      let message: string | undefined;
      try {
        runVector(parseVector(name, text));
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message, 'the vector was accepted').toBeDefined();
      const expected = EXPECTED_REFUSAL[name] ?? (name.startsWith('unused-') ? /uses reserved fields|unknown opcode/ : undefined);
      expect(expected, `no expected refusal listed for ${name}`).toBeDefined();
      expect(message).toMatch(expected!);
    });
  });
}
