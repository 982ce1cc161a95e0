/**
 * The one base class of the errors xdpsim raises for what it is given: an
 * object, a capture, a map file, a command line the kernel, libbpf or we
 * refuse. Anything else that escapes (a TypeError, a RangeError) is a bug in
 * xdpsim, and the CLI reports it as one, with its stack.
 *
 * May import: nothing, so that every folder under src/ may import it.
 */

/**
 * What kind of input was refused, stable across releases so that scripts,
 * tests and the server can tell refusals apart without parsing messages. One
 * code per layer; a subclass keeps its parent's code.
 *
 * - `USAGE`: the command line (the CLI prints its usage, exit status 2)
 * - `ELF`: an object file libbpf would not open
 * - `BTF`: malformed BTF or BTF.ext
 * - `INSN`: malformed bytecode
 * - `ASM`: assembly text that does not assemble
 * - `LOAD`: an object libbpf or the kernel would not load (a program, a relocation, a setup file)
 * - `VERIFIER`: a program the kernel's verifier would refuse
 * - `MAP`: a map operation the bpf() syscall would refuse, with its errno
 * - `PIN`: a pinned-map file that is not one
 * - `RUNTIME`: a fault while a program runs (which the verifier would have prevented)
 * - `FRAME`: a frame BPF_PROG_TEST_RUN would refuse, with its errno
 * - `PCAP`: a capture that cannot be read or written
 * - `LINK_TYPE`: a captured packet that cannot be turned into an Ethernet frame
 * - `FIB_CONFIG`: a device, route or neighbour table that cannot be used
 * - `SOCKET_CONFIG`: a simulated socket table (or SYN cookie secret) that cannot be used
 * - `CLOCK_CONFIG`: a setting of the simulated clocks that cannot be used
 * - `TASK_CONFIG`: a description of the current task that cannot be used
 * - `NIC_CONFIG`: a virtual NIC, its queues or its RSS settings that cannot be used
 * - `XDP_ATTACH`: an XDP attach, replace or detach the kernel would refuse, with its errno and extack message
 * - `XDP_OFFLOAD`: a program or map an offloading NIC would not take, with its errno and the kernel's log line
 * - `REPLAY`: a replay's settings (speed, loops, outputs, topology) that cannot be used
 */
export type XdpsimErrorCode =
  | 'USAGE'
  | 'ELF'
  | 'BTF'
  | 'INSN'
  | 'ASM'
  | 'LOAD'
  | 'VERIFIER'
  | 'MAP'
  | 'PIN'
  | 'RUNTIME'
  | 'FRAME'
  | 'PCAP'
  | 'LINK_TYPE'
  | 'FIB_CONFIG'
  | 'SOCKET_CONFIG'
  | 'CLOCK_CONFIG'
  | 'TASK_CONFIG'
  | 'NIC_CONFIG'
  | 'XDP_ATTACH'
  | 'XDP_OFFLOAD'
  | 'REPLAY';

/** An input xdpsim refuses; `message` is one line that says what and where. */
export abstract class XdpsimError extends Error {
  abstract readonly code: XdpsimErrorCode;
}
