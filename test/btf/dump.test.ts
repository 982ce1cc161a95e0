import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BtfError, dumpBtfValue, JsonWriter } from '../../src/btf/index.js';
import { parseObject, type MapDef, type ObjectFile } from '../../src/elf/index.js';
import { fixtureBytes } from '../elf/helpers.js';
import { bpftoolMissing } from '../support/bpftool.js';
import { runsHere } from '../support/skip.js';

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

/** What `write` writes on a JsonWriter, pretty (plain `bpftool map dump`) or compact (`bpftool -j`). */
function json(pretty: boolean, write: (w: JsonWriter) => void): string {
  let text = '';
  write(new JsonWriter((t) => (text += t), pretty));
  return text;
}

/** One entry as bpftool writes it with BTF: key (when the map has a key type) and value. */
function entry(w: JsonWriter, obj: ObjectFile, map: MapDef, [k, v]: [Uint8Array, Uint8Array], plainText: boolean): void {
  const btf = obj.btf!;
  w.startObject();
  if (map.btfKeyTypeId !== 0) {
    w.name('key');
    dumpBtfValue(btf, map.btfKeyTypeId, k, { plainText }, w);
  }
  w.name('value');
  dumpBtfValue(btf, map.btfValueTypeId, v, { plainText }, w);
  w.endObject();
}

/** The list plain `bpftool map dump` prints for a map with BTF. */
function mapDump(obj: ObjectFile, map: MapDef, entries: Array<[Uint8Array, Uint8Array]>): string {
  return json(true, (w) => {
    w.startArray();
    for (const e of entries) entry(w, obj, map, e, true);
    w.endArray();
  });
}

/** The `formatted` member of each entry of `bpftool -j map dump`. */
function formatted(obj: ObjectFile, map: MapDef, entries: Array<[Uint8Array, Uint8Array]>): string[] {
  return entries.map((e) => json(false, (w) => entry(w, obj, map, e, false)));
}

const values = parseObject(fixtureBytes('values'), { fileName: 'values.bpf.o' });
const records = values.maps.find((m) => m.name === 'records')!;
const maps = parseObject(fixtureBytes('maps'), { fileName: 'maps.bpf.o' });
const rodata = maps.maps.find((m) => m.name === 'maps.rodata')!;

describe('bpftool-style value formatting', () => {
  it('prints a struct as bpftool 7.1 plain `map dump` does', () => {
    const text = mapDump(values, records, [[u32(1), recordBytes()]]);
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
    expect(formatted(values, records, [[u32(1), recordBytes()]])[0]).toBe(
      '{"key":1,"value":{"c":65,"sc":-3,"uc":200,"u":4000000000,"big":18446744073709551615,"ptr":3735928559,'
      + '"nil":0,"w":"WIDE_ONE","col":9,"neg":-5,"inner":{"a":-1},"text":"a\\"\\n\'/~ ","raw":[65,66,67,68],'
      + '"b24":"0xabcdef","bytes":[9,10],"flag":true,"empty":[]}}',
    );
  });

  it('prints a global-data map as its DATASEC, without a key', () => {
    const text = mapDump(maps, rodata, [[u32(0), rodata.data!]]);
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
    expect(() => json(true, (w) => dumpBtfValue(values.btf!, records.btfValueTypeId, new Uint8Array(40), { plainText: true }, w)))
      .toThrow(BtfError);
  });
});

/** The same maps, really created by bpftool in the kernel and dumped by it: our text must be identical. */
describe.runIf(runsHere(bpftoolMissing()))('against bpftool map dump', () => {
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
      expect(plain).toBe(mapDump(values, records, entries) + '\n');
      const json = execFileSync('bpftool', ['-j', 'map', 'dump', 'id', String(id)], { encoding: 'utf8' });
      const theirs = [...json.matchAll(/"formatted":(\{.*?\}\})\}/g)].map((m) => m[1]);
      expect(theirs).toEqual(formatted(values, records, entries));
    });
  });

  it('matches the DATASEC dump of a global-data map', () => {
    withPinned('maps.bpf.o', 'xdp_stats', (ids) => {
      const names = ids.map((id) => (JSON.parse(execFileSync('bpftool', ['-j', 'map', 'show', 'id', String(id)], { encoding: 'utf8' })) as { name: string }).name);
      const id = ids[names.indexOf('maps.rodata')]!;
      const plain = execFileSync('bpftool', ['map', 'dump', 'id', String(id)], { encoding: 'utf8' });
      expect(plain).toBe(mapDump(maps, rodata, [[u32(0), rodata.data!]]) + '\n');
    });
  });
});
