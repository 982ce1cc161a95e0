// A second round of hostile input: a reader that leaves early, pin names at
// NAME_MAX, FIFOs, pin files that repeat a key, and names that would drive a
// terminal. Each gives a clear error (or finishes its work), never a hang or
// a silent loss.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadObject } from '../../src/loader/load.js';
import { createStandaloneMap } from '../../src/maps/standalone.js';
import { openPinned, pinMap, PinError } from '../../src/maps/pin.js';
import { BPF_MAP_TYPE_HASH } from '../../src/uapi/bpf.js';
import { MapError } from '../../src/maps/types.js';
import { runCli, XDPSIM } from '../support/cli.js';

const ROOT = resolve(import.meta.dirname, '../..');
const FIREWALL = join(ROOT, 'examples/xdp_firewall.o');
const work = mkdtempSync(join(tmpdir(), 'xdpsim-hostile-pins-'));

/** A classic pcap of `count` identical 224-byte UDP frames: far more JSONL than a pipe buffer holds. */
function bigCapture(count: number): string {
  const frame = Buffer.concat([Buffer.from('020000000001020000000002080045000044000100004011', 'hex'), Buffer.alloc(200)]);
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(1, 20);
  const records = Array.from({ length: count }, (_, i) => {
    const r = Buffer.alloc(16);
    r.writeUInt32LE(i, 0);
    r.writeUInt32LE(frame.length, 8);
    r.writeUInt32LE(frame.length, 12);
    return Buffer.concat([r, frame]);
  });
  const path = join(work, `big-${count}.pcap`);
  writeFileSync(path, Buffer.concat([header, ...records]));
  return path;
}

describe('hostile input, second round', () => {
  it('pins the maps when the reader of --jsonl - leaves after the first line', async () => {
    const pins = join(work, 'epipe-pins');
    const args = [XDPSIM, 'run', FIREWALL, '--sec', 'xdp', '--pcap', bigCapture(5000), '--jsonl', '-', '--pinmaps', pins];
    const status = await new Promise<number>((done) => {
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.once('data', () => child.stdout.destroy());
      child.on('close', (code) => done(code ?? -1));
    });
    expect(status).toBe(0);
    expect(readdirSync(pins).sort()).toEqual(['action_counts', 'blocked_sources', 'deny_rules']);
  });

  it('pins a map whose name is NAME_MAX bytes long', () => {
    const map = loadObject(FIREWALL).map('action_counts');
    const path = join(work, 'm'.repeat(255));
    pinMap(map, path);
    expect(openPinned(path).spec.maxEntries).toBe(map.spec.maxEntries);
  });

  it('refuses a FIFO as a pinned map or a setup file instead of waiting for a writer', async () => {
    const fifo = join(work, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(() => openPinned(fifo)).toThrow(PinError);
    expect(() => openPinned(fifo)).toThrow(/not a regular file/);
    const r = await runCli(['run', FIREWALL, '--sec', 'xdp', '--pcap', join(ROOT, 'captures/demo.pcap'), '--setup', fifo]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/fifo: a setup file must be a regular file/);
  });

  it('refuses a pin file that gives one key twice, naming the file', () => {
    const map = createStandaloneMap({ name: 'h', type: BPF_MAP_TYPE_HASH, keySize: 4, valueSize: 4, maxEntries: 4, flags: 0 }, 2);
    const path = join(work, 'twice');
    pinMap(map, path);
    const header = JSON.parse(readFirstLine(path)) as Record<string, unknown>;
    writeFileSync(path, `${JSON.stringify({ ...header, entries: 2 })}\n01000000 02000000\n01000000 03000000\n`);
    expect(() => openPinned(path)).toThrow(`${path}: its 2 entries hold 1 distinct keys`);
  });

  it('escapes control characters in map names in messages', () => {
    const map = createStandaloneMap({ name: 'a\x1b[31mRED\nfake', type: BPF_MAP_TYPE_HASH, keySize: 4, valueSize: 4, maxEntries: 1, flags: 0 }, 2);
    map.freeze();
    let message = '';
    try {
      map.updateElem(new Uint8Array(4), new Uint8Array(4));
    } catch (e) {
      expect(e).toBeInstanceOf(MapError);
      message = (e as Error).message;
    }
    expect(message).toBe('update a\\x1b[31mRED\\nfake: map is frozen: EPERM');
  });

  it('leaves no temporary file beside the pins', () => {
    expect(existsSync(join(work, 'twice'))).toBe(true);
    expect(readdirSync(work).filter((f) => f.startsWith('.xdpsim-'))).toEqual([]);
  });
});

function readFirstLine(path: string): string {
  return readFileSync(path, 'utf8').split('\n', 1)[0]!;
}
