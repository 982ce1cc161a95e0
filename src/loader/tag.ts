import { createHash } from 'node:crypto';
import type { BpfProgram } from '../elf/types.js';
import { BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_IDX, BPF_PSEUDO_MAP_IDX_VALUE, BPF_PSEUDO_MAP_VALUE } from '../isa/opcodes.js';

const INSN_SIZE = 8;
const LDDW = 0x18;

/**
 * bpf_prog_calc_tag: the first 8 bytes of the SHA-256 (6.18 hashes with it; older kernels with SHA-1) of the program's
 * instructions, in hex, as `bpftool prog show` and `ip link show` print it.
 * The kernel hashes them as libbpf sent them, with the map loads' immediates
 * (a file descriptor, and a global variable's offset) zeroed so that the tag
 * does not change from load to load; libbpf sends a map load as
 * BPF_PSEUDO_MAP_FD and a global-data load as BPF_PSEUDO_MAP_VALUE where the
 * object file's relocations left our index forms.
 */
export function programTag(program: BpfProgram): string {
  const insns = program.insns.slice();
  const view = new DataView(insns.buffer, insns.byteOffset, insns.byteLength);
  for (let at = 0; at + 2 * INSN_SIZE <= insns.length; at += INSN_SIZE) {
    if (insns[at] !== LDDW) continue;
    const src = insns[at + 1]! >> 4;
    const kernelSrc = src === BPF_PSEUDO_MAP_IDX ? BPF_PSEUDO_MAP_FD : src === BPF_PSEUDO_MAP_IDX_VALUE ? BPF_PSEUDO_MAP_VALUE : src;
    if (kernelSrc === BPF_PSEUDO_MAP_FD || kernelSrc === BPF_PSEUDO_MAP_VALUE) {
      insns[at + 1] = (insns[at + 1]! & 0x0f) | (kernelSrc << 4);
      view.setInt32(at + 4, 0, true);
      view.setInt32(at + INSN_SIZE + 4, 0, true);
    }
    at += INSN_SIZE;
  }
  return createHash('sha256').update(insns).digest('hex').slice(0, 16);
}
