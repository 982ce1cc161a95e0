/**
 * The engine: how a loaded program runs. An Executable is one program
 * compiled for one engine (the interpreter today, the JIT next) behind one
 * interface; an ExecutionContext is one CPU's worth of state to run it with
 * (its stack frames, its `struct xdp_md`, its frame slots, its per-CPU slot,
 * its helper closures), so that many contexts run one program, interleaved
 * on one thread or on several threads over the same shared memory. Test
 * runs, the CLI, the NICs and the benchmarks go through these two and never
 * name an engine's classes.
 *
 * May import: errors, uapi, isa, vm, elf, maps, xdp, helpers, verifier.
 * Imported by: testrun, loader and everything above them.
 */
export { ExecutionContext, layoutContext, type ContextLayout, type ContextShared } from './context.js';
export { BatchFault } from './fault.js';
export { compile, ENGINES, type EngineName, type Executable } from './executable.js';
