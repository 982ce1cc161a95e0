/**
 * BPF_PROG_TEST_RUN for XDP: one frame in, the verdict and the frame out,
 * with the kernel's refusals, on one execution context of the object. What
 * `xdpsim run`, the kernel comparisons and most tests use.
 *
 * May import: errors, uapi, isa, vm, elf, maps, xdp, helpers, verifier, engine.
 * Imported by: loader, cli.
 */
export { testRunRefusal, XdpProgram, type XdpResult, type XdpRunOptions } from './program.js';
export { refusedLine, runFrame, type FrameLine } from './line.js';
