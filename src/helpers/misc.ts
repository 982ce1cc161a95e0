import { EINVAL, ENOENT } from '../uapi/errno.js';
import type { Helper } from '../vm/helper.js';
import type { HelperState } from './state.js';

/** bpf_get_smp_processor_id: the CPU the run was placed on. */
export const getSmpProcessorId = (state: HelperState): Helper => () => state.cpu;

/** bpf_get_numa_node_id: one node, as on a single-socket host. */
export const getNumaNodeId: Helper = () => 0;

/**
 * bpf_get_prandom_u32: a xorshift32 stream. The kernel's values are not
 * reproducible either; this one is per execution context, seeded once.
 */
export function getPrandomU32(seed = 0x2545f491): Helper {
  let state = seed | 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
}

/**
 * bpf_get_branch_snapshot(buf, size, flags): the CPU's last branch records.
 * The simulated CPU keeps none (nor does this host's kernel find any, on a
 * CPU without LBR), so no entry is copied and buf is left as it was: -EINVAL
 * when flags are set (checked after the snapshot), else -ENOENT.
 */
export const getBranchSnapshot: Helper = (_call, _r1, _r2, r3, _r4, _r5, _h1, _h2, h3) => r3 !== 0 || h3 !== 0 ? -EINVAL : -ENOENT;
