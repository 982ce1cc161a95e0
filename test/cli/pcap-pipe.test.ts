// `xdpsim run --pcap` on what is not a regular file: standard input from a
// parent process (a socket), a shell pipe into /dev/stdin, process
// substitution and a FIFO. Each must run exactly what the file runs, and a
// capture cut short must end with the error the truncated file ends with.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runProcess as run, XDPSIM } from '../support/cli.js';

const ROOT = resolve(import.meta.dirname, '../..');
const FIREWALL = join(ROOT, 'examples/xdp_firewall.o');
const SETUP = join(ROOT, 'examples/xdp_firewall.setup');
const DEMO = join(ROOT, 'captures/demo.pcap');
const work = mkdtempSync(join(tmpdir(), 'xdpsim-pcap-pipe-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const xdpsimArgs = (pcap: string): string[] => [XDPSIM, 'run', FIREWALL, '--sec', 'xdp', '--setup', SETUP, '--jsonl', '-', '--pcap', pcap];
/** The shell command that runs xdpsim on `pcap`, its arguments quoted as the shell's positional parameters. */
const shell = (script: string, file: string): string[] => ['-c', script, 'sh', process.execPath, ...xdpsimArgs('PCAP').slice(0, -1), file];

describe('xdpsim run --pcap on a stream', () => {
  it('standard input, a shell pipe, process substitution and a FIFO run what the file runs', async () => {
    const fromFile = await run(process.execPath, xdpsimArgs(DEMO));
    expect(fromFile.code).toBe(0);
    expect(fromFile.stdout.split('\n')).toHaveLength(302); // 300 packets, the maps, the last newline

    // A parent's pipe to a child is a socket: /dev/stdin cannot be opened, the descriptor is read.
    const stdin = await run(process.execPath, xdpsimArgs('/dev/stdin'), readFileSync(DEMO));
    expect(stdin).toEqual(fromFile);
    // "$@" is node, xdpsim's arguments and --pcap; the last positional parameter is the capture's path.
    const lastArg = 'for f; do :; done; n=$(($# - 1));';
    const piped = await run('bash', shell(`${lastArg} cat "$f" | "\${@:1:$n}" /dev/stdin`, DEMO));
    expect(piped).toEqual(fromFile);
    const substituted = await run('bash', shell(`${lastArg} "\${@:1:$n}" <(cat "$f")`, DEMO));
    expect(substituted).toEqual(fromFile);
    const fifo = join(work, 'fifo');
    const viaFifo = await run('bash', shell(`${lastArg} mkfifo '${fifo}' && (cat "$f" > '${fifo}' &) && "\${@:1:$n}" '${fifo}'`, DEMO));
    expect(viaFifo).toEqual(fromFile);
  }, 30_000);

  it('a capture cut short ends with the error of the truncated file, after the packets before it', async () => {
    const cut = join(work, 'cut.pcap');
    writeFileSync(cut, readFileSync(DEMO).subarray(0, 5000));
    const fromFile = await run(process.execPath, xdpsimArgs(cut));
    expect(fromFile.code).toBe(1);
    expect(fromFile.stderr).toMatch(/^xdpsim run: .*cut\.pcap: byte offset \d+, packet \d+: truncated .* \(the \d+ packets before it were run\)\n$/);
    const stdin = await run(process.execPath, xdpsimArgs('/dev/stdin'), readFileSync(cut));
    expect(stdin).toEqual({ ...fromFile, stderr: fromFile.stderr.replace(cut, '/dev/stdin') });
  }, 30_000);
});
