// Map dumps as bpftool prints them, written entry by entry: the writer
// takes each entry as it is made and waits for the output between entries,
// so memory never holds more than one entry, whatever the map holds.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Output } from '../../src/cli/output.js';
import { dumpMapsHex, writeMapsHex } from '../../src/maps/dump.js';
import { fprintHex, printEntryPlain, writeMapDump, type TextOut } from '../../src/maps/format.js';
import type { BpfMap, MapValue } from '../../src/maps/map.js';
import { createStandaloneMap } from '../../src/maps/standalone.js';
import { BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_PERCPU_ARRAY } from '../../src/uapi/bpf.js';
import { bpftoolMissing } from '../support/bpftool.js';
import { runsHere } from '../support/skip.js';
import { spec, u32 } from './support.js';

const bytes = (n: number, from = 1): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (from + i) & 0xff);

/** A TextOut that logs what happens, in order: writes (their size) and drains. */
function recorder(): TextOut & { events: string[]; text: string } {
  const r = {
    events: [] as string[],
    text: '',
    write(t: string) {
      r.text += t;
      r.events.push('write');
    },
    drain() {
      r.events.push('drain');
      return Promise.resolve();
    },
  };
  return r;
}

/** `entries` as a generator that logs each entry it hands out. */
function* logged<T>(entries: Iterable<T>, events: string[]): Generator<T> {
  for (const e of entries) {
    events.push('entry');
    yield e;
  }
}

/** The events between successive entries: each entry is written and drained before the next is taken. */
function perEntry(events: string[]): string[] {
  const out: string[] = [];
  let i = events.indexOf('entry');
  while (i >= 0) {
    const next = events.indexOf('entry', i + 1);
    out.push([...new Set(events.slice(i, next < 0 ? undefined : next))].join(','));
    i = next;
  }
  return out;
}

describe('bpftool without BTF (print_entry_plain, fprint_hex)', () => {
  it('prints hex as fprint_hex: two spaces after each 8 bytes, a new line after each 16', () => {
    expect(fprintHex(bytes(4))).toBe('01 02 03 04');
    expect(fprintHex(bytes(20))).toBe('01 02 03 04 05 06 07 08  09 0a 0b 0c 0d 0e 0f 10\n11 12 13 14');
    expect(fprintHex(new Uint8Array(0))).toBe('');
  });

  it('puts key and value on one line when short, under their names when either is over 16 bytes', () => {
    expect(printEntryPlain(bytes(4), bytes(16))).toBe('key: 01 02 03 04  value: 01 02 03 04 05 06 07 08  09 0a 0b 0c 0d 0e 0f 10');
    expect(printEntryPlain(bytes(12), bytes(16))).toBe('key: 01 02 03 04 05 06 07 08  09 0a 0b 0c\nvalue: 01 02 03 04 05 06 07 08  09 0a 0b 0c 0d 0e 0f 10');
    expect(printEntryPlain(bytes(4), bytes(17))).toBe('key:\n01 02 03 04\nvalue:\n01 02 03 04 05 06 07 08  09 0a 0b 0c 0d 0e 0f 10\n11');
    expect(printEntryPlain(bytes(4), [bytes(4), bytes(20, 0)])).toBe(
      'key:\n01 02 03 04\nvalue (CPU 00): 01 02 03 04\nvalue (CPU 01):\n00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f\n10 11 12 13',
    );
  });

  it('prints an 8 MiB value in one pass', () => {
    const text = fprintHex(new Uint8Array(8 << 20));
    expect(text.length).toBe(3 * (8 << 20) - 1 + (8 << 20) / 16);
  });
});

/** The same maps, created and dumped by bpftool in the kernel: our text must be identical. */
describe.runIf(runsHere(bpftoolMissing()))('against bpftool map dump, without BTF', () => {
  it.each<[string, number, number]>([['hash', 4, 20], ['hash', 12, 16], ['hash', 8, 16], ['hash', 20, 4], ['percpu_array', 4, 20]])(
    '%s, key %i value %i',
    (type, keySize, valueSize) => {
      const pin = `/sys/fs/bpf/xdpsim_format_${process.pid}`;
      const key = type === 'percpu_array' ? new Uint8Array(4) : bytes(keySize);
      try {
        const run = (...args: string[]): string => {
          const r = spawnSync('bpftool', args, { encoding: 'utf8' });
          if (r.status !== 0) throw new Error(r.stderr);
          return r.stdout;
        };
        run('map', 'create', pin, 'type', type, 'key', String(keySize), 'value', String(valueSize), 'entries', '1', 'name', 'fmt');
        run('map', 'update', 'pinned', pin, 'key', ...[...key].map(String), 'value', ...[...bytes(valueSize)].map(String));
        const cpus = type === 'percpu_array' ? Number(run('map', 'lookup', 'pinned', pin, 'key', '0', '0', '0', '0').match(/CPU/g)!.length) : 1;
        const value: MapValue = cpus > 1 ? Array.from({ length: cpus }, () => bytes(valueSize)) : bytes(valueSize);
        expect(run('map', 'dump', 'pinned', pin)).toBe(`${printEntryPlain(key, value)}\nFound 1 element\n`);
      } finally {
        rmSync(pin, { force: true });
      }
    },
  );
});

describe('dumps stream', () => {
  const array = (n: number): BpfMap => {
    const m = createStandaloneMap(spec(BPF_MAP_TYPE_ARRAY, 4, 8, n), 1);
    for (let i = 0; i < n; i += 97) m.updateElem(u32(i), bytes(8, i));
    return m;
  };

  it("walk a map's entries lazily", () => {
    const m = array(200_000);
    const entries = m.entries();
    expect(entries.next().value).toEqual([u32(0), bytes(8, 0)]);
    expect(m.entryCount()).toBe(200_000);
  });

  it('writes bpftool JSON entry by entry, waiting for the output after each', async () => {
    const m = array(5000);
    const out = recorder();
    await writeMapDump(logged(m.entries(), out.events), { keyTypeId: 0, valueTypeId: 0 }, undefined, out);
    expect(new Set(perEntry(out.events))).toEqual(new Set(['entry,write,drain']));
    expect(perEntry(out.events)).toHaveLength(5000);
    expect(out.text.startsWith('[{\n        "key": ["0x00","0x00","0x00","0x00"\n        ],\n        "value": ["0x00","0x01"')).toBe(true);
    expect(out.text.endsWith('}\n]')).toBe(true);
  });

  it('writes per-CPU values by CPU', async () => {
    const m = createStandaloneMap(spec(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 1, 1), 2);
    const out = recorder();
    await writeMapDump(m.entries(), { keyTypeId: 0, valueTypeId: 0 }, undefined, out);
    expect(out.text).toBe([
      '[{',
      '        "key": ["0x00","0x00","0x00","0x00"',
      '        ],',
      '        "values": [{',
      '                "cpu": 0,',
      '                "value": ["0x00"',
      '                ]',
      '            },{',
      '                "cpu": 1,',
      '                "value": ["0x00"',
      '                ]',
      '            }',
      '        ]',
      '    }',
      ']',
    ].join('\n'));
  });

  it('writes the --jsonl maps line entry by entry, with every name as a key', async () => {
    const maps = new Map<string, BpfMap>([['__proto__', array(3000)], ['a"b\n', createStandaloneMap(spec(BPF_MAP_TYPE_HASH, 4, 8, 4), 1)]]);
    maps.get('a"b\n')!.updateElem(u32(7), bytes(8));
    const out = recorder();
    const m = maps.get('__proto__')!;
    const entries = m.entries.bind(m);
    m.entries = () => logged(entries(), out.events);
    await writeMapsHex(maps, out);
    expect(perEntry(out.events)).toHaveLength(3000);
    expect(new Set(perEntry(out.events).slice(0, -1))).toEqual(new Set(['entry,write,drain']));
    const parsed = JSON.parse(out.text) as { maps: Record<string, unknown[]> };
    expect(Object.keys(parsed.maps)).toEqual(['__proto__', 'a"b\n']);
    expect(parsed.maps['__proto__']).toHaveLength(3000);
    expect(parsed.maps).toEqual(JSON.parse(JSON.stringify({ maps: dumpMapsHex(maps) })).maps);
    expect(Object.keys(dumpMapsHex(maps))).toEqual(['__proto__', 'a"b\n']);
  });
});

describe('command output', () => {
  it('goes out in chunks of 64 KiB, whatever the size of the pieces', () => {
    const writes: number[] = [];
    const out = Output.stdout({ stdout: (t) => void writes.push(t.length), stderr: () => {}, stdin: async () => Buffer.alloc(0), drain: async () => {} });
    for (let i = 0; i < 100_000; i++) out.write('0123456789');
    out.write('x'.repeat(200_000));
    out.close();
    expect(writes.reduce((a, b) => a + b, 0)).toBe(1_200_000);
    expect(writes.slice(0, -2).every((n) => n >= 65536 && n < 65546)).toBe(true);
    expect(writes.length).toBeLessThan(20);
  });
});
