import { describe, expect, it } from 'vitest';
import { assemble } from '../../src/isa/asm.js';
import { loadBytecode } from '../../src/engine/bytecode.js';

/** Assembles, loads and runs; returns R0 as an unsigned 64-bit bigint. */
function run(source: string, memory?: Uint8Array, budget?: number): bigint {
  const prog = loadBytecode(assemble(source).toBytes());
  return prog.run({ memory, budget });
}

const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);

describe('division and modulo', () => {
  it('INT64_MIN / -1 wraps to INT64_MIN and INT64_MIN % -1 is 0', () => {
    const min = 'lddw %r0, 0x8000000000000000\n';
    expect(run(`${min}sdiv %r0, -1\nexit`)).toBe(0x8000000000000000n);
    expect(run(`${min}mov %r1, -1\nsdiv %r0, %r1\nexit`)).toBe(0x8000000000000000n);
    expect(run(`${min}smod %r0, -1\nexit`)).toBe(0n);
  });

  it('INT32_MIN / -1 wraps in 32 bits and the result is zero-extended', () => {
    expect(run('lddw %r0, 0xffffffff80000000\nsdiv32 %r0, -1\nexit')).toBe(0x80000000n);
    expect(run('mov32 %r0, 0x80000000\nsmod32 %r0, -1\nexit')).toBe(0n);
  });

  it('division by zero gives 0, modulo by zero keeps the dividend (zero-extended in 32 bits)', () => {
    expect(run('mov %r0, -7\nmov %r1, 0\ndiv %r0, %r1\nexit')).toBe(0n);
    expect(run('mov %r0, -7\nmov %r1, 0\nmod %r0, %r1\nexit')).toBe(u64(-7n));
    expect(run('mov %r0, -7\nmov %r1, 0\nmod32 %r0, %r1\nexit')).toBe(0xfffffff9n);
    expect(run('mov %r0, -7\nmov %r1, 0\nsmod %r0, %r1\nexit')).toBe(u64(-7n));
  });

  it('signed remainder takes the sign of the dividend', () => {
    expect(run('mov %r0, -7\nsmod %r0, 2\nexit')).toBe(u64(-1n));
    expect(run('mov %r0, 7\nsmod %r0, -2\nexit')).toBe(1n);
  });

  it('unsigned 64-bit division with high halves set is exact', () => {
    expect(run('lddw %r0, 0xfffffffffffffffe\nlddw %r1, 0x100000001\ndiv %r0, %r1\nexit')).toBe(0xfffffffffffffffen / 0x100000001n);
    expect(run('lddw %r0, 0xfffffffffffffffe\nlddw %r1, 0x100000001\nmod %r0, %r1\nexit')).toBe(0xfffffffffffffffen % 0x100000001n);
  });
});

describe('shifts', () => {
  it('masks the amount to 63 for 64-bit and 31 for 32-bit shifts', () => {
    expect(run('mov %r0, 1\nmov %r1, 65\nlsh %r0, %r1\nexit')).toBe(2n);
    expect(run('mov %r0, 1\nmov %r1, 33\nlsh32 %r0, %r1\nexit')).toBe(2n);
    expect(run('mov %r0, -1\nmov %r1, 127\nrsh %r0, %r1\nexit')).toBe(1n);
    expect(run('mov %r0, -8\nmov %r1, 64\narsh %r0, %r1\nexit')).toBe(u64(-8n));
  });

  it('shifts across the 32-bit halves', () => {
    expect(run('mov %r0, 3\nlsh %r0, 31\nexit')).toBe(3n << 31n);
    expect(run('lddw %r0, 0x8000000000000000\narsh %r0, 36\nexit')).toBe(u64(-(1n << 27n)));
    expect(run('lddw %r0, 0x8000000000000000\nrsh %r0, 32\nexit')).toBe(0x80000000n);
  });
});

describe('immediates and 32-bit results', () => {
  it('sign-extends 32-bit immediates in ALU64 and JMP', () => {
    expect(run('mov %r0, -1\nexit')).toBe(0xffffffffffffffffn);
    expect(run('mov %r0, 0\nadd %r0, -1\nexit')).toBe(0xffffffffffffffffn);
    expect(run('lddw %r0, 0xffffffff00000000\nand %r0, 0x80000000\nexit')).toBe(0xffffffff00000000n);
    expect(run('mov %r0, -1\njeq %r0, -1, +1\nmov %r0, 0\nexit')).toBe(0xffffffffffffffffn);
  });

  it('zero-extends every 32-bit ALU result', () => {
    expect(run('mov32 %r0, -1\nexit')).toBe(0xffffffffn);
    expect(run('mov %r0, -1\nadd32 %r0, 0\nexit')).toBe(0xffffffffn);
    expect(run('mov %r0, -1\nneg32 %r0\nexit')).toBe(1n);
    expect(run('lddw %r0, 0x1122334455667788\nle16 %r0\nexit')).toBe(0x7788n);
    expect(run('lddw %r0, 0x1122334455667788\nbe32 %r0\nexit')).toBe(0x88776655n);
  });

  it('compares only the low halves in JMP32', () => {
    expect(run('lddw %r1, 0x100000000\nmov %r0, 1\njeq32 %r1, 0, +1\nmov %r0, 0\nexit')).toBe(1n);
    expect(run('lddw %r1, 0x1ffffffff\nmov %r0, 1\njslt32 %r1, 0, +1\nmov %r0, 0\nexit')).toBe(1n);
    expect(run('lddw %r1, 0x1ffffffff\nmov %r0, 1\njsgt %r1, 0, +1\nmov %r0, 0\nexit')).toBe(1n);
  });
});

describe('atomics', () => {
  it('FETCH forms return the old value; non-fetch forms leave the source register alone', () => {
    const src = 'stdw [%r10-8], 40\nmov %r1, 2\n';
    expect(run(`${src}lock fetch add [%r10-8], %r1\nmov %r0, %r1\nexit`)).toBe(40n);
    expect(run(`${src}lock add [%r10-8], %r1\nldxdw %r0, [%r10-8]\nadd %r0, %r1\nexit`)).toBe(44n);
    expect(run(`${src}lock fetch xor [%r10-8], %r1\nldxdw %r0, [%r10-8]\nexit`)).toBe(42n);
  });

  it('32-bit atomics zero-extend the value they return and touch only 4 bytes', () => {
    const src = 'stdw [%r10-8], -1\nmov %r1, 1\n';
    expect(run(`${src}lock fetch add32 [%r10-8], %r1\nmov %r0, %r1\nexit`)).toBe(0xffffffffn);
    expect(run(`${src}lock fetch add32 [%r10-8], %r1\nldxdw %r0, [%r10-8]\nexit`)).toBe(0xffffffff00000000n);
  });

  it('cmpxchg32 compares the low half of R0 and zero-extends the old value into R0', () => {
    const prog = 'stw [%r10-4], 7\nlddw %r0, 0xffffffff00000007\nmov %r1, 9\nlock cmpxchg32 [%r10-4], %r1\n';
    expect(run(`${prog}exit`)).toBe(7n);
    expect(run(`${prog}ldxw %r0, [%r10-4]\nexit`)).toBe(9n);
  });
});

describe('calls and the stack', () => {
  it('gives each BPF-to-BPF call its own 512-byte frame', () => {
    const prog = `
      stdw [%r10-8], 111
      call local f
      ldxdw %r0, [%r10-8]
      exit
    f:
      stdw [%r10-8], 222
      mov %r0, 0
      exit`;
    expect(run(prog)).toBe(111n);
  });

  it('lets a callee use a pointer into the caller frame', () => {
    const prog = `
      mov %r1, %r10
      add %r1, -8
      call local f
      ldxdw %r0, [%r10-8]
      exit
    f:
      stdw [%r1+0], 5
      mov %r0, 0
      exit`;
    expect(run(prog)).toBe(5n);
  });

  it('faults on an access past the current frame, even where a deeper frame would lie', () => {
    expect(run('stdw [%r10-512], 7\nldxdw %r0, [%r10-512]\nexit')).toBe(7n);
    expect(() => run('stdw [%r10-513], 7\nmov %r0, 0\nexit')).toThrow(/^insn 0: invalid write of 8 bytes at 0x[0-9a-f]+ \(outside region stack0 /);
    expect(() => run('stdw [%r10-600], 7\nmov %r0, 0\nexit')).toThrow(/^insn 0: invalid write of 8 bytes .*unmapped/);
    expect(() => run('mov %r0, 0\ncall local f\nexit\nf:\nldxdw %r0, [%r10-1100]\nexit')).toThrow(/^insn 3: invalid read/);
  });

  it('stops a program that calls itself more than 8 frames deep', () => {
    expect(() => run('call local f\nexit\nf:\ncall local f\nexit')).toThrow(/insn 2: the call stack of 9 frames is too deep/);
  });
});

describe('faults', () => {
  it('stops a runaway program when the instruction budget is exhausted, naming the instruction', () => {
    // The loop ends only when r0 wraps past 2^64: no budget lasts that long.
    expect(() => run('mov %r0, 0\nloop:\nadd %r0, 1\njne %r0, 0, loop\nexit')).toThrow(/insn \d: instruction budget of 1000000 exhausted/);
    expect(() => run('mov %r0, 0\nloop:\nadd %r0, 1\njne %r0, 0, loop\nexit', undefined, 10)).toThrow(/budget of 10 exhausted/);
  });

  it('refuses reads and writes outside every region, naming instruction and address', () => {
    const mem = new Uint8Array(8);
    expect(run('ldxdw %r0, [%r1+0]\nexit', mem)).toBe(0n);
    expect(() => run('ldxw %r0, [%r1+6]\nexit', mem)).toThrow(/^insn 0: invalid read of 4 bytes at 0x[0-9a-f]{8} \(crosses the end of region mem/);
    expect(() => run('mov %r1, 16\nstxb [%r1+0], %r1\nmov %r0, 0\nexit')).toThrow(/^insn 1: invalid write of 1 byte at 0x00000010 \(NULL page\)/);
    expect(() => run('ldxb %r0, [%r10+0]\nexit')).toThrow(/insn 0: invalid read of 1 byte/);
  });

  it('refuses a pointer whose 64-bit value is beyond memory', () => {
    expect(() => run('lddw %r1, 0x100000000\nldxb %r0, [%r1+0]\nexit')).toThrow(/insn 2: invalid memory access at 0x100000000/);
  });
});

describe('load-time refusals', () => {
  const refuse = (src: string): string => {
    try {
      run(src);
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error('accepted');
  };

  it('refuses reads of uninitialised registers and writes to the frame pointer', () => {
    expect(refuse('exit')).toBe('insn 0: R0 !read_ok');
    expect(refuse('mov %r0, %r3\nexit')).toBe('insn 0: R3 !read_ok');
    expect(refuse('mov %r0, 0\ncall 5\nmov %r0, %r1\nexit')).toBe('insn 2: R1 !read_ok');
    expect(refuse('mov %r10, 0\nmov %r0, 0\nexit')).toBe('insn 0: frame pointer is read only');
  });

  it('refuses bad control flow with the kernel wording', () => {
    expect(refuse('mov %r0, 0\nja +5\nexit')).toBe('insn 1: jump out of range from insn 1 to 7');
    expect(refuse('mov %r0, 0\nja +1\nlddw %r1, 1\nexit')).toBe('insn 1: jump into the middle of ldimm64 insn 2');
    expect(refuse('mov %r0, 0')).toBe('insn 0: last insn is not an exit or jmp');
    expect(refuse('mov %r0, 0\ncall 9999\nexit')).toBe('insn 1: invalid func unknown#9999');
    expect(refuse('mov %r0, 0\ncall 26\nexit')).toBe('insn 1: program of this type cannot use helper bpf_skb_load_bytes#26');
    expect(refuse('mov %r0, 0\ncall 209\nexit')).toBe('insn 1: program of this type cannot use helper bpf_user_ringbuf_drain#209');
    expect(refuse('mov %r0, 0\ncall 211\nexit')).toBe('insn 1: program of this type cannot use helper bpf_cgrp_storage_delete#211');
    expect(refuse('mov %r0, 0\ncall 212\nexit')).toBe('insn 1: invalid func unknown#212');
  });

  it('decodes legacy packet loads but refuses them outside socket filters', () => {
    expect(refuse('ldabsh 12\nexit')).toBe('insn 0: BPF_LD_[ABS|IND] instructions not allowed for this program type');
  });
});
