import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ElfError, parseObject, readElf } from '../../src/elf/index.js';
import { fixtureBytes } from './helpers.js';

const original = fixtureBytes('maps');
const elf = readElf(original);

/** A copy of the maps fixture with `edit` applied to a DataView over it. */
function mutate(edit: (v: DataView, bytes: Uint8Array) => void): Uint8Array {
  const bytes = original.slice();
  edit(new DataView(bytes.buffer), bytes);
  return bytes;
}

const shoff = Number(new DataView(original.buffer, original.byteOffset).getBigUint64(40, true));
const shdr = (name: string): number => shoff + elf.sections.findIndex((s) => s.name === name) * 64;

function expectElfError(bytes: Uint8Array, message: RegExp): void {
  expect(() => parseObject(bytes)).toThrow(ElfError);
  expect(() => parseObject(bytes)).toThrow(message);
}

describe('ELF container', () => {
  it('reads sections, symbols and names of a real object', () => {
    expect(elf.sections.map((s) => s.name)).toContain('.maps');
    const sym = elf.symbols.find((s) => s.name === 'drop_port')!;
    expect(elf.sections[sym.shndx]!.name).toBe('.rodata');
    expect(sym.size).toBe(4);
  });

  it.each<[string, (v: DataView, b: Uint8Array) => void, RegExp]>([
    ['bad magic', (_v, b) => { b[1] = 0x46; }, /not an ELF file/],
    ['32-bit class', (_v, b) => { b[4] = 1; }, /ELF class 1 is not ELFCLASS64/],
    ['big-endian', (_v, b) => { b[5] = 2; }, /not little-endian/],
    ['executable', (v) => v.setUint16(16, 2, true), /ELF type 2 is not ET_REL/],
    ['x86-64 machine', (v) => v.setUint16(18, 62, true), /ELF machine 62 is not EM_BPF \(247\)/],
    ['no section table', (v) => v.setBigUint64(40, 0n, true), /no section header table/],
    ['section table past the end', (v) => v.setBigUint64(40, 1n << 40n, true), /section header table offset/],
    ['huge section count', (v) => v.setUint16(60, 0xfffe, true), /65534 section headers .* do not fit/],
    ['bad header entry size', (v) => v.setUint16(58, 40, true), /section header size 40 is not 64/],
    ['name table out of range', (v) => v.setUint16(62, 200, true), /section name table index 200 out of range/],
    ['section past the end', (v) => v.setBigUint64(shdr('.BTF') + 32, 1n << 62n, true), /section \[\d+\]: data .* runs past the end/],
    ['overlapping sections', (v) => v.setBigUint64(shdr('.data') + 24, v.getBigUint64(shdr('xdp') + 24, true), true), /overlaps section/],
    ['section over the header', (v) => v.setBigUint64(shdr('.data') + 24, 8n, true), /overlaps the ELF header/],
    ['bad symbol entry size', (v) => v.setBigUint64(shdr('.symtab') + 56, 16n, true), /do not describe 24-byte symbols/],
    ['bad section name offset', (v) => v.setUint32(shdr('.data'), 0xffffff, true), /string table '.strtab': section \[5\] name: string offset 16777215 is outside the \d+-byte string table/],
  ])('refuses %s', (_name, edit, message) => {
    expectElfError(mutate(edit), message);
  });

  it('refuses a truncated file', () => {
    expectElfError(original.subarray(0, 10), /file too short for an ELF header: 10 bytes/);
    expectElfError(original.subarray(0, 2000), /runs past the end|section header table offset/);
  });
});

describe('relocations', () => {
  const relOff = elf.sections.find((s) => s.name === '.relxdp')!;
  const relData = relOff.data.byteOffset - original.byteOffset;

  it.each<[string, (v: DataView) => void, RegExp]>([
    ['entry size', (v) => v.setBigUint64(shdr('.relxdp') + 56, 24n, true), /do not describe 16-byte Elf64_Rel entries/],
    ['missing symbol', (v) => v.setUint32(relData + 12, 9999, true), /symbol #9999 not found/],
    ['misaligned offset', (v) => v.setBigUint64(relData, 0x31n, true), /sec '.relxdp': invalid offset 0x31 for relo #0/],
    ['offset past the section', (v) => v.setBigUint64(relData, 0x10000n, true), /invalid offset 0x10000/],
    ['non-lddw instruction', (v) => v.setBigUint64(relData, 0x8n, true), /invalid relo against 'stats_map' for insns\[1\]\.code 0x61/],
    ['bad target section', (v) => v.setUint32(shdr('.relxdp') + 44, 999, true), /targets missing section \[999\]/],
  ])('refuses a bad %s', (_name, edit, message) => {
    expectElfError(mutate(edit), message);
  });
});

describe('program and map rules on crafted objects', () => {
  const calls = fixtureBytes('calls');
  const callsElf = readElf(calls);
  const symtab = callsElf.sections.find((s) => s.name === '.symtab')!;
  const symOff = (name: string): number =>
    symtab.data.byteOffset - calls.byteOffset + callsElf.symbols.findIndex((s) => s.name === name) * 24;

  function patched(src: Uint8Array, edit: (v: DataView, b: Uint8Array) => void): Uint8Array {
    const b = src.slice();
    edit(new DataView(b.buffer), b);
    return b;
  }

  it('refuses a static function outside .text, as libbpf does', () => {
    const bytes = patched(calls, (_v, b) => { b[symOff('xdp_first') + 4] = 0x02; /* STB_LOCAL, STT_FUNC */ });
    expect(() => parseObject(bytes)).toThrow("sec 'xdp': program 'xdp_first' is static and not supported");
  });

  it('refuses a function that runs past its section', () => {
    const bytes = patched(calls, (v) => v.setBigUint64(symOff('tc_prog') + 16, 4096n, true));
    expect(() => parseObject(bytes)).toThrow("sec 'tc': program 'tc_prog' at offset 0 crosses section boundary");
  });

  it('rejects unknown map fields only in strict mode', () => {
    const maps = fixtureBytes('maps');
    const btf = readElf(maps).sections.find((s) => s.name === '.BTF')!;
    const at = Buffer.from(btf.data).indexOf('max_entries\0') + btf.data.byteOffset - maps.byteOffset;
    const bytes = patched(maps, (_v, b) => { b[at + 10] = 0x7a; /* max_entriez */ });
    expect(() => parseObject(bytes, { strict: true })).toThrow("map 'stats_map': unknown field 'max_entriez'.");
    expect(parseObject(bytes).maps[0]).toMatchObject({ name: 'stats_map', maxEntries: 0 });
  });

  /** Offset of section `name`'s header and of symbol `sym`'s entry in `bytes`. */
  function headers(bytes: Uint8Array, name: string, sym: string): { shdr: number; sym: number } {
    const e = readElf(bytes);
    const at = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(40, true));
    const table = e.sections.find((s) => s.name === '.symtab')!;
    return {
      shdr: at + e.sections.findIndex((s) => s.name === name) * 64,
      sym: table.data.byteOffset - bytes.byteOffset + e.symbols.findIndex((s) => s.name === sym) * 24,
    };
  }

  it.each([['SHT_NULL', 0], ['SHT_NOBITS', 8]])('refuses a legacy maps section of type %s, which has no bytes to read', (_, type) => {
    const legacy = fixtureBytes('legacy');
    const bytes = patched(legacy, (v) => v.setUint32(headers(legacy, 'maps', 'rx_count').shdr + 4, type, true));
    expect(() => parseObject(bytes)).toThrow(new ElfError(`elf: legacy maps section 'maps' has type ${type}, not SHT_PROGBITS: it holds no map definitions`));
  });

  it.each([['maps', 'stats_map', '.maps'], ['legacy', 'rx_count', 'maps']])('refuses a map without a name in %s, as libbpf does', (fixture, map, section) => {
    // Both names go: the symbol's, and its BTF variable's, which libbpf matches to it.
    const original = fixtureBytes(fixture);
    const btf = readElf(original).sections.find((s) => s.name === '.BTF')!;
    const name = Buffer.from(btf.data).indexOf(`${map}\0`) + btf.data.byteOffset - original.byteOffset;
    const bytes = patched(original, (v, b) => {
      v.setUint32(headers(original, section, map).sym, 0, true);
      b[name] = 0;
    });
    expect(() => parseObject(bytes)).toThrow(new ElfError('map #0: empty name.'));
  });

  /** examples/xdp_drop.o with its program made `count` instructions long (r0 = 1 ..., exit), in new bytes past the end of the file. */
  function longProgram(count: number): Uint8Array {
    const drop = new Uint8Array(readFileSync('examples/xdp_drop.o'));
    const at = headers(drop, 'xdp', 'xdp_drop');
    const start = Math.ceil(drop.length / 8) * 8;
    const bytes = new Uint8Array(start + count * 8);
    bytes.set(drop);
    for (let i = 0; i < count - 1; i++) bytes.set([0xb7, 0, 0, 0, 1, 0, 0, 0], start + i * 8);
    bytes[start + (count - 1) * 8] = 0x95;
    const v = new DataView(bytes.buffer);
    v.setBigUint64(at.shdr + 24, BigInt(start), true);
    v.setBigUint64(at.shdr + 32, BigInt(count * 8), true);
    v.setBigUint64(at.sym + 16, BigInt(count * 8), true);
    return bytes;
  }

  it('takes a program of BPF_COMPLEXITY_LIMIT_INSNS instructions and refuses one more with E2BIG, as bpf_prog_load does', () => {
    expect(parseObject(longProgram(1_000_000)).programs[0]!.insns.length).toBe(8_000_000);
    expect(() => parseObject(longProgram(1_000_001))).toThrow(
      new ElfError("prog 'xdp_drop': BPF program load failed: E2BIG: 1000001 instructions, more than BPF_COMPLEXITY_LIMIT_INSNS (1000000)"),
    );
  });
});
