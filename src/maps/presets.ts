import type { BpfMap } from './map.js';
import { isRefHolder, type ObjectRefs } from './refs.js';
import { MapError } from './types.js';

/** A slot preset in `.values = { [i] = &x }`: the map or the program it holds. */
export type PresetSlot = { index: number; kind: 'map'; mapIndex: number } | { index: number; kind: 'prog'; programName: string };

/**
 * What filling the presets needs from an object: its programs with the
 * attach type each expects, and each map's preset slots. A parsed object
 * (elf's ObjectFile) is one as it is.
 */
export interface PresetObject {
  programs: readonly { name: string; sectionDef: { expectedAttachType: number } | undefined }[];
  maps: readonly { name: string; initSlots: readonly PresetSlot[] }[];
}

const u32 = (v: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  return b;
};

/**
 * The last step of loading an object's maps, once they are bound and its
 * programs known: maps holding references (prog arrays, maps of maps, device
 * and CPU maps) learn the object's ids (index + 1), and the slots preset with
 * `.values = { [i] = &x }` are filled, as libbpf's init_map_in_map_slots and
 * init_prog_array_slots do. `maps` is parallel to `object.maps`; program
 * indices are those of `object.programs`.
 */
export function initMapSlots(maps: readonly BpfMap[], object: PresetObject): ObjectRefs {
  const refs: ObjectRefs = {
    maps,
    programs: object.programs.map((p) => ({ name: p.name, expectedAttachType: p.sectionDef?.expectedAttachType ?? 0 })),
  };
  for (const map of maps) if (isRefHolder(map)) map.bindRefs(refs);
  object.maps.forEach((def, i) => {
    const map = maps[i]!;
    for (const slot of def.initSlots) {
      const id = slot.kind === 'map' ? slot.mapIndex + 1 : refs.programs.findIndex((p) => p.name === slot.programName) + 1;
      const target = slot.kind === 'map' ? `map '${maps[slot.mapIndex]?.spec.name ?? `#${slot.mapIndex}`}'` : `prog '${slot.programName}'`;
      try {
        map.updateElem(u32(slot.index), u32(id));
      } catch (e) {
        if (!(e instanceof MapError)) throw e;
        throw new MapError(e.errno, `map '${def.name}': failed to initialize slot [${slot.index}] to ${target}`);
      }
    }
  });
  return refs;
}
