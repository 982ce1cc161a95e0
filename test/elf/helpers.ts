import { readFileSync } from 'node:fs';
import { parseObject, type ObjectFile, type ParseOptions } from '../../src/elf/index.js';

export const FIXTURES = 'test/fixtures/objects';

export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(`${FIXTURES}/${name}.bpf.o`));
}

export function loadFixture(name: string, options: ParseOptions = {}): ObjectFile {
  return parseObject(fixtureBytes(name), { fileName: `${name}.bpf.o`, ...options });
}

/** Instruction `i` of a program as [code, dst, src, off, imm]. */
export function insnAt(insns: Uint8Array, i: number): [number, number, number, number, number] {
  const v = new DataView(insns.buffer, insns.byteOffset + i * 8, 8);
  const regs = v.getUint8(1);
  return [v.getUint8(0), regs & 0xf, regs >> 4, v.getInt16(2, true), v.getInt32(4, true)];
}
