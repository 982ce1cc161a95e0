import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ElfError, findSectionDef, freezeGlobals, getGlobal, internalMapName, parseObject,
  selectProgram, setGlobal, sourceLine,
} from '../../src/elf/index.js';
import { BPF_F_XDP_HAS_FRAGS, BPF_PROG_TYPE_XDP, BPF_XDP } from '../../src/uapi/bpf.js';
import { insnAt, loadFixture } from './helpers.js';

describe('programs and subprogram appending (calls.bpf.c)', () => {
  const obj = loadFixture('calls');

  it('finds one program per function, several per section, none for .text', () => {
    expect(obj.programs.map((p) => [p.name, p.sectionName])).toEqual([
      ['xdp_first', 'xdp'], ['xdp_second', 'xdp'], ['xdp_frags_prog', 'xdp.frags'], ['tc_prog', 'tc'],
    ]);
    expect(obj.license).toBe('Dual MIT/GPL');
  });

  it('appends each reached subprogram once, in first-reach order', () => {
    const first = selectProgram(obj, { program: 'xdp_first' });
    expect(first.subprograms).toEqual([{ name: 'frame_len', insnIndex: 8 }, { name: 'mix', insnIndex: 16 }]);
    expect(first.insns.length / 8).toBe(20);
    const second = selectProgram(obj, { program: 'xdp_second' });
    expect(second.subprograms.map((s) => s.name)).toEqual(['add_step', 'mix', 'frame_len']);
  });

  it('rewrites call immediates to the linked layout', () => {
    const first = selectProgram(obj, { program: 'xdp_first' });
    // insn 0 calls frame_len (now at 8); frame_len's call to mix (insn 14) targets 16.
    expect(insnAt(first.insns, 0)).toEqual([0x85, 0, 1, 0, 7]);
    expect(insnAt(first.insns, 14)).toEqual([0x85, 0, 1, 0, 1]);
  });

  it('turns the bpf_loop callback address into a BPF_PSEUDO_FUNC load', () => {
    const second = selectProgram(obj, { program: 'xdp_second' });
    const at = second.insns.findIndex((_b, i) => i % 8 === 0 && second.insns[i] === 0x18) / 8;
    const [code, , src, , imm] = insnAt(second.insns, at);
    expect([code, src]).toEqual([0x18, 4]);
    expect(at + imm + 1).toBe(second.subprograms.find((s) => s.name === 'add_step')!.insnIndex);
  });

  it('moves func_info and line_info with the subprograms', () => {
    const first = selectProgram(obj, { program: 'xdp_first' });
    expect(first.funcInfo.map((f) => f.insnIndex)).toEqual([0, 8, 16]);
    const line = sourceLine(first, 17)!;
    expect(line.file).toBe('./calls.bpf.c');
    expect(line.text).toContain('return (a * 31) ^ b;');
    expect(sourceLine(first, 0)!.text).toContain('frame_len(ctx) > 100');
    // The first instruction of a subprogram maps to its own definition, not to the caller.
    expect(sourceLine(first, 16)!.text).toContain('__u32 mix(__u32 a, __u32 b)');
  });

  it('reads program types from the section name like libbpf', () => {
    const frags = selectProgram(obj, { section: 'xdp.frags' });
    expect(frags.sectionDef).toMatchObject({ progType: BPF_PROG_TYPE_XDP, expectedAttachType: BPF_XDP, progFlags: BPF_F_XDP_HAS_FRAGS });
    expect(selectProgram(obj, { section: 'tc' }).sectionDef?.progType).toBe(3);
  });

  it('selects like iproute2 and fails with its wording', () => {
    expect(selectProgram(obj, { section: 'xdp' }).name).toBe('xdp_first');
    expect(selectProgram(obj, { section: 'xdp', program: 'xdp_second' }).name).toBe('xdp_second');
    expect(() => selectProgram(obj, { section: 'prog' })).toThrow(new ElfError("object file doesn't contain sec prog"));
    expect(() => selectProgram(obj, { program: 'mix' })).toThrow(new ElfError("object file doesn't contain prog mix"));
  });
});

describe('section names', () => {
  it.each([
    ['xdp/devmap', 6, 33, 0, undefined],
    ['xdp.frags/cpumap', 6, 35, BPF_F_XDP_HAS_FRAGS, undefined],
    ['kprobe/do_unlinkat', 2, 0, 0, 'do_unlinkat'],
    ['tracepoint/syscalls/sys_enter_openat', 5, 0, 0, 'syscalls/sys_enter_openat'],
    ['fentry.s/bpf_fentry_test1', 26, 24, 1 << 4, 'bpf_fentry_test1'],
    ['socket', 1, 0, 0, undefined],
    ['classifier', 3, 0, 0, undefined],
  ])('%s', (name, progType, expectedAttachType, progFlags, attachTarget) => {
    expect(findSectionDef(name)).toMatchObject({ progType, expectedAttachType, progFlags, attachTarget });
  });

  it.each(['xdp_drop', 'prog', 'tc/classifier', 'kprobeX', 'socket/1'])('%s is not recognised', (name) => {
    expect(findSectionDef(name)).toBeUndefined();
  });
});

describe('maps (maps.bpf.c)', () => {
  const obj = loadFixture('maps');

  it('orders BTF maps by offset, then one map per global-data section', () => {
    expect(obj.maps.map((m) => [m.name, m.origin])).toEqual([
      ['stats_map', 'btf'], ['flows', 'btf'], ['blocked', 'btf'], ['counters', 'btf'], ['recent', 'btf'], ['ports', 'btf'],
      ['maps.data', 'data'], ['maps.rodata', 'data'], ['.data.custom', 'data'], ['maps.bss', 'data'], ['.rodata.str1.1', 'data'],
    ]);
  });

  it('decodes __uint/__type fields', () => {
    const flows = obj.maps.find((m) => m.name === 'flows')!;
    expect(flows).toMatchObject({ type: 1, keySize: 16, valueSize: 8, maxEntries: 1024, mapFlags: 1 });
    expect(obj.btf!.typeById(flows.btfKeyTypeId).name).toBe('flow_key');
    expect(obj.maps.find((m) => m.name === 'counters')).toMatchObject({ type: 6, keySize: 4, valueSize: 8, btfKeyTypeId: 0 });
  });

  it('gives global data its bytes, flags and DATASEC variables', () => {
    const rodata = obj.maps.find((m) => m.name === 'maps.rodata')!;
    expect(rodata.mapFlags).toBe(0x480);
    expect(rodata.variables.map((v) => [v.name, v.offset, v.size])).toEqual([
      ['drop_port', 0, 4], ['verbose_level', 4, 1], ['xdp_stats.____fmt', 5, 7],
    ]);
    const bss = obj.maps.find((m) => m.name === 'maps.bss')!;
    expect([...bss.data!]).toEqual(new Array(16).fill(0));
    expect(bss.variables.map((v) => [v.name, v.offset])).toEqual([['hidden_count', 0], ['drops_total', 8]]);
    // Only string literals: no DATASEC, so not mmapable.
    expect(obj.maps.find((m) => m.name === '.rodata.str1.1')).toMatchObject({ mapFlags: 0x80, btfValueTypeId: 0 });
    expect(new TextDecoder().decode(obj.maps.find((m) => m.name === '.rodata.str1.1')!.data)).toBe('seen\n\0');
  });

  it('lists map and global-data references of the program', () => {
    const prog = obj.programs[0]!;
    const kinds = prog.relocations.map((r) => r.kind);
    expect(kinds.filter((k) => k === 'map')).toHaveLength(6);
    const dropPort = prog.relocations.find((r) => r.kind === 'map_value' && r.mapIndex === 7 && r.offset === 4);
    expect(dropPort).toBeDefined();
    // The instruction carries the same facts in fd_array form.
    const [code, , src, , imm] = insnAt(prog.insns, dropPort!.insnIndex);
    expect([code, src, imm, insnAt(prog.insns, dropPort!.insnIndex + 1)[4]]).toEqual([0x18, 6, 7, 4]);
  });

  it('sets const volatile globals like a skeleton, with checks', () => {
    const o = loadFixture('maps');
    setGlobal(o, 'drop_port', 7);
    expect([...getGlobal(o, 'drop_port')]).toEqual([7, 0, 0, 0]);
    setGlobal(o, 'drops_total', 2n ** 64n - 1n);
    expect([...getGlobal(o, 'drops_total')]).toEqual(new Array(8).fill(255));
    setGlobal(o, 'verbose_level', new Uint8Array([2]));
    expect(() => setGlobal(o, 'verbose_level', 256)).toThrow(/does not fit in unsigned 8 bits/);
    expect(() => setGlobal(o, 'packets_seen', -2147483649)).toThrow(/does not fit in signed 32 bits/);
    expect(() => setGlobal(o, 'drop_port', new Uint8Array(2))).toThrow(/is 4 bytes, got 2/);
    expect(() => setGlobal(o, 'nope', 1)).toThrow(/global variable 'nope' not found/);
    expect(() => setGlobal(o, 'xdp_stats.____fmt', 1)).toThrow(/not an integer or enum/);
    freezeGlobals(o);
    expect(() => setGlobal(o, 'drop_port', 1)).toThrow(/read-only after load/);
    expect(() => setGlobal(o, 'packets_seen', 1)).toThrow(/belongs to the loaded map/);
  });
});

describe('map-in-map and prog array initialisers (tailcall.bpf.c)', () => {
  const obj = loadFixture('tailcall');

  it('reads the inner map template and the preset slots', () => {
    const outer = obj.maps.find((m) => m.name === 'outer')!;
    expect(outer.inner).toMatchObject({ name: 'outer.inner', type: 2, keySize: 4, valueSize: 8, maxEntries: 2 });
    expect(outer.initSlots).toEqual([
      { index: 0, kind: 'map', mapIndex: 0 }, { index: 3, kind: 'map', mapIndex: 1 },
    ]);
    expect(obj.maps.find((m) => m.name === 'jumps')!.initSlots).toEqual([
      { index: 1, kind: 'prog', programName: 'tail_one' }, { index: 2, kind: 'prog', programName: 'tail_two' },
    ]);
  });
});

describe('legacy maps section', () => {
  it('reads struct bpf_map_def definitions', () => {
    const obj = loadFixture('legacy');
    expect(obj.maps.map((m) => [m.name, m.type, m.keySize, m.valueSize, m.maxEntries, m.mapFlags, m.legacy])).toEqual([
      ['rx_count', 2, 4, 8, 2, 0, undefined], ['seen', 1, 4, 4, 32, 1, undefined],
    ]);
    expect(selectProgram(obj, { section: 'prog' }).relocations).toEqual([
      { kind: 'map', insnIndex: 4, mapIndex: 0 }, { kind: 'map', insnIndex: 13, mapIndex: 1 },
    ]);
    expect(selectProgram(obj, { section: 'prog' }).sectionDef).toBeUndefined();
  });

  it("reads iproute2's struct bpf_elf_map with pinning and the version section", () => {
    const obj = loadFixture('legacy_iproute2');
    const acl = obj.maps.find((m) => m.name === 'acl')!;
    expect(acl).toMatchObject({ type: 1, maxEntries: 256, legacy: { id: 0, pinning: 2, innerId: 0, innerIdx: 0 } });
    expect(obj.maps.find((m) => m.name === 'hits')!.legacy?.id).toBe(5);
    expect(obj.kernVersion).toBe(0x060200);
  });

  it('is refused in libbpf 1.x strict mode with its message', () => {
    expect(() => loadFixture('legacy', { strict: true })).toThrow(
      new ElfError("elf: legacy map definitions in 'maps' section are not supported by libbpf v1.0+"),
    );
  });
});

describe('internal map names', () => {
  it.each([
    ['maps', '.data', 'maps.data'],
    ['xdp_printk', '.rodata', 'xdp_prin.rodata'],
    ['a-b', '.bss', 'a_b.bss'],
    ['x', '.rodata.str1.1', '.rodata.str1.1'],
    ['', '.data', '.data'],
  ])('%s + %s', (obj, sec, want) => {
    expect(internalMapName(obj, sec)).toBe(want);
  });
});

describe('every example object', () => {
  const files = readdirSync('examples').filter((f) => f.endsWith('.o'));

  it.each(files)('%s links with every map reference in fd_array form', (file) => {
    const obj = parseObject(readFileSync(`examples/${file}`), { fileName: file });
    expect(obj.programs.length).toBeGreaterThan(0);
    for (const p of obj.programs) {
      for (const r of p.relocations) {
        if (r.kind !== 'map' && r.kind !== 'map_value') continue;
        const [code, , src, , imm] = insnAt(p.insns, r.insnIndex);
        expect([code, src, imm]).toEqual([0x18, r.kind === 'map' ? 5 : 6, r.mapIndex]);
        expect(obj.maps[r.mapIndex]).toBeDefined();
      }
      for (const s of p.subprograms) expect(p.funcInfo.some((f) => f.insnIndex === s.insnIndex)).toBe(true);
    }
  });
});
