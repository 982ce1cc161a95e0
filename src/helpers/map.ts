import type { Helper } from '../vm/helper.js';
import { mapArg, ptrArg, arg, ret, u32Arg, type HelperState } from './state.js';

/** bpf_map_lookup_elem(map, key): the value's address, or NULL. */
export function mapLookupElem(state: HelperState): Helper {
  return (call) => {
    const map = mapArg(state, call, 1);
    const key = ptrArg(call, 2);
    call.memory.check(key, map.spec.keySize, false, call.insn);
    call.regs[0] = map.lookup(key, state.cpu);
    call.regs[1] = 0;
  };
}

/** bpf_map_update_elem(map, key, value, flags): 0 or a negative errno. */
export function mapUpdateElem(state: HelperState): Helper {
  return (call) => {
    const map = mapArg(state, call, 1);
    const key = ptrArg(call, 2);
    const value = ptrArg(call, 3);
    call.memory.check(key, map.spec.keySize, false, call.insn);
    call.memory.check(value, map.spec.valueSize, false, call.insn);
    ret(call, map.update(key, value, arg(call, 4), state.cpu));
  };
}

/** bpf_map_delete_elem(map, key): 0 or a negative errno. */
export function mapDeleteElem(state: HelperState): Helper {
  return (call) => {
    const map = mapArg(state, call, 1);
    const key = ptrArg(call, 2);
    call.memory.check(key, map.spec.keySize, false, call.insn);
    ret(call, map.delete(key));
  };
}

/**
 * bpf_map_lookup_percpu_elem(map, key, cpu): the value's address in `cpu`'s
 * slot of a per-CPU array, hash or LRU hash, or NULL for a CPU at or past
 * nr_cpu_ids (the possible CPUs) and for a key not there. An LRU hash counts
 * it as a use, as a lookup on its own CPU.
 */
export function mapLookupPercpuElem(state: HelperState): Helper {
  return (call) => {
    const map = mapArg(state, call, 1);
    const key = ptrArg(call, 2);
    call.memory.check(key, map.spec.keySize, false, call.insn);
    const cpu = u32Arg(call, 3);
    call.regs[0] = cpu < map.cpus ? map.lookup(key, cpu) : 0;
    call.regs[1] = 0;
  };
}
