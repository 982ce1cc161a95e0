import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BtfError, dumpBtfValue, writeJson, type DumpNode } from '../../src/btf/index.js';
import { parseObject, type MapDef, type ObjectFile } from '../../src/elf/index.js';
import { fixtureBytes } from '../elf/helpers.js';

/** A `struct record` value (values.bpf.c) exercising every printing rule. */
function recordBytes(): Uint8Array {
  const b = new Uint8Array(88);
  const v = new DataView(b.buffer);
  v.setInt8(0, 0x41);
  v.setInt8(1, -3);
  v.setUint8(2, 200);
  v.setUint32(4, 4000000000, true);
  v.setBigUint64(8, 2n ** 64n - 1n, true);
  v.setBigUint64(16, 0xdeadbeefn, true);
  v.setBigUint64(32, 1n, true);
  v.setUint32(40, 9, true);
  v.setBigInt64(48, -5n, true);
  v.setInt32(56, -1, true);
  b.set(new TextEncoder().encode('a"\\\'/~ '), 60);
  b.set(new TextEncoder().encode('ABCD'), 72);
  b.set([0xef, 0xcd, 0xab, 9, 10, 1], 76);
  return b;
}

const u32 = (n: number): Uint8Array => new Uint8Array(new Uint32Array([n]).buffer);

/** The list `bpftool map dump` prints for a map with BTF: key (when the map has a key type) and value per entry. */
function mapDump(obj: ObjectFile, map: MapDef, entries: Array<[Uint8Array, Uint8Array]>, plainText: boolean): DumpNode {
  const btf = obj.btf!;
  return {
    kind: 'array',
    items: entries.map(([k, v]) => ({
      kind: 'object',
      fields: [
        ...(map.btfKeyTypeId !== 0 ? [['key', dumpBtfValue(btf, map.btfKeyTypeId, k, { plainText })] as [string, DumpNode]] : []),
        ['value', dumpBtfValue(btf, map.btfValueTypeId, v, { plainText })] as [string, DumpNode],
      ],
    })),
  };
}

const values = parseObject(fixtureBytes('values'), { fileName: 'values.bpf.o' });
const records = values.maps.find((m) => m.name === 'records')!;
const maps = parseObject(fixtureBytes('maps'), { fileName: 'maps.bpf.o' });
const rodata = maps.maps.find((m) => m.name === 'maps.rodata')!;

describe('bpftool-style value formatting', () => {
  it('prints a struct as bpftool 7.1 plain `map dump` does', () => {
    const text = writeJson(mapDump(values, records, [[u32(1), recordBytes()]], true), true);
    expect(text).toBe([
      '[{',
      '        "key": 1,',
      '        "value": {',
      '            "c": 65,',
      '            "sc": -3,',
      '            "uc": 200,',
      '            "u": 4000000000,',
      '            "big": 18446744073709551615,',
      '            "ptr": 0xdeadbeef,',
      '            "nil": (nil),',
      '            "w": "WIDE_ONE",',
      '            "col": 9,',
      '            "neg": -5,',
      '            "inner": {',
      '                "a": -1',
      '            },',
      '            "text": "a\\"\\n\'/~ ",',
      '            "raw": [65,66,67,68',
      '            ],',
      '            "b24": 0xabcdef,',
      '            "bytes": [9,10',
      '            ],',
      '            "flag": true,',
      '            "empty": []',
      '        }',
      '    }',
      ']',
    ].join('\n'));
  });

  it('prints the `formatted` member of `bpftool -j map dump`', () => {
    const node = mapDump(values, records, [[u32(1), recordBytes()]], false);
    expect(writeJson((node as { items: DumpNode[] }).items[0]!, false)).toBe(
      '{"key":1,"value":{"c":65,"sc":-3,"uc":200,"u":4000000000,"big":18446744073709551615,"ptr":3735928559,'
      + '"nil":0,"w":"WIDE_ONE","col":9,"neg":-5,"inner":{"a":-1},"text":"a\\"\\n\'/~ ","raw":[65,66,67,68],'
      + '"b24":"0xabcdef","bytes":[9,10],"flag":true,"empty":[]}}',
    );
  });

  it('prints a global-data map as its DATASEC, without a key', () => {
    const text = writeJson(mapDump(maps, rodata, [[u32(0), rodata.data!]], true), true);
    expect(text).toBe([
      '[{',
      '        "value": {',
      '            ".rodata": [{',
      '                    "drop_port": 9',
      '                },{',
      '                    "verbose_level": 0',
      '                },{',
      '                    "xdp_stats.____fmt": "len %d"',
      '                }',
      '            ]',
      '        }',
      '    }',
      ']',
    ].join('\n'));
  });

  it('refuses a value shorter than its type', () => {
    expect(() => dumpBtfValue(values.btf!, records.btfValueTypeId, new Uint8Array(40), { plainText: true }))
      .toThrow(BtfError);
  });
});

/** The same maps, really created by bpftool in the kernel and dumped by it: our text must be identical. */
const canRunBpftool = process.getuid?.() === 0 && existsSync('/sys/fs/bpf') && (() => {
  try {
    execFileSync('bpftool', ['version'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!canRunBpftool)('against bpftool map dump', () => {
  function withPinned(obj: string, prog: string, run: (mapIds: number[]) => void): void {
    const dir = `/sys/fs/bpf/xdpsim-btf-test-${process.pid}`;
    mkdirSync(dir, { recursive: true });
    try {
      execFileSync('bpftool', ['prog', 'loadall', `test/fixtures/objects/${obj}`, `${dir}/progs`, 'type', 'xdp'], { stdio: 'pipe' });
      const info = JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'show', 'pinned', `${dir}/progs/${prog}`], { encoding: 'utf8' })) as { map_ids: number[] };
      run(info.map_ids);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('matches plain and JSON output for struct record', () => {
    withPinned('values.bpf.o', 'xdp_values', ([id]) => {
      const hex = [...recordBytes()].map((b) => b.toString(16).padStart(2, '0'));
      execFileSync('bpftool', ['map', 'update', 'id', String(id), 'key', '1', '0', '0', '0', 'value', 'hex', ...hex]);
      const plain = execFileSync('bpftool', ['map', 'dump', 'id', String(id)], { encoding: 'utf8' });
      const entries: Array<[Uint8Array, Uint8Array]> = [[u32(0), new Uint8Array(88)], [u32(1), recordBytes()]];
      expect(plain).toBe(writeJson(mapDump(values, records, entries, true), true) + '\n');
      const json = execFileSync('bpftool', ['-j', 'map', 'dump', 'id', String(id)], { encoding: 'utf8' });
      const formatted = [...json.matchAll(/"formatted":(\{.*?\}\})\}/g)].map((m) => m[1]);
      const ours = (mapDump(values, records, entries, false) as { items: DumpNode[] }).items.map((n) => writeJson(n, false));
      expect(formatted).toEqual(ours);
    });
  });

  it('matches the DATASEC dump of a global-data map', () => {
    withPinned('maps.bpf.o', 'xdp_stats', (ids) => {
      const names = ids.map((id) => (JSON.parse(execFileSync('bpftool', ['-j', 'map', 'show', 'id', String(id)], { encoding: 'utf8' })) as { name: string }).name);
      const id = ids[names.indexOf('maps.rodata')]!;
      const plain = execFileSync('bpftool', ['map', 'dump', 'id', String(id)], { encoding: 'utf8' });
      expect(plain).toBe(writeJson(mapDump(maps, rodata, [[u32(0), rodata.data!]], true), true) + '\n');
    });
  });
});
