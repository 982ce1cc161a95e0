// Hostile input through the CLI: huge maps stream with bounded memory,
// names print safely and cannot escape or outgrow the pin directory, and a
// bad name is refused before the run, so no run is lost to it.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/cli.js';

const ROOT = resolve(import.meta.dirname, '../..');
const OBJECTS = join(ROOT, 'test/fixtures/objects');
const PINNING = join(ROOT, 'test/fixtures/pinning');
const IPV4 = join(ROOT, 'captures/ipv4.pcap');
const work = mkdtempSync(join(tmpdir(), 'xdpsim-bad-input-'));

/**
 * Runs the built CLI in a child process with a JavaScript heap of HEAP_MIB,
 * and reports its peak resident memory. Output written entry by entry needs
 * a few chunks and one entry; building the whole dump took gigabytes, and
 * under this limit ends in V8's out-of-memory abort (status 134). The limit,
 * not the peak (which garbage collection timing moves on a busy machine),
 * is what makes the test exact.
 */
function runMeasured(args: string[]): Promise<CliResult & { maxRssMiB: number }> {
  const main = pathToFileURL(join(ROOT, 'dist/cli/main.js')).href;
  const script = `const { main } = await import(${JSON.stringify(main)});
process.exitCode = await main(JSON.parse(process.argv[1]));
process.stderr.write('@maxrss ' + process.resourceUsage().maxRSS + '\\n');`;
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [`--max-old-space-size=${HEAP_MIB}`, '--input-type=module', '-e', script, JSON.stringify(args)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => {
      const m = /@maxrss (\d+)\n$/.exec(stderr);
      done({ code: code ?? -1, stdout, stderr: stderr.replace(/@maxrss \d+\n$/, ''), maxRssMiB: m ? Number(m[1]) / 1024 : Infinity });
    });
  });
}

const HEAP_MIB = 96;
/** Peak memory allowed besides: the maps' own memory and Node's (about 50 MiB) on top of the heap. */
const BOUNDED_MIB = 512;

describe('maps of any size stream', () => {
  it('an 8 MiB value: set from --setup, summarised, pinned and dumped back', async () => {
    const setup = join(work, 'blob.setup');
    writeFileSync(setup, `blob 00000000 ${'07'.repeat(8 << 20)}\n`);
    const pins = join(work, 'blob-pins');
    const run = await runMeasured(['run', join(OBJECTS, 'big_value.bpf.o'), '--sec', 'xdp', '--pcap', IPV4, '--setup', setup, '--pinmaps', pins]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^xdp_blob: 12 packets from .*\n {2}PASS +12\n\nmap blob \(array, 1 of 1 entries\):\n\[\{\n {8}"key": 0,\n {8}"value": \{\n {12}"bytes": \[7,7,7,7,7,19,7,/);
    expect(run.stdout.length).toBeGreaterThan(16 << 20);
    expect(run.maxRssMiB).toBeLessThan(BOUNDED_MIB);
    const dump = await runMeasured(['map', 'dump', 'pinned', join(pins, 'blob')]);
    expect(dump.code).toBe(0);
    expect(dump.stdout.startsWith('key:\n00 00 00 00\nvalue:\n07 07 07 07 07 13 07 07  07 07')).toBe(true);
    expect(dump.stdout.endsWith('07 07 07 07 07 07 07 07  07 07 07 07 07 07 07 07\nFound 1 element\n')).toBe(true);
    expect(dump.maxRssMiB).toBeLessThan(BOUNDED_MIB);
  });

  it('a million entries: summary, --jsonl and a pin, entry by entry', async () => {
    const pins = join(work, 'many-pins');
    const jsonl = join(work, 'many.jsonl');
    const run = await runMeasured(['run', join(OBJECTS, 'many_entries.bpf.o'), '--sec', 'xdp', '--pcap', IPV4, '--jsonl', jsonl, '--pinmaps', pins]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('map counters (array, 1000000 of 1000000 entries):\n');
    expect(run.stdout).toMatch(/\n\(999984 more entries; --jsonl lists them all\)\n$/);
    const maps = (JSON.parse(readFileSync(jsonl, 'utf8').trimEnd().split('\n').at(-1)!) as { maps: { counters: Array<[string, string]> } }).maps;
    expect(maps.counters).toHaveLength(1_000_000);
    expect(run.maxRssMiB).toBeLessThan(BOUNDED_MIB);
    const dump = await runMeasured(['map', 'dump', 'pinned', join(pins, 'counters')]);
    expect(dump.stdout).toMatch(/^key: 00 00 00 00 {2}value: 00 00 00 00 00 00 00 00\n/);
    expect(dump.stdout).toMatch(/\nFound 1000000 elements\n$/);
    expect(dump.maxRssMiB).toBeLessThan(BOUNDED_MIB);
  }, 120_000);

  it('a pin file of 160 bytes declaring two million entries dumps them with bounded memory', async () => {
    const forged = join(work, 'forged');
    const header = { format: 'xdpsim-pinned-map-2', spec: { name: 'x', type: 2, keySize: 4, valueSize: 4, maxEntries: 2_000_000, flags: 0 }, cpus: 1, frozen: false, entries: 0 };
    writeFileSync(forged, JSON.stringify(header) + '\n');
    const dump = await runMeasured(['map', 'dump', 'pinned', forged]);
    expect(dump.code).toBe(0);
    expect(dump.stdout).toMatch(/\nkey: 7f 84 1e 00 {2}value: 00 00 00 00\nFound 2000000 elements\n$/);
    expect(dump.maxRssMiB).toBeLessThan(BOUNDED_MIB);
  }, 120_000);
});

describe('names from objects', () => {
  /** proto_map.bpf.o with its map `forge_line` renamed to hold a newline. */
  function forged(): string {
    const b = readFileSync(join(OBJECTS, 'proto_map.bpf.o'));
    const from = Buffer.from('forge_line\0');
    for (let i = b.indexOf(from); i >= 0; i = b.indexOf(from, i + 1)) Buffer.from('forge\nline\0').copy(b, i);
    const path = join(work, 'forged.o');
    writeFileSync(path, b);
    return path;
  }

  it('print escaped in the listing and the summary, and as JSON keys in --jsonl, __proto__ included', async () => {
    const obj = forged();
    const show = await runCli(['map', 'show', obj]);
    expect(show.stdout).toBe('1: array  name __proto__  flags 0x0\n\tkey 4B  value 8B  max_entries 1\n2: array  name forge\\nline  flags 0x0\n\tkey 4B  value 8B  max_entries 1\n');
    const jsonl = join(work, 'names.jsonl');
    const run = await runCli(['run', obj, '--sec', 'xdp', '--pcap', IPV4, '--jsonl', jsonl]);
    expect(run.stdout).toContain('\nmap __proto__ (array, 1 of 1 entries):\n');
    expect(run.stdout).toContain('\nmap forge\\nline (array, 1 of 1 entries):\n');
    const maps = JSON.parse(readFileSync(jsonl, 'utf8').trimEnd().split('\n').at(-1)!).maps as Record<string, unknown>;
    expect(Object.keys(maps)).toEqual(['__proto__', 'forge\nline']);
    expect(maps['__proto__']).toEqual([['00000000', '0c00000000000000']]);
  });

  it('set a global named __proto__ with --set', async () => {
    const r = await runCli(['run', join(OBJECTS, 'proto_global.bpf.o'), '--sec', 'xdp', '--pcap', IPV4, '--set', '__proto__=1']);
    expect(r.stdout).toMatch(/^xdp_proto: 12 packets from .*\n {2}DROP +12\n\nmap proto_gl.rodata /);
  });

  it('that cannot be pin file names are refused before the run, with --pin-dir and --pinmaps', async () => {
    const obj = join(PINNING, 'long_name.bpf.o');
    const message = `xdpsim run: map '${'a'.repeat(64)}...': its pin name of 300 bytes is longer than NAME_MAX (255): ENAMETOOLONG\n`;
    for (const option of ['--pin-dir', '--pinmaps']) {
      const r = await runCli(['run', obj, '--sec', 'xdp', '--pcap', IPV4, option, join(work, 'long')]);
      expect(r).toEqual({ code: 1, stdout: '', stderr: message });
    }
  });

  it('of two maps with one pin name are refused before the run', async () => {
    const b = readFileSync(join(OBJECTS, 'proto_map.bpf.o'));
    // `__proto__` and `forge_line` become `a.b` and `a_b`: libbpf pins both as a_b.
    for (const [from, to] of [['__proto__\0', 'a.b\0\0\0\0\0\0\0'], ['forge_line\0', 'a_b\0\0\0\0\0\0\0\0']] as const) {
      for (let i = b.indexOf(from); i >= 0; i = b.indexOf(from, i + 1)) Buffer.from(to, 'latin1').copy(b, i);
    }
    const obj = join(work, 'twins.o');
    writeFileSync(obj, b);
    const r = await runCli(['run', obj, '--sec', 'xdp', '--pcap', IPV4, '--pinmaps', join(work, 'twins')]);
    expect(r).toMatchObject({ code: 1, stdout: '', stderr: `xdpsim run: maps 'a.b' and 'a_b' would both be pinned as ${join(work, 'twins', 'a_b')}\n` });
  });
});

describe('command names', () => {
  it('that are names of Object.prototype are no commands', async () => {
    for (const name of ['__proto__', 'constructor', 'toString']) {
      const r = await runCli([name]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^xdpsim: unknown command '${name}'\n`));
    }
  });
});

describe('pinned prog arrays', () => {
  it('are reused by a second run, which fills its preset slot again as libbpf does', async () => {
    const dir = join(work, 'tail');
    const run = () => runCli(['run', join(PINNING, 'tail_pinned.bpf.o'), '--program', 'xdp_entry', '--pcap', IPV4, '--pin-dir', dir]);
    for (let i = 0; i < 2; i++) {
      const r = await run();
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(/^xdp_entry: 12 packets from .*\n {2}DROP +12\n/);
    }
    expect((await runCli(['map', 'dump', 'pinned', join(dir, 'jumps')])).stdout).toBe('Found 0 elements\n');
    expect((await runCli(['map', 'dump', 'pinned', join(dir, 'leaf_runs')])).stdout).toBe('key: 00 00 00 00  value: 18 00 00 00 00 00 00 00\nFound 1 element\n');
  });
});
