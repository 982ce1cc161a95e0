// bpf_probe_read_kernel_str, bpf_probe_read_user and bpf_probe_read_user_str
// against the kernel (probe_read_str.bpf.c keeps each result and the
// destination it left), then what the kernel's test run cannot show: the
// idle task's user reads, and a string that runs off its region.
import { describe, expect, it } from 'vitest';
import type { CurrentTask } from '../../src/helpers/current-task.js';
import { probeReadKernelStr, probeReadUser, probeReadUserStr } from '../../src/helpers/probe-read.js';
import { loadObject } from '../../src/loader/load.js';
import { EFAULT, ERANGE } from '../../src/uapi/errno.js';
import { concat } from '../oracle/packets.js';
import { skipWithoutKernel } from '../oracle/support.js';
import { agree, fixture } from './agreement.js';
import { bench } from './direct.js';

const OBJ = fixture('probe_read_str');
const FRAME = concat(new Uint8Array(14), new TextEncoder().encode('xdp-packet\0'), new Uint8Array(35));

/**
 * BPF_PROG_TEST_RUN runs the program in the calling process, a user task:
 * xdpsim is told so for the agreement, since the one answer that depends on
 * it (0 bytes from user space) differs for the idle task.
 */
const USER_PROCESS: CurrentTask = {
  pid: 4242,
  tgid: 4242,
  uid: 0,
  gid: 0,
  comm: 'xdp_oracle',
  kthread: false,
  cgroups: [1],
  classid: 0,
  pidNs: { dev: 4, ino: 0xeffffffc, pid: 4242, tgid: 4242 },
};

const rows = (texts: Array<[string, unknown]>): Array<[bigint, string]> =>
  texts.map(([, v]) => {
    const b = Buffer.from(v as string, 'hex');
    return [b.readBigInt64LE(0), b.subarray(8).toString('hex')];
  });

const untouched = (n: number): string => 'aa'.repeat(n);
const zeroed = (n: number): string => '00'.repeat(n) + untouched(24 - n);
const text = (s: string): string => Buffer.from(s, 'latin1').toString('hex') + untouched(24 - s.length);

describe('bpf_probe_read_*_str and bpf_probe_read_user', () => {
  describe('against the kernel', () => {
    skipWithoutKernel();

    it('copies with the NUL, truncates, zeroes on error and refuses user space', () => {
      const { kernel } = agree(OBJ, 'xdp_probe_read_str', [FRAME], [], { current: USER_PROCESS });
      expect(rows(kernel.maps.texts!)).toEqual([
        // kernel_str: the length with the NUL; the rest of the destination left alone.
        [6n, text('hello\0')],
        [3n, text('he\0')],
        [0n, untouched(24)],
        [BigInt(-ERANGE), zeroed(8)],
        [BigInt(-ERANGE), zeroed(8)],
        [BigInt(-EFAULT), zeroed(8)],
        [1n, text('\0')],
        [8n, text('abcdefg\0')],
        [11n, text('xdp-packet\0')],
        [13n, text('from .rodata\0')],
        // user: no user memory behind a kernel or unmapped address.
        [BigInt(-EFAULT), zeroed(8)],
        [BigInt(-EFAULT), zeroed(8)],
        [BigInt(-EFAULT), zeroed(8)],
        [0n, untouched(24)],
        [BigInt(-EFAULT), zeroed(8)],
        [BigInt(-EFAULT), zeroed(8)],
        [0n, untouched(24)],
        [0n, untouched(24)],
        // Where no kernel read may start: user space, the non-canonical hole, vsyscall.
        [BigInt(-ERANGE), zeroed(8)],
        [BigInt(-ERANGE), zeroed(8)],
        [BigInt(-ERANGE), zeroed(8)],
        [BigInt(-ERANGE), zeroed(8)],
        [BigInt(-ERANGE), zeroed(8)],
        [BigInt(-ERANGE), untouched(24)],
      ]);
    });
  });

  it('on the idle task, even 0 bytes from user space are -EFAULT', () => {
    const obj = loadObject(OBJ);
    obj.program({ program: 'xdp_probe_read_str' }).run(FRAME);
    const row = obj.map('texts').lookupElem(Uint8Array.of(16, 0, 0, 0)) as Uint8Array;
    expect(rows([['', Buffer.from(row).toString('hex')]])).toEqual([[BigInt(-EFAULT), untouched(24)]]);
  });

  it('probe_read_user faults and zeroes for any task and any size but 0', () => {
    const b = bench();
    const dst = b.scratch;
    for (const current of [undefined, USER_PROCESS]) {
      if (current) b.state.current = current;
      else delete b.state.current;
      const read = probeReadUser(b.state);
      for (const [size, src] of [[8, b.rodata], [1, 0], [16, 0x7fff_0000_0000n]] as const) {
        b.memory.u8.fill(0xaa, dst, dst + 32);
        expect(b.call(read, dst, size, src)).toBe(BigInt(-EFAULT));
        expect([...b.memory.u8.subarray(dst, dst + 32)]).toEqual([...Array(size).fill(0), ...Array(32 - size).fill(0xaa)]);
      }
      // 0 bytes: a user task may read them at any user address (up to TASK_SIZE_MAX), a kernel thread nowhere.
      expect(b.call(read, dst, 0, 0x7fff_ffff_f000n)).toBe(current ? 0n : BigInt(-EFAULT));
      expect(b.call(read, dst, 0, 0x7fff_ffff_f001n)).toBe(BigInt(-EFAULT));
    }
  });

  it('probe_read_user_str: 0 bytes are 0, anything else -EFAULT with the destination zeroed', () => {
    const b = bench();
    b.memory.u8.fill(0xaa, b.scratch, b.scratch + 16);
    expect(b.call(probeReadUserStr, b.scratch, 0, 0)).toBe(0n);
    expect(b.call(probeReadUserStr, b.scratch, 12, b.rodata)).toBe(BigInt(-EFAULT));
    expect([...b.memory.u8.subarray(b.scratch, b.scratch + 16)]).toEqual([...Array(12).fill(0), 0xaa, 0xaa, 0xaa, 0xaa]);
  });

  it('probe_read_kernel_str faults where its string runs off the region, and not before', () => {
    const b = bench();
    const src = b.rodata + 256 - 4; // the last 4 bytes of the read-only region
    const dst = b.scratch;
    b.memory.u8.set([0x61, 0x62, 0x63, 0], src);
    expect(b.call(probeReadKernelStr, dst, 64, src)).toBe(4n);
    b.memory.u8.set([0x61, 0x62, 0x63, 0x64], src);
    expect(b.call(probeReadKernelStr, dst, 4, src)).toBe(4n);
    expect(Buffer.from(b.memory.u8.subarray(dst, dst + 4)).toString('latin1')).toBe('abc\0');
    b.memory.u8.fill(0xaa, dst, dst + 64);
    expect(b.call(probeReadKernelStr, dst, 64, src)).toBe(BigInt(-EFAULT));
    expect(b.memory.u8.subarray(dst, dst + 64).every((x) => x === 0)).toBe(true);
  });

  it('probe_read_kernel_str copies forward byte by byte, as the kernel does, when source and destination overlap', () => {
    const b = bench();
    const at = b.scratch;
    b.memory.u8.set([0x61, 0x62, 0x63, 0x64, 0], at);
    expect(b.call(probeReadKernelStr, at + 1, 8, at)).toBe(8n);
    expect(Buffer.from(b.memory.u8.subarray(at, at + 9)).toString('latin1')).toBe('aaaaaaaa\0');
  });
});
