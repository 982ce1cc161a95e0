import { MAX_BPF_STACK, MAX_CALL_FRAMES } from '../isa/opcodes.js';
import type { Memory, MemoryLayout } from './memory.js';

/**
 * Unmapped bytes around each frame: more than any 16-bit offset from R10
 * reaches, so an access past the frame's 512 bytes faults instead of landing
 * in a neighbouring frame (the kernel's verifier refuses such an access
 * outright).
 */
const FRAME_GUARD = 0x8000 + 64;

/**
 * Lays out the call stack: one 512-byte region per frame, `stack0` for the
 * program and `stack1`.. for BPF-to-BPF calls and callbacks, each between
 * guards. Returns a function that, once the memory is built, gives each
 * frame's R10 (one past its top).
 */
export function layoutStack(layout: MemoryLayout): (memory: Memory) => number[] {
  // By region index, not name: every execution context lays out frames named stack0.., and each must get its own.
  const frames: number[] = [];
  for (let depth = 0; depth < MAX_CALL_FRAMES; depth++) {
    layout.reserve(FRAME_GUARD);
    frames.push(layout.add({ name: `stack${depth}`, size: MAX_BPF_STACK, writable: true }));
  }
  layout.reserve(FRAME_GUARD);
  return (memory) => frames.map((i) => memory.regions[i]!.end);
}
