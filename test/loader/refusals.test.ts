import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LoadError } from '../../src/loader/errors.js';
import { loadObject } from '../../src/loader/load.js';
import { bpftoolMissing } from '../support/bpftool.js';
import { skipBecause } from '../support/skip.js';

const DIR = resolve(import.meta.dirname, '../fixtures/refused');

const bpftool = bpftoolMissing();

/** The verifier's last complaint about `obj`, from `bpftool -d prog load`, or undefined where bpftool cannot ask the kernel. */
function kernelRefusal(obj: string): string | undefined {
  if (bpftool !== undefined) return undefined;
  const pin = `/sys/fs/bpf/xdpsim_refusal_${process.pid}`;
  try {
    execFileSync('bpftool', ['-d', 'prog', 'load', obj, pin, 'type', 'xdp'], { stdio: 'pipe' });
    rmSync(pin, { force: true });
    return 'accepted';
  } catch (e) {
    const log = String((e as { stderr?: Buffer }).stderr ?? '');
    const lines = log.split('\n');
    const end = lines.findIndex((l) => /^processed \d+ insns|^verification time/.test(l));
    if (end <= 0) throw new Error(`bpftool refused ${obj} without a verifier log:\n${log}`);
    return lines[end - 1]!.trim();
  }
}

const refusal = (obj: string): LoadError => {
  try {
    loadObject(join(DIR, obj));
  } catch (e) {
    if (e instanceof LoadError) return e;
    throw e;
  }
  throw new Error(`${obj} was accepted`);
};

describe('objects the kernel refuses are refused at load, in its words, pointing at the C line', () => {
  if (bpftool !== undefined) skipBecause(`comparing with the kernel's refusals: ${bpftool}`);

  it('a helper XDP may not call', () => {
    const e = refusal('skb_helper.bpf.o');
    expect(e.message).toBe(
      "program 'xdp_skb_helper': insn 5: program of this type cannot use helper bpf_skb_load_bytes#26" +
        ' (skb_helper.bpf.c:10: if (bpf_skb_load_bytes(ctx, 0, buf, sizeof(buf)) < 0))',
    );
    const kernel = kernelRefusal(join(DIR, 'skb_helper.bpf.o'));
    if (kernel !== undefined) expect(e.message).toContain(kernel);
  });

  it('a GPL-only helper from a non-GPL program', () => {
    const e = refusal('proprietary_printk.bpf.o');
    expect(e.message).toMatch(
      /^program 'xdp_proprietary': insn 4: cannot call GPL-restricted function from non-GPL compatible program \(proprietary_printk\.bpf\.c:8: bpf_printk/,
    );
    const kernel = kernelRefusal(join(DIR, 'proprietary_printk.bpf.o'));
    if (kernel !== undefined) expect(e.message).toContain(kernel);
  });

  it('a CO-RE relocation that asks about the target kernel, which libbpf would answer from its BTF', () => {
    expect(refusal('core_exists.bpf.o').message).toBe(
      "program 'xdp_core_exists': insn 0: CO-RE relocation type_exists (0) asks about the target kernel's types, which xdpsim " +
        'does not read; libbpf answers it from /sys/kernel/btf/vmlinux (core_exists.bpf.c:12: int xdp_core_exists(struct xdp_md *ctx))',
    );
  });
});
