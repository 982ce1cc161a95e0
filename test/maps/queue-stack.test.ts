// Queue and stack maps from user space, with the answers the kernel gave to
// the same calls through bpf(2) (6.18): push is update, peek is lookup, pop
// is lookup-and-delete; there are no keys to delete or walk.
import { describe, expect, it } from 'vitest';
import { QueueStackMap } from '../../src/maps/queue-stack.js';
import { BPF_F_NO_PREALLOC, BPF_F_RDONLY_PROG, BPF_MAP_TYPE_QUEUE, BPF_MAP_TYPE_STACK } from '../../src/uapi/bpf.js';
import { E2BIG, EINVAL } from '../../src/uapi/errno.js';
import { errnoOf, layout, spec, u32 } from './support.js';

const NO_KEY = new Uint8Array(0);
const make = (type: number) => layout([spec(type, 0, 4, 2)]).maps[0] as QueueStackMap;

describe('BPF_MAP_TYPE_QUEUE and BPF_MAP_TYPE_STACK', () => {
  it('are created with no key, a value and no preallocation flag', () => {
    expect(errnoOf(() => layout([spec(BPF_MAP_TYPE_QUEUE, 4, 4, 2)]))).toBe(EINVAL);
    expect(errnoOf(() => layout([spec(BPF_MAP_TYPE_QUEUE, 0, 0, 2)]))).toBe(EINVAL);
    expect(errnoOf(() => layout([spec(BPF_MAP_TYPE_QUEUE, 0, 4, 0)]))).toBe(EINVAL);
    expect(errnoOf(() => layout([spec(BPF_MAP_TYPE_QUEUE, 0, 4, 2, BPF_F_NO_PREALLOC)]))).toBe(EINVAL);
    expect(errnoOf(() => layout([spec(BPF_MAP_TYPE_STACK, 0, 4, 2, BPF_F_RDONLY_PROG)]))).toBe(0);
  });

  it('queue: FIFO; a full queue refuses a push unless BPF_EXIST, which drops the oldest', () => {
    const q = make(BPF_MAP_TYPE_QUEUE);
    expect(q.lookupElem(NO_KEY)).toBeUndefined();
    expect(q.lookupAndDeleteElem()).toBeUndefined();
    q.updateElem(NO_KEY, u32(1));
    q.updateElem(NO_KEY, u32(2));
    expect(errnoOf(() => q.updateElem(NO_KEY, u32(3)))).toBe(E2BIG);
    expect(errnoOf(() => q.updateElem(NO_KEY, u32(3), 1))).toBe(EINVAL);
    expect(errnoOf(() => q.updateElem(NO_KEY, u32(3), 3))).toBe(EINVAL);
    q.updateElem(NO_KEY, u32(3), 2);
    expect(q.values()).toEqual([u32(2), u32(3)]);
    expect(q.lookupElem(NO_KEY)).toEqual(u32(2));
    expect(errnoOf(() => q.deleteElem(NO_KEY))).toBe(EINVAL);
    expect(q.nextKeyElem(undefined)).toBeUndefined();
    expect(q.lookupAndDeleteElem()).toEqual(u32(2));
    expect(q.lookupAndDeleteElem()).toEqual(u32(3));
    expect(q.lookupAndDeleteElem()).toBeUndefined();
  });

  it('stack: LIFO; BPF_EXIST on a full stack drops the bottom', () => {
    const s = make(BPF_MAP_TYPE_STACK);
    s.updateElem(NO_KEY, u32(1));
    s.updateElem(NO_KEY, u32(2));
    s.updateElem(NO_KEY, u32(3), 2);
    expect(s.lookupElem(NO_KEY)).toEqual(u32(3));
    expect(s.values()).toEqual([u32(3), u32(2)]);
    expect(s.lookupAndDeleteElem()).toEqual(u32(3));
    expect(s.lookupAndDeleteElem()).toEqual(u32(2));
    expect(s.lookupAndDeleteElem()).toBeUndefined();
    for (let i = 0; i < 10; i++) s.updateElem(NO_KEY, u32(i), 2); // wraps the ring many times
    expect(s.values()).toEqual([u32(9), u32(8)]);
  });
});
