import { EINVAL } from '../uapi/errno.js';
import type { Helper } from '../vm/helper.js';
import { mapArg, ptrArg, type HelperState } from './state.js';

/** bpf_map_lookup_elem(map, key): the value's address, or NULL. */
export function mapLookupElem(state: HelperState): Helper {
  return (call, r1, r2, _r3, _r4, _r5, h1, h2) => {
    const map = mapArg(state, call, 1, r1, h1);
    const key = ptrArg(call, 2, r2, h2);
    call.memory.check(key, map.spec.keySize, false, call.insn);
    return map.lookup(key, state.cpu);
  };
}

/** bpf_map_update_elem(map, key, value, flags): 0 or a negative errno. */
export function mapUpdateElem(state: HelperState): Helper {
  return (call, r1, r2, r3, r4, _r5, h1, h2, h3, h4) => {
    const map = mapArg(state, call, 1, r1, h1);
    const key = ptrArg(call, 2, r2, h2);
    const value = ptrArg(call, 3, r3, h3);
    call.memory.check(key, map.spec.keySize, false, call.insn);
    call.memory.check(value, map.spec.valueSize, false, call.insn);
    // Flags are a u64: every map type's update refuses anything past BPF_EXIST | BPF_F_LOCK first, so a
    // bit in the high half or bit 31 is -EINVAL before the map looks at anything else.
    if (h4 !== 0 || r4 < 0) return -EINVAL;
    return map.update(key, value, r4, state.cpu);
  };
}

/** bpf_map_delete_elem(map, key): 0 or a negative errno. */
export function mapDeleteElem(state: HelperState): Helper {
  return (call, r1, r2, _r3, _r4, _r5, h1, h2) => {
    const map = mapArg(state, call, 1, r1, h1);
    const key = ptrArg(call, 2, r2, h2);
    call.memory.check(key, map.spec.keySize, false, call.insn);
    return map.delete(key);
  };
}

/**
 * bpf_map_lookup_percpu_elem(map, key, cpu): the value's address in `cpu`'s
 * slot of a per-CPU array, hash or LRU hash, or NULL for a CPU at or past
 * nr_cpu_ids (the possible CPUs) and for a key not there. An LRU hash counts
 * it as a use, as a lookup on its own CPU.
 */
export function mapLookupPercpuElem(state: HelperState): Helper {
  return (call, r1, r2, r3, _r4, _r5, h1, h2) => {
    const map = mapArg(state, call, 1, r1, h1);
    const key = ptrArg(call, 2, r2, h2);
    call.memory.check(key, map.spec.keySize, false, call.insn);
    const cpu = r3 >>> 0;
    return cpu < map.cpus ? map.lookup(key, cpu) : 0;
  };
}
