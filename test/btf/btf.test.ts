import { describe, expect, it } from 'vitest';
import { Btf, BtfError, BtfStrings, parseBtfExt } from '../../src/btf/index.js';
import { readElf } from '../../src/elf/index.js';
import { fixtureBytes } from '../elf/helpers.js';

function section(fixture: string, name: string): Uint8Array {
  return readElf(fixtureBytes(fixture)).sections.find((s) => s.name === name)!.data;
}

/**
 * Assembles a .BTF blob from u32 words per type and a string list, so
 * malformed inputs can be written precisely. Returns the blob and each
 * string's offset.
 */
function buildBtf(strings: string[], types: number[][], patch?: (v: DataView) => void): Uint8Array {
  const strBytes = new TextEncoder().encode('\0' + strings.map((s) => s + '\0').join(''));
  const words = types.flat();
  const blob = new Uint8Array(24 + words.length * 4 + strBytes.length);
  const v = new DataView(blob.buffer);
  v.setUint16(0, 0xeb9f, true);
  v.setUint8(2, 1);
  v.setUint32(4, 24, true);
  v.setUint32(8, 0, true);
  v.setUint32(12, words.length * 4, true);
  v.setUint32(16, words.length * 4, true);
  v.setUint32(20, strBytes.length, true);
  words.forEach((w, i) => v.setUint32(24 + i * 4, w >>> 0, true));
  blob.set(strBytes, 24 + words.length * 4);
  patch?.(v);
  return blob;
}

/** Offset of `name` in buildBtf's string section. */
function off(strings: string[], name: string): number {
  let o = 1;
  for (const s of strings) {
    if (s === name) return o;
    o += s.length + 1;
  }
  throw new Error(name);
}

const info = (kind: number, vlen = 0, kflag = false): number => ((kflag ? 1 << 31 : 0) | (kind << 24) | vlen) >>> 0;

describe('.BTF of a clang object', () => {
  const btf = Btf.parse(section('maps', '.BTF'));

  it('decodes structs, bitfields, unions and enums', () => {
    const stats = btf.typeById(btf.findByName('stats', 'struct')!);
    if (stats.kind !== 'struct') throw new Error('not a struct');
    expect(stats.size).toBe(40);
    expect(stats.members.map((m) => [m.name, m.bitOffset, m.bitfieldSize])).toEqual([
      ['packets', 0, 0], ['bytes', 64, 0], ['tint', 128, 0], ['label', 160, 0], ['low', 224, 4], ['high', 228, 12],
      ['', 256, 0], ['delta', 288, 0], ['seen', 304, 0],
    ]);
    expect(btf.typeById(stats.members[6]!.type).kind).toBe('union');
    const color = btf.typeById(btf.findByName('color', 'enum')!);
    expect(color.kind === 'enum' && color.values.map((e) => [e.name, e.value])).toEqual([['RED', 0n], ['GREEN', 1n], ['BLUE', 7n]]);
    expect(btf.resolveSize(stats.id)).toBe(40);
    expect(btf.skipModsAndTypedefs(btf.findByName('__u32', 'typedef')!)).toMatchObject({ kind: 'int', size: 4, bits: 32 });
  });

  it('keeps clang DATASECs as emitted (sizes are fixed by the ELF loader)', () => {
    const bss = btf.typeById(btf.findByName('.bss', 'datasec')!);
    expect(bss.kind === 'datasec' && bss.size).toBe(0);
  });

  it('decodes func_info and line_info of .BTF.ext', () => {
    const ext = parseBtfExt(section('calls', '.BTF.ext'), Btf.parse(section('calls', '.BTF')).strings);
    expect([...ext.funcInfo.keys()]).toEqual(['.text', 'xdp', 'xdp.frags', 'tc']);
    expect(ext.funcInfo.get('xdp')!.map((f) => f.insnOff)).toEqual([0, 64]);
    const line = ext.lineInfo.get('.text')![0]!;
    expect(line).toMatchObject({ insnOff: 0, fileName: './calls.bpf.c', line: 15 });
    expect(line.text).toContain('frame_len');
    expect(ext.coreRelos.size).toBe(0);
  });
});

describe('every BTF kind', () => {
  const names = ['int', 'p', 's', 'm', 'e', 'A', 'B', 'fn', 'x', 'v', '.data', 'f', 'tag', 'E64', 'N', 'P'];
  const o = (n: string): number => off(names, n);
  const blob = buildBtf(names, [
    [o('int'), info(1), 4, (1 << 24) | 32], // [1] int, signed
    [0, info(2), 1], // [2] ptr -> int
    [0, info(3), 0, 1, 1, 4], // [3] int[4]
    [o('s'), info(4, 1, true), 8, o('m'), 1, (3 << 24) | 5], // [4] struct s { int m:3 @5 }
    [o('e'), info(6, 2, true), 4, o('A'), -1, o('B'), 2], // [5] signed enum
    [o('N'), info(7, 0, true), 0], // [6] fwd union N
    [0, info(8), 4], // [7] typedef -> struct (anonymous name allowed here)
    [0, info(9), 1], [0, info(10), 8], [0, info(11), 2], // [8] volatile [9] const [10] restrict
    [0, info(13, 1), 1, o('x'), 1], // [11] func_proto int (int x)
    [o('fn'), info(12, 1), 11], // [12] func, global
    [o('v'), info(14), 1, 1], // [13] var, global allocated
    [o('.data'), info(15, 1), 4, 13, 0, 4], // [14] datasec
    [o('f'), info(16), 8], // [15] float
    [o('tag'), info(17), 4, 0], // [16] decl_tag on member 0
    [o('tag'), info(18), 1], // [17] type_tag
    [o('E64'), info(19, 1), 8, o('P'), 0, 1], // [18] enum64, unsigned, 1 << 32
  ]);
  const btf = Btf.parse(blob);

  it('parses each kind with its fields', () => {
    expect(btf.types.map((t) => t.kind)).toEqual([
      'void', 'int', 'ptr', 'array', 'struct', 'enum', 'fwd', 'typedef', 'volatile', 'const', 'restrict',
      'func_proto', 'func', 'var', 'datasec', 'float', 'decl_tag', 'type_tag', 'enum64',
    ]);
    expect(btf.typeById(4)).toMatchObject({ members: [{ name: 'm', bitOffset: 5, bitfieldSize: 3 }] });
    expect(btf.typeById(5)).toMatchObject({ signed: true, values: [{ name: 'A', value: -1n }, { name: 'B', value: 2n }] });
    expect(btf.typeById(6)).toMatchObject({ isUnion: true });
    expect(btf.typeById(11)).toMatchObject({ type: 1, params: [{ name: 'x', type: 1 }] });
    expect(btf.typeById(12)).toMatchObject({ linkage: 1 });
    expect(btf.typeById(14)).toMatchObject({ vars: [{ type: 13, offset: 0, size: 4 }] });
    expect(btf.typeById(16)).toMatchObject({ componentIdx: 0 });
    expect(btf.typeById(18)).toMatchObject({ values: [{ name: 'P', value: 1n << 32n }] });
    expect(btf.resolveSize(3)).toBe(16);
    expect(btf.resolveSize(9)).toBe(4);
    expect(btf.resolveSize(7)).toBe(8);
    expect(btf.resolveSize(2)).toBe(8);
    expect(() => btf.resolveSize(11)).toThrow(/func_proto has no size/);
  });
});

describe('malformed BTF', () => {
  const names = ['int', 'loop'];
  const good: number[][] = [[1, info(1), 4, 32]];

  it.each<[string, Uint8Array, RegExp]>([
    ['truncated header', buildBtf(names, good).subarray(0, 20), /header truncated/],
    ['bad magic', buildBtf(names, good, (v) => v.setUint16(0, 0x9feb, true)), /bad magic 0x9feb/],
    ['type section past the end', buildBtf(names, good, (v) => v.setUint32(12, 4096, true)), /type section .* runs past the end/],
    ['truncated record', buildBtf(names, [[1, info(4, 3), 4, 0, 1, 0]]), /type \[1\] .* record truncated/],
    ['unknown kind', buildBtf(names, [[1, info(25), 4]]), /type \[1\]: unknown kind 25/],
    ['missing type', buildBtf(names, [[0, info(2), 7]]), /type \[1\] ptr '': type refers to missing type \[7\]/],
    ['bad name offset', buildBtf(names, [[999, info(1), 4, 32]]), /type \[1\]: string offset 999 is outside/],
    ['bad int', buildBtf(names, [[1, info(1), 4, 40]]), /int 'int': invalid size 4 \/ bits 40/],
    ['strings not NUL-terminated', buildBtf(names, good, (v) => v.setUint8(v.byteLength - 1, 0x41)), /start and end with a NUL/],
  ])('refuses %s', (_name, blob, message) => {
    expect(() => Btf.parse(blob)).toThrow(BtfError);
    expect(() => Btf.parse(blob)).toThrow(message);
  });

  it('stops on typedef cycles instead of looping', () => {
    const btf = Btf.parse(buildBtf(names, [[off(names, 'loop'), info(8), 2], [off(names, 'loop'), info(8), 1]]));
    expect(() => btf.resolveSize(1)).toThrow(/too deep/);
    expect(() => btf.skipModsAndTypedefs(1)).toThrow(/too deep/);
  });

  it('refuses .BTF.ext counts that exceed the section', () => {
    const strings = new BtfStrings(new TextEncoder().encode('\0xdp\0'));
    const ext = new Uint8Array(32 + 8 + 8);
    const v = new DataView(ext.buffer);
    v.setUint16(0, 0xeb9f, true);
    v.setUint8(2, 1);
    v.setUint32(4, 32, true);
    v.setUint32(8, 0, true); // func_info at 0, 16 bytes: rec size, one section header, no room for records
    v.setUint32(12, 12, true);
    v.setUint32(32, 8, true);
    v.setUint32(36, 1, true);
    v.setUint32(40, 1000, true);
    expect(() => parseBtfExt(ext, strings)).toThrow(/'xdp': 1000 records of 8 bytes exceed the 0 bytes left/);
    v.setUint32(32, 4, true);
    expect(() => parseBtfExt(ext, strings)).toThrow(/record size 4 invalid/);
  });
});
