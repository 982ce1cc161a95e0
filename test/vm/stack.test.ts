import { describe, expect, it } from 'vitest';

import { MAX_BPF_STACK, MAX_CALL_FRAMES } from '../../src/isa/opcodes.js';
import { MemoryLayout } from '../../src/vm/memory.js';
import { layoutStack } from '../../src/vm/stack.js';

describe('layoutStack', () => {
  it('gives every stack laid out in one memory its own frames (one per execution context)', () => {
    const layout = new MemoryLayout();
    const first = layoutStack(layout);
    const second = layoutStack(layout);
    const memory = layout.build();
    const a = first(memory);
    const b = second(memory);
    expect(a).toHaveLength(MAX_CALL_FRAMES);
    expect(b).toHaveLength(MAX_CALL_FRAMES);
    const tops = [...a, ...b];
    expect(new Set(tops).size).toBe(2 * MAX_CALL_FRAMES);
    // No two frames overlap: each top is at least a frame (and its guard) away from every other.
    const sorted = tops.sort((x, y) => x - y);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]! - sorted[i - 1]!).toBeGreaterThan(MAX_BPF_STACK);
  });
});
