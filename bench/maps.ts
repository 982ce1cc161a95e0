// Map operations as a program's helpers make them (BpfMap.lookup / update /
// delete on keys and values in the flat memory), ns per operation in CPU time,
// for one or more builds of xdpsim side by side: rounds alternate between the
// builds and the median is taken, so that a noisy shared machine moves all
// alike.
//
//   npm run bench:maps                          (this tree, built: dist/ exists)
//   npm run bench:maps -- OLD_TREE NEW_TREE     (each built)
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** What the benchmark needs of a build: the same in every build since maps had helpers. */
interface MapOps {
  lookup(key: number, cpu: number): number;
  update(key: number, value: number, flags: number, cpu: number): number;
  delete(key: number): number;
}
interface MapSpec {
  name: string;
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
}
interface Memory {
  u8: Uint8Array;
  regions: ReadonlyArray<{ start: number }>;
}
interface Layout {
  add(spec: { name: string; size: number; writable: boolean }): number;
}
interface CreateModule {
  createMap(spec: MapSpec, cpus: number): MapOps;
  layoutMaps(layout: Layout, maps: readonly MapOps[]): Memory;
}
interface MemoryModule {
  MemoryLayout: new () => Layout;
}

const BPF_MAP_TYPE_HASH = 1;
const BPF_MAP_TYPE_ARRAY = 2;
const BPF_MAP_TYPE_PERCPU_HASH = 5;
const BPF_MAP_TYPE_LRU_HASH = 9;
const BPF_MAP_TYPE_LPM_TRIE = 11;
const BPF_F_NO_PREALLOC = 1;
const BPF_ANY = 0;

/** Keys each operation cycles through: present in the map, except for the misses. */
const KEYS = 1024;
/** Room for the keys and more, as the firewall's deny list (64k entries). */
const MAX_ENTRIES = 65536;
const CPUS = 2;
const VALUE_SIZE = 8;
const ROUNDS = 15;
const WARMUP_ROUNDS = 3;
/** Passes over the keys per sample: enough operations for process.cpuUsage's microseconds. */
const PASSES = 64;

interface Case {
  name: string;
  type: number;
  keySize: number;
  flags: number;
  /** Writes key number `i` at `at`: present ones for i < KEYS, absent ones from KEYS on. */
  key(view: DataView, at: number, i: number): void;
}

/** A 16-byte flow key (addresses, ports, protocol, padding), as a firewall or load balancer keys its table. */
const flowKey = (view: DataView, at: number, i: number): void => {
  view.setUint32(at, 0x0a000000 + i, false);
  view.setUint32(at + 4, 0xc0a80001, false);
  view.setUint32(at + 8, (1024 + (i & 0x7fff)) * 65536 + 80, false);
  view.setUint32(at + 12, 6, true);
};

const CASES: Case[] = [
  { name: 'hash', type: BPF_MAP_TYPE_HASH, keySize: 16, flags: 0, key: flowKey },
  { name: 'lru_hash', type: BPF_MAP_TYPE_LRU_HASH, keySize: 16, flags: 0, key: flowKey },
  { name: 'percpu_hash', type: BPF_MAP_TYPE_PERCPU_HASH, keySize: 16, flags: 0, key: flowKey },
  { name: 'hash (4-byte key)', type: BPF_MAP_TYPE_HASH, keySize: 4, flags: 0, key: (v, at, i) => v.setUint32(at, i * 2654435761, true) },
  { name: 'array', type: BPF_MAP_TYPE_ARRAY, keySize: 4, flags: 0, key: (v, at, i) => v.setUint32(at, i < KEYS ? i : MAX_ENTRIES + i, true) },
  {
    name: 'lpm_trie (/24s)',
    type: BPF_MAP_TYPE_LPM_TRIE,
    keySize: 8,
    flags: BPF_F_NO_PREALLOC,
    // Distinct /24 prefixes; the absent ones lie outside them all.
    key: (v, at, i) => {
      v.setUint32(at, 24, true);
      v.setUint32(at + 4, ((i < KEYS ? 0x0a000000 : 0x0b000000) + (i % KEYS) * 256) >>> 0, false);
    },
  },
];

type Op = 'lookup' | 'lookup miss' | 'update' | 'delete' | 'insert';
const OPS: readonly Op[] = ['lookup', 'lookup miss', 'update', 'delete', 'insert'];

/** One map of one build, with its keys and a value laid out in the map's memory; runs an op over every key, PASSES times. */
interface Subject {
  run(op: Op): number;
}

function subject(create: CreateModule, memory: MemoryModule, c: Case): Subject {
  const layout = new memory.MemoryLayout();
  const scratchSize = 2 * KEYS * 16 + 64;
  const scratch = layout.add({ name: 'scratch', size: scratchSize, writable: true });
  const map = create.createMap({ name: c.name, type: c.type, keySize: c.keySize, valueSize: VALUE_SIZE, maxEntries: MAX_ENTRIES, flags: c.flags }, CPUS);
  const mem = create.layoutMaps(layout, [map]);
  const base = mem.regions[scratch]!.start;
  const view = new DataView(mem.u8.buffer);
  const value = base;
  const keys = base + 64;
  for (let i = 0; i < 2 * KEYS; i++) c.key(view, keys + i * 16, i);
  for (let i = 0; i < KEYS; i++) map.update(keys + i * 16, value, BPF_ANY, 0);
  const canDelete = c.type !== BPF_MAP_TYPE_ARRAY;
  let sink = 0;
  return {
    run(op: Op): number {
      if ((op === 'delete' || op === 'insert') && !canDelete) return NaN;
      // A delete sample leaves the keys absent and the insert sample that follows puts them back.
      const passes = op === 'delete' || op === 'insert' ? 1 : PASSES;
      const start = process.cpuUsage();
      for (let p = 0; p < passes; p++) {
        switch (op) {
          case 'lookup':
            for (let i = 0; i < KEYS; i++) sink += map.lookup(keys + i * 16, 0);
            break;
          case 'lookup miss':
            for (let i = KEYS; i < 2 * KEYS; i++) sink += map.lookup(keys + i * 16, 0);
            break;
          case 'update':
            for (let i = 0; i < KEYS; i++) sink += map.update(keys + i * 16, value, BPF_ANY, 0);
            break;
          case 'delete':
            for (let i = 0; i < KEYS; i++) sink += map.delete(keys + i * 16);
            break;
          case 'insert':
            for (let i = 0; i < KEYS; i++) sink += map.update(keys + i * 16, value, BPF_ANY, 0);
            break;
        }
      }
      const used = process.cpuUsage(start);
      if (sink === 0.5) console.log('');
      return ((used.user + used.system) * 1000) / (passes * KEYS);
    },
  };
}

const trees = (process.argv.length > 2 ? process.argv.slice(2) : [resolve(import.meta.dirname, '../../..')]).map((t) => resolve(t));
const subjects = await Promise.all(
  trees.map(async (tree) => {
    const create = (await import(pathToFileURL(resolve(tree, 'dist/maps/create.js')).href)) as CreateModule;
    const memory = (await import(pathToFileURL(resolve(tree, 'dist/vm/memory.js')).href)) as MemoryModule;
    return CASES.map((c) => subject(create, memory, c));
  }),
);

/** Samples per tree, case and op. */
const samples = trees.map(() => CASES.map(() => OPS.map((): number[] => [])));
for (let round = 0; round < ROUNDS; round++) {
  CASES.forEach((_, k) => {
    const order = trees.map((_, t) => t);
    if (round % 2 === 1) order.reverse();
    for (const t of order) {
      OPS.forEach((op, o) => {
        const ns = subjects[t]![k]!.run(op);
        if (round >= WARMUP_ROUNDS && !Number.isNaN(ns)) samples[t]![k]![o]!.push(ns);
      });
    }
  });
}

const median = (xs: number[]): number => (xs.length === 0 ? NaN : [...xs].sort((a, b) => a - b)[xs.length >> 1]!);
const cell = (ns: number): string => (Number.isNaN(ns) ? '—' : ns.toFixed(0)).padStart(7);
console.log(`node ${process.version}, ${new Date().toISOString()}; CPU ns/op, median of ${ROUNDS - WARMUP_ROUNDS} rounds; ${KEYS} keys present of ${MAX_ENTRIES}`);
trees.forEach((tree, t) => console.log(`[${t}] ${tree}`));
console.log(`${'map'.padEnd(20)}${'tree'.padStart(5)}${OPS.map((op) => op.padStart(12)).join('')}`);
CASES.forEach((c, k) => {
  trees.forEach((_, t) => {
    console.log(`${(t === 0 ? c.name : '').padEnd(20)}${`[${t}]`.padStart(5)}${OPS.map((_, o) => cell(median(samples[t]![k]![o]!)).padStart(12)).join('')}`);
  });
});
