import type { VerifierState } from './state.js';
import type { Verifier } from './verifier.js';

/**
 * check_resource_leak: where the program leaves (its main exit, a tail
 * call) it may hold no lock and no reference. Each reference still held is
 * logged on a line of its own before the refusal, as the kernel logs them.
 */
export function checkResourceLeak(v: Verifier, st: VerifierState, prefix: string): void {
  if (st.activeLock) v.fail(`${prefix} cannot be used inside bpf_spin_lock-ed region`, 'EINVAL');
  if (st.refs.length === 0) return;
  for (const ref of st.refs) v.log.push(`Unreleased reference id=${ref.id} alloc_insn=${ref.insn}`);
  v.fail(`${prefix} would lead to reference leak`, 'EINVAL');
}
