// Device, CPU and socket maps from user space, with the answers the kernel
// (6.18) gave to the same bpf(2) calls: creation checks, update flags, empty
// slots, deletes, key walks, and what a lookup reads back.
import { describe, expect, it } from 'vitest';
import { CpuMap, kernelNrCpus } from '../../src/maps/cpumap.js';
import { DevMap, DevMapHash } from '../../src/maps/devmap.js';
import { initMapSlots } from '../../src/maps/presets.js';
import { XskMap } from '../../src/maps/xskmap.js';
import {
  BPF_EXIST,
  BPF_F_MMAPABLE,
  BPF_F_NO_PREALLOC,
  BPF_F_RDONLY,
  BPF_F_RDONLY_PROG,
  BPF_MAP_TYPE_CPUMAP,
  BPF_MAP_TYPE_DEVMAP,
  BPF_MAP_TYPE_DEVMAP_HASH,
  BPF_MAP_TYPE_XSKMAP,
  BPF_NOEXIST,
  BPF_XDP,
  BPF_XDP_DEVMAP,
} from '../../src/uapi/bpf.js';
import {
  E2BIG,
  EBADF,
  EEXIST,
  EINVAL,
  ENODEV,
  ENOENT,
  ENOMEM,
  EOPNOTSUPP,
  EOVERFLOW,
} from '../../src/uapi/errno.js';
import { CPUS, errnoOf, layout, spec, u32, u32s } from './support.js';

const devmap = (valueSize = 8) => layout([spec(BPF_MAP_TYPE_DEVMAP, 4, valueSize, 4)]).maps[0] as DevMap;

describe('BPF_MAP_TYPE_DEVMAP', () => {
  it('takes a 4-byte key, a 4- or 8-byte value and few flags, and is read-only for programs', () => {
    expect(errnoOf(() => devmap(6))).toBe(EINVAL);
    expect(errnoOf(() => devmap(12))).toBe(EINVAL);
    expect(errnoOf(() => layout([spec(BPF_MAP_TYPE_DEVMAP, 8, 8, 4)]))).toBe(EINVAL);
    for (const flag of [BPF_F_RDONLY_PROG, BPF_F_MMAPABLE, BPF_F_NO_PREALLOC]) {
      expect(errnoOf(() => layout([spec(BPF_MAP_TYPE_DEVMAP, 4, 8, 4, flag)]))).toBe(EINVAL);
    }
    expect(devmap().spec.flags).toBe(BPF_F_RDONLY_PROG);
    expect(layout([spec(BPF_MAP_TYPE_DEVMAP, 4, 8, 4, BPF_F_RDONLY)]).maps[0]!.spec.flags).toBe(BPF_F_RDONLY | BPF_F_RDONLY_PROG);
  });

  it('updates, empties and walks slots as the kernel does', () => {
    const m = devmap();
    expect(m.lookupElem(u32(0))).toBeUndefined();
    m.deleteElem(u32(0)); // deleting an empty slot succeeds
    expect(errnoOf(() => m.deleteElem(u32(9)))).toBe(EINVAL);
    expect(errnoOf(() => m.updateElem(u32(9), u32s(1, 0)))).toBe(E2BIG);
    m.updateElem(u32(0), u32s(1, 0));
    expect(errnoOf(() => m.updateElem(u32(0), u32s(1, 0), BPF_NOEXIST))).toBe(EEXIST);
    m.updateElem(u32(1), u32s(1, 0), BPF_EXIST); // EXIST does not need an entry
    m.updateElem(u32(3), u32s(1, 0xffffffff)); // a negative program fd means none
    expect(m.lookupElem(u32(3))).toEqual(u32s(1, 0));
    expect(errnoOf(() => m.updateElem(u32(2), u32s(0, 5)))).toBe(EINVAL); // no program without a device
    m.updateElem(u32(2), u32s(0, 0)); // ifindex 0 empties the slot
    expect(errnoOf(() => m.updateElem(u32(0), u32s(1, 0), 3))).toBe(EINVAL);
    expect(errnoOf(() => m.updateElem(u32(0), u32s(1, 0), 4))).toBe(EINVAL);
    m.updateElem(u32(0), u32s(0, 0));
    expect(m.lookupElem(u32(0))).toBeUndefined();
    expect(m.nextKeyElem(undefined)).toEqual(u32(0));
    expect(m.nextKeyElem(u32(7))).toEqual(u32(0));
    expect(m.nextKeyElem(u32(3))).toBeUndefined();
    expect([...m.entries()].map(([k]) => k)).toEqual([u32(1), u32(3)]);
    expect(m.deviceAt(1)).toEqual({ ifindex: 1, programId: 0 });
    expect(m.hasRedirectTarget(2)).toBe(false);
  });

  it('refuses devices the NIC layer does not know, and programs not loaded for devmap', () => {
    const m = devmap();
    m.deviceExists = (ifindex) => ifindex === 1;
    expect(errnoOf(() => m.updateElem(u32(0), u32s(999, 0)))).toBe(EINVAL);
    initMapSlots([m], {
      maps: [{ name: 'm', initSlots: [] }],
      programs: [
        { name: 'plain', sectionDef: { expectedAttachType: BPF_XDP } },
        { name: 'egress', sectionDef: { expectedAttachType: BPF_XDP_DEVMAP } },
      ],
    });
    expect(errnoOf(() => m.updateElem(u32(0), u32s(1, 1)))).toBe(EINVAL);
    expect(errnoOf(() => m.updateElem(u32(0), u32s(1, 3)))).toBe(EINVAL);
    m.updateElem(u32(0), u32s(1, 2));
    expect(m.lookupElem(u32(0))).toEqual(u32s(1, 2));
    expect(m.deviceAt(0)).toEqual({ ifindex: 1, programId: 2 });
  });

  it('with a 4-byte value reads back the ifindex only', () => {
    const m = devmap(4);
    m.updateElem(u32(1), u32(1));
    expect(m.lookupElem(u32(1))).toEqual(u32(1));
  });
});

describe('BPF_MAP_TYPE_DEVMAP_HASH', () => {
  it('keys entries by any u32, up to max_entries, never with ifindex 0', () => {
    const m = layout([spec(BPF_MAP_TYPE_DEVMAP_HASH, 4, 4, 2)]).maps[0] as DevMapHash;
    m.updateElem(u32(7), u32(1), BPF_EXIST);
    expect(errnoOf(() => m.updateElem(u32(7), u32(1), BPF_NOEXIST))).toBe(EEXIST);
    m.updateElem(u32(8), u32(1));
    expect(errnoOf(() => m.updateElem(u32(9), u32(1)))).toBe(E2BIG);
    expect(errnoOf(() => m.updateElem(u32(9), u32(0)))).toBe(EINVAL);
    m.deviceExists = () => false;
    expect(errnoOf(() => m.updateElem(u32(9), u32(5)))).toBe(EINVAL); // the device is checked before the room
    expect(errnoOf(() => m.deleteElem(u32(9)))).toBe(ENOENT);
    expect(m.lookupElem(u32(7))).toEqual(u32(1));
    expect(m.deviceAt(8)).toEqual({ ifindex: 1, programId: 0 });
    const first = m.nextKeyElem(undefined);
    expect(m.nextKeyElem(u32(100))).toEqual(first); // an absent key restarts the walk
    expect([...m.entries()]).toHaveLength(2);
  });
});

describe('BPF_MAP_TYPE_CPUMAP', () => {
  const cpumap = (max = 2) => layout([spec(BPF_MAP_TYPE_CPUMAP, 4, 8, max)]).maps[0] as CpuMap;

  it('is bounded by NR_CPUS and takes only BPF_F_NUMA_NODE', () => {
    expect(errnoOf(() => cpumap(kernelNrCpus()))).toBe(0);
    expect(errnoOf(() => cpumap(kernelNrCpus() + 1))).toBe(E2BIG);
    expect(errnoOf(() => layout([spec(BPF_MAP_TYPE_CPUMAP, 4, 6, 2)]))).toBe(EINVAL);
    expect(errnoOf(() => layout([spec(BPF_MAP_TYPE_CPUMAP, 4, 4, 2, BPF_F_RDONLY)]))).toBe(EINVAL);
  });

  it('gives possible CPUs a queue; qsize 0 empties a slot', () => {
    const m = cpumap(4);
    m.updateElem(u32(0), u32s(100, 0));
    expect(m.lookupElem(u32(0))).toEqual(u32s(100, 0));
    expect(errnoOf(() => m.updateElem(u32(CPUS), u32s(100, 0)))).toBe(ENODEV);
    expect(errnoOf(() => m.updateElem(u32(9), u32s(100, 0)))).toBe(E2BIG);
    expect(errnoOf(() => m.updateElem(u32(1), u32s(16385, 0)))).toBe(EOVERFLOW);
    m.updateElem(u32(1), u32s(16384, 0));
    m.updateElem(u32(1), u32s(0, 0));
    expect(m.lookupElem(u32(1))).toBeUndefined();
    expect(errnoOf(() => m.updateElem(u32(1), u32s(10, 99)))).toBe(ENOMEM); // a program fd that is none
    m.updateElem(u32(1), u32s(10, 0xffffffff));
    m.deleteElem(u32(CPUS)); // empty: fine
    expect(errnoOf(() => m.deleteElem(u32(9)))).toBe(EINVAL);
    expect(errnoOf(() => m.updateElem(u32(0), u32s(10, 0), BPF_NOEXIST))).toBe(EEXIST);
    expect(errnoOf(() => m.updateElem(u32(CPUS), u32s(10, 0), BPF_EXIST))).toBe(ENODEV);
    expect(m.nextKeyElem(u32(1))).toEqual(u32(2));
    expect(m.entryAt(1)).toEqual({ qsize: 10, programId: 0 });
    expect(m.hasRedirectTarget(CPUS)).toBe(false);
  });
});

describe('BPF_MAP_TYPE_XSKMAP', () => {
  it('holds opaque socket ids that user space cannot read back', () => {
    expect(errnoOf(() => layout([spec(BPF_MAP_TYPE_XSKMAP, 4, 8, 4)]))).toBe(EINVAL);
    const m = layout([spec(BPF_MAP_TYPE_XSKMAP, 4, 4, 3)]).maps[0] as XskMap;
    expect(errnoOf(() => m.lookupElem(u32(0)))).toBe(EOPNOTSUPP);
    expect(errnoOf(() => m.updateElem(u32(9), u32(5)))).toBe(E2BIG);
    expect(errnoOf(() => m.updateElem(u32(0), u32(0)))).toBe(EBADF);
    expect(errnoOf(() => m.updateElem(u32(0), u32(5), BPF_EXIST))).toBe(ENOENT);
    m.updateElem(u32(0), u32(5));
    m.updateElem(u32(0), u32(5), BPF_NOEXIST); // the same socket again is fine
    expect(errnoOf(() => m.updateElem(u32(0), u32(6), BPF_NOEXIST))).toBe(EEXIST);
    m.setSocket(1, { id: 7, queueId: 3 });
    // Bound without XDP_USE_SG, on default UMEM chunks, unless told.
    expect(m.socketAt(1)).toEqual({ id: 7, queueId: 3, sg: false, chunkSize: 4096, headroom: 0 });
    m.setSocket(2, { id: 8, queueId: 0, sg: true, chunkSize: 2048, headroom: 64 });
    expect(m.socketAt(2)).toEqual({ id: 8, queueId: 0, sg: true, chunkSize: 2048, headroom: 64 });
    // User space's update stores a socket of queue 0 by id, with the defaults again.
    m.updateElem(u32(2), u32(9));
    expect(m.socketAt(2)).toEqual({ id: 9, queueId: 0, sg: false, chunkSize: 4096, headroom: 0 });
    m.deleteElem(u32(2));
    expect(m.hasRedirectTarget(1)).toBe(true);
    m.deleteElem(u32(2)); // empty: fine
    expect(errnoOf(() => m.deleteElem(u32(9)))).toBe(EINVAL);
    expect(m.nextKeyElem(u32(1))).toEqual(u32(2));
    expect(m.nextKeyElem(u32(2))).toBeUndefined();
    expect([...m.entries()]).toEqual([]);
  });
});
