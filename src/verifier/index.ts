/**
 * The kernel verifier's decisions for XDP programs: structure and control
 * flow, then abstract interpretation of every path (register types, scalar
 * bounds as tnums and intervals, packet ranges proven against data_end,
 * stack slots, map values, helper prototypes, references and locks), with
 * refusals in the kernel's words and a log like its own. An offloading
 * device's driver plugs its checks in through OffloadHooks (offload.ts), as
 * the kernel's bpf_prog_offload_ops: the verifier knows no device.
 *
 * May import: errors, uapi, isa, helpers. Of helpers it uses only the
 * prototype table and the map/helper compatibility rules.
 */
export { checkProgram, verifyXdp, jitFacts, RefusedProgram, type ProgramCheckOptions, type Verified } from './program.js';
export type { VerifierInput, VerifierMap, MapRef, Subprog, GlobalArg, XdpAttach } from './env.js';
export { VerifierError, type VerifierErrno } from './errors.js';
export {
  BPF_REG_TYPE,
  MEM_RDONLY,
  MEM_RINGBUF,
  PTR_MAYBE_NULL,
  STACK_ZERO,
  offloadTnumStr,
  type OffloadFinalView,
  type OffloadHooks,
  type OffloadReg,
  type OffloadRefusal,
  type OffloadView,
} from './offload.js';
export { JitFacts, type InsnFact, type OperandFact } from './facts.js';
