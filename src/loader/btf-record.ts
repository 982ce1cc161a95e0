import { parseValueFields } from '../btf/fields.js';
import type { ObjectFile } from '../elf/types.js';
import type { BpfTimers } from '../helpers/hrtimer.js';
import type { BpfMap } from '../maps/map.js';
import { checkBtfFields } from '../maps/record.js';

/**
 * The special fields each map gets from its value's BTF, as the kernel's
 * map_check_btf finds them when libbpf creates the map with BTF. A map whose
 * fields the kernel refuses there (a timer in a per-CPU map, say) fails to
 * be created, and libbpf creates it again without BTF ("Retrying without
 * BTF"): it then has no BTF at all, which is what the verifier later says
 * when a program uses a timer in it. Maps declared without a value type have
 * no BTF either.
 */
export function attachBtfRecords(object: ObjectFile, maps: readonly BpfMap[], timers: BpfTimers): void {
  const btf = object.btf;
  if (btf === undefined) return;
  object.maps.forEach((def, i) => {
    if (def.btfValueTypeId === 0) return;
    const map = maps[i]!;
    const fields = parseValueFields(btf, def.btfValueTypeId, def.valueSize);
    if (fields !== undefined && checkBtfFields(map.spec, fields) !== 0) return;
    timers.addMap(map, fields);
  });
}
