// `xdpsim run --sockets FILE` and `--syncookie-secret HEX`: the file's
// sockets are what the lookups find, a bad file is refused with its name,
// and a fixed secret makes the same cookies in runs within one minute of the
// cookies' clock.
import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tcpCookieTime } from '../../src/helpers/syncookie.js';
import { writePcap } from '../../src/pcap/index.js';
import { fixture } from '../helpers/agreement.js';
import { mssOption, tcpFrame } from '../helpers/tcp-frames.js';
import { runCli } from '../support/cli.js';

const work = mkdtempSync(join(tmpdir(), 'xdpsim-sockets-'));
const OBJ = fixture('sockets');

function file(name: string, content: string | Uint8Array): string {
  const path = join(work, name);
  writeFileSync(path, content);
  return path;
}

const SYN = tcpFrame({ src: '10.0.0.1', sport: 40000, dst: '10.0.0.2', dport: 80, options: mssOption(1460) });
const PCAP = file('syn.pcap', writePcap([{ data: SYN, tsSec: 0, tsNsec: 0 }]));

/** The `maps` line of a --jsonl - run: map name to [key, value] hex pairs. */
function maps(stdout: string): Record<string, Array<[string, string]>> {
  const last = stdout.trim().split('\n').at(-1)!;
  return (JSON.parse(last) as { maps: Record<string, Array<[string, string]>> }).maps;
}

describe('xdpsim run --sockets', () => {
  it('lets the program find the sockets of the file', async () => {
    const sockets = file('listen.json', JSON.stringify({ sockets: [{ proto: 'tcp', local: '10.0.0.2:80', mark: 7 }] }));
    const r = await runCli(['run', OBJ, '--program', 'xdp_sk_lookup', '--pcap', PCAP, '--sockets', sockets, '--jsonl', '-']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const row = Buffer.from(maps(r.stdout).rows![0]![1], 'hex');
    // found, bound_dev_if, family, type, protocol, mark
    expect([0, 1, 2, 3, 4, 5].map((i) => row.readUInt32LE(4 * i))).toEqual([1, 0, 2, 1, 6, 7]);
  });

  it('refuses a file that is no socket table, naming it', async () => {
    const bad = file('bad.json', JSON.stringify({ sockets: [{ proto: 'tcp', local: '10.0.0.2' }] }));
    const r = await runCli(['run', OBJ, '--program', 'xdp_sk_lookup', '--pcap', PCAP, '--sockets', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`xdpsim run: ${bad}: sockets[0].local: expected "ADDRESS:PORT" or "[IPV6]:PORT", got "10.0.0.2"\n`);
  });
});

describe('xdpsim run with a huge --sockets or --setup file', () => {
  // 600 MiB, sparse: past the longest string the runtime can hold, so read whole it would fail as no input error.
  const huge = file('huge', '');
  truncateSync(huge, 600 * 1024 * 1024);

  it('refuses it before reading, naming it and its size', async () => {
    const sockets = await runCli(['run', OBJ, '--program', 'xdp_sk_lookup', '--pcap', PCAP, '--sockets', huge]);
    expect(sockets.code).toBe(1);
    expect(sockets.stderr).toBe(`xdpsim run: ${huge}: 629145600 bytes is too big for a socket table (at most 67108864)\n`);
    const setup = await runCli(['run', OBJ, '--program', 'xdp_sk_lookup', '--pcap', PCAP, '--setup', huge]);
    expect(setup.code).toBe(1);
    expect(setup.stderr).toMatch(new RegExp(`^xdpsim run: ${huge}: 629145600 bytes is too big for a setup file \\(at most \\d+\\)\n$`));
  });
});

describe('xdpsim run --syncookie-secret', () => {
  const sockets = file('cookies.json', JSON.stringify({ syncookies: 2, sockets: [{ proto: 'tcp', local: '10.0.0.2:80' }] }));
  const run = (secret: string) =>
    runCli(['run', OBJ, '--program', 'xdp_sk_syncookie', '--pcap', PCAP, '--sockets', sockets, '--syncookie-secret', secret, '--jsonl', '-']);
  /** The minute the cookies count (tcp_cookie_time), on the clock the CLI's runs start from: the host's CLOCK_MONOTONIC. */
  const minute = () => tcpCookieTime(process.hrtime.bigint());

  it('makes the same cookie from the same secret within a minute, and another from another', async () => {
    const a = 'ab'.repeat(64);
    for (let attempt = 1; ; attempt++) {
      const before = minute();
      const [one, two, other] = await Promise.all([run(a), run(a), run('cd'.repeat(64))]);
      // A minute turning during the runs may change the cookie: run again (the runs take seconds, so twice in a row is a bug).
      if (minute() !== before) {
        expect(attempt, 'the cookies\' minute turned during every attempt').toBeLessThan(3);
        continue;
      }
      const cookie = (out: string) => maps(out).cookies![0]![1];
      expect(one.code).toBe(0);
      expect(cookie(one.stdout)).toBe(cookie(two.stdout));
      expect(cookie(one.stdout)).not.toBe(cookie(other.stdout));
      // The MSS above bit 32: 1460.
      expect(Buffer.from(cookie(one.stdout), 'hex').readUInt32LE(4)).toBe(1460);
      return;
    }
  });

  it('takes 64 bytes of hex and nothing else', async () => {
    const r = await run('ab'.repeat(63));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^xdpsim run: --syncookie-secret takes 64 bytes as 128 hex digits\n/);
  });
});
