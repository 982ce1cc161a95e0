// Runs the real tcpdump as an oracle for the capture reader and writer.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const tcpdumpPresent = spawnSync('tcpdump', ['--version']).status === 0;
/** Appended to the names of tests that need tcpdump. */
export const NEEDS_TCPDUMP = '(tcpdump cross-check, skipped when tcpdump is absent)';
if (!tcpdumpPresent) console.warn('skipped: the tcpdump cross-checks, as tcpdump is not installed');

export interface TcpdumpResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function tcpdump(file: string, args: string[] = []): TcpdumpResult {
  const r = spawnSync('tcpdump', ['-r', file, '-n', ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs `use` on a path holding `source`: the file itself, or the bytes written to a temporary file removed afterwards. */
function withFile<T>(source: string | Uint8Array, use: (path: string) => T): T {
  if (typeof source === 'string') return use(source);
  const dir = mkdtempSync(join(tmpdir(), 'xdpsim-pcap-'));
  try {
    const path = join(dir, 'capture');
    writeFileSync(path, source);
    return use(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface DumpedPacket {
  /** "sec.nnnnnnnnn" as tcpdump prints it with -tt and nanosecond precision. */
  ts: string;
  /** The packet's captured bytes, from tcpdump -xx. */
  bytes: Uint8Array;
}

/** Every packet tcpdump reads from a capture (path or bytes): its timestamp and all its captured bytes. */
export function dumpPackets(source: string | Uint8Array): DumpedPacket[] {
  const r = withFile(source, (path) => tcpdump(path, ['-q', '-tt', '--time-stamp-precision=nano', '-xx']));
  if (r.status !== 0) throw new Error(`tcpdump failed: ${r.stderr}`);
  const packets: { ts: string; hex: string[] }[] = [];
  for (const line of r.stdout.split('\n')) {
    const ts = /^(\d+\.\d{9}) /.exec(line);
    if (ts) packets.push({ ts: ts[1]!, hex: [] });
    const hex = /^\t0x[0-9a-f]{4,}:\s+((?:[0-9a-f]{2,4} ?)+)/.exec(line);
    if (hex) packets[packets.length - 1]!.hex.push(hex[1]!.replace(/ /g, ''));
  }
  return packets.map((p) => ({ ts: p.ts, bytes: Uint8Array.from(Buffer.from(p.hex.join(''), 'hex')) }));
}

/** tcpdump's one-line decode of each packet of a capture (path or bytes). */
export function decodeLines(source: string | Uint8Array, args: string[] = []): string[] {
  const r = withFile(source, (path) => tcpdump(path, ['-tt', ...args]));
  if (r.status !== 0) throw new Error(`tcpdump failed: ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l !== '');
}
