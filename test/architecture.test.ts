// The folders under src/ and which of them each may import, as each folder's
// index.ts says under "May import:". The lists point one way: a folder
// imports only folders above it here, so no two folders depend on each other.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  errors: [],
  uapi: [],
  encoding: ['errors', 'uapi'],
  isa: ['errors', 'uapi'],
  btf: ['errors', 'uapi'],
  pcap: ['errors', 'uapi'],
  vm: ['errors', 'uapi', 'isa'],
  elf: ['errors', 'uapi', 'isa', 'btf'],
  maps: ['errors', 'uapi', 'encoding', 'btf', 'vm'],
  xdp: ['errors', 'uapi', 'vm', 'maps'],
  helpers: ['errors', 'uapi', 'isa', 'btf', 'vm', 'elf', 'maps', 'xdp'],
  verifier: ['errors', 'uapi', 'isa', 'helpers'],
  engine: ['errors', 'uapi', 'isa', 'vm', 'elf', 'maps', 'xdp', 'helpers', 'verifier'],
  testrun: ['errors', 'uapi', 'isa', 'vm', 'elf', 'maps', 'xdp', 'helpers', 'verifier', 'engine'],
  loader: ['errors', 'uapi', 'encoding', 'isa', 'btf', 'vm', 'elf', 'maps', 'xdp', 'helpers', 'verifier', 'engine', 'testrun'],
  nic: ['errors', 'uapi', 'isa', 'vm', 'maps', 'xdp', 'helpers', 'verifier', 'engine'],
  replay: ['errors', 'uapi', 'vm', 'isa', 'elf', 'maps', 'helpers', 'engine', 'testrun', 'loader', 'pcap', 'nic'],
  cli: ['errors', 'uapi', 'encoding', 'isa', 'btf', 'pcap', 'vm', 'elf', 'maps', 'xdp', 'helpers', 'engine', 'testrun', 'loader', 'nic', 'replay'],
};

const SRC = resolve(import.meta.dirname, '../src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

const folderOf = (path: string): string => relative(SRC, path).split('/')[0]!;

/** Every relative module a file names: static imports and re-exports, side-effect imports, dynamic imports. */
function specifiers(text: string): string[] {
  const found = [
    ...text.matchAll(/^\s*(?:import|export)\b[^;'"]*?\bfrom\s*['"]([^'"]+)['"]/gm),
    ...text.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm),
    ...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
  ];
  return found.map((m) => m[1]!).filter((s) => s.startsWith('.'));
}

/** Folder → the folders its files import, each with the files that do. */
function folderImports(): Map<string, Map<string, string[]>> {
  const graph = new Map<string, Map<string, string[]>>();
  for (const file of sources(SRC)) {
    const from = folderOf(file);
    const edges = graph.get(from) ?? graph.set(from, new Map()).get(from)!;
    for (const spec of specifiers(readFileSync(file, 'utf8'))) {
      const target = resolve(dirname(file), spec);
      const to = relative(SRC, target).startsWith('..') ? '(outside src)' : folderOf(target);
      if (to === from) continue;
      edges.set(to, [...(edges.get(to) ?? []), relative(SRC, file)]);
    }
  }
  return graph;
}

/** A cycle of the graph as a path (first node repeated at the end), or undefined. */
function findCycle(graph: ReadonlyMap<string, Iterable<string>>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'open') return [...path.slice(path.indexOf(node)), node];
    state.set(node, 'open');
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

/** The folders a folder's index.ts lists after "May import:" in its opening doc comment ("nothing" for none). */
function documentedImports(folder: string): string[] | string {
  let text: string;
  try {
    text = readFileSync(join(SRC, folder, 'index.ts'), 'utf8');
  } catch {
    return 'no index.ts';
  }
  const doc = /^\/\*\*([\s\S]*?)\*\//.exec(text);
  if (!doc) return 'index.ts does not open with a doc comment';
  const prose = doc[1]!.replace(/^\s*\* ?/gm, '').replace(/\s+/g, ' ');
  const line = /May import: ([^.]*)\./.exec(prose);
  if (!line) return 'its doc comment has no "May import:"';
  const list = line[1]!.replace(/,? so that every folder.*$/, '').trim();
  return list === 'nothing' ? [] : list.split(/\s*,\s*/);
}

describe('the folders of src/', () => {
  const graph = folderImports();

  it('each have a list of what they may import', () => {
    expect([...graph.keys()].filter((f) => !(f in ALLOWED)), 'folders missing from ALLOWED').toEqual([]);
    expect(Object.keys(ALLOWED).filter((f) => !graph.has(f)), 'ALLOWED folders that do not exist').toEqual([]);
  });

  it('import only what their list allows', () => {
    const refused: string[] = [];
    for (const [from, edges] of graph) {
      for (const [to, files] of edges) if (!(ALLOWED[from] ?? []).includes(to)) refused.push(`${from} -> ${to} (${files.join(', ')})`);
    }
    expect(refused).toEqual([]);
  });

  it('say in their index.ts what they may import, as the list does', () => {
    for (const folder of Object.keys(ALLOWED)) expect(documentedImports(folder), folder).toEqual(ALLOWED[folder]);
  });

  it('import each other one way only: no cycle between folders', () => {
    expect(findCycle(new Map([...graph].map(([from, edges]) => [from, [...edges.keys()]])))).toBeUndefined();
    expect(findCycle(new Map(Object.entries(ALLOWED))), 'the allowed lists').toBeUndefined();
  });

  it('find a cycle where there is one', () => {
    expect(findCycle(new Map([['elf', ['maps']], ['maps', ['vm', 'elf']], ['vm', []]]))).toEqual(['elf', 'maps', 'elf']);
  });
});

describe("the kernel's numbers", () => {
  it('are typed once, in src/uapi: no other file under src/ defines a constant of a name src/uapi exports', () => {
    const uapi = new Set(sources(join(SRC, 'uapi')).flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/^export const (\w+) =/gm)].map((m) => m[1]!)));
    const typed: Record<string, string[]> = {};
    for (const file of sources(SRC)) {
      if (folderOf(file) === 'uapi') continue;
      const names = [...readFileSync(file, 'utf8').matchAll(/^\s*(?:export\s+)?const\s+(\w+)\s*=/gm)].map((m) => m[1]!).filter((n) => uapi.has(n));
      if (names.length > 0) typed[relative(SRC, file)] = names.sort();
    }
    expect(typed).toEqual({});
  });
});
