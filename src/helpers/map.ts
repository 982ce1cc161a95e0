import type { Helper } from '../vm/helper.js';
import { mapArg, ptrArg, arg, ret, type Runtime } from './runtime.js';

/** bpf_map_lookup_elem(map, key): the value's address, or NULL. */
export function mapLookupElem(rt: Runtime): Helper {
  return (call) => {
    const map = mapArg(rt, call, 1);
    const key = ptrArg(call, 2);
    call.memory.check(key, map.spec.keySize, false, call.insn);
    call.regs[0] = map.lookup(key, rt.cpu);
    call.regs[1] = 0;
  };
}

/** bpf_map_update_elem(map, key, value, flags): 0 or a negative errno. */
export function mapUpdateElem(rt: Runtime): Helper {
  return (call) => {
    const map = mapArg(rt, call, 1);
    const key = ptrArg(call, 2);
    const value = ptrArg(call, 3);
    call.memory.check(key, map.spec.keySize, false, call.insn);
    call.memory.check(value, map.spec.valueSize, false, call.insn);
    ret(call, map.update(key, value, arg(call, 4), rt.cpu));
  };
}

/** bpf_map_delete_elem(map, key): 0 or a negative errno. */
export function mapDeleteElem(rt: Runtime): Helper {
  return (call) => {
    const map = mapArg(rt, call, 1);
    const key = ptrArg(call, 2);
    call.memory.check(key, map.spec.keySize, false, call.insn);
    ret(call, map.delete(key));
  };
}
