/**
 * The BPF helpers, each written once for the interpreter and the JIT over the
 * flat memory, and the one table of their prototypes (protos.ts, as the
 * kernel's `struct bpf_func_proto`) that the loader, the verifier and the
 * engines read; the helpers' ids and names come from uapi. Also what helpers
 * share between calls: the simulated clocks, timers, sockets, FIB and task.
 *
 * May import: errors, uapi, isa, btf, vm, elf, maps, xdp.
 */
